// One conversation: new messages arrive by long polling (the desk answers when something changes); replies and notes are sent without reloading.
"use strict";

(() => {
  const root = document.getElementById("conversation");
  const id = root.dataset.handoffId;
  const status = root.dataset.status;
  const transcript = document.getElementById("transcript");
  const log = document.getElementById("transcript-log"); // the scrolling, live region around the list
  const seen = new Set([...transcript.querySelectorAll("li[data-id]")].map((li) => Number(li.dataset.id)));
  let lastId = Number(root.dataset.lastMessageId);
  const ROLE_NAMES = { shopper: "Shopper", bot: "Bot", agent: "Agent" };

  // A file sent in the conversation: as templates/_attachment.html renders it.
  function attachmentLink(file) {
    const link = desk.el("a", "attachment");
    link.href = file.url;
    link.target = "_blank";
    link.rel = "noopener";
    if (file.image) {
      const img = desk.el("img", "attachment-thumb");
      img.src = file.url;
      img.alt = `${file.kind}: ${file.filename}`;
      link.append(img);
    } else {
      link.append(desk.el("span", "attachment-file", `${file.filename} (${Math.ceil(file.size / 1024)} kB)`));
    }
    return link;
  }

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
    const bubble = desk.el("div", "bubble");
    bubble.append(desk.linkified(message.text));
    if (message.attachment) bubble.append(attachmentLink(message.attachment));
    li.append(meta, bubble);
    // A message that reached the desk late (after a broker outage) goes to its place, not at the end.
    const next = message.before && transcript.querySelector(`li[data-id="${message.before}"]`);
    if (next) transcript.insertBefore(li, next);
    else transcript.append(li);
    log.scrollTop = log.scrollHeight;
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

  // An image or PDF for the shopper: the raw file as the body, delivered (or refused) like a reply.
  const fileInput = document.getElementById("reply-file");
  if (fileInput) {
    const error = document.getElementById("reply-error");
    const button = document.getElementById("reply-file-button");
    button.addEventListener("click", () => fileInput.click());
    fileInput.addEventListener("change", async () => {
      const [file] = fileInput.files;
      fileInput.value = "";
      if (!file) return;
      button.disabled = true;
      error.textContent = "";
      const query = `handoff=${encodeURIComponent(id)}&name=${encodeURIComponent(file.name)}`;
      try {
        const response = await fetch(`/attachments?${query}`, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/octet-stream", Accept: "application/json", "X-CSRF-Token": desk.csrf() },
          body: file,
        });
        const data = await response.json().catch(() => ({}));
        if (response.ok) addMessage(data.message);
        else error.textContent = data.error || "Not sent. Try again.";
      } catch {
        error.textContent = "Not sent: the desk could not be reached. Try again.";
      }
      button.disabled = false;
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
  log.scrollTop = log.scrollHeight;
  follow();
})();

// Working faster: saved replies and KB answers go into the reply box, where the agent can still edit them.
(() => {
  const tools = document.querySelector(".composer-tools");
  const replyText = document.getElementById("reply-text");
  if (!tools || !replyText) return;
  const id = document.getElementById("conversation").dataset.handoffId;

  function insert(text) {
    replyText.value = replyText.value.trim() ? `${replyText.value.trimEnd()}\n${text}` : text;
    replyText.focus();
  }

  const canned = document.getElementById("canned-select");
  const texts = new Map();
  desk.getJSON(`/conversations/${id}/canned.json`).then((data) => {
    if (!data) return;
    data.replies.forEach((reply) => {
      texts.set(String(reply.id), reply.text);
      const option = desk.el("option", "", reply.title);
      option.value = reply.id;
      canned.append(option);
    });
  }).catch((error) => console.warn("saved replies not loaded", error));
  canned.addEventListener("change", () => {
    if (texts.has(canned.value)) insert(texts.get(canned.value));
    canned.value = "";
  });

  const form = document.getElementById("kb-search-form");
  const query = document.getElementById("kb-search-text");
  const results = document.getElementById("kb-results");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!query.value.trim()) return;
    results.replaceChildren(desk.el("li", "muted", "Searching…"));
    const params = new URLSearchParams({ q: query.value, lang: tools.dataset.language });
    const response = await fetch(`/kb/search.json?${params}`, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      results.replaceChildren(desk.el("li", "error", data.error || "The search did not work. Try again."));
      return;
    }
    if (!data.articles.length) {
      results.replaceChildren(desk.el("li", "muted", "No article found."));
      return;
    }
    results.replaceChildren(...data.articles.map((article) => {
      const li = desk.el("li");
      const button = desk.el("button", "button ghost small", "Insert");
      button.type = "button";
      button.setAttribute("aria-label", `Insert the answer of “${article.title}”`);
      button.addEventListener("click", () => insert(article.url ? `${article.answer}\n${article.url}` : article.answer));
      li.append(desk.el("span", "kb-title", article.title), " ", button);
      return li;
    }));
  });
})();
