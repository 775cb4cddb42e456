// Message text as DOM nodes. Every character of a message becomes a text node or an anchor's
// textContent; nothing is ever parsed as HTML, so "<img src=x onerror=...>" shows as typed.

const LINK_PATTERN = new RegExp(
  [
    /\[(?<label>[^\]\n]{1,300})\]\((?<target>https?:\/\/[^\s()]+)\)/.source, // [label](https://...) as KB answers write them
    /(?<url>\bhttps?:\/\/[^\s<>"]+|\bwww\.[^\s<>"]+)/.source,
    /(?<email>\b[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}\b)/.source,
  ].join("|"),
  "gi",
);
const TRAILING_PUNCTUATION = /[.,;:!?'"]+$/;

/** Splits text into [{text}] and [{href, label}] parts; only http(s) and mailto links are made. */
export function splitLinks(text) {
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(LINK_PATTERN)) {
    let { label, target, url, email } = match.groups;
    let consumed = match[0];
    let href;
    if (target) {
      href = target;
    } else if (url) {
      url = trimUrl(url);
      consumed = url;
      label = url;
      href = url.startsWith("www.") ? `https://${url}` : url;
    } else {
      label = email;
      href = `mailto:${email}`;
    }
    if (!isSafeHref(href)) continue;
    if (match.index > last) parts.push({ text: text.slice(last, match.index) });
    parts.push({ href, label });
    last = match.index + consumed.length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}

/** A DocumentFragment with the text and its links (new tab, no opener, no referrer). */
export function renderRichText(doc, text, newTabHint) {
  const fragment = doc.createDocumentFragment();
  for (const part of splitLinks(text)) {
    if (part.href === undefined) {
      fragment.append(doc.createTextNode(part.text));
      continue;
    }
    const anchor = doc.createElement("a");
    anchor.href = part.href;
    anchor.textContent = part.label;
    if (!part.href.startsWith("mailto:")) {
      anchor.target = "_blank";
      anchor.rel = "noopener noreferrer";
      const hint = doc.createElement("span");
      hint.className = "sr-only";
      hint.textContent = ` ${newTabHint}`;
      anchor.append(hint);
    }
    fragment.append(anchor);
  }
  return fragment;
}

// A URL at the end of a sentence should not take the full stop, nor an unbalanced ")" around it.
function trimUrl(url) {
  let trimmed = url.replace(TRAILING_PUNCTUATION, "");
  while (trimmed.endsWith(")") && count(trimmed, "(") < count(trimmed, ")")) {
    trimmed = trimmed.slice(0, -1).replace(TRAILING_PUNCTUATION, "");
  }
  return trimmed;
}

function count(text, char) {
  return text.split(char).length - 1;
}

function isSafeHref(href) {
  try {
    return ["http:", "https:", "mailto:"].includes(new URL(href).protocol);
  } catch {
    return false;
  }
}
