// The conversation kept across reloads and the shop's pages, in the tab's sessionStorage.
//
// sessionStorage rather than localStorage: it survives reloads and navigation in the tab, and is
// gone when the tab or browser closes, so a shared computer does not keep a shopper's order
// details for the next person. Rasa keeps the conversation itself (session_persistence).

import { newId } from "./messages.js";

const KEY = "shop-assistant.v1";
const MAX_MESSAGES = 200;

/**
 * state: {sessionId, messages, outbox: [{id, message}], open: bool | null, unread, draft}
 * The outbox holds what the shopper sent that Rasa has not yet acknowledged, in order.
 */
export function openStore(storage = sessionStorageOrNull()) {
  const state = { sessionId: newSessionId(), messages: [], outbox: [], open: null, unread: 0, draft: "", ...load(storage) };
  return {
    state,
    save() {
      if (state.messages.length > MAX_MESSAGES) state.messages.splice(0, state.messages.length - MAX_MESSAGES);
      try {
        storage?.setItem(KEY, JSON.stringify(state));
      } catch {
        // Storage full or forbidden: the conversation still works, it just won't survive a reload.
      }
    },
  };
}

function load(storage) {
  try {
    const saved = JSON.parse(storage?.getItem(KEY) || "null");
    return saved && typeof saved.sessionId === "string" && Array.isArray(saved.messages) ? saved : {};
  } catch {
    return {};
  }
}

// Rasa's session ids are hex uuids; making it here lets the first message be queued before any connection.
function newSessionId() {
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// Reading sessionStorage throws where the browser forbids storage (some privacy modes, sandboxed frames).
function sessionStorageOrNull() {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}
