"""The index with the real packaged encoder, on a small KB built in a temporary folder."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from kb_index import LiveIndex, build, load_kb_settings, open_index
from kb_index.articles import KBValidationError
from kb_index.store import IndexStore
from tests.support.small_kb import ARTICLES, cli, write_article


@pytest.fixture
def settings(tmp_path):
    kb = tmp_path / "kb"
    for article_id in ARTICLES:
        write_article(kb, article_id)
    return replace(load_kb_settings(), articles_dir=kb, index_dir=tmp_path / "index", reload_interval_seconds=0,
                   calibration_queries=())


def test_search_finds_the_right_article_for_unseen_wording(settings):
    build(settings)
    index = open_index(settings)
    assert index.search("my package hasn't come yet, how many days does it take?", k=3)[0].article_id == "delivery"
    assert index.search("can I use google pay or a credit card", k=3)[0].article_id == "payment"
    hits = index.search("I'd like to send back the lamp I bought", k=2)
    assert hits[0].article_id == "returns" and len(hits) == 2 and hits[0].score > hits[1].score


def test_answer_text_and_link_travel_with_the_index(settings):
    build(settings)
    article = open_index(settings).article("payment")
    assert article == {"title": "How can I pay?", "answer": "We accept cards, PayPal and BLIK.", "url": "https://shop.example/payment"}


def test_rebuild_is_skipped_when_nothing_changed_and_incremental_when_one_article_did(settings):
    first = build(settings)
    assert first.published and first.embedded == 3 * 7
    again = build(settings)
    assert again.up_to_date and again.version == first.version
    write_article(settings.articles_dir, "payment", "We accept cards, PayPal, BLIK and Klarna.")
    changed = build(settings)
    assert changed.embedded == 7 and changed.reused == 14
    assert open_index(settings).article("payment")["answer"].endswith("Klarna.")
    assert build(settings, full=True).embedded == 21


def test_invalid_kb_never_replaces_the_live_index(settings):
    good = build(settings)
    (settings.articles_dir / "en" / "delivery.md").write_text("---\nid: delivery\nlang: en\ntitle: [broken\n---\nx\n")
    with pytest.raises(KBValidationError):
        build(settings)
    assert IndexStore(settings.index_dir).live_version() == good.version
    assert open_index(settings).search("delivery time", k=1)[0].article_id == "delivery"


def test_live_index_follows_a_publish_without_restart(settings):
    build(settings)
    live = LiveIndex(settings)
    assert live.get().article("returns")["answer"].startswith("Send it back within 30 days")
    write_article(settings.articles_dir, "returns", "Send it back within 60 days, free.")
    build(settings)
    assert live.get().article("returns")["answer"] == "Send it back within 60 days, free."


def test_old_versions_are_pruned_but_live_is_kept(settings):
    settings = replace(settings, keep_versions=2)
    for n in range(4):
        write_article(settings.articles_dir, "returns", f"Version {n}.")
        build(settings)
    store = IndexStore(settings.index_dir)
    assert len(store.versions()) == 2 and store.live_version() == store.versions()[-1]


def test_cli_build_and_search(settings):
    built = cli(settings, "build")
    assert built.returncode == 0 and "published" in built.stdout
    assert "up to date" in cli(settings, "build").stdout
    found = cli(settings, "search", "which cards can I pay with")
    decision, header, best = found.stdout.splitlines()[:3]
    assert found.returncode == 0 and header.split() == ["hybrid", "dense", "article"] and best.split()[2] == "payment"


def test_cli_build_reports_file_and_line_of_a_yaml_error(settings):
    cli(settings, "build")
    (settings.articles_dir / "en" / "returns.md").write_text("---\nid: returns\nlang: en\ntitle: [broken\nurl: x\n---\nx\n")
    result = cli(settings, "build")
    assert result.returncode == 1
    assert "returns.md:" in result.stderr and "YAML error" in result.stderr
    assert "live index is unchanged" in result.stderr


def test_a_background_live_index_follows_a_publish_and_keeps_answering_meanwhile(settings):
    build(settings)
    live = LiveIndex(settings, background=True)  # as the action server has it: loading starts at once
    first = live.get()
    assert first.article("returns")["answer"].startswith("Send it back within 30 days")
    write_article(settings.articles_dir, "returns", "Send it back within 60 days, free.")
    build(settings)
    deadline = time.monotonic() + 60
    while live.get().version == first.version and time.monotonic() < deadline:  # the old one serves meanwhile
        time.sleep(0.05)
    assert live.get().article("returns")["answer"] == "Send it back within 60 days, free."
