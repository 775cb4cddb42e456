"""`kb_index traffic` on the tracker store the real Rasa server writes."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta

from tests.support.small_kb import REPO_ROOT
from tests.support.stack import Stack


def test_traffic_reports_what_happened_to_real_conversations(stack: Stack):
    since = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    answered, unanswered = f"paid-{uuid.uuid4().hex[:8]}", f"peru-{uuid.uuid4().hex[:8]}"
    stack.send(answered, "What payment methods do you accept?")
    stack.send(unanswered, "what is the capital of peru?")
    stack.send(unanswered, "/request_human")
    result = subprocess.run(
        [sys.executable, "-m", "kb_index", "traffic", "--tracker-db", str(stack.tracker_db), "--since", since, "--json"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["questions"], report["conversations"]) == (2, 2)
    assert report["outcomes"] == {"answer": 1, "unknown": 1}
    assert report["next_steps"] == {"answer": {"left": 1}, "unknown": {"person": 1}}
    assert report["unanswered"] == [{"text": "what is the capital of peru?", "lang": "en", "times": 1}]
