// On every desk page: never miss a waiting shopper. Each new handoff and each new shopper message
// in one of the agent's own conversations counts once: "(3)" in the page title until the agent
// next uses the page, a browser notification (once allowed) and, if switched on, a short sound.
"use strict";

(() => {
  const STATE_KEY = "desk.alerts"; // per tab, so the count carries from page to page
  const SOUND_KEY = "desk.sound"; // remembered in this browser
  const baseTitle = document.title;
  let state = JSON.parse(sessionStorage.getItem(STATE_KEY) || "null");
  let audio = null;

  function save() { sessionStorage.setItem(STATE_KEY, JSON.stringify(state)); }

  function showCount() {
    document.title = state && state.unread > 0 ? `(${state.unread}) ${baseTitle}` : baseTitle;
  }

  function soundOn() { return localStorage.getItem(SOUND_KEY) === "on"; }

  function beep() {
    if (!soundOn()) return;
    audio = audio || new AudioContext();
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = 880;
    gain.gain.value = 0.15;
    tone.connect(gain).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.18);
  }

  function notify(title, body, tag, url) {
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    const note = new Notification(title, { body, tag });
    note.onclick = () => { window.focus(); window.location.assign(url); };
  }

  function diff(fresh) {
    const alerts = [];
    const known = new Set(state.waiting);
    fresh.waiting.forEach((item) => {
      if (!known.has(item.id)) {
        alerts.push(() => notify("A shopper is waiting", `${item.reason_label} · ${item.channel}`, `handoff-${item.id}`, "/"));
      }
    });
    Object.entries(fresh.mine).forEach(([id, count]) => {
      const before = state.mine[id];
      // A conversation just taken brings its earlier messages: only later ones count.
      const added = before === undefined ? 0 : count - before;
      for (let i = 0; i < added; i += 1) {
        alerts.push(() => notify("New message from the shopper", `Conversation ${id}`, `message-${id}`, `/conversations/${id}`));
      }
    });
    return alerts;
  }

  async function check() {
    let fresh;
    try {
      fresh = await desk.getJSON("/attention.json");
    } catch (error) {
      console.warn("alerts check failed", error);
      return;
    }
    if (!fresh) return;
    const snapshot = { waiting: fresh.waiting.map((item) => item.id), mine: fresh.mine };
    if (!state) { // the first page of this tab: what is there now is the starting point
      state = { ...snapshot, unread: 0 };
    } else {
      const alerts = diff(fresh);
      state = { ...snapshot, unread: state.unread + alerts.length };
      alerts.forEach((alert) => alert());
      if (alerts.length) beep();
    }
    save();
    showCount();
  }

  function seen() {
    if (audio && audio.state === "suspended") audio.resume();
    if (!state || state.unread === 0) return;
    state.unread = 0;
    save();
    showCount();
  }

  function setUpControls() {
    const allow = document.getElementById("alerts-allow");
    const sound = document.getElementById("alerts-sound");
    if (allow && "Notification" in window) {
      const show = () => {
        allow.hidden = Notification.permission === "granted";
        allow.disabled = Notification.permission === "denied";
        allow.textContent = Notification.permission === "denied" ? "Notifications blocked" : "Turn on notifications";
      };
      show();
      // Browsers only ask on a click: the agent's gesture.
      allow.addEventListener("click", async () => { await Notification.requestPermission(); show(); });
    }
    if (sound) {
      const show = () => {
        sound.setAttribute("aria-pressed", String(soundOn()));
        sound.textContent = soundOn() ? "Sound on" : "Sound off";
      };
      show();
      sound.addEventListener("click", () => {
        localStorage.setItem(SOUND_KEY, soundOn() ? "off" : "on");
        show();
        if (soundOn()) audio = audio || new AudioContext(); // made during a click, so the browser lets it play
      });
    }
  }

  document.addEventListener("pointerdown", seen);
  document.addEventListener("keydown", seen);
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") seen(); });
  setUpControls();
  showCount();
  check();
  desk.onChange(check);
})();
