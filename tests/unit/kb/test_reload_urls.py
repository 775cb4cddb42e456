"""Which action servers a KB publisher tells to reload (kb.reload_urls, KB_RELOAD_URLS)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb_index.settings import REPO_ROOT, load_kb_settings


def config_with(tmp_path: Path, line: str) -> Path:
    config = tmp_path / "assistant.yml"
    config.write_text((REPO_ROOT / "assistant.yml").read_text().replace("kb:\n", f"kb:\n  {line}\n", 1))
    return config


def test_by_default_the_action_server_rasa_calls_is_told(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("KB_RELOAD_URLS", raising=False)
    monkeypatch.setenv("ACTION_ENDPOINT_URL", "http://127.0.0.1:5055/webhook")
    assert load_kb_settings().reload_urls == ("http://127.0.0.1:5055/kb/reload",)
    monkeypatch.delenv("ACTION_ENDPOINT_URL")
    assert load_kb_settings().reload_urls == ()


def test_the_configured_list_and_then_the_environment_win(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.delenv("KB_RELOAD_URLS", raising=False)
    monkeypatch.setenv("ACTION_ENDPOINT_URL", "http://127.0.0.1:5055/webhook")
    config = config_with(tmp_path, "reload_urls: [http://a:1/kb/reload, http://b:2/kb/reload]")
    assert load_kb_settings(config).reload_urls == ("http://a:1/kb/reload", "http://b:2/kb/reload")
    monkeypatch.setenv("KB_RELOAD_URLS", "http://c:3/kb/reload, http://d:4/kb/reload")
    assert load_kb_settings(config).reload_urls == ("http://c:3/kb/reload", "http://d:4/kb/reload")
    monkeypatch.setenv("KB_RELOAD_URLS", "")  # set but empty: tell nobody, the action servers poll
    assert load_kb_settings(config).reload_urls == ()


def test_the_poll_interval_can_be_set_per_process(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("KB_RELOAD_INTERVAL_SECONDS", "600")
    assert load_kb_settings().reload_interval_seconds == 600
