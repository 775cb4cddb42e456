"""The desk's analytics page over HTTP, as the desk process serves it: who sees what, exports masked, links to the KB."""

from __future__ import annotations

import csv
import html
import io
import re
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from tests.analytics.conftest import PAGE_PERIOD, PAGE_SINCE, PAGE_UNTIL, PRIVATE, Month
from tests.desk.agent_client import AgentClient
from tests.desk.desk_process import DeskProcess

STAT = re.compile(r'id="stat-([a-z_]+)">([^<]*)<')


def stats(page: str) -> dict[str, str]:
    return dict(STAT.findall(page))


def page(client: AgentClient, **query: str) -> str:
    response = client.http.get("/analytics", params={**PAGE_PERIOD, **query}, headers={"Accept": "text/html"})
    assert response.status_code == 200, response.text
    return response.text


def export(client: AgentClient, name: str, **query: str) -> httpx.Response:
    return client.http.get(f"/analytics/export/{name}.csv", params={**PAGE_PERIOD, **query})


@pytest.fixture(scope="module")
def anna(desk: DeskProcess) -> AgentClient:
    return AgentClient(desk.url).sign_in("anna")


@pytest.fixture(scope="module")
def ben(desk: DeskProcess) -> AgentClient:
    return AgentClient(desk.url).sign_in("ben")


def test_signed_out_the_page_sends_to_sign_in_and_exports_are_refused(desk: DeskProcess) -> None:
    with httpx.Client(base_url=desk.url) as browser:
        response = browser.get("/analytics", headers={"Accept": "text/html"})
        assert response.status_code == 303 and response.headers["Location"] == "/login"
        assert browser.get("/analytics/export/outcomes.csv").status_code == 401


def test_an_admin_sees_the_numbers_that_happened(anna: AgentClient, month: Month) -> None:
    shown, truth = stats(page(anna)), month.truth
    for key in ("conversations", "questions", "answered_outright", "suggested_and_picked", "unknown", "deflected_naive",
                "recontacted", "deflected"):
        assert int(shown[key]) == truth[key], key
    assert shown["deflection"] == f"{100 * truth['deflected'] / truth['questions']:.1f} %"
    assert shown["deflection_naive"] == f"{100 * truth['deflected_naive'] / truth['questions']:.1f} %"
    assert int(shown["handoffs"]) == sum(truth["handoffs_by_reason"].values())
    assert float(shown["csat"]) == truth["csat_average"] and int(shown["csat_count"]) == truth["csat_count"]
    assert int(shown["tickets"]) == truth["tickets"]


def test_filters_narrow_the_numbers(anna: AgentClient, month: Month) -> None:
    polish = stats(page(anna, lang="pl"))
    assert int(polish["questions"]) == sum(q.lang == "pl" for q in month.traffic.questions)
    telegram = stats(page(anna, channel="telegram"))
    assert int(telegram["questions"]) == sum(q.channel == "telegram" for q in month.traffic.questions)
    wrong = page(anna, since="last week")
    assert "Dates look like 2026-11-01" in wrong and 'id="stat-questions"' in wrong
    unheard = page(anna, channel="<b>carrier-pigeon</b>")
    assert "No conversation came in on channel &#39;&lt;b&gt;carrier-pigeon&lt;/b&gt;&#39;." in unheard
    assert int(stats(unheard)["questions"]) == 0


def test_each_cluster_opens_the_kb_page_with_its_question(anna: AgentClient) -> None:
    text = page(anna)
    links = [html.unescape(href) for href in re.findall(r'href="(/kb/articles/new\?question=[^"]+)"', text)]
    assert links
    query = parse_qs(urlparse(links[0]).query)
    assert query["lang"][0] in ("en", "pl", "ru") and query["question"][0]
    moon = [parse_qs(urlparse(link).query) for link in links if "moon" in link.lower()]
    assert moon and moon[0]["lang"] == ["en"]
    # The editor opens with the cluster's question filled in.
    editor = anna.http.get(links[0], headers={"Accept": "text/html"})
    assert editor.status_code == 200 and query["question"][0] in html.unescape(editor.text), editor.text


def test_an_agent_sees_only_their_own_numbers(ben: AgentClient, anna: AgentClient, month: Month) -> None:
    own = month.service.report(PAGE_SINCE, PAGE_UNTIL, agent_id=2)["desk"]
    text = page(ben)
    shown = stats(text)
    assert "conversations" not in shown and "tickets" not in shown and 'id="fix-next"' not in text
    assert int(shown["handoffs_taken"]) == own["handoffs_taken"] < int(stats(page(anna))["handoffs_taken"])
    assert int(shown["csat_count"]) == own["csat"]["count"]
    agents = list(csv.reader(io.StringIO(export(ben, "agents").text)))
    assert [row[0] for row in agents[1:]] in ([], ["Ben"])
    for name in ("outcomes", "clusters", "articles", "handoff_reasons", "tickets"):
        assert export(ben, name).status_code == 404, name


def test_every_export_is_masked_and_matches_the_page(anna: AgentClient, month: Month) -> None:
    shown = page(anna)
    assert not PRIVATE.search(shown), PRIVATE.search(shown)  # the page itself, charts' numbers and comments included
    names = set(re.findall(r"/analytics/export/([a-z_]+)\.csv", shown))
    assert {"outcomes", "handoff_reasons", "handoff_hours", "csat_distribution", "csat_trend", "agents", "clusters",
            "articles", "csat_comments", "reply_times", "tickets", "ticket_replies"} <= names
    everything = ""
    for name in sorted(names):
        response = export(anna, name)
        assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv"), name
        assert "attachment" in response.headers["Content-Disposition"]
        everything += response.text
    assert not PRIVATE.search(everything), PRIVATE.search(everything)
    assert "[e-mail]" in everything and "[number]" in everything  # the comments with an address and a phone, masked
    outcomes = dict(list(csv.reader(io.StringIO(export(anna, "outcomes").text)))[1:])
    assert int(outcomes["deflected"]) == month.truth["deflected"]
    assert export(anna, "nothing_like_this").status_code == 404
