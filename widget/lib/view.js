// The widget's DOM, inside its own shadow root so the shop's CSS and ours never meet.
// It only draws and reports what the shopper did; main.js decides what happens.

import { icon } from "./icons.js";
import { choicesFor, continues, messageItem, setDeliveryState } from "./message_view.js";
import { HUMAN_PAYLOAD } from "./messages.js";
import { accentColors, MAX_MESSAGE_CHARS, readableOnDark } from "./settings.js";
import { STYLES } from "./styles.js";

const HOST_TAG = "shop-assistant-widget";
const COUNTER_FROM = MAX_MESSAGE_CHARS - 500; // show the character count only when the limit is near
const OFFLINE_NOTICE_DELAY_MS = 1500; // a quick reconnect should not flash a warning

export function widgetAlreadyOnPage(doc) {
  return doc.querySelector(HOST_TAG) !== null;
}

/**
 * on: {open(), close(), submit(text), choose(label, payload, stars?), draft(text), transcript(), attach(file)}
 */
export function createView(doc, settings, t, on) {
  const host = doc.createElement(HOST_TAG);
  const shadow = host.attachShadow({ mode: "open" });
  // A constructed style sheet rather than a <style> element: a shop's Content-Security-Policy
  // without 'unsafe-inline' styles still lets it apply.
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(STYLES);
  shadow.adoptedStyleSheets = [sheet];
  const ui = buildDom(doc, settings, t);
  shadow.append(ui.root);
  doc.body.append(host);

  let offlineTimer = null;
  let status = "connecting";
  let team = { available: null }; // whether a person is available, as the desk says (bot/channels/desk_link.py)

  // Honest status: connected is not the same as a person being there.
  function showStatus() {
    const key = { offline: "statusOffline", connecting: "statusConnecting" }[status] ??
      { true: "statusPerson", false: "statusNoPerson" }[team.available] ?? "statusOnline";
    ui.status.textContent = t(key);
    ui.root.dataset.team = team.available === true ? "available" : team.available === false ? "away" : "unknown";
  }

  ui.launcher.addEventListener("click", () => on.open());
  ui.close.addEventListener("click", () => on.close());
  ui.human.addEventListener("click", () => on.choose(t("talkToPerson"), HUMAN_PAYLOAD));
  ui.transcript.addEventListener("click", () => on.transcript());
  ui.attach.addEventListener("click", () => ui.fileInput.click());
  ui.fileInput.addEventListener("change", () => {
    const [file] = ui.fileInput.files;
    ui.fileInput.value = ""; // the same file may be chosen again after a refusal
    if (file) on.attach(file);
  });
  ui.panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.stopPropagation();
      on.close();
    }
  });
  ui.form.addEventListener("submit", (event) => {
    event.preventDefault();
    submitInput();
  });
  ui.input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submitInput();
    }
  });
  ui.input.addEventListener("input", () => {
    fitInput();
    on.draft(ui.input.value);
  });

  function submitInput() {
    const text = ui.input.value.trim();
    if (!text) return;
    ui.input.value = "";
    fitInput();
    on.submit(text);
  }

  function fitInput() {
    ui.input.style.height = "auto";
    ui.input.style.height = `${Math.min(ui.input.scrollHeight, 132)}px`;
    const length = ui.input.value.length;
    ui.counter.hidden = length < COUNTER_FROM;
    ui.counter.textContent = `${length} / ${MAX_MESSAGE_CHARS}`;
    ui.counter.setAttribute("aria-label", t("charactersUsed", { n: length, max: MAX_MESSAGE_CHARS }));
  }

  // Scrolls to the end, but never past the shopper's last message: a long answer is read from
  // its first line, under the question it answers.
  function revealAnswer() {
    const end = ui.scroller.scrollHeight - ui.scroller.clientHeight;
    const lastQuestion = [...ui.log.querySelectorAll(".msg--user")].at(-1);
    ui.scroller.scrollTop = lastQuestion ? Math.min(end, lastQuestion.offsetTop - 12) : end;
  }

  function itemWithChoices(record, offerChoices, next) {
    const item = messageItem(doc, record, t, settings.language);
    if (next && continues(record, next)) item.classList.add("msg--continued");
    if (offerChoices && (record.replies || record.rating)) item.append(choicesFor(doc, record, t, choose));
    return item;
  }

  // The chosen button goes away with its group; a keyboard user carries on in the text box.
  // (Not after a tap: focusing the text box would pop up a phone's keyboard.)
  function choose(label, payload, stars) {
    const byKeyboard = shadow.activeElement?.matches(".choices :focus-visible") ?? false;
    on.choose(label, payload, stars);
    if (byKeyboard) ui.input.focus();
  }

  // One "Talk to a person" button at a time: the bar steps aside while the bot's choices hold one.
  function showHumanBar() {
    ui.human.hidden = ui.log.querySelector(`.choices button[data-payload="${CSS.escape(HUMAN_PAYLOAD)}"]`) !== null;
    ui.transcript.hidden = ui.log.querySelector(".msg--user") === null; // only once there is a conversation
    ui.humanBar.hidden = ui.human.hidden && ui.transcript.hidden;
  }

  function itemFor(id) {
    return ui.log.querySelector(`li[data-id="${CSS.escape(id)}"]`);
  }

  return {
    setOpen(open, { focus = true } = {}) {
      ui.panel.hidden = !open;
      ui.launcher.hidden = open;
      ui.launcher.setAttribute("aria-expanded", String(open));
      if (open) revealAnswer();
      if (focus) (open ? ui.input : ui.launcher).focus();
    },
    // History is drawn while the log is not live, so a reload does not read it all out again.
    // Choices are offered only with the bot's messages since the shopper's last one.
    showHistory(records) {
      const lastUser = records.findLastIndex((record) => record.from === "user");
      ui.liveLog.setAttribute("aria-live", "off");
      ui.log.replaceChildren(...records.map((record, i) => itemWithChoices(record, i > lastUser, records[i + 1])));
      showHumanBar();
      revealAnswer();
      requestAnimationFrame(() => ui.liveLog.setAttribute("aria-live", "polite"));
    },
    appendMessage(record, previous) {
      if (continues(previous, record)) ui.log.lastElementChild?.classList.add("msg--continued");
      ui.log.append(itemWithChoices(record, true));
      showHumanBar();
      revealAnswer();
    },
    clearChoices() {
      ui.log.querySelectorAll(".choices").forEach((group) => group.remove());
      showHumanBar();
    },
    setDelivery(id, text) {
      const item = itemFor(id);
      if (item) setDeliveryState(item, text);
    },
    setStatus(next) {
      const changed = next !== status;
      status = next;
      showStatus();
      ui.root.dataset.status = next;
      if (next !== "offline") {
        clearTimeout(offlineTimer);
        ui.offline.hidden = true;
      } else if (!navigator.onLine) {
        ui.offline.hidden = false;
      } else if (changed) {
        offlineTimer = setTimeout(() => (ui.offline.hidden = status !== "offline"), OFFLINE_NOTICE_DELAY_MS);
      }
    },
    setTeam(next) {
      team = { available: typeof next?.available === "boolean" ? next.available : null };
      showStatus();
    },
    /** name: the agent typing ("" when the desk gave none), or null when nobody is. */
    setAgentTyping(name) {
      ui.agentTyping.hidden = name === null;
      ui.agentTyping.textContent = name ? t("agentTyping", { name }) : t("someoneTyping");
      if (name !== null) revealAnswer();
    },
    setTyping(typing) {
      ui.typing.hidden = !typing;
      if (typing) revealAnswer();
    },
    setUnread(count) {
      ui.badge.hidden = count === 0;
      ui.badge.textContent = count > 9 ? "9+" : String(count);
      ui.launcher.setAttribute("aria-label", count ? t("openChatUnread", { n: count }) : t("openChat"));
    },
    setDraft(text) {
      ui.input.value = text;
      fitInput();
    },
  };
}

