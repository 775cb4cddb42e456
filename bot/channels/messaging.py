"""What every messenger connector (Telegram, WhatsApp, ...) shares.

A connector is a :class:`WebhookInput` subclass that says how its platform signs a webhook,
which updates it carries and how to send to the platform (its :class:`PlatformOutput`).
This module does the rest the same way for all of them:

- configuration: ``bot/credentials.yml`` names the environment variables holding the
  secrets; a channel whose variables are not all set is disabled (no routes, one log line),
  so ``make run`` without secrets still works. The platform's base URL comes from config
  (an env override names it) so tests can point it at a local fake;
- the webhook answers at once and the turn runs in the background: platforms re-send a
  webhook that is answered slowly, and a Rasa turn with a KB lookup can take seconds;
- a re-sent update (same platform id) is processed once (bot/channels/dedup.py: in memory, or
  in Redis shared by several Rasa replicas);
- a message that is not text gets a polite reply in the conversation's language, except during
  a handoff: then the photo, file or location reaches the agent (bot/channels/media.py);
- outgoing calls are retried with backoff on 429/5xx/connection errors (honouring the
  platform's retry-after), and dropped after a bound with a log line that names the channel
  and the failure, never the shopper or the text;
- long texts are split where the platform's limit allows, at paragraph, line or word
  boundaries;
- an agent's image or PDF (desk/operations.py::send_agent_file, with ``attachments.public_url``)
  goes as the platform's own media message, fetched by the platform from its public link
  (:meth:`PlatformOutput.send_file`); what a platform cannot take goes as "caption: link".
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from tenacity import AsyncRetrying, RetryCallState, retry_if_result, stop_after_attempt, wait_exponential

from bot.channels.common import non_text_reply
from bot.channels.dedup import seen_ids
from bot.channels.media import Media, MediaForwarder
from bot.channels.no_silence import NoSilence

log = logging.getLogger(__name__)

SEND_ATTEMPTS = 4
SEND_MAX_WAIT_S = 30.0
SEND_TIMEOUT = aiohttp.ClientTimeout(total=15)


@dataclass
class PlatformReply:
    """What a platform answered to one call, reduced to what retrying needs."""

    status: int
    body: Any = None
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def retryable(self) -> bool:
        """Worth another try: rate limited, a server error, unreachable, or a retry-after given."""
        return not self.ok and (self.status in (0, 429) or self.status >= 500 or self.retry_after is not None)


class DeliveryFailed(Exception):
    """The platform refused a message, or could not be reached within the retry bound."""

    def __init__(self, channel: str, method: str, reply: PlatformReply) -> None:
        super().__init__(f"{channel} {method}: {reply.status}")
        self.reply = reply


def _wait(retry_state: RetryCallState) -> float:
    reply: PlatformReply = retry_state.outcome.result()  # type: ignore[union-attr]
    if reply.retry_after is not None:
        return min(reply.retry_after, SEND_MAX_WAIT_S)
    return wait_exponential(multiplier=0.5, max=SEND_MAX_WAIT_S)(retry_state)


class PlatformClient:
    """JSON calls to a platform's HTTP API, retried with backoff; one session per connector."""

    def __init__(self, channel: str, retry_after: Callable[[int, Any, dict[str, str]], float | None],
                 status_of: Callable[[int, Any], int] = lambda status, body: status) -> None:
        self.channel = channel
        self._retry_after = retry_after
        self._status_of = status_of
        self._session: aiohttp.ClientSession | None = None

    async def _once(self, url: str, payload: dict[str, Any], headers: dict[str, str]) -> PlatformReply:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=SEND_TIMEOUT)
        try:
            async with self._session.post(url, json=payload, headers=headers) as answer:
                try:
                    body = await answer.json(content_type=None)
                except ValueError:
                    body = None
                status = self._status_of(answer.status, body)
                return PlatformReply(status, body, self._retry_after(answer.status, body, dict(answer.headers)))
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            return PlatformReply(0, {"error": type(error).__name__})

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def post(self, url: str, method: str, payload: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
        """The platform's answer body; :class:`DeliveryFailed` once the bound is reached or the call is refused."""

        def log_retry(state: RetryCallState) -> None:
            status = state.outcome.result().status  # type: ignore[union-attr]
            log.warning("%s %s: status %s on attempt %d, retrying", self.channel, method, status or "unreachable",
                        state.attempt_number)

        reply: PlatformReply = await AsyncRetrying(
            retry=retry_if_result(lambda r: r.retryable),
            wait=_wait,
            stop=stop_after_attempt(SEND_ATTEMPTS),
            before_sleep=log_retry,
            retry_error_callback=lambda state: state.outcome.result(),  # type: ignore[union-attr]
        )(self._once, url, payload, headers or {})
        if not reply.ok:
            # The channel, the method and the status only: no recipient, no text.
            log.error("%s %s: dropped after %s (status %s)", self.channel, method,
                      "the retry bound" if reply.retryable else "a refusal", reply.status or "unreachable")
            raise DeliveryFailed(self.channel, method, reply)
        return reply.body


@dataclass(frozen=True)
class OutgoingFile:
    """An agent's file for a messenger, as the desk describes it in the bot event's attachment."""

    link: str  # its public address, with the shopper's token: the platform fetches it from there
    filename: str
    content_type: str
    image: bool
    caption: str  # "Anna: label.pdf"

    @classmethod
    def of(cls, attachment: Any) -> OutgoingFile | None:
        """None for an attachment that is not the desk's file for a messenger (no public link)."""
        if not isinstance(attachment, dict) or not str(attachment.get("link") or "").startswith(("https://", "http://")):
            return None
        payload = attachment.get("payload") if isinstance(attachment.get("payload"), dict) else {}
        return cls(str(attachment["link"]), str(payload.get("filename") or "file"), str(payload.get("content_type") or ""),
                   bool(payload.get("image")), str(attachment.get("caption") or payload.get("filename") or ""))

    @property
    def as_text(self) -> str:
        return f"{self.caption}: {self.link}"


@dataclass
class Incoming:
    """One shopper event out of a webhook body, in platform-neutral terms."""

    key: str  # the platform's id of the event, for de-duplication
    sender: str  # our sender id ("telegram:12345")
    text: str | None  # None: something that is not text (photo, sticker, voice, location...)
    metadata: dict[str, Any] = field(default_factory=dict)
    acknowledge: Callable[[], Awaitable[None]] | None = None  # e.g. Telegram's answerCallbackQuery
    # What it is when it is not text, and how to fetch it: every file of the message, in order.
    media: list[Media] = field(default_factory=list)


def settings_from_env(channel: str, credentials: dict[str, Any], names: tuple[str, ...]) -> dict[str, str] | None:
    """The values of the env variables credentials.yml names as ``<name>_env``; None if any is unset."""
    values = {}
    for name in names:
        variable = credentials.get(f"{name}_env")
        value = os.environ.get(variable or "", "")
        if not value:
            log.info("%s channel disabled: environment variable %s is not set", channel, variable or f"{name}_env")
            return None
        values[name] = value
    return values


def api_url(credentials: dict[str, Any], key: str = "api_url") -> str:
    """The platform's base URL: ``api_url`` in credentials.yml, or the env variable ``api_url_env`` names."""
    return (os.environ.get(credentials.get(f"{key}_env") or "") or credentials[key]).rstrip("/")


class WebhookInput(InputChannel):
    """A messenger's webhook: verify, split into :class:`Incoming` events, process each once in the background."""

    #: Names of the settings read from env (credentials.yml gives ``<name>_env`` for each).
    secrets: tuple[str, ...] = ()

    def __init__(self, settings: dict[str, str] | None, base_url: str) -> None:
        self.settings = settings
        self.base_url = base_url
        self.client = PlatformClient(self.name(), self.retry_after, self.status_of)
        self._seen = seen_ids() if settings is not None else None
        self.media = MediaForwarder(self.name())
        self._tasks: set[asyncio.Task] = set()

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WebhookInput:
        credentials = credentials or {}
        return cls(settings_from_env(cls.name(), credentials, cls.secrets), api_url(credentials))

    @property
    def enabled(self) -> bool:
        return self.settings is not None

    def webhook_url(self, rasa_url: str) -> str:
        return f"{rasa_url.rstrip('/')}/webhooks/{self.name()}/webhook"

    # --- what a platform connector provides ---------------------------------------------
    def verified(self, request: Request) -> bool:
        raise NotImplementedError

    def incoming(self, body: Any) -> list[Incoming]:
        raise NotImplementedError

    @staticmethod
    def retry_after(status: int, body: Any, headers: dict[str, str]) -> float | None:
        """Seconds the platform asked us to wait before retrying, if it said."""
        value = headers.get("Retry-After")
        return float(value) if value and value.isdigit() else None

    @staticmethod
    def status_of(status: int, body: Any) -> int:
        """The HTTP status a platform's answer amounts to (Slack answers refusals with 200 and ``ok: false``)."""
        return status

    def body_of(self, request: Request) -> Any:
        """The webhook's parsed body (JSON by default)."""
        return request.json

    def answer_itself(self, body: Any) -> HTTPResponse | None:
        """A response for a webhook that is no shopper's event (Slack's url_verification); None for the rest."""
        return None

    def handshake(self, request: Request) -> HTTPResponse:
        """``GET`` on the webhook (Meta's verify-token handshake); nothing by default."""
        return response.text("method not allowed", status=405)

    def get_output_channel(self) -> PlatformOutput | None:
        raise NotImplementedError

    # --- the same for every platform -----------------------------------------------------
    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint(f"{self.name()}_webhook", __name__)
        if not self.enabled:
            return hook
        # A turn the action server could not answer gets an apology, as on REST and socket.io.
        no_silence = NoSilence(on_new_message, self.name())
        no_silence.attach(hook)

        @hook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            return self.handshake(request)

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self.verified(request):
                log.warning("%s webhook refused: bad or missing signature", self.name())
                return response.json({"error": "bad signature"}, status=401)
            try:
                body = self.body_of(request)
                own_answer = self.answer_itself(body)
                if own_answer is not None:
                    return own_answer
                events = self.incoming(body)
            except (ValueError, TypeError, KeyError, AttributeError):
                return response.json({"error": "not a webhook body this channel understands"}, status=400)
            for event in events:
                if await self._seen.first_time(event.key):  # type: ignore[union-attr]
                    self._start(self._process(event, request, no_silence))
            return response.json({"ok": True})

        return hook

    async def deliver(self, method: str, url: str, payload: dict[str, Any], headers: dict[str, str] | None = None,
                      must_arrive: bool = False) -> Any:
        """Send to the platform. A bot reply that cannot be delivered is logged and dropped, so
        the turn is still saved; with ``must_arrive`` (an agent's reply) it raises, so Rasa
        answers the desk's call with an error instead of pretending it was delivered."""
        try:
            return await self.client.post(url, method, payload, headers)
        except DeliveryFailed:
            if must_arrive:
                raise
            return None

    def _start(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)  # held until done: the loop keeps only weak references
        task.add_done_callback(self._tasks.discard)

    async def _process(self, event: Incoming, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        output = self.get_output_channel()
        try:
            if event.acknowledge is not None:
                await event.acknowledge()
            messages = [(event.key, event.text, event.metadata)]
            if event.text is None:
                tracker = await self._tracker(request, event.sender)
                if not event.media or tracker is None or not tracker.is_paused():
                    language = tracker.get_slot("language") if tracker is not None else None
                    await output.send_text_message(event.sender, non_text_reply(language))
                    return
                # A person has the conversation: what the shopper sent is for them, one message a file.
                messages = []
                for number, media in enumerate(event.media):
                    text, extra = await self.media.message_for(event.sender, media)
                    messages.append((f"{event.key}#{number}" if number else event.key, text, {**event.metadata, **extra}))
            for key, text, metadata in messages:
                if text and text.strip():
                    await on_new_message(UserMessage(text, output, event.sender, input_channel=self.name(),
                                                     message_id=key, metadata=metadata or None))
        except DeliveryFailed:
            pass  # already logged without personal data
        except Exception:
            log.exception("%s: handling an update failed", self.name())

    @staticmethod
    async def _tracker(request: Request, sender: str) -> DialogueStateTracker | None:
        agent = getattr(request.app.ctx, "agent", None)
        if agent is None or agent.tracker_store is None:
            return None
        return await agent.tracker_store.retrieve(sender)


class PlatformOutput(OutputChannel):
    """Sends Rasa's replies to one platform; subclasses map text and buttons to its elements."""

    def __init__(self, channel: WebhookInput) -> None:
        self.channel = channel
        self.client = channel.client

    @classmethod
    def name(cls) -> str:
        raise NotImplementedError

    async def send_attachment(self, recipient_id: str, attachment: dict[str, Any], **kwargs: Any) -> None:
        """An agent's file (the desk's bot event): the platform's media message; Rasa's default would send the dict as text."""
        outgoing = OutgoingFile.of(attachment)
        if outgoing is None:
            log.warning("%s: an attachment without a public link was not sent", self.name())
            return
        kwargs.pop("text", None)  # the event's empty text: Rasa passes it on with the rest of the message
        await self.send_file(recipient_id, outgoing, **kwargs)

    async def send_file(self, recipient_id: str, outgoing: OutgoingFile, **kwargs: Any) -> None:
        """Send the file as the platform's media; by default (a platform or type it cannot take) as its link."""
        await self.send_text_message(recipient_id, outgoing.as_text, **kwargs)
