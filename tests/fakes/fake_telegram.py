"""Fake Telegram Bot API: ``POST /bot<token>/<method>`` for the methods the connector uses.

Answers as https://core.telegram.org/bots/api documents: ``{"ok": true, "result": ...}``, or
``{"ok": false, "error_code", "description"}`` (401 for a wrong token, 400 for a text over
4096 characters or ``callback_data`` over 64 bytes). ``fail_next(chat_id, 429, 500, ...)``
makes the next sends to that chat fail with those statuses (429 with
``parameters.retry_after`` = 1); every attempt is kept in ``attempts``, every accepted call in
``calls``. ``add_file(file_id, bytes, type)`` makes ``getFile`` give a ``file_path`` that is
downloadable at ``/file/bot<token>/<file_path>``.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import defaultdict, deque
from typing import Any

from aiohttp import web

TOKEN = "123456:fake-telegram-token"
MAX_TEXT = 4096
SEND_METHODS = ("sendMessage", "sendPhoto", "sendDocument")
MAX_CAPTION = 1024


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def error(status: int, description: str, **parameters: Any) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)


class FakeTelegram:
    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[dict[str, Any]] = []
        self.attempts: list[dict[str, Any]] = []
        # (time.monotonic() on arrival, chat id) of every accepted send, for bench/channel_latency.py.
        self.arrivals: list[tuple[float, str]] = []
        self._failures: dict[str, deque[int]] = defaultdict(deque)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.app = web.Application()
        self.files: dict[str, tuple[bytes, str]] = {}
        self.app.router.add_post("/bot{token}/{method}", self.handle)
        self.app.router.add_get("/file/bot{token}/{path:.+}", self.file)

    def add_file(self, file_id: str, content: bytes, content_type: str) -> None:
        self.files[file_id] = (content, content_type)

    async def file(self, request: web.Request) -> web.Response:
        file_id = request.match_info["path"].rsplit("/", 1)[-1]
        if request.match_info["token"] != self.token or file_id not in self.files:
            return error(404, "Not Found")
        content, content_type = self.files[file_id]
        return web.Response(body=content, content_type=content_type)

    def fail_next(self, chat_id: int | str, *statuses: int) -> None:
        with self._lock:
            self._failures[str(chat_id)].extend(statuses)

    def messages_to(self, chat_id: int | str) -> list[dict[str, Any]]:
        with self._lock:
            return [c for c in self.calls if c["method"] in SEND_METHODS and str(c["chat_id"]) == str(chat_id)]

    def texts_to(self, chat_id: int | str) -> list[str]:
        return [m.get("text", "") for m in self.messages_to(chat_id)]

    def calls_of(self, method: str) -> list[dict[str, Any]]:
        with self._lock:
            return [c for c in self.calls if c["method"] == method]

    def attempts_to(self, chat_id: int | str) -> list[dict[str, Any]]:
        with self._lock:
            return [a for a in self.attempts if str(a.get("chat_id")) == str(chat_id)]

    async def handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return error(401, "Unauthorized")
        arrived = time.monotonic()
        method = request.match_info["method"]
        try:
            payload = await request.json()
        except ValueError:
            return error(400, "Bad Request: can't parse JSON")
        if not isinstance(payload, dict):
            return error(400, "Bad Request: parameters must be an object")
        call = {"method": method, **payload}
        with self._lock:
            self.attempts.append(call)
            failures = self._failures.get(str(payload.get("chat_id")))
            status = failures.popleft() if failures and method in SEND_METHODS else None
        if status == 429:
            return error(429, "Too Many Requests: retry after 1", retry_after=1)
        if status is not None:
            return error(status, "Internal Server Error" if status >= 500 else "Forbidden: bot was blocked by the user")
        handler = getattr(self, f"_{method}", None)
        if handler is None:
            return error(404, "Not Found: method not found")
        problem = handler(payload)
        if problem is not None:
            return error(400, f"Bad Request: {problem}")
        with self._lock:
            self.calls.append(call)
            if method in SEND_METHODS:
                self.arrivals.append((arrived, str(payload["chat_id"])))
        return web.json_response({"ok": True, "result": self._result(method, payload)})

    def _result(self, method: str, payload: dict[str, Any]) -> Any:
        if method == "getFile":
            file_id = payload["file_id"]
            return {"file_id": file_id, "file_unique_id": file_id[:8], "file_size": len(self.files[file_id][0]),
                    "file_path": f"documents/{file_id}"}
        if method in SEND_METHODS:
            return {"message_id": next(self._ids), "chat": {"id": payload["chat_id"], "type": "private"}, "date": 0,
                    **({"text": payload["text"]} if "text" in payload else {})}
        return True

    @staticmethod
    def _sendMessage(payload: dict[str, Any]) -> str | None:
        text = payload.get("text")
        if "chat_id" not in payload:
            return "chat_id is empty"
        if not isinstance(text, str) or not text.strip():
            return "message text is empty"
        if utf16_len(text) > MAX_TEXT:
            return "message is too long"
        markup = payload.get("reply_markup")
        if markup is not None:
            rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                return "can't parse inline keyboard button: InlineKeyboardMarkup must be an Array of Arrays"
            for button in (b for row in rows for b in row):
                if not button.get("text"):
                    return "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                if len(str(button.get("callback_data", "")).encode()) > 64:
                    return "BUTTON_DATA_INVALID"
        return None

    @staticmethod
    def _sendPhoto(payload: dict[str, Any]) -> str | None:
        if utf16_len(str(payload.get("caption") or "")) > MAX_CAPTION:
            return "message caption is too long"
        return None if payload.get("chat_id") and payload.get("photo") else "there is no photo in the request"

    @staticmethod
    def _sendDocument(payload: dict[str, Any]) -> str | None:
        if utf16_len(str(payload.get("caption") or "")) > MAX_CAPTION:
            return "message caption is too long"
        return None if payload.get("chat_id") and payload.get("document") else "there is no document in the request"

    def _getFile(self, payload: dict[str, Any]) -> str | None:
        return None if payload.get("file_id") in self.files else "invalid file_id"

    @staticmethod
    def _answerCallbackQuery(payload: dict[str, Any]) -> str | None:
        return None if payload.get("callback_query_id") else "query is too old or query ID is invalid"

    @staticmethod
    def _setWebhook(payload: dict[str, Any]) -> str | None:
        if not str(payload.get("url", "")).startswith("https://"):
            return "bad webhook: An HTTPS URL must be provided for webhook"
        secret = str(payload.get("secret_token", ""))
        if secret and not (1 <= len(secret) <= 256 and all(c.isalnum() or c in "_-" for c in secret)):
            return "secret token contains unallowed characters"
        return None
