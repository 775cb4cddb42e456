// Inline SVG icons (24×24, drawn with currentColor), built as DOM nodes.

const SVG_NS = "http://www.w3.org/2000/svg";

const PATHS = {
  chat: ["M20 11.5a8.5 8.5 0 0 1-12.3 7.6L3 20.5l1.4-4.4A8.5 8.5 0 1 1 20 11.5z"],
  close: ["M6 6l12 12", "M18 6L6 18"],
  send: ["M12 19V5", "M5.5 11.5L12 5l6.5 6.5"],
  person: ["M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8z", "M4.5 20.5a7.5 7.5 0 0 1 15 0"],
  clock: ["M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z", "M12 7.5V12l3 2"],
  mail: ["M4 6.5h16v11H4z", "M4.5 7l7.5 6 7.5-6"],
  clip: ["M20 11.5l-7.8 7.8a5 5 0 0 1-7-7L13 4.5a3.3 3.3 0 0 1 4.7 4.7l-7.8 7.8a1.7 1.7 0 0 1-2.4-2.4l7.1-7.1"],
  offline: ["M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z", "M12 7.5v5.5", "M12 16.5v.01"],
};
const STAR = "M12 2.8l2.8 5.9 6.4.8-4.7 4.4 1.2 6.4L12 17.1l-5.7 3.2 1.2-6.4-4.7-4.4 6.4-.8z";

export function icon(doc, name) {
  const svg = doc.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.classList.add("icon");
  const paths = name === "star" ? [STAR] : PATHS[name];
  for (const d of paths) {
    const path = doc.createElementNS(SVG_NS, "path");
    path.setAttribute("d", d);
    svg.append(path);
  }
  if (name === "star") svg.classList.add("icon--filled");
  return svg;
}
