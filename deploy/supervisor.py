"""Start a profile's processes with honcho, each one's output in its own log file, and say when each is ready.

``python -m deploy.supervisor deploy/local.yml --env var/run.env``

The profile (YAML) names the Procfile, the log folder, and per process the URL that answers 200
once it is really ready (model, index, database loaded) and what to tell the user then.
``${NAME}`` in a profile is taken from the environment file. The console shows a few lines:
where the logs are, one READY line per process, then the profile's closing text. Ctrl-C (or one
process ending) stops them all, as honcho does; a process that ends is named with its log file.
"""

from __future__ import annotations

import argparse
import os
import string
import sys
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TextIO

import httpx
import yaml
from honcho.environ import parse, parse_procfile
from honcho.manager import Manager

READY_TIMEOUT_SECONDS = 600


@dataclass(frozen=True)
class Service:
    name: str
    command: str
    ready_url: str | None
    ready_key: str | None  # a JSON key that must be non-empty in the answer (Rasa's /status: model_id)
    show: str | None


@dataclass(frozen=True)
class Profile:
    services: list[Service]
    log_dir: Path
    env: dict[str, str]
    ready_text: str


def load_profile(path: Path, env_file: Path | None, root: Path) -> Profile:
    env = {**os.environ, **(parse(env_file.read_text(encoding="utf-8")) if env_file else {})}
    fill = string.Template(path.read_text(encoding="utf-8")).safe_substitute(env)
    raw: dict[str, Any] = yaml.safe_load(fill)
    commands = parse_procfile((root / raw["procfile"]).read_text(encoding="utf-8")).processes
    checks: dict[str, dict[str, Any]] = raw.get("services") or {}
    unknown = set(checks) - set(commands)
    if unknown:
        raise SystemExit(f"{path}: {', '.join(sorted(unknown))} not in {raw['procfile']}")
    services = []
    for name, command in commands.items():
        check = checks.get(name) or {}
        services.append(Service(name, command, check.get("ready"), check.get("key"), check.get("show")))
    return Profile(services, root / raw.get("log_dir", "var/log"), env, str(raw.get("ready_text") or "").rstrip())


class LogFiles:
    """honcho's printer: each process's lines into <log_dir>/<name>.log, honcho's own notes to the console."""

    def __init__(self, log_dir: Path, console: TextIO):
        log_dir.mkdir(parents=True, exist_ok=True)
        self._dir = log_dir
        self._files: dict[str, TextIO] = {}
        self._console = console
        self.width = 0  # honcho sets it

    def path(self, name: str) -> Path:
        return self._dir / f"{name}.log"

    def write(self, message: Any) -> None:
        data = message.data.decode("utf-8", "replace") if isinstance(message.data, bytes) else message.data
        if message.name == "system":
            self._system(data)
            return
        handle = self._files.get(message.name)
        if handle is None:
            handle = self._files[message.name] = open(self.path(message.name), "a", encoding="utf-8")
        handle.write(data if data.endswith("\n") else f"{data}\n")
        handle.flush()

    def _system(self, data: str) -> None:
        # "x started (pid=1)" is noise next to READY; a stop is news: say where to look.
        if " stopped (rc=" in data:
            name = data.split(" stopped", 1)[0]
            print(f"  {name} stopped ({data.split('(', 1)[1].strip(')').strip()}): see {self.path(name)}", file=self._console)
        elif "received" in data:
            print(f"  {data.strip()}: stopping everything", file=self._console)


def is_ready(service: Service) -> bool:
    try:
        answer = httpx.get(service.ready_url or "", timeout=3)
    except httpx.HTTPError:
        return False
    if answer.status_code != 200:
        return False
    return not service.ready_key or bool(answer.json().get(service.ready_key))


def watch_readiness(profile: Profile, logs: LogFiles, console: TextIO, stop: threading.Event) -> None:
    started = time.monotonic()
    waiting = [s for s in profile.services if s.ready_url]
    while waiting and not stop.is_set() and time.monotonic() - started < READY_TIMEOUT_SECONDS:
        for service in [s for s in waiting if is_ready(s)]:
            waiting.remove(service)
            shown = f"  {service.show}" if service.show else ""
            print(f"READY {service.name:<10} {time.monotonic() - started:5.0f} s{shown}", file=console, flush=True)
        stop.wait(1)
    if stop.is_set():
        return
    if waiting:
        names = ", ".join(f"{s.name} ({logs.path(s.name)})" for s in waiting)
        print(f"Not ready after {READY_TIMEOUT_SECONDS} s: {names}", file=console, flush=True)
    elif profile.ready_text:
        print(profile.ready_text, file=console, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile", type=Path)
    parser.add_argument("--env", type=Path, help="KEY=value file (var/run.env)")
    parser.add_argument("--log-dir", type=Path, help="instead of the profile's log_dir")
    args = parser.parse_args(argv)
    root = Path.cwd()
    profile = load_profile(args.profile, args.env, root)
    if args.log_dir:
        profile = replace(profile, log_dir=args.log_dir)
    console = sys.stdout
    logs = LogFiles(profile.log_dir, console)
    print(f"Starting {', '.join(s.name for s in profile.services)}; logs in {profile.log_dir}/<name>.log", flush=True)
    manager = Manager(printer=logs)
    for service in profile.services:
        manager.add_process(service.name, service.command, env=profile.env, cwd=str(root))
    stop = threading.Event()
    watcher = threading.Thread(target=watch_readiness, args=(profile, logs, console, stop), daemon=True)
    watcher.start()
    try:
        manager.loop()
    finally:
        stop.set()
    return manager.returncode or 0


if __name__ == "__main__":
    sys.exit(main())
