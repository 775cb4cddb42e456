// Shared by the desk's pages. Text from shoppers and agents is only ever set with
// textContent, never as HTML, so a message cannot inject markup or scripts.
"use strict";

const desk = {
  csrf: () => document.querySelector('meta[name="csrf-token"]').content,

  async getJSON(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (response.status === 401) { window.location.assign("/login"); return null; }
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    return response.json();
  },

  async postJSON(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": desk.csrf() },
      body: JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    return { ok: response.ok, status: response.status, data };
  },

  el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  },

  // The channel's icon and name, as templates/_channel.html renders them (item: a queue entry).
  channelBadge(item) {
    const badge = desk.el("span", "channel-badge");
    const icon = desk.el("img", "channel-icon");
    icon.src = `/static/channels/${item.channel_icon}.svg`;
    icon.alt = "";
    icon.width = icon.height = 16;
    badge.append(icon, item.channel_name);
    return badge;
  },

  // The agent's own locale decides the clock: 24-hour where that is the custom (de, pl, fr ...), 12-hour in en-US.
  clock(iso) {
    return new Date(iso).toLocaleTimeString(navigator.languages, { hour: "2-digit", minute: "2-digit" });
  },

  dateTime(iso) {
    return new Date(iso).toLocaleString(navigator.languages, { dateStyle: "medium", timeStyle: "short" });
  },

  // Calls fn whenever the desk reports a change (Server-Sent Events from /events), and every
  // fallbackMs in case the stream is down; EventSource reconnects by itself.
  onChange(fn, fallbackMs = 30000) {
    if (!desk._stream) {
      desk._stream = new EventSource("/events");
      desk._listeners = [];
      desk._stream.addEventListener("change", () => desk._listeners.forEach((listener) => listener()));
    }
    desk._listeners.push(fn);
    setInterval(fn, fallbackMs);
  },

  // Text with its http(s) links made clickable; everything else stays text (no HTML is ever parsed).
  linkified(text) {
    const fragment = document.createDocumentFragment();
    const pattern = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/gi;
    let last = 0;
    for (const match of text.matchAll(pattern)) {
      fragment.append(text.slice(last, match.index));
      const link = desk.el("a", "", match[0]);
      link.href = match[0];
      link.rel = "noopener noreferrer nofollow";
      link.target = "_blank";
      fragment.append(link);
      last = match.index + match[0].length;
    }
    fragment.append(text.slice(last));
    return fragment;
  },

  localizeTimes(root) {
    root.querySelectorAll("time[datetime]").forEach((node) => {
      const iso = node.getAttribute("datetime");
      node.textContent = node.dataset.format === "date" ? desk.dateTime(iso) : desk.clock(iso);
    });
  },

  duration(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    if (s < 60) return `${s} s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m} min`;
    return `${Math.floor(m / 60)} h ${m % 60} min`;
  },
};

document.addEventListener("DOMContentLoaded", () => desk.localizeTimes(document));
