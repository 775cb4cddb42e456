"""Where articles come from: Markdown folders and FAQ exports (CSV, JSONL), listed in ``kb.sources``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from kb_index.articles import Article, KBValidationError, Problem, duplicate_problems, read_markdown_folder
from kb_index.tabular import TABLE_SUFFIXES, read_table


def load_sources(paths: Sequence[Path]) -> list[Article]:
    """Load and validate every source; raise KBValidationError listing every problem of every source.

    An id may appear in one source only (per language): the same article in a
    folder and in an export would make the answer depend on which one wins.
    """
    articles: list[Article] = []
    problems: list[Problem] = []
    for path in paths:
        found, source_problems = _read_source(path)
        articles.extend(found)
        problems.extend(source_problems)
    problems.extend(duplicate_problems(articles))
    if problems:
        raise KBValidationError(problems)
    return articles


def _read_source(path: Path) -> tuple[list[Article], list[Problem]]:
    if path.is_dir():
        return read_markdown_folder(path)
    if not path.exists():
        return [], [Problem(str(path), 0, "source not found (folders of Markdown articles, .csv and .jsonl files)")]
    if path.suffix.lower() in TABLE_SUFFIXES:
        return read_table(path)
    return [], [Problem(str(path), 0, f"unsupported source type '{path.suffix}' (use a folder, .csv or .jsonl)")]
