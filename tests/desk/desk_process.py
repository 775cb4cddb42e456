"""The desk as `make run` starts it: ``python -m desk serve`` in its own process, set up through the CLI."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
from cryptography.fernet import Fernet

from tests.support.processes import REPO_ROOT, Service, free_port

BOT_TOKEN = "bot-token-for-process-tests"


@dataclass
class DeskProcess:
    url: str
    env: dict[str, str]
    service: Service

    def stop(self) -> None:
        self.service.stop()


def desk_env(config: Path, rasa_url: str, rasa_token: str, **extra: str) -> dict[str, str]:
    return {
        "ASSISTANT_CONFIG": str(config),
        "RASA_URL": rasa_url,
        "RASA_TOKEN": rasa_token,
        "DESK_BOT_TOKEN": BOT_TOKEN,
        "DESK_SESSION_KEY": Fernet.generate_key().decode(),
        "PYTHONPATH": str(REPO_ROOT),
        **extra,
    }


def start_desk(env: dict[str, str], port: int | None = None) -> DeskProcess:
    port = port or free_port()
    service = Service(f"desk-{port}", [sys.executable, "-m", "desk", "serve", "--port", str(port)], env)
    url = f"http://127.0.0.1:{port}"
    try:
        service.wait_until(lambda: httpx.get(f"{url}/login", timeout=2).status_code == 200, 60)
    except Exception:
        service.stop()
        raise
    return DeskProcess(url, env, service)


def create_agent(env: dict[str, str], username: str, name: str, password: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "desk", "create-agent", "--username", username, "--name", name, "--password-stdin"],
        input=password + "\n",
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
