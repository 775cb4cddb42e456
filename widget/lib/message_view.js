// One message of the conversation as a list item, and the choices (quick replies or stars) the bot
// offers with it. Text goes in through renderRichText only.

import { icon } from "./icons.js";
import { renderRichText } from "./rich_text.js";

/** <li> for a record; `t` translates, `language` formats the time. */
export function messageItem(doc, record, t, language) {
  const item = element(doc, "li", `msg msg--${record.from}`);
  item.dataset.id = record.id;
  if (record.from === "agent") {
    const who = element(doc, "p", "who");
    const name = record.agentName || t("agentRole");
    const avatar = element(doc, "span", "avatar", name.slice(0, 1).toUpperCase());
    avatar.setAttribute("aria-hidden", "true");
    who.append(avatar, element(doc, "span", "who-name", name));
    if (record.agentName) who.append(element(doc, "span", "who-role", ` · ${t("agentRole")}`));
    item.append(who);
  } else {
    item.append(element(doc, "span", "sr-only", `${record.from === "user" ? t("you") : t("assistant")}: `));
  }
  const bubble = element(doc, "div", "bubble");
  if (record.stars) bubble.append(starsShown(doc, record.stars, t));
  else if (record.file) bubble.append(fileShown(doc, record.file, t));
  else bubble.append(renderRichText(doc, record.text, t("newTab")));
  const meta = element(doc, "p", "meta");
  const time = element(doc, "time", "", formatTime(record.ts, language));
  time.dateTime = new Date(record.ts).toISOString();
  meta.append(time, element(doc, "span", "delivery"));
  item.append(bubble, meta);
  return item;
}

/** Whether `next` continues `previous`: same sender within the same minute, so one time stamp will do. */
export function continues(previous, next) {
  return (
    previous?.from === next.from &&
    previous.agentName === next.agentName &&
    Math.floor(previous.ts / 60_000) === Math.floor(next.ts / 60_000)
  );
}

/** Shows why a shopper's message has not gone yet ("waiting to send"), or nothing. */
export function setDeliveryState(item, text) {
  const delivery = item.querySelector(".delivery");
  delivery.replaceChildren();
  item.classList.toggle("msg--pending", Boolean(text));
  if (text) delivery.append(icon(item.ownerDocument, "clock"), item.ownerDocument.createTextNode(text));
}

/** The record's quick replies or star rating as a group of buttons; choose(label, payload, stars?). */
export function choicesFor(doc, record, t, choose) {
  if (record.replies) {
    const group = element(doc, "div", "choices replies");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", t("suggestions"));
    for (const reply of record.replies) {
      const button = element(doc, "button", "reply", reply.title);
      button.type = "button";
      button.dataset.payload = reply.payload;
      button.addEventListener("click", () => choose(reply.title, reply.payload));
      group.append(button);
    }
    return group;
  }
  const group = element(doc, "div", "choices rating");
  group.setAttribute("role", "group");
  group.setAttribute("aria-label", t("rateConversation"));
  const stars = record.rating.map(({ value, payload }) => {
    const button = element(doc, "button", "star");
    button.type = "button";
    button.setAttribute("aria-label", t("stars", { n: value }));
    button.append(icon(doc, "star"));
    button.addEventListener("click", () => choose(t("stars", { n: value }), payload, value));
    // Lighting the stars up to the one under the pointer or focus shows what a click would give.
    const light = () => stars.forEach((star, i) => star.classList.toggle("lit", record.rating[i].value <= value));
    button.addEventListener("pointerenter", light);
    button.addEventListener("focus", light);
    return button;
  });
  const unlight = () => stars.forEach((star) => star.classList.remove("lit"));
  group.addEventListener("pointerleave", unlight);
  group.addEventListener("focusout", unlight);
  group.append(...stars);
  return group;
}

// An image inline (a click opens it whole), anything else (a PDF) as a download link; the name only as text.
function fileShown(doc, file, t) {
  const link = element(doc, "a", file.image ? "file-image" : "file-link");
  link.href = file.url;
  link.target = "_blank";
  link.rel = "noopener noreferrer";
  if (file.image) {
    const image = element(doc, "img", "file-thumb");
    image.src = file.url;
    image.alt = t("fileImage", { name: file.name });
    link.append(image);
  } else {
    link.download = file.name;
    link.append(icon(doc, "clip"), doc.createTextNode(t("fileDownload", { name: file.name, size: Math.ceil(file.size / 1024) })));
  }
  return link;
}

function starsShown(doc, value, t) {
  const row = element(doc, "span", "given-stars");
  for (let i = 1; i <= 5; i++) {
    const star = icon(doc, "star");
    if (i > value) star.classList.add("dim");
    row.append(star);
  }
  row.append(element(doc, "span", "sr-only", t("stars", { n: value })));
  return row;
}

function formatTime(ts, language) {
  const date = new Date(ts);
  const today = new Date().toDateString() === date.toDateString();
  const options = today ? { hour: "numeric", minute: "2-digit" } : { day: "numeric", month: "short", hour: "numeric", minute: "2-digit" };
  return new Intl.DateTimeFormat(language, options).format(date);
}

function element(doc, tag, className, text) {
  const node = doc.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}
