"""The scaled profile as the tests run it: deploy/scaled/Procfile's processes on PostgreSQL, Redis and
RabbitMQ of their own, each infrastructure server and each process started once and restartable."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet
from honcho.environ import parse_procfile
from sqlalchemy.engine import make_url

from kb_index.settings import RELOAD_PATH
from tests.desk.support import PASSWORD
from tests.support.infra import Daemon, postgres_server, rabbitmq_server, redis_server, stop_epmd
from tests.support.processes import REPO_ROOT, Service, free_port

PROCFILE = REPO_ROOT / "deploy" / "scaled" / "Procfile"
QUEUE = "rasa_events"
LOCK_LIFETIME_SECONDS = 30
KB_RELOAD_SECONDS = 2


@dataclass
class Scaled:
    env: dict[str, str]
    postgres: Daemon
    redis: Daemon
    rabbitmq: Daemon
    balancer_url: str
    processes: dict[str, Service] = field(default_factory=dict)

    def url(self, name: str) -> str:
        # Procfile names (rasa1, actions1, desk1) to their port variables (RASA1_PORT, ACTION1_PORT, DESK1_PORT);
        # "desk" is the balancer's desk frontend (DESK_PORT).
        return f"http://127.0.0.1:{self.env[name.upper().replace('ACTIONS', 'ACTION') + '_PORT']}"

    def start(self, name: str) -> None:
        command = parse_procfile(PROCFILE.read_text(encoding="utf-8")).processes[name]
        self.processes[name] = Service(f"scaled-{name}-{self.env['BALANCER_PORT']}", ["/bin/sh", "-c", command], self.env)

    def wait_ready(self, name: str, timeout: float = 400) -> None:
        service = self.processes[name]
        if name.startswith("rasa"):
            url = f"{self.url(name)}/status"
            service.wait_until(
                lambda: bool(httpx.get(url, params={"token": self.env["RASA_TOKEN"]}, timeout=3).json().get("model_id")), timeout
            )
        elif name == "balancer":  # listening, and its health checks have found a replica up
            service.wait_until(lambda: httpx.get(f"{self.balancer_url}/", timeout=3).status_code == 200, timeout)
        else:
            url = f"{self.url(name)}/ready"
            service.wait_until(lambda: httpx.get(url, timeout=3).status_code == 200, timeout)

    def kill(self, name: str) -> None:
        """SIGKILL, as a crash: no clean-up of locks, connections or in-flight requests."""
        process = self.processes[name].process
        process.kill()
        process.wait()

    def send(self, sender: str, message: str, base: str | None = None, timeout: float = 120) -> httpx.Response:
        return httpx.post(
            f"{base or self.balancer_url}/webhooks/rest/webhook", json={"sender": sender, "message": message}, timeout=timeout
        )

    def tracker(self, sender: str, base: str | None = None) -> dict[str, Any]:
        response = httpx.get(
            f"{base or self.balancer_url}/conversations/{sender}/tracker", params={"token": self.env["RASA_TOKEN"]}, timeout=60
        )
        response.raise_for_status()
        return response.json()

    def stop(self) -> None:
        for service in reversed(list(self.processes.values())):
            service.stop()
        self.rabbitmq.stop()
        stop_epmd(self.rabbitmq.epmd_port)  # type: ignore[attr-defined]
        shutil.rmtree(self.rabbitmq.folder, ignore_errors=True)
        self.redis.stop()
        self.postgres.stop()
        shutil.rmtree(self.postgres.folder, ignore_errors=True)


def scaled_env(folder: Path, postgres_url: str, redis: Daemon, rabbitmq: Daemon, config: Path) -> dict[str, str]:
    postgres = make_url(postgres_url)
    kb_dir, index_dir = folder / "kb", folder / "kb_index"
    shutil.copytree(REPO_ROOT / "data" / "kb", kb_dir)
    shutil.copytree(REPO_ROOT / "var" / "kb_index", index_dir, symlinks=True)
    ports = {
        name: str(free_port())
        for name in (
            "BALANCER_PORT", "RASA1_PORT", "RASA2_PORT", "ACTION1_PORT", "ACTION2_PORT", "ACTIONS_BALANCER_PORT",
            "BALANCER_METRICS_PORT", "DESK_PORT", "DESK1_PORT", "DESK2_PORT", "KB_PORT",
        )
    }
    amqp = f"amqp://guest:guest@127.0.0.1:{rabbitmq.port}/"
    return {
        **ports,
        "BALANCER_HOST": "127.0.0.1",
        "RASA_TOKEN": secrets.token_urlsafe(16),
        "ACTION_SERVER_TOKEN": secrets.token_urlsafe(16),
        "ORDER_VERIFICATION_KEY": secrets.token_urlsafe(32),
        "RASA_URL": f"http://127.0.0.1:{ports['BALANCER_PORT']}",
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{ports['ACTIONS_BALANCER_PORT']}/webhook",
        # A publish tells each action server itself (the balancer would pass it to one of them).
        "KB_RELOAD_URLS": ",".join(f"http://127.0.0.1:{ports[name]}{RELOAD_PATH}" for name in ("ACTION1_PORT", "ACTION2_PORT")),
        "POSTGRES_HOST": "127.0.0.1",
        "POSTGRES_PORT": str(postgres.port),
        "POSTGRES_USER": str(postgres.username),
        "POSTGRES_PASSWORD": "",
        "TRACKER_DATABASE": "rasa_tracker",
        "TRACKER_DB": f"postgresql+psycopg://{postgres.username}@127.0.0.1:{postgres.port}/rasa_tracker",
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": str(redis.port),
        "REDIS_LOCK_DB": "1",
        "SOCKETIO_MESSAGE_QUEUE": f"redis://127.0.0.1:{redis.port}/2",
        "CHANNEL_DEDUP_URL": f"redis://127.0.0.1:{redis.port}/3",
        "DESK_LIVE_URL": f"redis://127.0.0.1:{redis.port}/4",
        "DESK_LIMITS_STORAGE": f"redis://127.0.0.1:{redis.port}/6",  # shared sign-in/upload/mail limits
        "TICKET_LOCK_LIFETIME": str(LOCK_LIFETIME_SECONDS),
        "RABBITMQ_HOST": "127.0.0.1",
        "RABBITMQ_PORT": str(rabbitmq.port),
        "RABBITMQ_USER": "guest",
        "RABBITMQ_PASSWORD": "guest",
        "EVENT_BROKER_QUEUE": QUEUE,
        "EVENT_BROKER_URL": amqp,
        "DESK_DATABASE": postgres_url,
        "ANALYTICS_DATABASE": postgres_url,  # both desk processes read and refresh the same derived tables
        "DESK_URL": f"http://127.0.0.1:{ports['DESK_PORT']}",
        "DESK_BOT_TOKEN": secrets.token_urlsafe(16),
        "DESK_SESSION_KEY": Fernet.generate_key().decode(),
        "KB_PUBLISH_TOKEN": secrets.token_urlsafe(16),
        "KB_ARTICLES_DIR": str(kb_dir),
        "KB_INDEX_DIR": str(index_dir),
        "ASSISTANT_CONFIG": str(config),
        "PYTHONPATH": str(REPO_ROOT),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    }


def start_scaled(folder: Path, config: Path) -> Scaled:
    (postgres, postgres_url), redis, rabbitmq = postgres_server(), redis_server(folder), rabbitmq_server()
    env = scaled_env(folder, postgres_url, redis, rabbitmq, config)
    scaled = Scaled(env, postgres, redis, rabbitmq, f"http://127.0.0.1:{env['BALANCER_PORT']}")
    try:
        postgres.start()
        redis.start()
        rabbitmq.start()
        # Rasa creates the tracker database: start one replica first, then the rest in parallel.
        for name in ("actions1", "actions2", "balancer", "rasa1", "desk1", "desk2"):
            scaled.start(name)
        scaled.wait_ready("rasa1")
        scaled.start("rasa2")
        for name in ("actions1", "actions2", "balancer", "desk1", "desk2", "rasa2"):
            scaled.wait_ready(name)
        # The agent the handoff tests sign in as (argon2 hashing is slow on a busy machine: no 60 s limit).
        subprocess.run(
            [sys.executable, "-m", "desk", "create-agent", "--username", "anna", "--name", "Anna", "--password-stdin"],
            input=PASSWORD + "\n", env={**os.environ, **env}, cwd=REPO_ROOT, capture_output=True, text=True,
            timeout=600, check=True,
        )
    except BaseException:  # Ctrl-C during the long start too: leave no server behind
        scaled.stop()
        raise
    return scaled



