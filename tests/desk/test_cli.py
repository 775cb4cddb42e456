"""`python -m desk create-agent`: the admin's way to give someone access."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.desk.desk_process import create_agent, desk_env
from tests.desk.support import PASSWORD, write_config


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, **desk_env(write_config(tmp_path), "http://127.0.0.1:9", "unused")}


def test_an_agent_is_created_once_with_a_password_from_stdin(env: dict[str, str], tmp_path: Path) -> None:
    created = create_agent(env, "anna", "Anna Nowak", PASSWORD)
    assert created.returncode == 0 and "Agent 'anna' (Anna Nowak) created" in created.stdout
    again = create_agent(env, "anna", "Anna", PASSWORD)
    assert again.returncode != 0 and "exists already" in again.stderr
    stored = (tmp_path / "desk.db").read_bytes()
    assert PASSWORD.encode() not in stored and b"$argon2id$" in stored


def test_a_short_password_creates_nothing(env: dict[str, str]) -> None:
    short = create_agent(env, "ben", "Ben", "short")
    assert short.returncode != 0 and "at least 10 characters" in short.stderr
    assert create_agent(env, "ben", "Ben", PASSWORD).returncode == 0
