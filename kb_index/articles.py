"""Knowledge-base articles: loading and validating the files editors write.

One file per article per language, ``<kb>/<lang>/<id>.md``: a YAML front matter
(id, lang, title, url, questions, optional summary) followed by the answer in
Markdown. A long help-centre article sets ``summary:``, the short answer the bot
replies with; its body is then only searched (split into passages). Every
problem is reported with its file and line so an editor can fix it directly;
loading collects all problems before failing, so one run shows them all.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import yaml

# libyaml's parser is about 10x faster than the pure-Python one: a publish re-reads every article.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

ARTICLE_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")
FRONT_MATTER_FENCE = "---"


@dataclass(frozen=True)
class Article:
    """One article in one language."""

    id: str
    lang: str
    title: str
    url: str
    questions: tuple[str, ...]
    answer: str
    summary: str = ""
    source: str = field(default="", compare=False)
    line: int = field(default=1, compare=False)  # where the article's id is, for messages about the whole article

    @property
    def reply(self) -> str:
        """What the bot says: the summary of a long article, else the whole answer."""
        return self.summary or self.answer

    @cached_property
    def fingerprint(self) -> str:
        """A stable fingerprint of everything that ends up in the index."""
        payload = {"id": self.id, "lang": self.lang, "title": self.title, "url": self.url,
                   "questions": list(self.questions), "answer": self.answer}
        if self.summary:  # articles without one keep the hash (and embeddings) they had before summaries existed
            payload["summary"] = self.summary
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Problem:
    """A validation finding, pointing at the place to fix."""

    source: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}"


class KBValidationError(Exception):
    """Raised when the KB has errors; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def load_kb(kb_dir: Path) -> list[Article]:
    """Load and validate every article under ``kb_dir``; raise KBValidationError on any error."""
    articles, problems = read_markdown_folder(kb_dir)
    problems.extend(duplicate_problems(articles))
    if problems:
        raise KBValidationError(problems)
    return articles


def read_markdown_folder(kb_dir: Path) -> tuple[list[Article], list[Problem]]:
    """Every ``<lang>/<id>.md`` under ``kb_dir``: the valid articles and the problems of the others."""
    articles: list[Article] = []
    problems: list[Problem] = []
    files = sorted(kb_dir.glob("*/*.md"))
    if not files:
        return [], [Problem(str(kb_dir), 0, "no articles found (expected <lang>/<id>.md files)")]
    for path in files:
        article, file_problems = parse_article_file(path)
        problems.extend(file_problems)
        if article is not None:
            articles.append(article)
    return articles, problems


