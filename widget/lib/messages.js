// The conversation's records, as the widget stores and shows them:
//   {id, from: "bot" | "agent" | "user", text, ts, replies?, rating?, agentName?, stars?, eventTs?, file?}
// `replies` are quick-reply buttons [{title, payload}]; `rating` the CSAT choice [{value, payload}];
// `stars` the rating a shopper gave; `eventTs` the bot event's time in Rasa's tracker (seconds),
// which says what the widget has seen when it asks for what it missed (connection.js).
// `file` is a file sent in a handoff {url, name, size, image} (bot/channels/widget_files.py).
// Bot payloads arrive from Rasa's socket.io channel as `bot_uttered` events.

const RATE_PAYLOAD = /^\/rate\s*(\{.*\})\s*$/;
// The widget's own "Talk to a person" bar gives way while the bot's choices offer the same (one button, not two).
export const HUMAN_PAYLOAD = "/request_human";

export function newId() {
  const random = crypto.getRandomValues(new Uint32Array(2));
  return `${Date.now().toString(36)}-${random[0].toString(36)}${random[1].toString(36)}`;
}

const HEX_32 = /^[0-9a-f]{32}$/;

/** The widget's view of a file the desk described ({id, filename, size, image, token}); null if it is not one. */
export function fileOf(described, rasaUrl) {
  if (!described || !HEX_32.test(described.id) || !HEX_32.test(described.token)) return null;
  return {
    url: `${rasaUrl}/webhooks/socketio/attachments/${described.id}?t=${described.token}`,
    name: String(described.filename || "file"),
    size: Number(described.size) || 0,
    image: described.image === true,
  };
}

/** A record for a bot_uttered payload, or null when it carries nothing the widget can show. */
export function fromBotPayload(payload, now = Date.now(), rasaUrl = "") {
  if (!payload || typeof payload !== "object") return null;
  const text = typeof payload.text === "string" ? payload.text : "";
  const replies = quickReplies(payload.quick_replies || payload.buttons);
  const file = fileOf(payload.attachment?.payload, rasaUrl);
  if (!text.trim() && !replies.length && !file) return null;
  const record = { id: newId(), from: "bot", text, ts: now };
  if (file) record.file = file;
  if (typeof payload.ts === "number") record.eventTs = payload.ts;
  const agentName = agentNameOf(payload);
  if (agentName !== null) {
    record.from = "agent";
    record.agentName = agentName;
    // The desk sends "<agent name>: <text>" so that channels without metadata still show who wrote;
    // here the name has its own label.
    if (agentName && text.startsWith(`${agentName}: `)) record.text = text.slice(agentName.length + 2);
  }
  if (replies.length) {
    const ratings = replies.map((reply) => ratingOf(reply.payload));
    if (ratings.every((value) => value !== null)) {
      record.rating = replies.map((reply, i) => ({ value: ratings[i], payload: reply.payload })).sort((a, b) => a.value - b.value);
    } else {
      record.replies = replies;
    }
  }
  return record;
}

/** Whether `record` (from a replayed payload) is one the conversation already shows. */
export function alreadyShown(messages, record) {
  return (
    record.eventTs !== undefined &&
    messages.some((m) => m.eventTs === record.eventTs && m.text === record.text && m.file?.url === record.file?.url)
  );
}

/** The newest bot event time the conversation shows (0: none yet). */
export function lastSeen(messages) {
  return messages.reduce((latest, m) => (m.eventTs > latest ? m.eventTs : latest), 0);
}

export function userRecord(text, extra = {}, now = Date.now()) {
  return { id: newId(), from: "user", text, ts: now, ...extra };
}

// Rasa flattens a bot event's metadata into the payload; some channels nest it under "metadata".
function agentNameOf(payload) {
  for (const source of [payload, payload.metadata]) {
    if (source && typeof source === "object" && source.from_agent === true) {
      return typeof source.agent_name === "string" ? source.agent_name.trim() : "";
    }
  }
  return null;
}

function quickReplies(buttons) {
  if (!Array.isArray(buttons)) return [];
  return buttons
    .filter((b) => b && typeof b.title === "string" && typeof b.payload === "string" && b.title.trim())
    .map((b) => ({ title: b.title, payload: b.payload }));
}

function ratingOf(payload) {
  const match = RATE_PAYLOAD.exec(payload);
  if (!match) return null;
  try {
    const value = JSON.parse(match[1]).rating;
    return Number.isInteger(value) && value >= 1 && value <= 5 ? value : null;
  } catch {
    return null;
  }
}
