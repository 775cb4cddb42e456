"""A real redis-server (Debian package) on a free loopback port, for tests that need Redis."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.processes import Service, free_port


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextmanager
def redis_server(workdir: Path) -> Iterator[str]:
    """``redis://127.0.0.1:<port>/0`` of a fresh server without persistence, stopped afterwards."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is missing: scripts/ensure_system_packages.sh installs it")
    port = free_port()
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
               "--dir", str(workdir)]
    service = Service(f"redis-{port}", command, {})
    try:
        service.wait_until(lambda: _answers_ping(port), 30)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        service.stop()
