"""A ticket reply the mail server does not take: the agent is told, and nothing is recorded as sent."""

from __future__ import annotations

from pathlib import Path

from desk.ticket_replies import replies_for
from tests.desk.conftest import start_harness, stop_harness
from tests.desk.support import page_csrf
from tests.support.processes import free_port


async def test_a_reply_the_mail_server_refuses_is_not_recorded(tmp_path: Path) -> None:
    # Nothing listens on this port: the SMTP connection is refused.
    harness = await start_harness(tmp_path, env={"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(free_port())})
    try:
        bot = await harness.client()
        body = {"sender_id": "shopper-9", "email": "ola@example.com", "language": "pl"}
        ticket_id = (await (await bot.post("/api/bot/tickets", json=body, headers=harness.bot_headers())).json())["ticket_id"]
        anna = await harness.agent("anna", "Anna")
        token = await page_csrf(anna, f"/tickets/{ticket_id}")
        response = await anna.post(f"/tickets/{ticket_id}/reply", json={"text": "Tak!"}, headers={"X-CSRF-Token": token})
        assert response.status == 502
        assert "mail server did not take the e-mail" in (await response.json())["error"]
        assert await replies_for(harness.desk.engine, ticket_id) == []
        empty = await anna.post(f"/tickets/{ticket_id}/reply", json={"text": "  "}, headers={"X-CSRF-Token": token})
        assert empty.status == 400
        missing = await anna.get("/tickets/T-NOPE", headers={"Accept": "text/html"})
        assert missing.status == 404
    finally:
        await stop_harness(harness)
