"""`make run`'s start (deploy/supervisor.py with deploy/local.yml): a few lines, one READY per process, logs in files.

The real Procfile and profile, on free ports with their own databases, so it runs beside anything else.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from cryptography.fernet import Fernet

from tests.support.processes import REPO_ROOT, free_port

SERVICES = ("rasa", "actions", "desk", "shop", "kb")


def run_env(folder: Path) -> Path:
    ports = {name: free_port() for name in ("RASA_PORT", "ACTION_PORT", "DESK_PORT", "SHOP_PORT", "KB_PORT")}
    values = {
        **{key: str(port) for key, port in ports.items()},
        "RASA_URL": f"http://127.0.0.1:{ports['RASA_PORT']}",
        "RASA_TOKEN": "make-run-test-token",
        "ACTION_SERVER_TOKEN": "make-run-action-token",
        "ORDER_VERIFICATION_KEY": "make-run-verification-key",
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{ports['ACTION_PORT']}/webhook",
        "TRACKER_DB": str(folder / "tracker.db"),
        "EVENT_BROKER_DB": str(folder / "events.db"),
        "DESK_DATABASE": f"sqlite:///{folder / 'desk.db'}",
        "DESK_URL": f"http://127.0.0.1:{ports['DESK_PORT']}",
        "DESK_BOT_TOKEN": "make-run-bot-token",
        "KB_PUBLISH_TOKEN": "make-run-kb-token",
        "DESK_SESSION_KEY": Fernet.generate_key().decode(),
    }
    path = folder / "run.env"
    path.write_text("".join(f"{key}={value}\n" for key, value in values.items()), encoding="utf-8")
    return path


def test_the_start_shows_a_ready_line_per_process_and_keeps_the_logs_in_files(tmp_path: Path):
    env_file, log_dir = run_env(tmp_path), tmp_path / "log"
    process = subprocess.Popen(
        [sys.executable, "-m", "deploy.supervisor", "deploy/local.yml", "--env", str(env_file), "--log-dir", str(log_dir)],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    console: list[str] = []
    try:
        deadline = time.monotonic() + 420
        while time.monotonic() < deadline and not any("Everything is up" in line for line in console):
            try:
                console.append(lines.get(timeout=1))
            except queue.Empty:
                assert process.poll() is None, "".join(console)
        assert any("Everything is up" in line for line in console), "".join(console)
        ready = [line.split()[1] for line in console if line.startswith("READY ")]
        assert sorted(ready) == sorted(SERVICES), "".join(console)
        assert len(console) < 20 and not any("Warning" in line for line in console), "".join(console)
        assert f"logs in {log_dir}/<name>.log" in console[0]
        rasa_port = next(line for line in env_file.read_text().splitlines() if line.startswith("RASA_PORT=")).split("=")[1]
        reply = httpx.post(
            f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook", json={"sender": "make-run", "message": "hello"}, timeout=60
        )
        assert reply.status_code == 200 and reply.json()
        for name in SERVICES:
            assert (log_dir / f"{name}.log").stat().st_size > 0, name
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
