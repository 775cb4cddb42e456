"""Screenshots of what a person sees in the four looks the issue asks for, and the axe-core check."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

from tests.support.processes import ARTIFACTS

AXE = Path(__file__).resolve().parent / "assets" / "axe-core" / "axe.min.js"  # one vendored copy for desk and widget
PHONE = {"width": 375, "height": 740}
LOOKS = (("desktop", None, "light"), ("desktop", None, "dark"), ("phone", PHONE, "light"), ("phone", PHONE, "dark"))
SERIOUS = ("serious", "critical")


def screenshots(page: Page, name: str) -> list[Path]:
    """tests/artifacts/<name>-<desktop|phone>-<light|dark>.png of the page as it is now; the page's look is restored."""
    desktop = page.viewport_size
    paths = []
    for size_name, size, scheme in LOOKS:
        page.set_viewport_size(size or desktop)
        page.emulate_media(color_scheme=scheme)
        path = ARTIFACTS / f"{name}-{size_name}-{scheme}.png"
        page.screenshot(path=path)
        paths.append(path)
    page.set_viewport_size(desktop)
    page.emulate_media(color_scheme="light")
    return paths


def axe_violations(page: Page, selector: str) -> list[dict]:
    """axe-core's serious and critical violations inside `selector` (shadow DOM included), as {id, impact, nodes}."""
    page.wait_for_selector(selector, state="attached")  # the widget's script loads after the page: on a busy machine, later
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async (selector) => {
            const result = await axe.run({ include: [[selector]] }, { resultTypes: ["violations"] });
            return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                                                   nodes: v.nodes.map((n) => n.target.join(" ")) }));
        }""",
        selector,
    )
    return [violation for violation in found if violation["impact"] in SERIOUS]
