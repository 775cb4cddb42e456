// Typing indicators on the conversation page: "Shopper is typing…" while the shopper types in the
// widget (from the page's updates, see conversation.js), and the agent's own typing sent to the widget.
"use strict";

(() => {
  const root = document.getElementById("conversation");
  const id = root.dataset.handoffId;
  const note = document.getElementById("shopper-typing");
  const REPEAT_MS = 2000; // the desk forgets a typing signal after 6 s (desk/typing.py)
  const IDLE_MS = 4000;

  document.addEventListener("desk:update", (event) => {
    note.hidden = !event.detail.shopper_typing;
  });

  const text = document.getElementById("reply-text");
  const form = document.getElementById("reply-form");
  if (!text || !form) return;
  let lastSent = 0;
  let idleTimer = null;

  function tell(typing) {
    lastSent = typing ? Date.now() : 0;
    desk.postJSON(`/conversations/${id}/typing`, { typing }).catch(() => {}); // only a hint: never in the way
  }

  text.addEventListener("input", () => {
    clearTimeout(idleTimer);
    if (!text.value.trim()) {
      if (lastSent) tell(false);
      return;
    }
    if (Date.now() - lastSent > REPEAT_MS) tell(true);
    idleTimer = setTimeout(() => tell(false), IDLE_MS);
  });
  form.addEventListener("submit", () => {
    clearTimeout(idleTimer);
    if (lastSent) tell(false);
  });
})();
