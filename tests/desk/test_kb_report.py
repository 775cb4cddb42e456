"""The desk's KB report: how the questions the bot answered from the KB fared, for the shop's team."""

from __future__ import annotations

from pathlib import Path

from tests.desk.conftest import Harness, start_harness, stop_harness
from tests.support.tracker_store import CONVERSATIONS, KB, outcome, tracker_with

HOSTILE = "<script>window.__xss = 1</script> do you sell <b>bold</b> vases?"


async def report_page(
    tmp_path: Path, conversations: dict, days_ago: float, query: str = "", tracker: str | None = None
) -> tuple[int, str]:
    """The KB report as a signed-in agent sees it, over a tracker store whose conversations started ``days_ago``."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    tracker = tracker or str(tmp_path / "tracker.db")
    harness: Harness = await start_harness(tmp_path, tracker_store=tracker)
    try:
        started = harness.clock().timestamp() - days_ago * 86400
        tracker_with(tracker, conversations, started={sender: started for sender in conversations})
        agent = await harness.agent("anna", "Anna")
        response = await agent.get(f"/kb{query}", headers={"Accept": "text/html"})
        return response.status, await response.text()
    finally:
        await stop_harness(harness)


async def test_the_report_counts_answers_offers_and_handoffs_of_the_period(tmp_path: Path) -> None:
    status, page = await report_page(tmp_path, CONVERSATIONS, days_ago=1)
    assert status == 200
    assert '<span id="kb-questions">6</span> questions in 5 conversations, last 7 days' in page
    assert "<td>answered outright</td><td>2</td><td>33.3 %</td>" in page
    assert "asked for a person: 1 (50.0 % of answers)" in page and "picked one: 1 (100.0 %)" in page
    assert "<td>2×</td><td>en</td><td>do you ship to the moon?</td>" in page  # the most asked gap first
    assert "[e-mail]" in page and "anna.nowak" not in page  # personal data stays out


async def test_the_report_reads_a_postgresql_tracker_store(tmp_path: Path, postgres_url: str) -> None:
    _, page = await report_page(tmp_path, CONVERSATIONS, days_ago=1, tracker=postgres_url)
    assert '<span id="kb-questions">6</span> questions in 5 conversations' in page


async def test_shopper_text_is_shown_as_text(tmp_path: Path) -> None:
    _, page = await report_page(tmp_path, {"x": [("user", HOSTILE), KB, *outcome("unknown")]}, days_ago=0.1)
    assert "<script>window" not in page and "&lt;script&gt;window.__xss = 1&lt;/script&gt;" in page


async def test_the_period_is_chosen_from_fixed_ones(tmp_path: Path) -> None:
    _, week = await report_page(tmp_path / "a", CONVERSATIONS, days_ago=10)
    assert "No questions reached the knowledge base in the last 7 days." in week
    _, month = await report_page(tmp_path / "b", CONVERSATIONS, days_ago=10, query="?days=30")
    assert '<span id="kb-questions">6</span>' in month and 'aria-current="page">30 days' in month
    _, unknown_period = await report_page(tmp_path / "c", CONVERSATIONS, days_ago=1, query="?days=9999")
    assert "last 7 days" in unknown_period


async def test_without_a_tracker_store_the_page_says_so(tmp_path: Path) -> None:
    harness = await start_harness(tmp_path, tracker_store=str(tmp_path / "nowhere.db"))
    try:
        agent = await harness.agent("anna", "Anna")
        response = await agent.get("/kb", headers={"Accept": "text/html"})
        assert response.status == 200 and "No conversations are recorded yet." in await response.text()
        assert not (tmp_path / "nowhere.db").exists()  # opened read-only, never created
    finally:
        await stop_harness(harness)
