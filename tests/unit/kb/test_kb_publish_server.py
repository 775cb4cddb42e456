"""Publishing over HTTP (`python -m kb_index serve`) and two editors publishing at the same time, as real processes."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from kb_index import open_index
from kb_index.store import IndexStore
from tests.support.metrics import scrape, value
from tests.support.processes import Service, free_port
from tests.support.small_kb import REPO_ROOT, cli, kb_env
from tests.unit.kb.conftest import write_article

TOKEN = "editor-token-for-tests"
DOWN_ACTION_SERVER = "http://127.0.0.1:9/kb/reload"


@pytest.fixture
def server(settings, tmp_path):
    queries = tmp_path / "held-out.csv"
    queries.write_text("text,article_id\nmy parcel still hasn't come,delivery\nwho won the football,\n")
    config = tmp_path / "assistant.yml"
    settings_text = (REPO_ROOT / "assistant.yml").read_text()
    config.write_text(settings_text.replace("kb:\n", f"kb:\n  publish_eval_queries: [{queries}]\n", 1))
    port = free_port()
    env = {k: v for k, v in kb_env(settings).items() if k in {"KB_ARTICLES_DIR", "KB_INDEX_DIR", "KB_CALIBRATION_QUERIES"}}
    service = Service(
        f"kb-publish-{port}", [sys.executable, "-m", "kb_index", "serve", "--port", str(port)],
        # An action server that is down (port 9 refuses): the push fails, the publish must not.
        env | {"KB_PUBLISH_TOKEN": TOKEN, "ASSISTANT_CONFIG": str(config), "KB_RELOAD_URLS": DOWN_ACTION_SERVER},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        service.wait_until(lambda: httpx.get(f"{url}/health", timeout=2).status_code == 200, 120)
        yield url
    finally:
        service.stop()


def publish(url: str, token: str = TOKEN) -> httpx.Response:
    return httpx.post(f"{url}/publish", headers={"Authorization": f"Bearer {token}"}, timeout=300)


def test_publish_needs_the_token(server):
    assert httpx.post(f"{server}/publish", timeout=10).status_code == 401
    assert publish(server, "wrong-token").status_code == 401


def test_publish_builds_makes_live_and_reports_quality(server, settings):
    response = publish(server)
    assert response.status_code == 200, response.text
    summary = response.json()
    assert summary["build"]["published"] and summary["build"]["articles"] == 4
    assert summary["eval"]["total"] == 2 and summary["eval"]["query_files"] == ["held-out.csv"]
    assert summary["pushed"] == {"reloaded": 0, "failed": 1}  # published all the same; that server will poll
    assert httpx.get(f"{server}/health", timeout=10).json()["live"] == summary["build"]["version"]
    write_article(settings.articles_dir, "payment", "Cards, PayPal, BLIK and Klarna.")
    changed = publish(server).json()["build"]
    assert changed["embedded"] == 7 and open_index(settings).article("payment")["answer"] == "Cards, PayPal, BLIK and Klarna."


def test_a_second_publish_while_one_runs_is_refused(server):
    statuses: list[int] = []
    thread = threading.Thread(target=lambda: statuses.append(publish(server).status_code))
    thread.start()
    while thread.is_alive() and 409 not in statuses:
        statuses.append(publish(server).status_code)
    thread.join()
    # Whichever request came first built (28 texts: long enough to be caught running); the other was turned away.
    assert 200 in statuses and 409 in statuses and set(statuses) <= {200, 409}


def test_a_bad_kb_is_refused_with_its_problems_and_the_live_version_stays(server, settings):
    live = publish(server).json()["build"]["version"]
    (settings.articles_dir / "en" / "payment.md").write_text("---\nid: payment\nlang: english\n---\n")
    response = publish(server)
    assert response.status_code == 422
    problems = response.json()["problems"]
    assert "en/payment.md:3: lang 'english' is not a two-letter ISO 639-1 code" in problems
    assert any(p.startswith("en/payment.md:") and "'title' is missing" in p for p in problems)
    assert not any(str(settings.articles_dir) in p or str(settings.articles_dir.parent) in p for p in problems), problems
    assert IndexStore(settings.index_dir).live_version() == live


def test_two_editors_publishing_at_once_cannot_corrupt_the_index(settings, tmp_path):
    assert cli(settings, "build").returncode == 0
    write_article(settings.articles_dir, "returns", "Send it back within 60 days.")
    builds = [
        subprocess.Popen([sys.executable, "-m", "kb_index", "build", "--full"], cwd=REPO_ROOT, env=kb_env(settings),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=300) for process in builds]
    assert [p.returncode for p in builds] == [0, 0], outputs
    store = IndexStore(settings.index_dir)
    assert len(store.versions()) == 3 and not [p for p in Path(store.versions_dir).iterdir() if p.name.startswith(".")]
    for version in store.versions():
        index = open_index(settings, version)
        assert len(index.entries) == len(index.vectors) == 28
    assert store.live_version() == store.versions()[-1]
    assert open_index(settings).article("returns")["answer"] == "Send it back within 60 days."


def test_ready_once_a_version_is_live_and_publishes_are_counted_by_result(server, settings):
    if IndexStore(settings.index_dir).live_version() is None:
        assert httpx.get(f"{server}/ready", timeout=10).status_code == 503
    assert publish(server).status_code == 200
    assert httpx.get(f"{server}/ready", timeout=10).json() == {"ready": True, "checks": {"kb_index": "ok"}}
    (settings.articles_dir / "en" / "payment.md").write_text("---\nid: payment\nlang: english\n---\n")
    assert publish(server).status_code == 422
    samples = scrape(server)
    assert value(samples, "kb_publishes_total", result="published") == 1
    assert value(samples, "kb_publishes_total", result="invalid") == 1
