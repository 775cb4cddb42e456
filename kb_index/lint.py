"""Editorial checks on the KB beyond validity: what makes the bot answer worse.

Errors (exit code 1): anything ``load_kb`` rejects, and links to KB articles
(``kb:<id>``) that do not exist. Warnings: an article missing in one of the
KB's languages (shoppers writing it get another language's answer, or none),
too few questions in a language, and near-duplicate questions that belong to
different articles (the index cannot tell those apart, so one of them will be
answered wrongly).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from kb_index.articles import Article, Problem
from kb_index.encoders import Encoder

INTERNAL_LINK = re.compile(r"\]\(kb:([^)\s]+)\)")
MIN_QUESTIONS = 6
NEAR_DUPLICATE = 0.9


@dataclass(frozen=True)
class NearDuplicate:
    similarity: float
    first: tuple[str, str]  # (article id, question)
    second: tuple[str, str]


@dataclass(frozen=True)
class LintReport:
    errors: list[Problem]
    warnings: list[Problem]
    near_duplicates: list[NearDuplicate]


def lint(articles: list[Article], encoder: Encoder | None, threshold: float = NEAR_DUPLICATE) -> LintReport:
    ids = {a.id for a in articles}
    errors, warnings = [], []
    for article in articles:
        for target in INTERNAL_LINK.findall(article.answer):
            if target not in ids:
                errors.append(Problem(article.source, 0, f"link to kb:{target}, but there is no article '{target}'"))
        count = len(set(article.questions))
        if count < MIN_QUESTIONS:
            warnings.append(Problem(article.source, 0, f"only {count} questions in '{article.lang}' (want {MIN_QUESTIONS}+)"))
    warnings += missing_translations(articles)
    duplicates = near_duplicates(articles, encoder, threshold) if encoder else []
    for pair in duplicates:
        warnings.append(
            Problem(
                "", 0,
                f"near-duplicate questions ({pair.similarity:.2f}) in different articles: "
                f"{pair.first[0]}: {pair.first[1]!r} / {pair.second[0]}: {pair.second[1]!r}",
            )
        )
    return LintReport(errors, warnings, duplicates)


def missing_translations(articles: list[Article]) -> list[Problem]:
    """One warning per article that lacks a language the rest of the KB has."""
    languages = sorted({a.lang for a in articles})
    versions: dict[str, dict[str, Article]] = {}
    for article in articles:
        versions.setdefault(article.id, {})[article.lang] = article
    problems = []
    for article_id, by_lang in sorted(versions.items()):
        missing = [lang for lang in languages if lang not in by_lang]
        if missing:
            some = next(iter(by_lang.values()))
            message = f"article '{article_id}' has no {', '.join(missing)} version (the KB has {', '.join(languages)})"
            problems.append(Problem(some.source, 0, message))
    return problems


def near_duplicates(articles: list[Article], encoder: Encoder, threshold: float) -> list[NearDuplicate]:
    owners = [(a.id, q) for a in articles for q in a.questions]
    if len(owners) < 2:
        return []
    vectors = encoder.encode([q for _, q in owners], kind="query")
    similarity = vectors @ vectors.T
    article_of = np.array([owner for owner, _ in owners])
    different = article_of[:, None] != article_of[None, :]
    rows, cols = np.where(np.triu((similarity >= threshold) & different, k=1))
    pairs = [NearDuplicate(float(similarity[i, j]), owners[i], owners[j]) for i, j in zip(rows, cols, strict=True)]
    return sorted(pairs, key=lambda p: p.similarity, reverse=True)
