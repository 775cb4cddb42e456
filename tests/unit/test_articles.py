from __future__ import annotations

from pathlib import Path

import pytest

from kb_index.articles import KBValidationError, load_kb, parse_article_text

GOOD = """---
id: delivery-times
lang: en
title: How long does delivery take?
url: https://shop.example/help/delivery
questions:
  - How long does shipping take?
  - when will my parcel arrive
---
Orders arrive in 1-2 working days.
"""


def write(root: Path, relative: str, text: str | bytes) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def test_parses_header_questions_and_answer():
    article, problems = parse_article_text(GOOD, source="x.md")
    assert problems == []
    assert article.id == "delivery-times" and article.lang == "en"
    assert article.questions == ("How long does shipping take?", "when will my parcel arrive")
    assert article.answer == "Orders arrive in 1-2 working days."


def test_yaml_error_names_the_file_and_line(tmp_path):
    broken = GOOD.replace("title: How long does delivery take?", "title: [unclosed")
    write(tmp_path, "en/delivery-times.md", broken)
    with pytest.raises(KBValidationError) as error:
        load_kb(tmp_path)
    (problem,) = error.value.problems
    assert problem.source.endswith("en/delivery-times.md")
    assert problem.line in (4, 5)  # the broken line, or where YAML noticed it
    assert "YAML error" in problem.message


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("id: delivery-times", "id: Delivery Times"), "lowercase"),
        (("lang: en", "lang: english"), "two-letter"),
        (("lang: en", "lang: pl"), "does not match its folder"),
        (("url: https://shop.example/help/delivery\n", ""), "'url' is missing"),
        (("Orders arrive in 1-2 working days.", ""), "answer"),
        (("  - How long does shipping take?\n  - when will my parcel arrive\n", ""), "non-empty list"),
    ],
)
def test_invalid_fields_are_reported_with_their_file(tmp_path, change, message):
    write(tmp_path, "en/delivery-times.md", GOOD.replace(*change))
    with pytest.raises(KBValidationError) as error:
        load_kb(tmp_path)
    assert any(message in p.message and p.source.endswith("delivery-times.md") for p in error.value.problems), error.value


def test_all_problems_are_collected_in_one_run(tmp_path):
    write(tmp_path, "en/a.md", GOOD.replace("delivery-times", "a").replace("lang: en", "lang: xx1"))
    write(tmp_path, "en/b.md", "no header here")
    write(tmp_path, "en/c.md", b"---\nid: c\n\xff\xfe---\n")
    with pytest.raises(KBValidationError) as error:
        load_kb(tmp_path)
    sources = {Path(p.source).name for p in error.value.problems}
    assert sources == {"a.md", "b.md", "c.md"}
    assert any("UTF-8" in p.message for p in error.value.problems)


def test_id_must_match_file_name(tmp_path):
    write(tmp_path, "en/other-name.md", GOOD)
    with pytest.raises(KBValidationError, match="does not match the file name"):
        load_kb(tmp_path)


def test_the_demo_kb_is_valid_and_complete():
    articles = load_kb(Path(__file__).resolve().parents[2] / "data" / "kb")
    english = [a for a in articles if a.lang == "en"]
    assert len(english) >= 30
    for article in english:
        assert len(set(article.questions)) >= 6, article.id
        assert article.url.startswith("https://"), article.id
