"""The analytics page in a real browser (Debian's Chromium, headless) on a desktop and on a 375 px phone."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, Page

from tests.analytics.conftest import PAGE_PERIOD, Month
from tests.desk.desk_process import DeskProcess
from tests.desk.support import PASSWORD
from tests.support.browser import chromium
from tests.support.processes import ARTIFACTS

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
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
