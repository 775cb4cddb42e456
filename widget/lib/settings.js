// What the shop chose in the snippet's data-* attributes, checked and completed with defaults.

import { LANGUAGES, pickLanguage } from "./i18n.js";

export const MAX_MESSAGE_CHARS = 4000; // the channels' max_message_chars in bot/credentials.yml
const DEFAULT_COLOR = "#1f5f4a";
const DEFAULT_AGENT_COLOR = "#8a4600";
const HEX_COLOR = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;

/**
 * data-rasa-url       Rasa server with the socket.io channel (required), e.g. https://assistant.example
 * data-socket-path    socket.io path if credentials.yml changes it (default /socket.io/)
 * data-title          header title (default: "Chat with us" in the widget's language)
 * data-color          accent colour, #rgb or #rrggbb; text on it is black or white, whichever reads better
 * data-agent-color    colour marking messages from a person of the shop's team
 * data-lang           en, pl or ru (default: the page's <html lang>, then the browser's languages);
 *                     set here, it is also the language the bot answers in (sent as metadata.language)
 * data-open           "true" opens the chat on the shopper's first page view
 * data-greeting       first message shown when the chat opens (default: a greeting in the widget's language)
 */
// What the shopper may send during a handoff, until the channel's session settings say (assistant.yml, attachments:).
const FILE_TYPES = ["image/jpeg", "image/png", "image/webp", "image/gif", "application/pdf"];
const MAX_FILE_BYTES = 10 * 1024 * 1024;

export function readSettings(data, doc, nav) {
  if (!data.rasaUrl) throw new Error("the widget's <script> tag needs data-rasa-url");
  return {
    rasaUrl: new URL(data.rasaUrl, doc.baseURI).href.replace(/\/$/, ""),
    socketPath: data.socketPath || "/socket.io/",
    title: data.title || null,
    color: HEX_COLOR.test(data.color || "") ? data.color : DEFAULT_COLOR,
    agentColor: HEX_COLOR.test(data.agentColor || "") ? data.agentColor : DEFAULT_AGENT_COLOR,
    language: pickLanguage(data.lang, doc.documentElement.lang, nav.languages || [nav.language]),
    // Only the shop's explicit choice binds the bot (bot/language.py lets it override detection);
    // the page's or browser's language sets the widget's texts only.
    chosenLanguage: LANGUAGES.includes(data.lang) ? data.lang : null,
    startOpen: data.open === "true",
    greeting: data.greeting || null,
    fileTypes: FILE_TYPES,
    maxFileBytes: MAX_FILE_BYTES,
  };
}

const DARK_GROUNDS = ["#131715", "#1a1f1d", "#2a312e"]; // the dark scheme's backgrounds (styles.js)
const contrast = (a, b) => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);

/**
 * Colours derived from the shop's accent so text stays readable whatever it picks:
 * onAccent: black or white text on the accent, whichever contrasts more;
 * accentInk: the accent itself for text on white when it reaches 4.5:1 (WCAG AA), else near-black;
 * accentInkDark: the accent, lightened as far as needed for 4.5:1 on the dark scheme's backgrounds.
 */
export function accentColors(hex) {
  const accent = luminance(hex);
  return {
    onAccent: contrast(accent, 1) >= contrast(accent, 0) ? "#ffffff" : "#111111",
    accentInk: contrast(accent, 1) >= 4.5 ? hex : "#1b1f1d",
    accentInkDark: readableOnDark(hex),
  };
}

/** `hex` mixed with white in steps of 10 % until it reads at 4.5:1 on every dark background. */
export function readableOnDark(hex) {
  const rgb = channels(hex);
  for (let share = 0; share <= 1; share += 0.1) {
    const mixed = `#${rgb.map((c) => Math.round(c + (255 - c) * share).toString(16).padStart(2, "0")).join("")}`;
    if (DARK_GROUNDS.every((ground) => contrast(luminance(mixed), luminance(ground)) >= 4.5)) return mixed;
  }
  return "#ffffff";
}

function channels(hex) {
  const pairs = hex.length === 4 ? [...hex.slice(1)].map((d) => d + d) : hex.slice(1).match(/../g);
  return pairs.map((pair) => parseInt(pair, 16));
}

function luminance(hex) {
  const [r, g, b] = channels(hex).map((value) => {
    const c = value / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