function buildDom(doc, settings, t) {
  const el = (tag, className, text) => {
    const node = doc.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const root = el("div", "root");
  root.lang = settings.language;
  root.style.setProperty("--accent", settings.color);
  const { onAccent, accentInk, accentInkDark } = accentColors(settings.color);
  root.style.setProperty("--on-accent", onAccent);
  root.style.setProperty("--accent-ink", accentInk);
  root.style.setProperty("--accent-ink-dark", accentInkDark);
  root.style.setProperty("--agent", settings.agentColor);
  root.style.setProperty("--agent-ink-dark", readableOnDark(settings.agentColor));

  const launcher = el("button", "launcher");
  launcher.type = "button";
  launcher.setAttribute("aria-label", t("openChat"));
  launcher.setAttribute("aria-controls", "panel");
  launcher.setAttribute("aria-expanded", "false");
  const badge = el("span", "badge");
  badge.hidden = true;
  badge.setAttribute("aria-hidden", "true");
  launcher.append(icon(doc, "chat"), badge);

  const panel = el("section", "panel");
  panel.id = "panel";
  panel.hidden = true;
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-labelledby", "title");

  const header = el("header", "header");
  const avatar = el("span", "header-avatar");
  avatar.append(icon(doc, "chat"));
  const heading = el("div", "heading");
  const title = el("h2", "title", settings.title || t("title"));
  title.id = "title";
  const status = el("p", "status", t("statusConnecting"));
  heading.append(title, status);
  const close = el("button", "icon-button close");
  close.type = "button";
  close.setAttribute("aria-label", t("closeChat"));
  close.append(icon(doc, "close"));
  header.append(avatar, heading, close);

  const offline = el("p", "offline");
  offline.hidden = true;
  offline.setAttribute("role", "status");
  offline.append(icon(doc, "offline"), doc.createTextNode(t("offlineNotice")));

  const scroller = el("div", "scroller");
  scroller.tabIndex = 0;
  scroller.setAttribute("aria-label", t("conversation"));
  scroller.setAttribute("role", "region");
  // The live region wraps the list, so the messages keep their list semantics (role="log" on the
  // <ol> itself would leave its <li> outside any list: axe-core's "listitem").
  const liveLog = el("div", "live-log");
  liveLog.setAttribute("role", "log");
  liveLog.setAttribute("aria-label", t("conversation"));
  liveLog.setAttribute("aria-live", "polite");
  const log = el("ol", "log");
  liveLog.append(log);
  const typing = el("div", "typing");
  typing.hidden = true;
  typing.append(el("span", "dot"), el("span", "dot"), el("span", "dot"), el("span", "sr-only", t("typing")));
  const agentTyping = el("p", "agent-typing");
  agentTyping.hidden = true;
  agentTyping.setAttribute("role", "status");
  scroller.append(liveLog, typing, agentTyping);

  const human = el("button", "human");
  human.type = "button";
  human.append(icon(doc, "person"), doc.createTextNode(t("talkToPerson")));
  const transcript = el("button", "human transcript");
  transcript.type = "button";
  transcript.hidden = true;
  transcript.append(icon(doc, "mail"), doc.createTextNode(t("emailTranscript")));
  const humanBar = el("div", "human-bar");
  humanBar.append(human, transcript);

  const form = el("form", "composer");
  const label = el("label", "sr-only", t("inputLabel"));
  label.htmlFor = "input";
  const input = el("textarea", "input");
  input.id = "input";
  input.rows = 1;
  input.maxLength = MAX_MESSAGE_CHARS;
  input.placeholder = t("placeholder");
  input.autocomplete = "off";
  const send = el("button", "send");
  send.type = "submit";
  send.setAttribute("aria-label", t("send"));
  send.append(icon(doc, "send"));
  const attach = el("button", "attach");
  attach.type = "button";
  attach.setAttribute("aria-label", t("attachFile"));
  attach.append(icon(doc, "clip"));
  const fileInput = el("input"); // hidden: the paperclip button opens it
  fileInput.type = "file";
  fileInput.hidden = true;
  fileInput.accept = settings.fileTypes.join(",");
  const counter = el("p", "counter");
  counter.hidden = true;
  form.append(attach, fileInput, label, input, send);

  panel.append(header, offline, scroller, humanBar, form, counter);
  root.append(launcher, panel);
  return {
    root, launcher, badge, panel, close, status, offline, scroller, liveLog, log, typing, agentTyping,
    human, humanBar, transcript, form, input, counter, attach, fileInput,
  };
}