def parse_article_file(path: Path) -> tuple[Article | None, list[Problem]]:
    """Parse one article file, returning the article (if usable) and its problems."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [Problem(source, 1, f"not valid UTF-8 ({exc.reason} at byte {exc.start})")]
    article, problems = _parse_unchanged_text(text, source, path.parent.name, path.stem)
    return article, list(problems)


# A publish re-reads every file; parsing their YAML headers was most of the reading (0.7 s of a
# one-article publish in a 1,000-article KB, bench/kb_publish.py). Keyed on the text itself, so an
# edited file is parsed again and nothing can be stale; articles are immutable, so sharing them is safe.
@lru_cache(maxsize=20_000)  # bounded: every edit adds a text; a 20,000-article KB still fits
def _parse_unchanged_text(text: str, source: str, folder_lang: str, file_id: str) -> tuple[Article | None, tuple[Problem, ...]]:
    article, problems = parse_article_text(text, source=source, folder_lang=folder_lang, file_id=file_id)
    return article, tuple(problems)


def parse_article_text(
    text: str, *, source: str, folder_lang: str | None = None, file_id: str | None = None
) -> tuple[Article | None, list[Problem]]:
    """Parse article text (front matter + Markdown answer)."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != FRONT_MATTER_FENCE:
        return None, [Problem(source, 1, "must start with a '---' line opening the YAML header")]
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == FRONT_MATTER_FENCE)
    except StopIteration:
        return None, [Problem(source, 1, "YAML header is not closed by a '---' line")]

    header_text = "\n".join(lines[1:end])
    try:
        header = yaml.load(header_text, Loader=YAML_LOADER) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        # +2: the header starts on the file's second line, and marks are 0-based.
        line = mark.line + 2 if mark is not None else 1
        reason = getattr(exc, "problem", None) or str(exc)
        return None, [Problem(source, line, f"YAML error in header: {reason}")]
    if not isinstance(header, dict):
        return None, [Problem(source, 2, "YAML header must be a mapping of fields")]

    def line_of(key: str) -> int:
        pattern = re.compile(rf"^{re.escape(key)}\s*:")
        return next((i + 1 for i, line in enumerate(lines[:end]) if pattern.match(line)), 1)

    problems: list[Problem] = []
    for key in ("id", "lang", "title", "url"):
        value = header.get(key)
        if not isinstance(value, str) or not value.strip():
            problems.append(Problem(source, line_of(key) if key in header else 1, f"'{key}' is missing or empty"))
    article_id = str(header.get("id") or "").strip()
    lang = str(header.get("lang") or "").strip()
    if article_id and not ARTICLE_ID.match(article_id):
        problems.append(Problem(source, line_of("id"), f"id '{article_id}' must be lowercase letters, digits and hyphens"))
    if file_id is not None and article_id and article_id != file_id:
        problems.append(Problem(source, line_of("id"), f"id '{article_id}' does not match the file name '{file_id}.md'"))
    if lang and not LANGUAGE_CODE.match(lang):
        problems.append(Problem(source, line_of("lang"), f"lang '{lang}' is not a two-letter ISO 639-1 code"))
    elif folder_lang is not None and lang and lang != folder_lang:
        problems.append(Problem(source, line_of("lang"), f"lang '{lang}' does not match its folder '{folder_lang}/'"))

    raw_questions = header.get("questions")
    questions: list[str] = []
    if not isinstance(raw_questions, list) or not raw_questions:
        line = line_of("questions") if "questions" in header else 1
        problems.append(Problem(source, line, "'questions' must be a non-empty list"))
    else:
        for q in raw_questions:
            if not isinstance(q, str) or not q.strip():
                problems.append(Problem(source, line_of("questions"), f"question {q!r} is not a non-empty text"))
            else:
                questions.append(" ".join(q.split()))

    answer = "\n".join(lines[end + 1 :]).strip()
    if not answer:
        problems.append(Problem(source, end + 2, "the answer (text after the header) is empty"))
    summary = header.get("summary", "")
    if not isinstance(summary, str) or ("summary" in header and not summary.strip()):
        problems.append(Problem(source, line_of("summary"), "'summary' must be a non-empty text (or left out)"))

    if problems:
        return None, problems
    article = Article(
        id=article_id,
        lang=lang,
        title=header["title"].strip(),
        url=header["url"].strip(),
        questions=tuple(questions),
        answer=answer,
        summary=" ".join(summary.split()) if isinstance(summary, str) else "",
        source=source,
        line=line_of("id"),
    )
    return article, []


def duplicate_problems(articles: list[Article]) -> list[Problem]:
    """The same id in the same language twice, wherever the two come from."""
    problems = []
    seen: dict[tuple[str, str], Article] = {}
    for article in articles:
        key = (article.id, article.lang)
        if key in seen:
            first = seen[key]
            message = f"duplicate id '{article.id}' ({article.lang}), also in {first.source}:{first.line}"
            problems.append(Problem(article.source, article.line, message))
        else:
            seen[key] = article
    return problems


def kb_fingerprint(articles: list[Article]) -> str:
    """Fingerprint of a whole KB: changes iff any indexed content changes."""
    digest = hashlib.sha256()
    for h in sorted(a.fingerprint for a in articles):
        digest.update(h.encode())
    return digest.hexdigest()
