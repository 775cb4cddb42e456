// One conversation: new messages arrive by long polling; replies and notes are sent without reloading.
"use strict";

(() => {
  const root = document.getElementById("conversation");
  const id = root.dataset.handoffId;
  const status = root.dataset.status;
  const transcript = document.getElementById("transcript");
  const seen = new Set([...transcript.querySelectorAll("li[data-id]")].map((li) => Number(li.dataset.id)));
  let lastId = Number(root.dataset.lastMessageId);
  const ROLE_NAMES = { shopper: "Shopper", bot: "Bot", agent: "Agent" };

  function addMessage(message) {
    if (seen.has(message.id)) return;
    seen.add(message.id);
    lastId = Math.max(lastId, message.id);
    const li = desk.el("li", `msg ${message.role}`);
    li.dataset.id = message.id;
    const meta = desk.el("div", "meta");
    const time = desk.el("time", "", desk.clock(message.at));
    time.setAttribute("datetime", message.at);
    meta.append(desk.el("span", "author", message.author_name || ROLE_NAMES[message.role] || message.role), " ", time);
    li.append(meta, desk.el("div", "bubble", message.text));
    transcript.append(li);
    transcript.scrollTop = transcript.scrollHeight;
  }

  function renderNotes(notes) {
    const list = document.getElementById("notes");
    list.replaceChildren(...notes.map((note) => {
      const li = desk.el("li");
      const meta = desk.el("div", "meta");
      const time = desk.el("time", "", desk.clock(note.at));
      time.setAttribute("datetime", note.at);
      meta.append(desk.el("span", "author", note.agent_name), " ", time);
      li.append(meta, desk.el("div", "", note.text));
      return li;
    }));
  }

  // Long polling: the desk answers at once when something is new, else when something changes (at most 20 s).
  let typingShown = false;
  async function poll() {
    try {
      const query = `after=${lastId}&wait=20&status=${encodeURIComponent(status)}&typing=${typingShown}`;
      const update = await desk.getJSON(`/conversations/${id}/updates.json?${query}`);
      if (!update) return false;
      update.messages.forEach(addMessage);
      renderNotes(update.notes);
      typingShown = update.shopper_typing;
      document.dispatchEvent(new CustomEvent("desk:update", { detail: update })); // typing.js and the like
      // Claimed, ended or handed back elsewhere: the page's buttons no longer fit; show the new state.
      if (update.status !== status) window.location.reload();
      return true;
    } catch (error) {
      console.warn("update failed", error);
      return false;
    }
  }

  async function follow() {
    for (;;) if (!(await poll())) await new Promise((resume) => setTimeout(resume, 1000));
  }

  function sendOnEnter(textarea, form) {
    textarea.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
  }

  const replyForm = document.getElementById("reply-form");
  if (replyForm) {
    const text = document.getElementById("reply-text");
    const error = document.getElementById("reply-error");
    const button = replyForm.querySelector("button[type=submit]");
    sendOnEnter(text, replyForm);
    replyForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!text.value.trim()) return;
      button.disabled = true;
      error.textContent = "";
      const result = await desk.postJSON(`/conversations/${id}/reply`, { text: text.value });
      button.disabled = false;
      if (result.ok) {
        addMessage(result.data.message);
        text.value = "";
        text.focus();
      } else {
        error.textContent = result.data.error || "Not sent. Try again.";
      }
    });
  }

  const noteForm = document.getElementById("note-form");
  const noteText = document.getElementById("note-text");
  noteForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!noteText.value.trim()) return;
    const result = await desk.postJSON(`/conversations/${id}/notes`, { text: noteText.value });
    if (result.ok) {
      renderNotes(result.data.notes);
      noteText.value = "";
      document.getElementById("note-error").textContent = "";
    } else {
      document.getElementById("note-error").textContent = result.data.error || "Not saved. Try again.";
    }
  });

  desk.localizeTimes(document);
  transcript.scrollTop = transcript.scrollHeight;
  follow();
})();
