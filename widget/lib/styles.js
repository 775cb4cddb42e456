// The widget's CSS, applied inside its shadow root only. `:host { all: initial }` stops the page's
// inherited styles (font, colour, line height...) from leaking in.
// Contrast: body text #1b1f1d and muted text #59635e on the light backgrounds are above 5.9:1, the
// text box border and unlit stars above 3:1 (WCAG 1.4.11);
// text on the accent colour is black or white, whichever contrasts more (settings.js).

export const STYLES = `
:host { all: initial; position: fixed; right: 0; bottom: 0; z-index: 2147483000; }
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
.sr-only { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.root {
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue", Arial, sans-serif;
  color: #1b1f1d; -webkit-font-smoothing: antialiased; text-align: left;
}
button { font: inherit; }
:focus-visible { outline: 3px solid #1d4ed8; outline-offset: 2px; }
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
  position: absolute; top: -3px; right: -3px; min-width: 24px; height: 24px; padding: 0 6px; border: 2px solid #fff;
  border-radius: 12px; background: #c4231c; color: #fff; font-size: 12px; font-weight: 700; line-height: 20px; text-align: center;
}

.panel {
  position: fixed; right: 20px; bottom: 20px; width: 380px; height: min(640px, calc(100vh - 40px));
  display: flex; flex-direction: column; overflow: hidden; background: #fff; border-radius: 16px;
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
.icon-button {
  width: 40px; height: 40px; flex: none; padding: 0; border: 0; border-radius: 50%; display: grid; place-items: center;
  background: transparent; color: inherit; cursor: pointer;
}
.icon-button:hover { background: color-mix(in srgb, var(--on-accent) 15%, transparent); }

.offline {
  margin: 0; padding: 10px 16px; display: flex; gap: 8px; align-items: flex-start; font-size: 13.5px; line-height: 1.4;
  background: #fff4d1; color: #513c00; border-bottom: 1px solid #ecd58a;
}
.offline .icon { width: 18px; height: 18px; margin-top: 1px; }

.scroller { position: relative; flex: 1; overflow-y: auto; overscroll-behavior: contain; padding: 16px 14px 10px; background: #f8faf9; }
.scroller:focus-visible { outline-offset: -3px; }
.log { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 12px; }
.msg { max-width: 86%; display: flex; flex-direction: column; align-items: flex-start; }
.msg--user { align-self: flex-end; align-items: flex-end; }
.bubble {
  padding: 9px 13px; border-radius: 16px 16px 16px 5px; white-space: pre-wrap; overflow-wrap: anywhere;
  background: #eaefec; color: #1b1f1d;
}
.msg--user .bubble { border-radius: 16px 16px 5px 16px; background: var(--accent); color: var(--on-accent); }
.msg--agent .bubble { background: #fff3e4; border-left: 3px solid var(--agent); border-radius: 5px 16px 16px 5px; }
.bubble a { color: inherit; font-weight: 600; text-decoration: underline; text-underline-offset: 2px; }
/* A message followed by another from the same sender in the same minute leaves the time to that one. */
.msg--continued:not(:has(.choices)) { margin-bottom: -8px; }
.msg--continued .meta time { display: none; }
.msg--continued:not(.msg--pending) .meta { display: none; }
.meta { margin: 3px 4px 0; display: flex; align-items: center; gap: 8px; font-size: 12px; color: #59635e; }
.delivery { display: inline-flex; align-items: center; gap: 4px; }
.delivery .icon { width: 13px; height: 13px; }
.who { margin: 0 0 4px 2px; display: flex; align-items: center; gap: 6px; font-size: 12.5px; font-weight: 650; color: var(--agent); }
.who-role { font-weight: 400; color: #59635e; }
.avatar {
  width: 22px; height: 22px; border-radius: 50%; display: grid; place-items: center;
  background: var(--agent); color: #fff; font-size: 11px; font-weight: 700;
}
.given-stars { display: inline-flex; gap: 1px; vertical-align: middle; }
.given-stars .icon { width: 17px; height: 17px; }
.given-stars .dim { opacity: .4; }

.choices { margin: 8px 0 2px; display: flex; flex-wrap: wrap; gap: 8px; }
.reply {
  padding: 7px 14px; border: 1.5px solid var(--accent-ink); border-radius: 18px; background: #fff; color: var(--accent-ink);
  font-size: 14px; font-weight: 550; line-height: 1.3; text-align: left; cursor: pointer;
}
.reply:hover { background: var(--accent); border-color: var(--accent); color: var(--on-accent); }
.rating { gap: 2px; margin-top: 6px; }
.star { padding: 3px; border: 0; border-radius: 8px; background: transparent; color: #7f8984; cursor: pointer; }
.star .icon { width: 34px; height: 34px; }
.star.lit { color: #b86e00; }

.typing { margin-top: 12px; padding: 12px 14px; width: max-content; display: flex; gap: 5px; border-radius: 16px 16px 16px 5px; background: #eaefec; }
.dot { width: 7px; height: 7px; border-radius: 50%; background: #66706b; animation: bounce 1.2s infinite ease-in-out; }
.dot:nth-child(2) { animation-delay: .15s; }
.dot:nth-child(3) { animation-delay: .3s; }
@keyframes bounce { 0%, 70%, 100% { opacity: .35; transform: none; } 35% { opacity: 1; transform: translateY(-3px); } }

.human-bar { padding: 10px 12px 0; border-top: 1px solid #e1e7e4; background: #fff; }
.human {
  padding: 5px 12px 5px 9px; display: inline-flex; align-items: center; gap: 6px; border: 1px solid #c9d2cd; border-radius: 16px;
  background: #fff; color: var(--accent-ink); font-size: 13.5px; font-weight: 600; cursor: pointer;
}
.human:hover { background: #f1f5f3; }
.human .icon { width: 16px; height: 16px; }
.composer { display: flex; align-items: flex-end; gap: 8px; padding: 8px 12px 12px; background: #fff; }
.input {
  flex: 1; min-height: 42px; max-height: 132px; padding: 10px 14px; resize: none; border: 1.5px solid #7f8984; border-radius: 21px;
  font: inherit; line-height: 1.35; color: inherit; background: #fff;
}
.input::placeholder { color: #6b746f; }
.input:focus { outline: none; border-color: var(--accent-ink); box-shadow: 0 0 0 3px color-mix(in srgb, var(--accent) 22%, transparent); }
.send {
  width: 42px; height: 42px; flex: none; padding: 0; border: 0; border-radius: 50%; display: grid; place-items: center;
  background: var(--accent); color: var(--on-accent); cursor: pointer;
}
.counter { margin: -6px 18px 8px; text-align: right; font-size: 12px; color: #59635e; }

@media (max-width: 520px) {
  .panel { inset: 0; width: 100%; height: 100%; border-radius: 0; animation: none; }
  .launcher { right: 16px; bottom: 16px; }
  .input { font-size: 16px; } /* below 16px mobile Safari zooms the page on focus */
}
@media (prefers-reduced-motion: reduce) {
  *, *::before, *::after { animation: none !important; transition: none !important; }
}
`;
