"""The demo shop (python -m shop_demo) in front of the test stack, and headless Chromium to use it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Dialog, Page

from tests.browser.servers import DESKTOP, start_shop
from tests.support.browser import chromium
from tests.support.processes import ARTIFACTS
from tests.support.stack import Stack, start_stack


@pytest.fixture(scope="session")
def shop(stack: Stack) -> Iterator[str]:
    """Base URL of the demo shop, whose widget talks to the session's test stack."""
    server, url = start_shop(stack)
    yield url
    server.stop()


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack of its own, for a test that restarts the Rasa server."""
    running = start_stack(tmp_path_factory.mktemp("own-stack"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def own_shop(own_stack: Stack) -> Iterator[str]:
    server, url = start_shop(own_stack)
    yield url
    server.stop()


# Package scope, not session: a live sync Playwright keeps its event loop running, which would
# break the async tests that run after the browser tests.
@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    with chromium() as running:
        yield running


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=DESKTOP, locale="en-US")
    yield context
    context.close()


@pytest.fixture
def dialogs(context: BrowserContext) -> list[str]:
    """Messages of every alert/confirm/prompt any page opened (each is dismissed)."""
    opened: list[str] = []

    def record(dialog: Dialog) -> None:
        opened.append(dialog.message)
        dialog.dismiss()

    context.on("page", lambda page: page.on("dialog", record))
    return opened


@pytest.fixture
def page(context: BrowserContext, dialogs: list[str], request: pytest.FixtureRequest) -> Iterator[Page]:
    page = context.new_page()
    yield page
    outcome = getattr(request.node, "rep_call", None)
    if outcome is not None and outcome.failed:
        page.screenshot(path=ARTIFACTS / f"failed-{request.node.name}.png")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Keeps each phase's report on the test item, so fixtures can tell a failed test (screenshot)."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
