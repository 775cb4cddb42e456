// A ticket: the agent's answer goes out by e-mail; on failure the text stays in the box.
"use strict";

(() => {
  const root = document.getElementById("ticket");
  const form = document.getElementById("ticket-reply-form");
  if (!form) return;
  const text = document.getElementById("ticket-reply-text");
  const error = document.getElementById("ticket-reply-error");
  const button = form.querySelector("button[type=submit]");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!text.value.trim()) return;
    button.disabled = true;
    error.textContent = "";
    const result = await desk.postJSON(`/tickets/${root.dataset.ticketId}/reply`, { text: text.value });
    button.disabled = false;
    if (!result.ok) {
      error.textContent = result.data.error || "Not sent. Try again.";
      return;
    }
    const reply = result.data.reply;
    const li = desk.el("li", "msg agent");
    const meta = desk.el("div", "meta");
    const time = desk.el("time", "", desk.dateTime(reply.at));
    time.setAttribute("datetime", reply.at);
    meta.append(desk.el("span", "author", reply.agent_name), " ", time);
    li.append(meta, desk.el("div", "bubble", reply.text));
    document.getElementById("replies").append(li);
    text.value = "";
  });
})();
