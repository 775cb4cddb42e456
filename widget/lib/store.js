// The conversation kept across reloads, the shop's pages and closing the tab, in localStorage.
//
// It follows the shopper to the next day in the same browser, until `history_hours` (assistant.yml,
// `widget:`, sent by the channel as `session_settings`) have passed since it was last used: then it
// is forgotten, so a shared computer does not keep a shopper's order details for ever. Rasa keeps
// the conversation itself (session_persistence).

import { newId } from "./messages.js";

export const KEY = "shop-assistant.v1";
const MAX_MESSAGES = 200;
const DEFAULT_HISTORY_HOURS = 24; // until the channel has said otherwise

/**
 * state: {sessionId, messages, outbox: [{id, message}], open: bool | null, unread, draft, historyHours, savedAt}
 * The outbox holds what the shopper sent that Rasa has not yet acknowledged, in order.
 */
export function openStore(storage = localStorageOrNull(), now = Date.now()) {
  const fresh = { sessionId: newSessionId(), messages: [], outbox: [], open: null, unread: 0, draft: "", historyHours: DEFAULT_HISTORY_HOURS };
  const state = { ...fresh, ...load(storage, now) };
  return {
    state,
    /** Another tab of this browser saved the conversation: take its state (same session), but keep
     * this tab's own outbox: each tab sends what was written in it, so nothing goes twice. */
    reload() {
      const { outbox } = state;
      Object.assign(state, load(storage, Date.now()), { outbox });
    },
    save() {
      if (state.messages.length > MAX_MESSAGES) state.messages.splice(0, state.messages.length - MAX_MESSAGES);
      state.savedAt = Date.now();
      try {
        storage?.setItem(KEY, JSON.stringify(state));
      } catch {
        // Storage full or forbidden: the conversation still works, it just won't survive a reload.
      }
    },
  };
}

function load(storage, now) {
  try {
    const saved = JSON.parse(storage?.getItem(KEY) || "null");
    if (!saved || typeof saved.sessionId !== "string" || !Array.isArray(saved.messages)) return {};
    const hours = typeof saved.historyHours === "number" ? saved.historyHours : DEFAULT_HISTORY_HOURS;
    if (typeof saved.savedAt !== "number" || now - saved.savedAt > hours * 3_600_000) {
      storage.removeItem(KEY); // expired: a new conversation
      return {};
    }
    return saved;
  } catch {
    return {};
  }
}

// Rasa's session ids are hex uuids; making it here lets the first message be queued before any connection.
function newSessionId() {
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// Reading localStorage throws where the browser forbids storage (some privacy modes, sandboxed frames).
function localStorageOrNull() {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}
