"""The KB as the desk's editors change it: the CLI's sources, builds and versions, without files or git.

Everything here is blocking (file and index work); the views call it in a thread. One
lock serialises the desk's builds, and the index store's own lock serialises them with
the CLI's and the publish server's.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from kb_index.articles import Article
from kb_index.feedback import ArticleEdit, KBSources, write_live_labels
from kb_index.index import KBIndex
from kb_index.policy import decide
from kb_index.push import push_reload
from kb_index.service import build, open_index
from kb_index.settings import KBSettings
from kb_index.store import IndexStore


@dataclass(frozen=True)
class Answer:
    """What one index would do with a question: the decision and the articles behind it."""

    version: str
    outcome: str
    articles: list[dict[str, Any]]  # article_id, title, score, best first


class KBEditor:
    def __init__(self, settings: KBSettings):
        self.settings = settings
        self.sources = KBSources(settings.source_paths)
        self.store = IndexStore(settings.index_dir)
        self._building = threading.Lock()
        self._candidate: str | None = None  # the unpublished version built from the sources, if any

    def articles(self) -> list[Article]:
        return self.sources.articles()

    def by_language(self) -> dict[str, list[Article]]:
        grouped: dict[str, list[Article]] = {}
        for article in sorted(self.articles(), key=lambda a: (a.lang, a.id)):
            grouped.setdefault(article.lang, []).append(article)
        return grouped

    def save(self, edit: ArticleEdit, *, new: bool = False) -> Article:
        saved = self.sources.save(edit, new=new)
        self._candidate = None
        return saved

    def add_question(self, article_id: str, lang: str, question: str) -> Article:
        return self.add_questions(article_id, lang, [question])

    def add_questions(self, article_id: str, lang: str, questions: list[str]) -> Article:
        saved = self.sources.add_questions(article_id, lang, questions)
        self._candidate = None
        return saved

    def live_version(self) -> str | None:
        return self.store.live_version()

    def candidate_version(self) -> str:
        """A version built from the sources as they are now, not published (the live one when nothing changed)."""
        with self._building:
            if self._candidate is None or self._candidate not in self.store.versions():
                self._candidate = build(self.settings, publish=False).version
            return self._candidate

    def preview(self, question: str, lang: str) -> dict[str, Answer | None]:
        """What the live index and the candidate index would answer."""
        live = self.live_version()
        return {
            "live": self._answer(open_index(self.settings, live), question, lang) if live else None,
            "candidate": self._answer(open_index(self.settings, self.candidate_version()), question, lang),
        }

    def _answer(self, index: KBIndex, question: str, lang: str) -> Answer:
        hits = index.search(question, k=self.settings.max_suggestions)
        decision = decide(hits, index.thresholds(self.settings.thresholds, lang), self.settings.max_suggestions)
        shown = decision.hits or tuple(hits[:1])
        rows = []
        for hit in shown:
            article = index.article(hit.article_id, lang) or {}
            title = article.get("title", hit.article_id)
            rows.append({"article_id": hit.article_id, "title": title, "score": round(hit.score, 3)})
        return Answer(index.version, decision.outcome, rows)

    def publish(self, labels: list[tuple[str, str, str]]) -> tuple[str, str | None]:
        """Build from the sources (with the shoppers' confirmed questions for calibration) and make it live."""
        if self.settings.live_labels is not None:
            write_live_labels(self.settings.live_labels, labels)
        previous = self.live_version()
        with self._building:
            version = build(self.settings, publish=True).version
            self._candidate = None
        push_reload(self.settings, version)  # the action servers serve it when the editor sees "published"
        return version, previous

    def rollback_to(self, version: str) -> None:
        with self.store.writer_lock():
            self.store.publish(version)
        push_reload(self.settings, version)

    def versions(self) -> list[str]:
        return self.store.versions()

