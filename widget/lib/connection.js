// The link to Rasa's socket.io channel (bot/credentials.yml, session_persistence: true).
//
// Protocol: after every (re)connect the client sends `session_request` with its session id and
// Rasa answers `session_confirm`; only then is the socket in the session's room, where Rasa
// sends `bot_uttered`. Messages go out as `user_uttered` {message, session_id, metadata}.
//
// Nothing the shopper sent is dropped: messages wait in the outbox until Rasa acknowledges them.
// Rasa's handler returns after the bot's turn, so the acknowledgement also means its answers were
// sent; a message whose acknowledgement is lost with the connection is sent again on reconnect.

const ACK_TIMEOUT_MS = 60_000;

export class Connection {
  #socket;
  #sessionId;
  #metadata;
  #outbox;
  #events;
  #ready = false;
  #inFlight = new Set();

  /**
   * io: the socket.io client's io(); outbox(): the pending [{id, message}] in order;
   * events: {message(payload), status("connecting" | "online" | "offline"), delivered(id)}.
   */
  constructor(io, { rasaUrl, socketPath, sessionId, chosenLanguage }, outbox, events) {
    this.#sessionId = sessionId;
    this.#metadata = chosenLanguage ? { language: chosenLanguage } : {};
    this.#outbox = outbox;
    this.#events = events;
    this.#socket = io(rasaUrl, {
      path: socketPath,
      // WebSocket first: it needs no CORS set-up on the Rasa server; long-polling is the fallback.
      transports: ["websocket", "polling"],
      tryAllTransports: true,
      reconnectionDelay: 500,
      reconnectionDelayMax: 4000,
    });
    this.#socket.on("connect", () => this.#socket.emit("session_request", { session_id: this.#sessionId }));
    this.#socket.on("session_confirm", () => {
      this.#ready = true;
      events.status("online");
      this.flush();
    });
    this.#socket.on("bot_uttered", (payload) => events.message(payload));
    this.#socket.on("disconnect", () => this.#lost());
    this.#socket.on("connect_error", () => this.#lost());
    window.addEventListener("offline", () => this.#lost());
    // A connection that lived through a network change may be dead without knowing it yet:
    // start a fresh one rather than wait for the heartbeat to time out.
    window.addEventListener("online", () => {
      this.#lost();
      this.#socket.disconnect().connect();
    });
    events.status("connecting");
  }

  get online() {
    return this.#ready;
  }

  /** Sends every outbox message not already on its way; called again whenever the session is confirmed. */
  flush() {
    if (!this.#ready || !navigator.onLine) return;
    for (const { id, message } of this.#outbox()) {
      if (this.#inFlight.has(id)) continue;
      this.#inFlight.add(id);
      const data = { message, session_id: this.#sessionId, metadata: this.#metadata };
      this.#socket.timeout(ACK_TIMEOUT_MS).emit("user_uttered", data, (error) => {
        this.#inFlight.delete(id);
        // Without an error Rasa has handled it. A timeout on a live connection means Rasa got it but
        // is slow or failed on it; sending it again would not help.
        if (!error || this.#socket.connected) this.#events.delivered(id);
      });
    }
  }

  #lost() {
    this.#ready = false;
    this.#events.status("offline");
  }
}
