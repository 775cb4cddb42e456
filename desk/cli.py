"""``python -m desk``: run the desk, or create an agent account."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web

from desk.agents import ROLES, AgentExists, create_agent, set_role
from desk.app import build_app
from desk.db import open_database, utcnow
from desk.settings import load_desk_settings

MIN_PASSWORD_CHARS = 10


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="python -m desk",
        description="The agent desk, where people take over conversations from the bot. "
        "Settings: the desk: section of assistant.yml (ASSISTANT_CONFIG names another file).",
    )
    main.add_argument("--config", type=Path, help="settings file (default: $ASSISTANT_CONFIG or assistant.yml)")
    commands = main.add_subparsers(dest="command", required=True)

    serve = commands.add_parser(
        "serve",
        help="run the desk web server",
        description="Serve the agents' pages and the bot API, and follow Rasa's event broker. "
        "Environment: RASA_URL and RASA_TOKEN (Rasa's HTTP API), DESK_BOT_TOKEN (shared with the action server), "
        "DESK_SESSION_KEY (Fernet key for session cookies), DESK_SECURE_COOKIES=1 (Secure cookies even on plain http), "
        "DESK_TRUSTED_PROXIES (proxies whose X-Forwarded-* headers count); "
        "DESK_DATABASE, EVENT_BROKER_DB, SMTP_HOST, SMTP_PORT, TICKET_WEBHOOK_URL, TICKET_WEBHOOK_SECRET "
        "override the settings file.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=5080, help="port to listen on (default: 5080)")

    create = commands.add_parser(
        "create-agent",
        help="create an agent account",
        description=f"Create an agent who can sign in to the desk. The password (at least {MIN_PASSWORD_CHARS} characters) "
        "is asked for twice, or read from standard input with --password-stdin; only its argon2 hash is stored.",
    )
    create.add_argument("--username", required=True, help="what the agent types to sign in, e.g. anna")
    create.add_argument("--name", required=True, help='the name shoppers see on the agent\'s replies, e.g. "Anna"')
    create.add_argument("--password-stdin", action="store_true", help="read the password from the first line of standard input")
    role = commands.add_parser(
        "set-role",
        help="make an agent an admin (sees everyone's analytics) or a plain agent again",
        description="An admin sees the whole analytics page; an agent sees only their own handoffs and ratings.",
    )
    role.add_argument("--username", required=True, help="the agent's sign-in name")
    role.add_argument("--role", required=True, choices=ROLES)
    report = commands.add_parser(
        "report",
        help="the analytics numbers for a period (deflection, handoffs, CSAT, what to fix next)",
        description="The same numbers as the desk's analytics page, read from Rasa's tracker store and the desk database.",
    )
    report.add_argument("--since", required=True, type=_day, help="first day, YYYY-MM-DD (UTC)")
    report.add_argument("--until", type=_day, help="day after the last one, YYYY-MM-DD (default: now)")
    report.add_argument("--channel", help="only this input channel (socketio, rest, telegram, ...)")
    report.add_argument("--lang", help="only this language (en, pl, ru)")
    report.add_argument("--json", action="store_true", help="JSON instead of a table")
    send = commands.add_parser(
        "send-report",
        help="e-mail the weekly analytics report now",
        description="The weekly report (headline numbers, what to fix next) for the 7 days up to now, sent through "
        "desk.smtp to analytics.weekly_report.to (or --to). The desk sends it on its own every week when "
        "analytics.weekly_report.enabled is true.",
    )
    send.add_argument("--to", action="append", help="recipient instead of the configured ones (repeatable)")
    return main


def _day(text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-01") from None


def _report(args: argparse.Namespace) -> None:
    from analytics.report import format_report
    from analytics.service import report_for

    until = args.until or utcnow()
    try:
        numbers = report_for(args.config, args.since, until, channel=args.channel, lang=args.lang)
    except FileNotFoundError as error:
        raise SystemExit(str(error)) from None
    print(json.dumps(numbers, indent=2, ensure_ascii=False) if args.json else format_report(numbers))


def _send_report(args: argparse.Namespace) -> None:
    from analytics.service import AnalyticsService
    from analytics.weekly import send_weekly

    service = AnalyticsService.for_config(args.config)
    try:
        smtp = service.desk_settings.smtp
        recipients = tuple(args.to or ()) or service.settings.weekly_report_to
        if smtp is None:
            raise SystemExit("desk.smtp has no host (or SMTP_HOST is empty): there is no way to send e-mail; nothing was sent.")
        if not recipients:
            raise SystemExit("No recipients: set analytics.weekly_report (enabled, to) or pass --to; nothing was sent.")
        try:
            message = send_weekly(service, smtp, utcnow(), recipients)
        except FileNotFoundError as error:
            raise SystemExit(str(error)) from None
        except OSError as error:
            raise SystemExit(f"The SMTP server {smtp.host}:{smtp.port} did not take the report ({error}).") from None
    finally:
        service.close()
    print(f"Sent {message['Subject']!r} to {message['To']}.")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Password: ")
    if password != getpass.getpass("Same password again: "):
        raise SystemExit("The passwords differ; nothing was created.")
    return password


async def _create_agent(config: Path | None, username: str, name: str, password: str) -> int:
    settings = load_desk_settings(config)
    engine = await open_database(settings.database_url)
    try:
        return await create_agent(engine, username, name, password, utcnow())
    finally:
        await engine.dispose()


async def _set_role(config: Path | None, username: str, role: str) -> bool:
    settings = load_desk_settings(config)
    engine = await open_database(settings.database_url)
    try:
        return await set_role(engine, username, role)
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command == "serve":
        settings = load_desk_settings(args.config)
        print(f"Desk: http://{args.host}:{args.port}  (Rasa at {settings.rasa_url})", flush=True)
        web.run_app(build_app(settings), host=args.host, port=args.port, print=None, access_log=None)
        return
    if args.command == "report":
        _report(args)
        return
    if args.command == "send-report":
        _send_report(args)
        return
    if args.command == "set-role":
        if not asyncio.run(_set_role(args.config, args.username, args.role)):
            raise SystemExit(f"There is no agent called {args.username!r}; nothing was changed.")
        print(f"Agent {args.username!r} now has the role {args.role!r}.")
        return
    username, name = args.username.strip(), args.name.strip()
    if not username or not name:
        raise SystemExit("--username and --name must not be empty.")
    password = _read_password(args.password_stdin)
    if len(password) < MIN_PASSWORD_CHARS:
        raise SystemExit(f"The password needs at least {MIN_PASSWORD_CHARS} characters; nothing was created.")
    try:
        agent_id = asyncio.run(_create_agent(args.config, username, name, password))
    except AgentExists:
        raise SystemExit(f"An agent called {username!r} exists already.") from None
    print(f"Agent {username!r} ({name}) created with id {agent_id}.")
