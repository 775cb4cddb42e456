"""Slack connector (Events API + interactivity, replies by ``chat.postMessage``): ``/webhooks/slack/webhook``.

Written on the shared :mod:`bot.channels.messaging` rather than on Rasa 3.6's SlackInput, which
answers the webhook only after the whole turn (Slack gives up after 3 seconds and re-sends),
cannot retry a send, posts to slack.com through slack_sdk without a configurable base URL (no
local fake) and treats every text as Slack markup.

- Every request must be signed with the app's signing secret: ``X-Slack-Signature`` is
  ``v0=`` + HMAC-SHA256 of ``v0:{X-Slack-Request-Timestamp}:{raw body}``, and the timestamp
  must be within 5 minutes of now (a replayed request is refused); otherwise 401.
- ``url_verification`` (Slack checking the Request URL) is answered with its challenge.
- ``event_callback`` with a ``message`` in a direct message (``channel_type: im``) is a shopper
  message from ``slack:<DM channel id>``. Our own and other bots' messages and message subtypes
  (edits, deletions, joins) are ignored; a file shared is not text. A re-sent event (Slack adds
  ``X-Slack-Retry-Num``) has the same ``event_id`` and is processed once.
- Interactivity (the same URL): a form-encoded ``payload`` of type ``block_actions`` is a
  button tapped; its ``value`` is the button's payload.
- Replies are plain text (``&``, ``<``, ``>`` escaped, markup off), buttons a Block Kit
  ``actions`` block (at most 25 buttons, 75-character labels). Texts are split at 4,000
  characters (Slack truncates long messages; section blocks take 3,000).
- Slack answers a refusal with HTTP 200 and ``"ok": false``; rate limits with 429 and
  ``Retry-After``, which is waited for.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import aiohttp
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.common import platform_id, sender_id, shorten, split_text
from bot.channels.media import Media, MediaUnavailable, download, kind_of
from bot.channels.messaging import Incoming, OutgoingFile, PlatformOutput, WebhookInput, api_url

MAX_TEXT = 4000
MAX_SECTION_TEXT = 3000
MAX_BUTTONS = 25
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_IMAGE_TITLE = 2000
REPLAY_WINDOW_S = 5 * 60
SIGNATURE_HEADER = "X-Slack-Signature"
TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
# Refusals Slack answers with 200 that are worth another try (its side failed, not our message).
SLACK_SIDE_ERRORS = {"internal_error", "fatal_error", "service_unavailable", "request_timeout"}


def signature(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def escaped(text: str) -> str:
    """Text Slack shows as written: its control characters escaped as its docs require."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def button_blocks(text: str, buttons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    elements = []
    for number, button in enumerate(buttons[:MAX_BUTTONS]):
        element: dict[str, Any] = {"type": "button", "action_id": f"choice-{number}",
                                   "text": {"type": "plain_text", "text": shorten(str(button["title"]), MAX_BUTTON_TEXT)}}
        target = str(button.get("url") or button.get("payload") or button["title"])
        if target.startswith(("https://", "http://")):
            element["url"] = target
        else:
            element["value"] = target[:MAX_BUTTON_VALUE]
        elements.append(element)
    return [{"type": "section", "text": {"type": "plain_text", "text": text, "emoji": True}},
            {"type": "actions", "elements": elements}]


class SlackOutput(PlatformOutput):
    channel: SlackInput

    @classmethod
    def name(cls) -> str:
        return SlackInput.name()

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        for part in split_text(text, MAX_TEXT) or [text]:
            await self._post(recipient_id, {"text": escaped(part), "mrkdwn": False}, kwargs)

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any) -> None:
        parts = split_text(text, MAX_SECTION_TEXT) or [text]
        for part in parts[:-1]:
            await self._post(recipient_id, {"text": escaped(part), "mrkdwn": False}, kwargs)
        # ``text`` is what notifications show; the blocks are what the chat shows.
        await self._post(recipient_id, {"text": escaped(parts[-1]), "blocks": button_blocks(parts[-1], buttons)}, kwargs)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        block = {"type": "image", "image_url": image, "alt_text": "image"}
        await self._post(recipient_id, {"text": escaped(image), "blocks": [block]}, kwargs)

    async def send_file(self, recipient_id: str, outgoing: OutgoingFile, **kwargs: Any) -> None:
        # Slack fetches an image block's URL itself; a PDF is a link the shopper opens.
        caption = {"type": "plain_text", "text": shorten(outgoing.caption, MAX_IMAGE_TITLE), "emoji": True}
        if outgoing.image:
            block = {"type": "image", "image_url": outgoing.link, "alt_text": outgoing.filename, "title": caption}
        else:
            link = f"<{outgoing.link}|{escaped(outgoing.filename)}>"
            block = {"type": "section", "text": {"type": "mrkdwn", "text": f"{escaped(outgoing.caption)}\n{link}"}}
        await self._post(recipient_id, {"text": escaped(outgoing.caption), "blocks": [block]}, kwargs)

    async def _post(self, recipient_id: str, message: dict[str, Any], kwargs: dict[str, Any]) -> None:
        await self.channel.call("chat.postMessage", {"channel": platform_id(recipient_id), **message},
                                must_arrive=bool(kwargs.get("from_agent")))


