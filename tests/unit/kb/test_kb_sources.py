"""Importing FAQ exports (CSV, JSONL) next to Markdown articles, and the problems an editor must see."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kb_index.articles import KBValidationError
from kb_index.passages import split_passages
from kb_index.settings import load_kb_settings
from kb_index.sources import load_sources

HEADER = "article_id,lang,title,question,answer,url\n"
CSV_ROWS = (
    "gift-cards,en,Gift cards,Do you sell gift cards?,Gift cards from 50 PLN.,https://shop.example/gift\n"
    "gift-cards,en,,can I buy a voucher,,\n"
    'gift-cards,en,Gift cards,"a present card, for my mum",Gift cards from 50 PLN.,https://shop.example/gift\n'
    "warranty,en,Warranty,how long is the warranty,Two years on everything.,https://shop.example/warranty\n"
)
MARKDOWN = """---
id: returns
lang: en
title: Returns
url: https://shop.example/returns
questions:
  - how do I return something
---
Within 30 days.
"""


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def problems_of(*paths: Path) -> list[str]:
    with pytest.raises(KBValidationError) as error:
        load_sources(list(paths))
    return [str(p) for p in error.value.problems]


def test_a_csv_export_with_several_rows_per_article_loads_next_to_markdown(tmp_path):
    write(tmp_path / "kb" / "en" / "returns.md", MARKDOWN)
    export = write(tmp_path / "faq.csv", HEADER + CSV_ROWS)
    articles = {a.id: a for a in load_sources([tmp_path / "kb", export])}
    assert sorted(articles) == ["gift-cards", "returns", "warranty"]
    gift = articles["gift-cards"]
    assert gift.questions == ("Do you sell gift cards?", "can I buy a voucher", "a present card, for my mum")
    assert (gift.title, gift.answer, gift.url) == ("Gift cards", "Gift cards from 50 PLN.", "https://shop.example/gift")


def test_a_jsonl_dump_loads_the_same_way(tmp_path):
    rows = [
        {"article_id": "warranty", "lang": "en", "title": "Warranty", "question": "how long is the warranty",
         "answer": "Two years.", "url": "https://shop.example/w", "summary": ""},
        {"article_id": "warranty", "lang": "en", "title": "", "question": "is my lamp still covered", "answer": "", "url": ""},
    ]
    dump = write(tmp_path / "faq.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n")
    (article,) = load_sources([dump])
    assert article.questions == ("how long is the warranty", "is my lamp still covered") and article.answer == "Two years."


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("article_id,lang,title,answer,url\nx,en,T,A,https://u\n", "faq.csv:1: header row: missing column(s) question"),
        (HEADER + "warranty,en,Warranty,,Two years.,https://u\n", "faq.csv:2: row 1: question is empty"),
        (HEADER + CSV_ROWS + "warranty,english,Warranty,q,,\n", "faq.csv:6: row 5: lang 'english'"),
        (HEADER + ",en,T,q,A,https://u\n", "faq.csv:2: row 1: article_id is empty"),
        (HEADER + CSV_ROWS + "warranty,en,Warranty,q,Three years.,https://u\n", "row 5: answer differs from row 4"),
        (HEADER + "warranty,en,,q,,\n", "row 1: article 'warranty' has no title, answer, url"),
        ((HEADER + CSV_ROWS).encode() + "faq,en,Caf\u00e9,q,A,https://u\n".encode("cp1250"), "faq.csv:6: row 5: not valid UTF-8"),
    ],
    ids=["missing-column", "empty-question", "wrong-language", "missing-id", "conflicting-answer", "no-answer", "bad-encoding"],
)
def test_csv_problems_name_the_file_and_row(tmp_path, content, expected):
    export = write(tmp_path / "faq.csv", content)
    assert any(expected in p for p in problems_of(export)), problems_of(export)


def test_jsonl_problems_name_the_line(tmp_path):
    dump = write(tmp_path / "faq.jsonl", '{"article_id": "a", "lang": "en"}\nnot json\n')
    found = problems_of(dump)
    assert any("faq.jsonl:1: row 1: missing field(s) title, question, answer, url" in p for p in found), found
    assert any("faq.jsonl:2: row 2: not valid JSON" in p for p in found), found


def test_the_same_id_in_two_sources_is_a_duplicate_naming_both(tmp_path):
    write(tmp_path / "kb" / "en" / "warranty.md", MARKDOWN.replace("returns", "warranty"))
    export = write(tmp_path / "faq.csv", HEADER + CSV_ROWS)
    (duplicate,) = [p for p in problems_of(tmp_path / "kb", export) if "duplicate" in p]
    assert "faq.csv:5" in duplicate and "warranty.md:2" in duplicate


def test_a_missing_source_is_an_error(tmp_path):
    assert any("source not found" in p for p in problems_of(tmp_path / "nowhere.csv"))


def test_summary_is_the_reply_and_a_long_body_becomes_passages(tmp_path):
    body = "\n\n".join(
        f"Section {n}. " + " ".join(f"Sentence {n}.{m} explains one more detail of the topic at some length." for m in range(6))
        for n in range(3)
    )
    text = MARKDOWN.replace("questions:", "summary: Send it back within 30 days.\nquestions:").replace("Within 30 days.", body)
    write(tmp_path / "kb" / "en" / "returns.md", text)
    (article,) = load_sources([tmp_path / "kb"])
    assert article.reply == "Send it back within 30 days."
    passages = split_passages(article.answer)
    assert len(passages) >= 3 and all(len(p) <= 400 for p in passages)
    assert all(p.endswith(".") for p in passages)  # cut between sentences, never inside one
    assert "".join(passages).replace(" ", "") == body.replace("\n", "").replace(" ", "")


def test_sources_setting_and_environment_override(tmp_path, monkeypatch):
    config = write(tmp_path / "assistant.yml", (Path(__file__).resolve().parents[3] / "assistant.yml").read_text())
    articles_dir = "  articles_dir: data/kb\n"
    config.write_text(config.read_text().replace(articles_dir, articles_dir + "  sources: [data/kb, faq.csv]\n"))
    monkeypatch.delenv("KB_ARTICLES_DIR", raising=False)
    monkeypatch.delenv("KB_SOURCES", raising=False)
    assert load_kb_settings(config).source_paths == (tmp_path / "data" / "kb", tmp_path / "faq.csv")
    monkeypatch.setenv("KB_ARTICLES_DIR", str(tmp_path / "other"))
    assert load_kb_settings(config).source_paths == (tmp_path / "other",)
    monkeypatch.setenv("KB_SOURCES", f"a.csv:{tmp_path / 'b'}")
    assert load_kb_settings(config).source_paths == (tmp_path / "a.csv", tmp_path / "b")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("id: returns\n", ""), "returns.md:1: 'id' is missing or empty"),
        (("  - how do I return something\n", ""), "returns.md:6: 'questions' must be a non-empty list"),
        (("lang: en", "lang: eng"), "returns.md:3: lang 'eng' is not a two-letter"),
        (("title: Returns", "title: Returns: and more"), "returns.md:4: YAML error"),
    ],
    ids=["missing-id", "empty-question-list", "wrong-language", "yaml-error"],
)
def test_markdown_problems_name_the_file_and_line(tmp_path, change, expected):
    write(tmp_path / "kb" / "en" / "returns.md", MARKDOWN.replace(*change))
    found = problems_of(tmp_path / "kb")
    assert any(expected in p for p in found), found
