// The live queue: read again from /queue.json whenever the desk reports a change, waiting times ticking every second.
"use strict";

(() => {
  const root = document.getElementById("queue");
  let skewMs = Date.now() - new Date(root.dataset.serverTime).getTime();

  function tick() {
    root.querySelectorAll("td.wait[data-since]").forEach((cell) => {
      const since = new Date(cell.dataset.since).getTime();
      cell.textContent = desk.duration((Date.now() - skewMs - since) / 1000);
    });
  }

  function claimForm(id) {
    const form = desk.el("form");
    form.method = "post";
    form.action = `/conversations/${id}/claim`;
    const token = desk.el("input");
    token.type = "hidden";
    token.name = "csrf_token";
    token.value = desk.csrf();
    const button = desk.el("button", "button primary small", "Take");
    button.type = "submit";
    form.append(token, button);
    return form;
  }

  function row(item, since, lastCell) {
    const tr = desk.el("tr");
    tr.dataset.id = item.id;
    const wait = desk.el("td", "wait");
    wait.dataset.since = since;
    const reason = desk.el("td");
    reason.append(desk.el("span", `reason reason-${item.reason}`, item.reason_label));
    const channel = desk.el("td");
    channel.append(desk.channelBadge(item), " ", desk.el("span", "muted", `· ${item.language}`));
    tr.append(wait, reason, channel, lastCell);
    return tr;
  }

  function waitingRow(item) {
    const tr = row(item, item.created_at, desk.el("td", "preview", item.preview));
    const actions = desk.el("td", "actions");
    actions.append(claimForm(item.id));
    tr.append(actions);
    return tr;
  }

  function activeRow(item) {
    const tr = row(item, item.claimed_at, desk.el("td", "", item.mine ? `${item.agent_name} (you)` : item.agent_name));
    const actions = desk.el("td", "actions");
    const link = desk.el("a", `button small ${item.mine ? "primary" : "ghost"}`, "Open");
    link.href = `/conversations/${item.id}`;
    actions.append(link);
    tr.append(actions);
    return tr;
  }

  function render(state) {
    skewMs = Date.now() - new Date(state.server_time).getTime();
    document.getElementById("waiting-rows").replaceChildren(...state.waiting.map(waitingRow));
    document.getElementById("active-rows").replaceChildren(...state.active.map(activeRow));
    document.getElementById("waiting-empty").hidden = state.waiting.length > 0;
    document.getElementById("active-empty").hidden = state.active.length > 0;
    document.getElementById("waiting-count").textContent = state.waiting.length;
    document.getElementById("active-count").textContent = state.active.length;
    document.getElementById("agents-online").textContent = state.agents_online;
    const chip = document.getElementById("open-chip");
    chip.className = `chip ${state.open ? "ok" : "off"}`;
    chip.textContent = state.open ? "Open now" : "Outside support hours";
    tick();
  }

  async function refresh() {
    try {
      const state = await desk.getJSON("/queue.json");
      if (state) render(state);
    } catch (error) {
      console.warn("queue refresh failed", error);
    }
  }

  tick();
  setInterval(tick, 1000);
  desk.onChange(refresh);
})();
