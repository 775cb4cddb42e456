"""What the agent reads about the KB: article titles and how sure the bot was, and a search to insert answers.

The bot chose from the live index version (kb_index); its ``meta.json`` holds every
article's title, answer and url per language and the thresholds the bot decided with,
so the desk shows exactly what the bot used without loading the encoder. The search box
uses the index's own search (kb_index.service.LiveIndex), loaded on the first search.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kb_index.index import read_meta
from kb_index.service import LiveIndex
from kb_index.settings import KBSettings, Thresholds, load_kb_settings
from kb_index.store import IndexStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Candidate:
    article_id: str
    title: str
    url: str | None
    confidence: str  # the bot's confidence in words


def confidence_words(score: float | None, thresholds: Thresholds | None) -> str:
    """The score as the decision it meant; the raw number means nothing to an agent."""
    if score is None:
        return "—"
    if thresholds is None or thresholds.judge_on != "hybrid":  # the bot judged on another score than the one kept
        return "considered"
    if score >= thresholds.answer:
        return "high: sure enough to answer"
    if score >= thresholds.suggest:
        return "medium: offered as a choice"
    return "low: too unsure to offer"


def _pretty_slug(article_id: str) -> str:
    return article_id.replace("-", " ").capitalize()


class KBArticles:
    """The live index version's article titles and thresholds, re-read when another version goes live."""

    def __init__(self, config_path: Path | None):
        self._config_path = config_path
        self._store: IndexStore | None = None
        self._settings: KBSettings | None = None
        self._live: LiveIndex | None = None
        self._default: Thresholds | None = None
        self._version: str | None = None
        self._meta: dict[str, Any] = {}
        try:
            settings = load_kb_settings(config_path)
        except (KeyError, OSError, ValueError) as error:  # a desk without a kb: section shows ids
            log.warning("KB settings not readable (%s): article ids are shown instead of titles", type(error).__name__)
            return
        self._settings = settings
        self._store = IndexStore(settings.index_dir)
        self._default = settings.thresholds

    def _live_meta(self) -> dict[str, Any]:
        if self._store is None:
            return {}
        version = self._store.live_version()
        if version != self._version:
            live = self._store.live_dir()
            try:
                self._meta = read_meta(live) if live else {}
            except (OSError, ValueError) as error:
                log.warning("KB index metadata not readable: %s", type(error).__name__)
                self._meta = {}
            self._version = version
        return self._meta

    def thresholds(self, lang: str) -> Thresholds | None:
        calibrated = self._live_meta().get("thresholds")
        if not calibrated:
            return self._default
        return Thresholds.from_dict(calibrated.get("by_language", {}).get(lang) or calibrated)

    def article(self, article_id: str, lang: str) -> dict[str, str] | None:
        translations = self._live_meta().get("articles", {}).get(article_id, {}).get("lang", {})
        return translations.get(lang) or translations.get("en")

    def candidates(self, value: Any, lang: str) -> list[Candidate]:
        """The ``kb_candidates`` slot (``[{"article_id", "score"}]``, best first) as the agent reads it."""
        thresholds = self.thresholds(lang)
        rows = []
        for item in value if isinstance(value, list) else []:
            if not isinstance(item, dict):
                continue
            article_id = str(item.get("article_id") or item.get("id") or "")
            if not article_id:
                continue
            article = self.article(article_id, lang) or {}
            score = item.get("score")
            rows.append(
                Candidate(
                    article_id,
                    str(item.get("title") or article.get("title") or _pretty_slug(article_id)),
                    article.get("url") or None,
                    confidence_words(float(score) if isinstance(score, int | float) else None, thresholds),
                )
            )
        return rows

    def search(self, text: str, lang: str, k: int = 5) -> list[dict[str, str]]:
        """The KB's best articles for ``text`` with their answer and link in ``lang`` (blocking: run it in a thread).

        Raises FileNotFoundError when no index is published.
        """
        if self._settings is None:
            raise FileNotFoundError("the desk's settings have no kb: section")
        if self._live is None:
            self._live = LiveIndex(self._settings)
        index = self._live.get()
        found = []
        for hit in index.search(text, k=k):
            article = index.article(hit.article_id, lang)
            if article:
                found.append(
                    {"id": hit.article_id, "title": article["title"], "answer": article["answer"], "url": article["url"]}
                )
        return found
