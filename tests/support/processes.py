"""Starting the real servers for integration tests, on free loopback ports."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "tests" / "artifacts"


def _ephemeral_range_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


# Ports are chosen below the kernel's ephemeral range, which it never gives an outgoing connection
# as its source port. A server is often started seconds after its port was chosen (the scaled
# profile starts one replica, waits for it, then the rest), and a port from the ephemeral range
# could meanwhile become the source port of one of the many connections the tests open: CI saw
# the second desk fail with "address already in use". Each port is handed out once per session.
_LOWEST_PORT = 20000
_EPHEMERAL_START = _ephemeral_range_start()
_handed_out: set[int] = set()


def free_port() -> int:
    while True:
        port = random.randrange(_LOWEST_PORT, _EPHEMERAL_START)
        if port in _handed_out:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:  # a server listens there, or a closed connection lingers
                continue
        _handed_out.add(port)
        return port


class Service:
    """A child process in its own process group, its output kept as a test artifact."""

    # A service restarted under the same name (a replica killed and brought back) appends to its
    # log: the killed process's last lines are what explains a fault test's failure.
    _logs_opened: set[str] = set()

    def __init__(self, name: str, command: list[str], env: dict[str, str]):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.log_path = ARTIFACTS / f"{name}.log"
        restarted = name in Service._logs_opened
        Service._logs_opened.add(name)
        self._log = open(self.log_path, "a" if restarted else "w")
        if restarted:
            self._log.write(f"\n----- {name} restarted at {time.strftime('%H:%M:%S')} -----\n")
            self._log.flush()
        self.process = subprocess.Popen(
            command, cwd=REPO_ROOT, env={**os.environ, **env}, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_until(self, ready: Callable[[], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log_path}")
            try:
                if ready():
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"{self.name} not ready after {timeout:.0f}s; see {self.log_path}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()
