"""Importing an FAQ export: CSV or JSONL rows of ``article_id, lang, title, question, answer, url``.

One row per question, so an article spans several rows; its title, answer and
url may be repeated on every row or given once. An optional ``summary`` column
works as in the Markdown front matter. Problems name the file, its line and the
data row, so an editor finds them in a spreadsheet as well as in a text editor.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from kb_index.articles import ARTICLE_ID, LANGUAGE_CODE, Article, Problem

COLUMNS = ("article_id", "lang", "title", "question", "answer", "url")
OPTIONAL_COLUMNS = ("summary",)
ARTICLE_FIELDS = ("title", "answer", "url", "summary")
TABLE_SUFFIXES = (".csv", ".jsonl")


@dataclass
class _Draft:
    """An article being assembled from its rows."""

    article_id: str
    lang: str
    first_line: int
    first_row: int
    questions: list[str] = field(default_factory=list)
    values: dict[str, tuple[str, int]] = field(default_factory=dict)  # field -> (value, row it came from)


def read_table(path: Path) -> tuple[list[Article], list[Problem]]:
    """The articles of one CSV or JSONL file and the problems found in it."""
    source = str(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        row = line - 1 if path.suffix.lower() == ".csv" else line
        message = f"row {row}: not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"
        return [], [Problem(source, line, message)]
    rows, problems = _csv_rows(text, source) if path.suffix.lower() == ".csv" else _jsonl_rows(text, source)
    articles, article_problems = _assemble(rows, source)
    return articles, problems + article_problems


def _csv_rows(text: str, source: str) -> tuple[list[tuple[int, int, dict[str, str]]], list[Problem]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        return [], [Problem(source, 1, f"header row: missing column(s) {', '.join(missing)} (need {', '.join(COLUMNS)})")]
    reader.fieldnames = header
    rows = []
    try:
        for number, record in enumerate(reader, start=1):
            rows.append((reader.line_num, number, {k: (v or "").strip() for k, v in record.items() if k is not None}))
    except csv.Error as exc:
        return rows, [Problem(source, reader.line_num, f"row {len(rows) + 1}: not valid CSV ({exc})")]
    return rows, []


def _jsonl_rows(text: str, source: str) -> tuple[list[tuple[int, int, dict[str, str]]], list[Problem]]:
    rows, problems = [], []
    for line_number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(Problem(source, line_number, f"row {line_number}: not valid JSON ({exc.msg})"))
            continue
        if not isinstance(record, dict):
            problems.append(Problem(source, line_number, f"row {line_number}: must be a JSON object"))
            continue
        missing = [c for c in COLUMNS if c not in record]
        if missing:
            problems.append(Problem(source, line_number, f"row {line_number}: missing field(s) {', '.join(missing)}"))
            continue
        rows.append((line_number, line_number, {k: str(v if v is not None else "").strip() for k, v in record.items()}))
    return rows, problems


def _assemble(rows: list[tuple[int, int, dict[str, str]]], source: str) -> tuple[list[Article], list[Problem]]:
    drafts: dict[tuple[str, str], _Draft] = {}
    problems: list[Problem] = []
    for line, row, record in rows:
        article_id, lang, question = record["article_id"], record["lang"], " ".join(record["question"].split())
        row_problems = []
        if not article_id:
            row_problems.append("article_id is empty")
        elif not ARTICLE_ID.match(article_id):
            row_problems.append(f"article_id '{article_id}' must be lowercase letters, digits and hyphens")
        if not LANGUAGE_CODE.match(lang):
            row_problems.append(f"lang '{lang}' is not a two-letter ISO 639-1 code")
        if not question:
            row_problems.append("question is empty")
        if row_problems:
            problems.extend(Problem(source, line, f"row {row}: {message}") for message in row_problems)
            continue
        draft = drafts.setdefault((article_id, lang), _Draft(article_id, lang, line, row))
        draft.questions.append(question)
        for name in ARTICLE_FIELDS:
            value = record.get(name, "")
            if not value:
                continue
            earlier = draft.values.setdefault(name, (value, row))
            if earlier[0] != value:
                message = f"row {row}: {name} differs from row {earlier[1]} of article '{article_id}'"
                problems.append(Problem(source, line, message))
    articles = []
    for draft in drafts.values():
        absent = [name for name in ("title", "answer", "url") if name not in draft.values]
        if absent:
            message = f"row {draft.first_row}: article '{draft.article_id}' has no {', '.join(absent)} in any of its rows"
            problems.append(Problem(source, draft.first_line, message))
            continue
        articles.append(
            Article(
                id=draft.article_id,
                lang=draft.lang,
                title=draft.values["title"][0],
                url=draft.values["url"][0],
                questions=tuple(draft.questions),
                answer=draft.values["answer"][0],
                summary=draft.values.get("summary", ("", 0))[0],
                source=source,
                line=draft.first_line,
            )
        )
    return articles, problems
