"""The agent desk for browser tests: ``python -m desk serve`` in its own process against a fake Rasa
(tests/desk/fake_rasa.py, which publishes to a real SQL event broker table), started once per module."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml
from playwright.sync_api import Browser, BrowserContext, Page

from tests.desk.desk_process import DeskProcess, create_agent, desk_env, start_desk
from tests.desk.fake_rasa import FakeRasa
from tests.desk.support import ALWAYS_OPEN, PASSWORD, write_config
from tests.support.processes import ARTIFACTS, REPO_ROOT
from tests.support.small_kb import ARTICLES, write_article
from tests.support.threaded_server import serve_in_thread

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 860}
AGENTS = {"anna": "Anna", "ben": "Ben"}


@dataclass
class RunningDesk:
    fake: FakeRasa
    desk: DeskProcess
    folder: Path

    @property
    def url(self) -> str:
        return self.desk.url


def build_small_kb(folder: Path, env: dict[str, str]) -> dict[str, str]:
    """A real KB index of tests/support/small_kb.py's three articles, built by the CLI; the environment pointing at it."""
    for article_id in ARTICLES:
        write_article(folder / "kb", article_id)
    env = {**env, "KB_ARTICLES_DIR": str(folder / "kb"), "KB_INDEX_DIR": str(folder / "kb_index"), "KB_CALIBRATION_QUERIES": ""}
    env.pop("KB_SOURCES", None)
    built = subprocess.run([sys.executable, "-m", "kb_index", "build"], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                           timeout=600)
    assert built.returncode == 0, built.stderr
    return env


@contextmanager
def running_desk(folder: Path, with_kb: bool = False, **desk_settings: object) -> Iterator[RunningDesk]:
    fake = FakeRasa(folder / "events.db", token=secrets.token_urlsafe(8))
    with serve_in_thread(fake.app()) as rasa_url:
        config = write_config(folder, ALWAYS_OPEN, tracker_store=str(folder / "tracker.db"), **desk_settings)
        settings = yaml.safe_load(config.read_text(encoding="utf-8"))
        settings["kb"] = yaml.safe_load((REPO_ROOT / "assistant.yml").read_text(encoding="utf-8"))["kb"]
        config.write_text(yaml.safe_dump(settings), encoding="utf-8")
        env = {**os.environ, **desk_env(config, rasa_url, fake.token)}
        for name in ("TRACKER_DB", "SMTP_HOST", "SMTP_PORT", "DESK_DATABASE", "EVENT_BROKER_DB"):
            env.pop(name, None)
        if with_kb:
            env = build_small_kb(folder, env)
        for username, name in AGENTS.items():
            assert create_agent(env, username, name, PASSWORD).returncode == 0
        desk = start_desk(env)
        try:
            yield RunningDesk(fake, desk, folder)
        finally:
            desk.stop()


def agent_context(browser: Browser, locale: str = "en-GB", **options: object) -> BrowserContext:
    return browser.new_context(**{"viewport": DESKTOP, "locale": locale, **options})


def sign_in(page: Page, desk_url: str, username: str) -> None:
    page.goto(f"{desk_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{desk_url}/")


def screenshots(page: Page, name: str) -> list[Path]:
    """The page as it is now on a desktop and a 375 px phone, light and dark: tests/artifacts/desk-<name>-*.png."""
    paths = []
    original = page.viewport_size
    for size_name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            path = ARTIFACTS / f"desk-{name}-{size_name}-{scheme}.png"
            page.screenshot(path=str(path), full_page=True)
            paths.append(path)
    page.emulate_media(color_scheme="light")
    if original:
        page.set_viewport_size(original)
    return paths
