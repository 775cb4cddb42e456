// The widget's CSS, applied inside its shadow root only. `:host { all: initial }` stops the page's
// inherited styles (font, colour, line height...) from leaking in.
// Colours are variables, one set per colour scheme (the system's prefers-color-scheme).
// Contrast: body text #1b1f1d and muted text #59635e on the light backgrounds are above 5.9:1, the
// text box border and unlit stars above 3:1 (WCAG 1.4.11); the dark set keeps the same ratios;
// text on the accent colour is black or white, whichever contrasts more (settings.js).

export const STYLES = `
:host { all: initial; position: fixed; right: 0; bottom: 0; z-index: 2147483000; }
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
.sr-only { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.root {
  --bg: #fff; --surface: #f8faf9; --bubble: #eaefec; --text: #1b1f1d; --muted: #59635e; --line: #e1e7e4;
  --border: #c9d2cd; --field-border: #7f8984; --agent-bubble: #fff3e4; --hover: #f1f5f3; --placeholder: #6b746f;
  --dot: #66706b; --focus: #1d4ed8; --star-lit: #b86e00; --warn-bg: #fff4d1; --warn-text: #513c00; --warn-line: #ecd58a;
  --ink: var(--accent-ink); --agent-ink: var(--agent);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue", Arial, sans-serif;
  color: var(--text); -webkit-font-smoothing: antialiased; text-align: left; color-scheme: light;
}
/* The shopper's system setting decides; the shop's accent stays, its text colours are the ones for a dark ground. */
@media (prefers-color-scheme: dark) {
  .root {
    --bg: #1a1f1d; --surface: #131715; --bubble: #2a312e; --text: #e8eeeb; --muted: #a9b4af; --line: #2f3733;
    --border: #4a5550; --field-border: #8c9893; --agent-bubble: #3a2a17; --hover: #242b28; --placeholder: #939e99;
    --dot: #a9b4af; --focus: #8fb0ff; --star-lit: #f0a030; --warn-bg: #3d3000; --warn-text: #ffe49a; --warn-line: #6b5500;
    --ink: var(--accent-ink-dark); --agent-ink: var(--agent-ink-dark);
    color-scheme: dark;
  }
}
button { font: inherit; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.icon { width: 20px; height: 20px; flex: none; fill: none; stroke: currentColor; stroke-width: 2; stroke-linecap: round; stroke-linejoin: round; }
.icon--filled { fill: currentColor; stroke: none; }

.launcher {
  position: fixed; right: 20px; bottom: 20px; width: 60px; height: 60px; padding: 0; border: 0; border-radius: 50%;
  display: grid; place-items: center; cursor: pointer; background: var(--accent); color: var(--on-accent);
  box-shadow: 0 6px 20px rgb(0 0 0 / 22%), 0 2px 6px rgb(0 0 0 / 12%); transition: transform .15s ease;
}
.launcher:hover { transform: scale(1.06); }
.launcher .icon { width: 28px; height: 28px; }
.badge {
  position: absolute; top: -3px; right: -3px; min-width: 24px; height: 24px; padding: 0 6px; border: 2px solid var(--bg);
  border-radius: 12px; background: #c4231c; color: #fff; font-size: 12px; font-weight: 700; line-height: 20px; text-align: center;
}

.panel {
  position: fixed; right: 20px; bottom: 20px; width: 380px; height: min(640px, calc(100vh - 40px));
  display: flex; flex-direction: column; overflow: hidden; background: var(--bg); border-radius: 16px;
  box-shadow: 0 16px 48px rgb(0 0 0 / 22%), 0 2px 8px rgb(0 0 0 / 10%); animation: rise .18s ease-out;
}
@keyframes rise { from { opacity: 0; transform: translateY(12px); } }

.header { display: flex; align-items: center; gap: 12px; padding: 14px 10px 14px 16px; background: var(--accent); color: var(--on-accent); }
.header :focus-visible { outline-color: var(--on-accent); }
.header-avatar {
  width: 40px; height: 40px; flex: none; border-radius: 50%; display: grid; place-items: center;
  background: color-mix(in srgb, var(--on-accent) 16%, transparent);
}
.heading { flex: 1; min-width: 0; }
.title { margin: 0; font-size: 16px; font-weight: 650; line-height: 1.3; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.status { margin: 2px 0 0; display: flex; align-items: center; gap: 6px; font-size: 13px; }
.status::before { content: ""; width: 8px; height: 8px; border-radius: 50%; background: #cbd5d0; box-shadow: 0 0 0 2px color-mix(in srgb, var(--on-accent) 25%, transparent); }
[data-status="online"] .status::before { background: #34d399; }
[data-status="offline"] .status::before { background: #fbbf24; }
[data-status="online"][data-team="away"] .status::before { background: #cbd5d0; }
.icon-button {
  width: 40px; height: 40px; flex: none; padding: 0; border: 0; border-radius: 50%; display: grid; place-items: center;
  background: transparent; color: inherit; cursor: pointer;
}
.icon-button:hover { background: color-mix(in srgb, var(--on-accent) 15%, transparent); }

.offline {
  margin: 0; padding: 10px 16px; display: flex; gap: 8px; align-items: flex-start; font-size: 13.5px; line-height: 1.4;
  background: var(--warn-bg); color: var(--warn-text); border-bottom: 1px solid var(--warn-line);
}
.offline .icon { width: 18px; height: 18px; margin-top: 1px; }

.scroller { position: relative; flex: 1; overflow-y: auto; overscroll-behavior: contain; padding: 16px 14px 10px; background: var(--surface); }
.scroller:focus-visible { outline-offset: -3px; }
.log { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 12px; }
.msg { max-width: 86%; display: flex; flex-direction: column; align-items: flex-start; }
.msg--user { align-self: flex-end; align-items: flex-end; }
.bubble {
  padding: 9px 13px; border-radius: 16px 16px 16px 5px; white-space: pre-wrap; overflow-wrap: anywhere;
  background: var(--bubble); color: var(--text);
}
.msg--user .bubble { border-radius: 16px 16px 5px 16px; background: var(--accent); color: var(--on-accent); }
.msg--agent .bubble { background: var(--agent-bubble); border-left: 3px solid var(--agent); border-radius: 5px 16px 16px 5px; }
.bubble a { color: inherit; font-weight: 600; text-decoration: underline; text-underline-offset: 2px; }
/* A message followed by another from the same sender in the same minute leaves the time to that one. */
.msg--continued:not(:has(.choices)) { margin-bottom: -8px; }
.msg--continued .meta time { display: none; }
.msg--continued:not(.msg--pending) .meta { display: none; }
.meta { margin: 3px 4px 0; display: flex; align-items: center; gap: 8px; font-size: 12px; color: var(--muted); }
.delivery { display: inline-flex; align-items: center; gap: 4px; }
.delivery .icon { width: 13px; height: 13px; }
.who { margin: 0 0 4px 2px; display: flex; align-items: center; gap: 6px; font-size: 12.5px; font-weight: 650; color: var(--agent-ink); }
.who-role { font-weight: 400; color: var(--muted); }
.avatar {
  width: 22px; height: 22px; border-radius: 50%; display: grid; place-items: center;
  background: var(--agent); color: #fff; font-size: 11px; font-weight: 700;
}
.given-stars { display: inline-flex; gap: 1px; vertical-align: middle; }
.given-stars .icon { width: 17px; height: 17px; }
.given-stars .dim { opacity: .4; }

.choices { margin: 8px 0 2px; display: flex; flex-wrap: wrap; gap: 8px; }
.reply {
  padding: 7px 14px; border: 1.5px solid var(--ink); border-radius: 18px; background: var(--bg); color: var(--ink);
  font-size: 14px; font-weight: 550; line-height: 1.3; text-align: left; cursor: pointer;
}
.reply:hover { background: var(--accent); border-color: var(--accent); color: var(--on-accent); }
.rating { gap: 2px; margin-top: 6px; }
.star { padding: 3px; border: 0; border-radius: 8px; background: transparent; color: var(--field-border); cursor: pointer; }
.star .icon { width: 34px; height: 34px; }
.star.lit { color: var(--star-lit); }

.typing { margin-top: 12px; padding: 12px 14px; width: max-content; display: flex; gap: 5px; border-radius: 16px 16px 16px 5px; background: var(--bubble); }
.dot { width: 7px; height: 7px; border-radius: 50%; background: var(--dot); animation: bounce 1.2s infinite ease-in-out; }
.dot:nth-child(2) { animation-delay: .15s; }
.dot:nth-child(3) { animation-delay: .3s; }
.agent-typing { margin: 10px 2px 0; font-size: 13px; font-style: italic; color: var(--muted); }
@keyframes bounce { 0%, 70%, 100% { opacity: .35; transform: none; } 35% { opacity: 1; transform: translateY(-3px); } }

.human-bar { padding: 10px 12px 0; display: flex; flex-wrap: wrap; gap: 8px; border-top: 1px solid var(--line); background: var(--bg); }
.human {
  padding: 5px 12px 5px 9px; display: inline-flex; align-items: center; gap: 6px; border: 1px solid var(--border); border-radius: 16px;
  background: var(--bg); color: var(--ink); font-size: 13.5px; font-weight: 600; cursor: pointer;
}
.human:hover { background: var(--hover); }
.human .icon { width: 16px; height: 16px; }
.composer { display: flex; align-items: flex-end; gap: 8px; padding: 8px 12px 12px; background: var(--bg); }
.input {
  flex: 1; min-height: 42px; max-height: 132px; padding: 10px 14px; resize: none; border: 1.5px solid var(--field-border); border-radius: 21px;
  font: inherit; line-height: 1.35; color: inherit; background: var(--bg);
}
.input::placeholder { color: var(--placeholder); }
.input:focus { outline: none; border-color: var(--ink); box-shadow: 0 0 0 3px color-mix(in srgb, var(--accent) 22%, transparent); }
.send {
  width: 42px; height: 42px; flex: none; padding: 0; border: 0; border-radius: 50%; display: grid; place-items: center;
  background: var(--accent); color: var(--on-accent); cursor: pointer;
}
.attach {
  width: 42px; height: 42px; flex: none; padding: 0; border: 1.5px solid var(--field-border); border-radius: 50%; display: grid;
  place-items: center; background: var(--bg); color: var(--ink); cursor: pointer;
}
.attach:hover { background: var(--hover); }
.file-thumb { display: block; max-width: 100%; max-height: 220px; border-radius: 10px; }
.file-link { display: inline-flex; align-items: center; gap: 6px; }
.counter { margin: -6px 18px 8px; text-align: right; font-size: 12px; color: var(--muted); }

@media (max-width: 520px) {
  .panel { inset: 0; width: 100%; height: 100%; border-radius: 0; animation: none; }
  .launcher { right: 16px; bottom: 16px; }
  .input { font-size: 16px; } /* below 16px mobile Safari zooms the page on focus */
}
@media (prefers-reduced-motion: reduce) {
  *, *::before, *::after { animation: none !important; transition: none !important; }
}
`;
