"""What shoppers tell us about KB replies, and how an approved lesson reaches the article's source file.

The bot records each signal as the ``kb_signal`` slot (an event in Rasa's tracker and
event broker); the desk follows the broker and turns signals into candidates an editor
approves. These names are shared by the action server, the desk and the reports, so
they are defined here once.

Approving a candidate adds its question to the article's Markdown file, the same file
``python -m kb_index build`` reads, after the same validation; the next publish
includes it. Articles from CSV/JSONL exports are edited in the export instead.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from kb_index.articles import (
    ARTICLE_ID,
    FRONT_MATTER_FENCE,
    LANGUAGE_CODE,
    Article,
    KBValidationError,
    Problem,
    duplicate_problems,
    parse_article_text,
)
from kb_index.evaluation import LabelledQuery
from kb_index.sources import load_sources

SIGNAL_SLOT = "kb_signal"
QUESTION_SLOT = "kb_question"
HELPFUL_INTENT = "kb_helpful"
NOT_HELPFUL_INTENT = "kb_not_helpful"
FEEDBACK_ACTION = "action_kb_feedback"
ASK_HELPFUL_RESPONSE = "utter_kb_ask_helpful"

SignalKind = Literal["helpful", "not_helpful", "picked"]
SIGNAL_KINDS: tuple[SignalKind, ...] = ("helpful", "not_helpful", "picked")


def make_signal(kind: SignalKind, question: str, article_id: str, lang: str) -> dict[str, str]:
    """The slot value: which article, for which question, and what the shopper said of it."""
    return {"kind": kind, "question": " ".join(question.split()), "article_id": article_id, "lang": lang}


def read_signal(value: Any) -> dict[str, str] | None:
    """A signal as the desk receives it, or None for anything malformed (the slot is any-typed)."""
    if not isinstance(value, dict) or value.get("kind") not in SIGNAL_KINDS:
        return None
    fields = {key: value.get(key) for key in ("kind", "question", "article_id", "lang")}
    if not all(isinstance(v, str) and v.strip() for v in fields.values()):
        return None
    return fields


# --- writing articles --------------------------------------------------------------------------


def render_article(article: Article) -> str:
    """The Markdown file of ``article``, in the format data/kb/README.md describes."""
    header: dict[str, Any] = {"id": article.id, "lang": article.lang, "title": article.title, "url": article.url}
    if article.summary:
        header["summary"] = article.summary
    header["questions"] = list(article.questions)
    text = yaml.safe_dump(header, allow_unicode=True, sort_keys=False, width=10_000, indent=2)
    text = text.replace("\nquestions:\n- ", "\nquestions:\n  - ").replace("\n- ", "\n  - ")
    return f"{FRONT_MATTER_FENCE}\n{text}{FRONT_MATTER_FENCE}\n{article.answer.strip()}\n"


@dataclass(frozen=True)
class ArticleEdit:
    """What an editor submits for one article in one language."""

    id: str
    lang: str
    title: str
    url: str
    questions: tuple[str, ...]
    answer: str
    summary: str = ""


class KBSources:
    """The KB's source files as the CLI reads them (``kb.sources``), for editing from the desk.

    Every write is validated exactly as ``build`` validates (the article parsed from the
    text that will be written, then the whole KB for duplicates) before the file is
    replaced atomically, so a bad edit changes nothing on disk.
    """

    def __init__(self, paths: Sequence[Path]):
        self.paths = tuple(paths)

    def articles(self) -> list[Article]:
        return load_sources(self.paths)

    def find(self, article_id: str, lang: str) -> Article | None:
        return next((a for a in self.articles() if a.id == article_id and a.lang == lang), None)

    def markdown_root(self) -> Path:
        """Where new articles go: the first Markdown folder among the sources."""
        folder = next((path for path in self.paths if path.is_dir() or not path.suffix), None)
        if folder is None:
            raise KBValidationError([Problem(str(self.paths[0]), 0, "no Markdown folder among kb.sources to write to")])
        return folder

    def save(self, edit: ArticleEdit, *, new: bool = False) -> Article:
        """Write ``edit`` to its file (a new file with ``new``); raises KBValidationError and writes nothing on a problem."""
        problems = _edit_problems(edit)
        if problems:
            raise KBValidationError(problems)
        existing = self.articles()
        current = next((a for a in existing if a.id == edit.id and a.lang == edit.lang), None)
        if new and current is not None:
            message = f"an article '{edit.id}' ({edit.lang}) exists already"
            raise KBValidationError([Problem(current.source, current.line, message)])
        if not new and current is None:
            raise KBValidationError([Problem(edit.id, 0, f"no article '{edit.id}' in language '{edit.lang}'")])
        path = self.markdown_root() / edit.lang / f"{edit.id}.md" if current is None else Path(current.source)
        if current is not None and path.suffix != ".md":
            message = f"'{edit.id}' comes from the export {path.name}; edit it there and import again"
            raise KBValidationError([Problem(str(path), current.line, message)])
        draft = Article(edit.id, edit.lang, edit.title, edit.url, edit.questions, edit.answer, edit.summary)
        text = render_article(draft)
        article, problems = parse_article_text(text, source=str(path), folder_lang=path.parent.name, file_id=path.stem)
        if article is None:
            raise KBValidationError(problems)
        others = [a for a in existing if a is not current]
        problems = duplicate_problems([*others, article])
        if problems:
            raise KBValidationError(problems)
        _write_atomically(path, text)
        return article

    def add_question(self, article_id: str, lang: str, question: str) -> Article:
        """Add ``question`` to the article (a question it has already is not added twice)."""
        return self.add_questions(article_id, lang, [question])

    def add_questions(self, article_id: str, lang: str, questions: Iterable[str]) -> Article:
        """Add ``questions`` to the article in one validated write (those it has already are not added twice)."""
        article = self.find(article_id, lang)
        if article is None:
            raise KBValidationError([Problem(article_id, 0, f"no article '{article_id}' in language '{lang}' any more")])
        known = {q.casefold() for q in article.questions}
        added: list[str] = []
        for question in questions:
            question = " ".join(question.split())
            if question and question.casefold() not in known:
                known.add(question.casefold())
                added.append(question)
        if not added:
            return article
        edit = ArticleEdit(
            article.id, article.lang, article.title, article.url, (*article.questions, *added), article.answer, article.summary
        )
        return self.save(edit)


def _edit_problems(edit: ArticleEdit) -> list[Problem]:
    """What the file checks cannot name well from a form: the id and language that make up the file's path."""
    if not ARTICLE_ID.match(edit.id):
        return [Problem("id", 0, f"id '{edit.id}' must be lowercase letters, digits and hyphens")]
    if not LANGUAGE_CODE.match(edit.lang):
        return [Problem("lang", 0, f"lang '{edit.lang}' is not a two-letter ISO 639-1 code")]
    if any("\n" in q for q in edit.questions):
        return [Problem("questions", 0, "a question must fit on one line")]
    return []


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# --- labelled live traffic for calibration -------------------------------------------------------


def write_live_labels(path: Path, labels: Iterable[tuple[str, str, str]]) -> int:
    """Write (question, article id, language) labels in the calibration-question format; returns how many."""
    rows = [{"text": text, "article": article_id, "lang": lang} for text, article_id, lang in labels]
    header = "# Questions shoppers confirmed (a helpful answer, a picked suggestion), written by the desk at publish.\n"
    _write_atomically(path, header + yaml.safe_dump({"questions": rows}, allow_unicode=True, sort_keys=False))
    return len(rows)


def enough_per_language(queries: list[LabelledQuery], minimum: int) -> list[LabelledQuery]:
    """Only the languages with at least ``minimum`` labelled live questions: a handful says nothing about a threshold."""
    counts: dict[str | None, int] = {}
    for query in queries:
        counts[query.lang] = counts.get(query.lang, 0) + 1
    return [q for q in queries if counts[q.lang] >= minimum]
