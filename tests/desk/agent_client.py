"""An agent's browser session against a running desk process, driven over HTTP (httpx)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

from tests.desk.support import PASSWORD

T = TypeVar("T")
CSRF = re.compile(r'name="csrf[-_]token" (?:value|content)="([^"]+)"')


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 20.0) -> T:
    """Poll until ``probe`` returns something truthy (a background process has caught up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := probe():
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class AgentClient:
    def __init__(self, desk_url: str):
        self.http = httpx.Client(base_url=desk_url, timeout=30, headers={"Accept": "application/json"})

    def csrf(self, path: str = "/login") -> str:
        return CSRF.search(self.http.get(path, headers={"Accept": "text/html"}).text).group(1)

    def sign_in(self, username: str, password: str = PASSWORD) -> AgentClient:
        token = self.csrf()
        response = self.http.post("/login", data={"username": username, "password": password, "csrf_token": token})
        assert response.status_code == 303, response.text
        return self

    def sign_out(self) -> None:
        self.http.post("/logout", data={"csrf_token": self.csrf("/")})
        self.http.close()

    def queue(self) -> dict[str, Any]:
        return self.http.get("/queue.json").raise_for_status().json()

    def waiting_handoff(self, sender_id: str) -> dict[str, Any] | None:
        return next((item for item in self.queue()["waiting"] if item["sender_id"] == sender_id), None)

    def updates(self, handoff_id: int, after: int = 0) -> dict[str, Any]:
        return self.http.get(f"/conversations/{handoff_id}/updates.json", params={"after": after}).raise_for_status().json()

    def claim(self, handoff_id: int) -> bool:
        response = self.http.post(f"/conversations/{handoff_id}/claim", data={"csrf_token": self.csrf("/")})
        return response.headers["Location"] == f"/conversations/{handoff_id}"

    def reply(self, handoff_id: int, text: str) -> httpx.Response:
        token = self.csrf("/")
        return self.http.post(f"/conversations/{handoff_id}/reply", json={"text": text}, headers={"X-CSRF-Token": token})

    def send_file(self, handoff_id: int, name: str, data: bytes) -> httpx.Response:
        """Send an image or PDF to the shopper, as the desk's file button does."""
        return self.http.post("/attachments", params={"handoff": str(handoff_id), "name": name}, content=data,
                              headers={"X-CSRF-Token": self.csrf("/"), "Content-Type": "application/octet-stream"})

    def end(self, handoff_id: int) -> str:
        response = self.http.post(f"/conversations/{handoff_id}/end", data={"csrf_token": self.csrf("/")})
        return response.headers["Location"]

    def page(self, handoff_id: int) -> str:
        return self.http.get(f"/conversations/{handoff_id}", headers={"Accept": "text/html"}).text
