"""The analytics page in a real browser (Debian's Chromium, headless) on a desktop and on a 375 px phone."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, Page, expect

from bench.analytics_traffic import UNKNOWN
from kb_index.policy import decide
from kb_index.service import open_index
from kb_index.settings import KBSettings, load_kb_settings
from kb_index.sources import load_sources
from tests.analytics.conftest import PAGE_PERIOD, Month
from tests.desk.desk_process import DeskProcess
from tests.desk.support import PASSWORD
from tests.support.browser import chromium
from tests.support.processes import ARTIFACTS

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
BUILD_TIMEOUT_MS = 300_000  # a publish on 2 shared cores under load took up to 2 minutes
CHARTS = ("outcomes", "handoff_reasons", "handoff_hours", "csat_distribution", "csat_trend", "agents", "reply_times", "tickets")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as running:
        yield running


def open_analytics(browser: Browser, desk: DeskProcess, viewport: dict[str, int]) -> tuple[Page, list[str]]:
    page = browser.new_page(viewport=viewport)
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{desk.url}/analytics?{urlencode(PAGE_PERIOD)}")
    assert page.url.endswith("/login")
    page.fill("input[name=username]", "anna")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{desk.url}/")
    page.goto(f"{desk.url}/analytics?{urlencode(PAGE_PERIOD)}")
    # Every chart drawn by the vendored Chart.js (it keeps an instance per canvas).
    page.wait_for_function(
        "names => names.every(n => window.Chart && Chart.getChart(document.getElementById('chart-' + n)))", arg=list(CHARTS)
    )
    return page, problems


def shown(page: Page, key: str) -> str:
    return page.locator(f"#stat-{key}").inner_text().strip()


def assert_the_truth(page: Page, truth: dict) -> None:
    for key in ("conversations", "questions", "answered_outright", "suggested_and_picked", "unknown", "deflected_naive",
                "deflected", "recontacted"):
        assert int(shown(page, key)) == truth[key], key
    assert shown(page, "deflection") == f"{100 * truth['deflected'] / truth['questions']:.1f} %"
    assert float(shown(page, "csat")) == truth["csat_average"]
    assert int(shown(page, "tickets")) == truth["tickets"]
    assert int(shown(page, "handoffs")) == sum(truth["handoffs_by_reason"].values())


def chart_numbers(page: Page, name: str) -> list:
    return page.evaluate("n => Chart.getChart(document.getElementById('chart-' + n)).data.datasets[0].data", name)


def test_on_a_desktop_the_page_shows_the_truth_in_numbers_and_charts(browser: Browser, desk: DeskProcess, month: Month) -> None:
    page, problems = open_analytics(browser, desk, DESKTOP)
    assert_the_truth(page, month.truth)
    stars = chart_numbers(page, "csat_distribution")
    assert stars == [month.truth["csat_distribution"][str(s)] for s in range(1, 6)]
    assert sum(chart_numbers(page, "handoff_reasons")) == sum(month.truth["handoffs_by_reason"].values())
    assert page.locator("a.csv").count() >= len(CHARTS)
    assert page.locator("#fix-next a", has_text="Write an article").count() > 0
    page.screenshot(path=str(ARTIFACTS / "analytics-desktop.png"), full_page=True)
    assert problems == []  # nothing refused by the Content-Security-Policy, no script error
    page.close()


def test_on_a_375px_phone_everything_fits_and_reads(browser: Browser, desk: DeskProcess, month: Month) -> None:
    page, problems = open_analytics(browser, desk, PHONE)
    assert_the_truth(page, month.truth)
    too_wide = page.evaluate(
        "w => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > w + 1)"
        ".slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id)", PHONE["width"])
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], too_wide  # no sideways scrolling
    for name in CHARTS:
        box = page.locator(f"#chart-{name}").bounding_box()
        assert box and 300 <= box["width"] <= PHONE["width"] and box["height"] >= 150, (name, box)
    page.screenshot(path=str(ARTIFACTS / "analytics-phone.png"), full_page=True)
    assert problems == []
    page.close()


def live_decision(settings: KBSettings, question: str, lang: str) -> tuple[str, list[str]]:
    """What the live index does with the question, as the bot decides it: outcome and articles, best first."""
    index = open_index(settings)
    hits = index.search(question, k=settings.max_suggestions)
    decision = decide(hits, index.thresholds(settings.thresholds, lang), settings.max_suggestions)
    return decision.outcome, [hit.article_id for hit in decision.hits or hits[:1]]


def test_a_cluster_is_one_click_from_adding_its_questions_to_an_article_and_the_next_publish_answers_them(
    browser: Browser, desk: DeskProcess, month: Month
) -> None:
    kb, index_dir = Path(desk.env["KB_ARTICLES_DIR"]), Path(desk.env["KB_INDEX_DIR"])  # the desk's copies
    settings = dataclasses.replace(load_kb_settings(month.config), articles_dir=kb, index_dir=index_dir, sources=())
    piano = UNKNOWN["piano"]["en"]
    before = live_decision(settings, piano[0], "en")
    assert before[0] != "answer" or before[1][0] != "delivery-options", before  # not answered with it yet
    page, problems = open_analytics(browser, desk, DESKTOP)
    row = page.locator("#fix-next table.clusters[data-lang=en] tr", has_text="pianos upstairs")
    row.get_by_role("link", name="Add as question").click()

    page.wait_for_url("**/kb/articles/add-questions?**")
    offered = page.locator("#add-questions-form input[name=question]")
    shown = [offered.nth(i).get_attribute("value") for i in range(offered.count())]
    assert shown and set(shown) <= set(piano) and shown[0].lower().startswith("do you deliver pianos")
    closest = open_index(settings).search(shown[0], k=1)[0].article_id
    assert page.locator("#add-article").input_value() == closest  # the live index's closest article, chosen already
    page.screenshot(path=str(ARTIFACTS / "analytics-add-question.png"), full_page=True)

    page.fill("#search-text", "what delivery options do you have")  # the editor looks for another article
    page.click("#article-search button[type=submit]")
    page.locator("#search-results a", has_text="delivery options").first.click()
    expect(page.locator("#add-article")).to_have_value("delivery-options")
    page.click("#add-questions")
    expect(page.locator(".notice")).to_contain_text("Questions added")
    article = next(a for a in load_sources([kb]) if a.id == "delivery-options" and a.lang == "en")
    assert set(shown) <= set(article.questions)  # written into the article's source file

    page.goto(f"{desk.url}/kb/articles")
    with page.expect_navigation(timeout=BUILD_TIMEOUT_MS):  # a build: embeds the changed article, calibrates
        page.click("#publish", timeout=BUILD_TIMEOUT_MS)
    expect(page.locator(".notice")).to_contain_text("Published", timeout=BUILD_TIMEOUT_MS)
    page.fill("#preview-question", shown[0])
    with page.expect_navigation(timeout=BUILD_TIMEOUT_MS):  # compares with the unpublished sources (built if changed)
        page.click("#preview-form button[type=submit]", timeout=BUILD_TIMEOUT_MS)
    live = page.locator("#preview-live")
    expect(live.locator(".outcome")).to_have_text("Answers with", timeout=BUILD_TIMEOUT_MS)
    expect(live.locator(".article").first).to_have_text(article.title)
    assert live_decision(settings, shown[0], "en") == ("answer", ["delivery-options"])
    assert problems == []
    page.close()