class SlackInput(WebhookInput):
    secrets = ("bot_token", "signing_secret")
    files_url = "https://files.slack.com"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> SlackInput:
        channel = super().from_credentials(credentials)
        assert isinstance(channel, SlackInput)
        channel.files_url = api_url(credentials or {}, "files_url") if (credentials or {}).get("files_url") else cls.files_url
        return channel

    @classmethod
    def name(cls) -> str:
        return "slack"

    @staticmethod
    def status_of(status: int, body: Any) -> int:
        if status == 200 and isinstance(body, dict) and body.get("ok") is False:
            return 503 if body.get("error") in SLACK_SIDE_ERRORS else 400
        return status

    async def call(self, method: str, payload: dict[str, Any], must_arrive: bool = False) -> Any:
        """A Web API call; a failed agent reply raises, so the desk learns it was not delivered."""
        headers = {"Authorization": f"Bearer {self.settings['bot_token']}"}  # type: ignore[index]
        return await self.deliver(method, f"{self.base_url}/{method}", payload, headers, must_arrive=must_arrive)

    def verified(self, request: Request) -> bool:
        timestamp = request.headers.get(TIMESTAMP_HEADER, "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > REPLAY_WINDOW_S:
            return False
        expected = signature(self.settings["signing_secret"], timestamp, request.body)  # type: ignore[index]
        return hmac.compare_digest(request.headers.get(SIGNATURE_HEADER, "").encode(), expected.encode())

    def body_of(self, request: Request) -> Any:
        # Events come as JSON, button taps as a form with the JSON in ``payload``.
        if request.content_type.startswith("application/x-www-form-urlencoded"):
            return json.loads(request.form.get("payload") or "")
        return request.json

    def answer_itself(self, body: Any) -> HTTPResponse | None:
        if body.get("type") == "url_verification":
            return response.json({"challenge": str(body.get("challenge", ""))})
        return None

    def incoming(self, body: Any) -> list[Incoming]:
        if body.get("type") == "event_callback":
            return self._message(body["event_id"], body["event"])
        if body.get("type") == "block_actions":
            return self._tap(body)
        return []  # other interactions (shortcuts, views), app_rate_limited notices...

    def _message(self, event_id: str, event: dict[str, Any]) -> list[Incoming]:
        if event.get("type") != "message" or event.get("channel_type") != "im" or event.get("bot_id"):
            return []
        subtype = event.get("subtype")
        if subtype not in (None, "file_share"):
            return []  # edits, deletions, joins, our own bot_message...
        sender = sender_id(self.name(), str(event["channel"]))
        if not sender:
            return []
        text = event.get("text")
        if subtype is None:
            return [Incoming(f"slack:{event_id}", sender, text if isinstance(text, str) else None)]
        return [Incoming(f"slack:{event_id}", sender, None, media=self._media(event.get("files") or [], text))]

    def _media(self, files: list[dict[str, Any]], caption: Any) -> list[Media]:
        """Every file shared in the message (a DM's composer takes up to 10), the text with the first."""
        shared = [self._file(file) for file in files if isinstance(file, dict)]
        if shared and isinstance(caption, str):
            shared[0].caption = caption
        return shared

    def _file(self, file: dict[str, Any]) -> Media:
        url = str(file.get("url_private_download") or file.get("url_private") or "")

        async def fetch(session: aiohttp.ClientSession) -> bytes:
            # The bot token goes to Slack's file host only, whatever a URL in the event says.
            if not url.startswith(self.files_url + "/"):
                raise MediaUnavailable("not on Slack's file host")
            return await download(session, url, {"Authorization": f"Bearer {self.settings['bot_token']}"})  # type: ignore[index]

        return Media(kind_of(file.get("mimetype")), str(file.get("name") or "") or None, None, fetch)

    def _tap(self, body: dict[str, Any]) -> list[Incoming]:
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        sender = sender_id(self.name(), str(channel))
        actions = [a for a in body.get("actions", []) if a.get("type") == "button" and a.get("value")]
        if not sender or not actions:
            return []  # a link button (it opens the page and needs nothing from us)
        action = actions[0]
        return [Incoming(f"slack:action:{body.get('trigger_id') or action['action_ts']}", sender, str(action["value"]))]

    def get_output_channel(self) -> SlackOutput | None:
        return SlackOutput(self) if self.enabled else None
