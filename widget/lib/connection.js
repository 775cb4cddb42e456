// The link to Rasa's socket.io channel (bot/credentials.yml, session_persistence: true).
//
// Protocol: after every (re)connect the client sends `session_request` with its session id and
// Rasa answers `session_confirm`; only then is the socket in the session's room, where Rasa
// sends `bot_uttered`. Messages go out as `user_uttered` {message, session_id, metadata}.
// `session_request` also carries `last_seen`, the newest bot event time the widget shows: the
// channel (bot/channels/socketio.py) sends again what the bot said from then on, so a message an
// agent sent while the shopper was between two pages is not lost; `session_settings` follows.
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
   * events: {message(payload), status("connecting" | "online" | "offline"), delivered(id), settings(data),
   *   team({available}), agentTyping({typing, agent_name}), transcript({sent, reason})};
   * lastSeen(): the newest bot event time shown (seconds; 0 for none).
   */
  constructor(io, { rasaUrl, socketPath, sessionId, chosenLanguage }, outbox, events, lastSeen) {
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
    this.#socket.on("connect", () =>
      this.#socket.emit("session_request", { session_id: this.#sessionId, last_seen: lastSeen() }),
    );
    this.#socket.on("session_settings", (data) => events.settings(data));
    this.#socket.on("team_status", (team) => events.team(team));
    this.#socket.on("agent_typing", (data) => events.agentTyping(data));
    this.#socket.on("transcript", (result) => events.transcript(result));
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

  /** Tell the agent (if one has the conversation) that the shopper is typing or stopped. */
  typing(typing) {
    if (this.#ready) this.#socket.emit("user_typing", { session_id: this.#sessionId, typing });
  }

  /** Ask for the conversation by e-mail; false when offline (nothing was asked). */
  requestTranscript() {
    if (!this.#ready) return false;
    this.#socket.emit("transcript", { session_id: this.#sessionId });
    return true;
  }

  /** Ask again whether a person is available (answered by `team_status`). */
  askTeam() {
    if (this.#ready) this.#socket.emit("team_status");
  }

  #lost() {
    this.#ready = false;
    this.#events.status("offline");
  }
}
