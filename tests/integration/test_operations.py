"""Operations of the action server and the KB publish server: readiness, and metrics scraped after real turns."""

from __future__ import annotations

import uuid

import httpx

from tests.support.metrics import scrape, value
from tests.support.stack import Stack


def test_the_action_server_is_ready_once_its_kb_index_is_loaded(stack: Stack):
    answer = httpx.get(f"{stack.action_url}/ready", timeout=10)
    assert answer.status_code == 200
    assert answer.json() == {"ready": True, "checks": {"kb_index": "ok"}}


def test_turns_kb_outcomes_handoffs_and_encoder_time_are_counted_after_real_turns(stack: Stack):
    before = scrape(stack.action_url)
    me = f"ops-{uuid.uuid4().hex[:12]}"
    stack.send(me, "how long does delivery take?")  # answered from the KB
    stack.send(me, "what's the best way to learn the violin?")  # nothing fits
    stack.send(me, "/request_human")  # no desk here: an offline ticket
    after = scrape(stack.action_url)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("assistant_turns_total", action="action_answer_from_kb", status="200") == 2
    assert grew("assistant_turn_seconds_count", action="action_answer_from_kb") == 2
    assert grew("assistant_turn_seconds_sum", action="action_answer_from_kb") > 0
    assert grew("assistant_kb_outcomes_total", outcome="answer") == 1
    assert grew("assistant_kb_outcomes_total", outcome="unknown") == 1
    assert grew("assistant_handoffs_total", reason="shopper_asked", to="ticket") == 1
    assert grew("assistant_encoder_seconds_count") >= 2


def test_the_turn_log_has_one_line_per_action_and_no_message_text(stack: Stack):
    me = f"ops-log-{uuid.uuid4().hex[:12]}"
    secret = "my address is 12 Quiet Lane, where is my violin"
    stack.send(me, secret)
    log = next(s for s in stack.services if s.name.startswith("actions")).log_path.read_text(encoding="utf-8")
    lines = [line for line in log.splitlines() if "turn action=" in line and f"conversation={me}" in line]
    assert lines, "no turn line for the conversation"
    assert "Quiet Lane" not in log


def test_the_probes_answer_without_the_action_servers_token_and_actions_still_need_it(stack: Stack):
    # A balancer and Prometheus probe without the secret that lets Rasa run actions (actions/server.py).
    assert httpx.get(f"{stack.action_url}/ready", timeout=10).status_code == 200
    assert httpx.get(f"{stack.action_url}/metrics", timeout=10).status_code == 200
    assert httpx.get(f"{stack.action_url}/actions", timeout=10).status_code == 401
    assert httpx.post(f"{stack.action_url}/webhook", json={"next_action": "action_listen"}, timeout=10).status_code == 401
