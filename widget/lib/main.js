// Wires the parts together: the stored conversation, the view, and the connection to Rasa.

import { Connection } from "./connection.js";
import { translator } from "./i18n.js";
import { alreadyShown, fileOf, fromBotPayload, lastSeen, newId, userRecord } from "./messages.js";
import { readSettings } from "./settings.js";
import { KEY, openStore } from "./store.js";
import { createView, widgetAlreadyOnPage } from "./view.js";

const SOCKET_IO_CLIENT = new URL("../vendor/socket.io.esm.min.js", import.meta.url).href;
const TYPING_REPEAT_MS = 2000; // the desk forgets a typing signal after 6 s
const TYPING_IDLE_MS = 4000;
const AGENT_TYPING_MS = 8000; // an agent's "typing" that is not repeated or ended fades by itself
const TEAM_CHECK_MS = 60_000;
// The channel's refusals of a file (bot/channels/widget_files.py), in the shopper's words.
const FILE_REFUSALS = { too_big: "fileTooBig", bad_type: "fileBadType", empty: "fileBadType", limited: "fileLimited" };

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
  let typingSentAt = 0;
  let typingIdle = null;
  let agentTypingTimer = null;

  const view = createView(document, settings, t, {
    open: () => setOpen(true),
    close: () => setOpen(false),
    submit: (text) => {
      state.draft = ""; // sent: a reload must not put it back in the text box
      shopperTyping(false);
      send(userRecord(text), text);
    },
    choose: (label, payload, stars) => send(userRecord(label, stars ? { stars } : {}), payload),
    transcript: () => {
      if (!connection?.requestTranscript()) add(notice(t("transcriptUnavailable")));
    },
    draft: (text) => {
      state.draft = text;
      shopperTyping(text.trim() !== "");
    },
    attach: (file) => sendFile(file),
  });
  window.addEventListener("pagehide", () => store.save());
  // The conversation is shared by the browser's tabs: one that saved it is the newest state.
  window.addEventListener("storage", (event) => {
    if (event.key !== KEY || !event.newValue) return;
    store.reload();
    view.showHistory(state.messages);
    view.setUnread(state.unread);
  });

  view.showHistory(state.messages);
  view.setDraft(state.draft);
  view.setUnread(state.unread);
  showDelivery();
  setOpen(state.open ?? settings.startOpen, { focus: false });
  // A shopper who has talked to us may get answers (or an agent) while the chat is closed.
  if (state.messages.some((record) => record.from === "user")) connect();
  setInterval(() => state.open && connection?.askTeam(), TEAM_CHECK_MS);

  // "typing" is repeated while keys are pressed and ended by sending, emptying the box or a pause.
  function shopperTyping(typing) {
    clearTimeout(typingIdle);
    if (!typing) {
      if (typingSentAt) connection?.typing(false);
      typingSentAt = 0;
      return;
    }
    if (Date.now() - typingSentAt > TYPING_REPEAT_MS) {
      connection?.typing(true);
      typingSentAt = Date.now();
    }
    typingIdle = setTimeout(() => shopperTyping(false), TYPING_IDLE_MS);
  }

  function agentTyping({ typing, agent_name: name } = {}) {
    clearTimeout(agentTypingTimer);
    view.setAgentTyping(typing ? name || "" : null);
    if (typing) agentTypingTimer = setTimeout(() => view.setAgentTyping(null), AGENT_TYPING_MS);
  }

  function setOpen(open, { focus = true } = {}) {
    state.open = open;
    if (open) {
      state.unread = 0;
      view.setUnread(0);
      if (!state.messages.length) add(notice(settings.greeting || t("greeting")));
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

  // A photo or PDF for the agent; the declared type and size are a first check only (the desk reads the bytes).
  async function sendFile(file) {
    const refuse = (code) => {
      add(notice(t(FILE_REFUSALS[code] || "fileUnavailable", { max: Math.floor(settings.maxFileBytes / 1048576) })));
      store.save();
    };
    if (file.size > settings.maxFileBytes) return refuse("too_big");
    if (!settings.fileTypes.includes(file.type)) return refuse("bad_type");
    const body = new FormData();
    body.append("session_id", state.sessionId);
    body.append("file", file, file.name);
    let answer, result;
    try {
      answer = await fetch(`${settings.rasaUrl}/webhooks/socketio/attachments`, { method: "POST", body });
      result = await answer.json();
    } catch {
      return refuse("unavailable");
    }
    if (answer.status === 201 && fileOf(result, settings.rasaUrl)) {
      add(userRecord(`[${result.kind}] ${result.filename}`, { file: fileOf(result, settings.rasaUrl) }));
      store.save();
    } else if (result?.code === "not_in_handoff" && typeof result.message === "string") {
      add(notice(result.message)); // the bot reads text only; "Talk to a person" is right there
      store.save();
    } else {
      refuse(result?.code);
    }
  }

  function add(record) {
    view.appendMessage(record, state.messages.at(-1));
    state.messages.push(record);
  }

  function connect() {
    connecting ??= import(SOCKET_IO_CLIENT).then(
      ({ io }) => {
        const events = {
          message: received,
          status: statusChanged,
          delivered,
          settings: settingsReceived,
          team: (team) => view.setTeam(team),
          agentTyping,
          transcript: transcriptAnswered,
        };
        connection = new Connection(io, { ...settings, sessionId: state.sessionId }, () => state.outbox, events, () =>
          lastSeen(state.messages),
        );
      },
      () => {
        connecting = null; // the client did not load (offline?): the next open or message tries again
        statusChanged("offline");
      },
    );
  }

  function received(payload) {
    const record = fromBotPayload(payload, Date.now(), settings.rasaUrl);
    if (!record || alreadyShown(state.messages, record)) return; // replayed after a reconnect, but shown already
    if (record.from === "agent") agentTyping({ typing: false });
    add(record);
    if (!state.open) {
      state.unread += 1;
      view.setUnread(state.unread);
    }
    store.save();
  }

  // The widget's own message (not from Rasa), in the conversation like the bot's.
  function notice(text) {
    return { id: newId(), from: "bot", text, ts: Date.now() };
  }

  function transcriptAnswered(result) {
    const key = result?.sent ? "transcriptSent" : { no_email: "transcriptNoEmail", limited: "transcriptLimited" }[result?.reason];
    add(notice(t(key || "transcriptUnavailable")));
    store.save();
  }

  function settingsReceived(data) {
    if (typeof data?.history_hours === "number") state.historyHours = data.history_hours;
    if (typeof data?.attachments?.max_bytes === "number") settings.maxFileBytes = data.attachments.max_bytes;
    if (Array.isArray(data?.attachments?.types)) settings.fileTypes = data.attachments.types;
    if (data?.team) view.setTeam(data.team);
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
