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

  clock(iso) {
    return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  },

  localizeTimes(root) {
    root.querySelectorAll("time[datetime]").forEach((node) => { node.textContent = desk.clock(node.getAttribute("datetime")); });
  },

  duration(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    if (s < 60) return `${s} s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m} min`;
    return `${Math.floor(m / 60)} h ${m % 60} min`;
  },
};
