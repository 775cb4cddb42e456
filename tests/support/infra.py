"""PostgreSQL, Redis and RabbitMQ from their Debian packages, as throw-away servers on free loopback ports.

Each runs in the foreground as a child process, with its files in a temporary folder
(never the system service), and can be stopped and started again on the same port,
which is how the fault tests take one away for a while.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.desk.postgres import postgres_bin
from tests.support.processes import ARTIFACTS, free_port

RABBITMQ_SERVER = next(iter(sorted(Path("/usr/lib/rabbitmq/lib").glob("rabbitmq_server-*/sbin/rabbitmq-server"))), None)


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_for_port(port: int, process: subprocess.Popen, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}; see {ARTIFACTS}")
        if port_open(port):
            return
        time.sleep(0.3)
    raise TimeoutError(f"{what} not listening on {port} after {timeout:.0f}s; see {ARTIFACTS}")


class Daemon:
    """A server process that can be stopped (gracefully or by SIGKILL) and started again."""

    def __init__(
        self, name: str, command: list[str], port: int, folder: Path, env: dict[str, str] | None = None, timeout: float = 60,
        stop_signal: int = signal.SIGTERM,
    ):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.name, self.command, self.port, self.env, self.timeout = name, command, port, env or {}, timeout
        self.stop_signal = stop_signal
        self.folder = folder
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        if self.process is not None and self.process.poll() is None:
            return  # still running
        log = open(ARTIFACTS / f"{self.name}.log", "a")
        self.process = subprocess.Popen(
            self.command, cwd=self.folder, env={**os.environ, **self.env}, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        wait_for_port(self.port, self.process, self.name, self.timeout)

    def stop(self, kill: bool = False) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGKILL if kill else self.stop_signal)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)
            self.process.wait()


def postgres_server() -> tuple[Daemon, str]:
    """PostgreSQL and the SQLAlchemy URL of its ``postgres`` database (user ``desk``, no password).

    Stopped by a fast shutdown (SIGINT): open sessions are cut off at once, as when the
    database server restarts under its clients.
    """
    bindir = postgres_bin()
    if bindir is None:
        raise RuntimeError("PostgreSQL is not installed (Debian package postgresql)")
    # PostgreSQL refuses to run as root: as root, run it as the package's own user.
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    folder = Path(tempfile.mkdtemp(prefix="scaled-pg-"))
    if as_user:
        shutil.chown(folder, "postgres", "postgres")
    port = free_port()
    subprocess.run([*as_user, str(bindir / "initdb"), "-D", str(folder / "data"), "-A", "trust", "-U", "desk", "--no-sync"],
                   check=True, capture_output=True)
    command = [
        *as_user, str(bindir / "postgres"), "-D", str(folder / "data"), "-p", str(port), "-k", str(folder),
        "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
    ]
    daemon = Daemon(f"postgres-{port}", command, port, folder, stop_signal=signal.SIGINT)
    return daemon, f"postgresql+psycopg://desk@127.0.0.1:{port}/postgres"


def redis_server(folder: Path) -> Daemon:
    port = free_port()
    command = [
        "redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
        "--save", "", "--appendonly", "no", "--protected-mode", "yes",
    ]
    return Daemon(f"redis-{port}", command, port, folder)


def rabbitmq_server() -> Daemon:
    """RabbitMQ as its own node (name, ports, epmd, data dir), run as the package's user when root."""
    if RABBITMQ_SERVER is None:
        raise RuntimeError("RabbitMQ is not installed (Debian package rabbitmq-server)")
    port, dist_port, epmd_port = free_port(), free_port(), free_port()
    # Its own folder in /tmp: RabbitMQ's user must reach it, and pytest's folders are private to us.
    folder = Path(tempfile.mkdtemp(prefix="scaled-rabbitmq-"))
    (folder / "enabled_plugins").write_text("[].\n")
    env = {
        "RABBITMQ_NODENAME": f"test{port}@localhost",
        "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
        "RABBITMQ_NODE_PORT": str(port),
        "RABBITMQ_DIST_PORT": str(dist_port),
        "ERL_EPMD_PORT": str(epmd_port),
        "ERL_EPMD_ADDRESS": "127.0.0.1",
        "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        "RABBITMQ_MNESIA_BASE": str(folder / "mnesia"),
        "RABBITMQ_LOG_BASE": str(folder / "log"),
        "RABBITMQ_LOGS": "-",
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(folder / "enabled_plugins"),
        "RABBITMQ_CONFIG_FILE": str(folder / "rabbitmq"),
        "RABBITMQ_PID_FILE": str(folder / "pid"),
        "HOME": str(folder),
    }
    command = [str(RABBITMQ_SERVER)]
    if os.geteuid() == 0:  # RabbitMQ's files belong to its own user, as the package sets it up
        shutil.chown(folder, "rabbitmq", "rabbitmq")
        for path in folder.iterdir():
            shutil.chown(path, "rabbitmq", "rabbitmq")
        command = ["runuser", "-u", "rabbitmq", "--", "env", *(f"{k}={v}" for k, v in env.items()), *command]
    daemon = Daemon(f"rabbitmq-{port}", command, port, folder, env, timeout=240)
    daemon.epmd_port = epmd_port  # type: ignore[attr-defined]
    return daemon


def stop_epmd(port: int) -> None:
    """RabbitMQ starts an Erlang port mapper that outlives it; this one is ours (its own port)."""
    subprocess.run(["epmd", "-port", str(port), "-kill"], capture_output=True, env={**os.environ, "ERL_EPMD_PORT": str(port)})

