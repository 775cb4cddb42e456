// Wires the parts together: the stored conversation, the view, and the connection to Rasa.

import { Connection } from "./connection.js";
import { translator } from "./i18n.js";
import { fromBotPayload, newId, userRecord } from "./messages.js";
import { readSettings } from "./settings.js";
import { openStore } from "./store.js";
import { createView, widgetAlreadyOnPage } from "./view.js";

const SOCKET_IO_CLIENT = new URL("../vendor/socket.io.esm.min.js", import.meta.url).href;

/** Starts the widget with the snippet's data-* attributes (as a dataset-like object). */
export function start(options) {
  if (widgetAlreadyOnPage(document)) return;
  const settings = readSettings(options, document, navigator);
  const t = translator(settings.language);
  const store = openStore();
  const { state } = store;
  let connection = null;
  let connecting = null;
  let status = "connecting";

  const view = createView(document, settings, t, {
    open: () => setOpen(true),
    close: () => setOpen(false),
    submit: (text) => send(userRecord(text), text),
    choose: (label, payload, stars) => send(userRecord(label, stars ? { stars } : {}), payload),
    draft: (text) => {
      state.draft = text;
    },
  });
  window.addEventListener("pagehide", () => store.save());

  view.showHistory(state.messages);
  view.setDraft(state.draft);
  view.setUnread(state.unread);
  showDelivery();
  setOpen(state.open ?? settings.startOpen, { focus: false });
  // A shopper who has talked to us may get answers (or an agent) while the chat is closed.
  if (state.messages.some((record) => record.from === "user")) connect();

  function setOpen(open, { focus = true } = {}) {
    state.open = open;
    if (open) {
      state.unread = 0;
      view.setUnread(0);
      if (!state.messages.length) add({ id: newId(), from: "bot", text: settings.greeting || t("greeting"), ts: Date.now() });
      connect();
    }
    store.save();
    view.setOpen(open, { focus });
  }

  function send(record, message) {
    view.clearChoices();
    add(record);
    state.outbox.push({ id: record.id, message });
    store.save();
    showDelivery();
    connect();
    connection?.flush();
  }

  function add(record) {
    view.appendMessage(record, state.messages.at(-1));
    state.messages.push(record);
  }

  function connect() {
    connecting ??= import(SOCKET_IO_CLIENT).then(
      ({ io }) => {
        connection = new Connection(io, { ...settings, sessionId: state.sessionId }, () => state.outbox, {
          message: received,
          status: statusChanged,
          delivered,
        });
      },
      () => {
        connecting = null; // the client did not load (offline?): the next open or message tries again
        statusChanged("offline");
      },
    );
  }

  function received(payload) {
    const record = fromBotPayload(payload);
    if (!record) return;
    add(record);
    if (!state.open) {
      state.unread += 1;
      view.setUnread(state.unread);
    }
    store.save();
  }

  function delivered(id) {
    state.outbox = state.outbox.filter((entry) => entry.id !== id);
    store.save();
    showDelivery();
  }

  function statusChanged(next) {
    status = next;
    view.setStatus(next);
    showDelivery();
  }

  // An unacknowledged message means the bot is working on it, unless we are offline: then it waits.
  function showDelivery() {
    const offline = status === "offline";
    for (const { id } of state.outbox) view.setDelivery(id, offline ? t("waitingToSend") : null);
    view.setTyping(!offline && state.outbox.length > 0);
  }
}
