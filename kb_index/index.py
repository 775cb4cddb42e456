"""The index of one KB version: building it and searching it.

Each article contributes one entry per question plus one passage (title and
answer), so a shopper's wording can match either how people ask or what the
article says. An article's score is hybrid:

    mean of its ``top_entries`` best entry similarities  (dense, the main signal)
  + ``lexical_weight`` x TF-IDF cosine with the article   (rare decisive words)

Averaging a few entries instead of taking the single best rewards an article
that several of its questions agree on; one lucky near-duplicate question no
longer wins alone. Both choices were measured (README, "How answers are chosen").
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from kb_index.articles import Article, kb_fingerprint
from kb_index.encoders import Encoder
from kb_index.lexical import LexicalScorer
from kb_index.settings import Thresholds

INDEX_FILE = "index.faiss"
LEXICAL_FILE = "lexical.json"
VECTORS_FILE = "vectors.npy"
ENTRIES_FILE = "entries.jsonl"
META_FILE = "meta.json"
FORMAT_VERSION = 2
# Entries fetched per query: enough for every candidate article to bring its
# best few entries, so the top-entries mean is exact for the articles that matter.
MIN_FETCH = 256


@dataclass(frozen=True)
class Entry:
    article_id: str
    lang: str
    kind: str  # "question" or "passage"
    text: str
    article_hash: str


@dataclass(frozen=True)
class Hit:
    """An article found for a query, with its best entry's score."""

    article_id: str
    score: float
    matched: str


def entries_for(article: Article) -> list[Entry]:
    digest = article.content_hash()
    entries = [Entry(article.id, article.lang, "question", q, digest) for q in article.questions]
    entries.append(Entry(article.id, article.lang, "passage", f"{article.title}\n{article.answer}", digest))
    return entries


def build_index(
    articles: list[Article],
    encoder: Encoder,
    encoder_settings: dict[str, Any],
    scoring: dict[str, Any],
    out_dir: Path,
    reuse_from: KBIndex | None = None,
    progress: Any = None,
) -> dict[str, int]:
    """Embed ``articles`` into ``out_dir``; vectors of unchanged articles are copied from ``reuse_from``.

    Returns counts of embedded and reused entries.
    """
    entries = [entry for article in articles for entry in entries_for(article)]
    reusable: dict[tuple[str, str, str], np.ndarray] = {}
    if reuse_from is not None and reuse_from.encoder_name == encoder.name:
        for entry, vector in zip(reuse_from.entries, reuse_from.vectors, strict=True):
            reusable[(entry.article_hash, entry.kind, entry.text)] = vector

    vectors = np.zeros((len(entries), encoder.dimension), dtype=np.float32)
    to_embed = []
    for i, entry in enumerate(entries):
        known = reusable.get((entry.article_hash, entry.kind, entry.text))
        if known is None:
            to_embed.append(i)
        else:
            vectors[i] = known
    batch = 64
    for start in range(0, len(to_embed), batch):
        chunk = to_embed[start : start + batch]
        kinds = {entries[i].kind for i in chunk}
        for kind in kinds:
            rows = [i for i in chunk if entries[i].kind == kind]
            vectors[rows] = encoder.encode([entries[i].text for i in rows], kind="query" if kind == "question" else "passage")
        if progress is not None:
            progress.update(len(chunk))

    out_dir.mkdir(parents=True, exist_ok=True)
    index = faiss.IndexFlatIP(encoder.dimension)
    index.add(vectors)
    faiss.write_index(index, str(out_dir / INDEX_FILE))
    np.save(out_dir / VECTORS_FILE, vectors)
    documents: dict[str, list[str]] = {}
    for a in articles:
        documents.setdefault(a.id, []).extend([*a.questions, a.title, a.answer])
    lexical = LexicalScorer.fit({article_id: " ".join(texts) for article_id, texts in documents.items()})
    (out_dir / LEXICAL_FILE).write_text(json.dumps(lexical.to_dict(), ensure_ascii=False), encoding="utf-8")
    with open(out_dir / ENTRIES_FILE, "w", encoding="utf-8") as handle:
        for entry in entries:
            handle.write(json.dumps(asdict(entry), ensure_ascii=False) + "\n")
    meta = {
        "format": FORMAT_VERSION,
        "encoder": encoder.name,
        "encoder_settings": encoder_settings,
        "scoring": scoring,
        "kb_fingerprint": kb_fingerprint(articles),
        "articles": {},
    }
    # The answers travel with the index, so a published version is self-contained.
    for a in articles:
        meta["articles"].setdefault(a.id, {"lang": {}})["lang"][a.lang] = {"title": a.title, "answer": a.answer, "url": a.url}
    (out_dir / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    return {"embedded": len(to_embed), "reused": len(entries) - len(to_embed)}


class KBIndex:
    """A loaded index version, ready to search."""

    def __init__(self, directory: Path, encoder: Encoder):
        self.directory = directory
        self.meta: dict[str, Any] = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
        if self.meta.get("format") != FORMAT_VERSION:
            raise ValueError(f"{directory}: index format {self.meta.get('format')} is not {FORMAT_VERSION}; rebuild with --full")
        self.encoder = encoder
        self.encoder_name: str = self.meta["encoder"]
        with open(directory / ENTRIES_FILE, encoding="utf-8") as handle:
            self.entries = [Entry(**json.loads(line)) for line in handle]
        self.vectors = np.load(directory / VECTORS_FILE)
        self._faiss = faiss.read_index(str(directory / INDEX_FILE))
        self._lexical = LexicalScorer.from_dict(json.loads((directory / LEXICAL_FILE).read_text(encoding="utf-8")))
        self._top_entries = int(self.meta["scoring"]["top_entries"])
        self._lexical_weight = float(self.meta["scoring"]["lexical_weight"])

    @property
    def version(self) -> str:
        return self.directory.name

    def thresholds(self, default: Thresholds) -> Thresholds:
        """Thresholds calibrated for this version if it carries them, else the configured ones."""
        calibrated = self.meta.get("thresholds")
        return Thresholds.from_dict(calibrated) if calibrated else default

    def article(self, article_id: str, lang: str = "en") -> dict[str, str] | None:
        """Title, answer and url of an article in ``lang`` (English if not translated)."""
        translations = self.meta["articles"].get(article_id, {}).get("lang", {})
        return translations.get(lang) or translations.get("en")

    def search(self, text: str, k: int = 3) -> list[Hit]:
        """The ``k`` best articles for ``text``, best first."""
        if not text.strip() or not self.entries:
            return []
        return self.search_many([text], k)[0]

    def search_many(self, texts: list[str], k: int) -> list[list[Hit]]:
        """Search several queries at once (evaluation encodes in batches)."""
        queries = self.encoder.encode(texts, kind="query")
        fetch = min(len(self.entries), max(MIN_FETCH, k * self._top_entries * 8))
        scores, ids = self._faiss.search(np.ascontiguousarray(queries, dtype=np.float32), fetch)
        lexical = self._lexical.scores(texts) if self._lexical_weight else None
        results = []
        for row, (row_scores, row_ids) in enumerate(zip(scores, ids, strict=True)):
            per_article: dict[str, list[float]] = {}
            matched: dict[str, str] = {}
            for score, idx in zip(row_scores, row_ids, strict=True):
                if idx < 0:
                    continue
                entry = self.entries[idx]
                per_article.setdefault(entry.article_id, []).append(float(score))
                matched.setdefault(entry.article_id, entry.text)
            # An article with fewer fetched entries than top_entries gets the
            # lowest fetched score for the missing ones: its true scores are no higher.
            floor = float(row_scores[row_ids >= 0].min()) if (row_ids >= 0).any() else 0.0
            hits = []
            for article_id, values in per_article.items():
                best = (values + [floor] * self._top_entries)[: self._top_entries]
                score = sum(best) / len(best)
                if lexical is not None:
                    score += self._lexical_weight * float(lexical[row, self._lexical.column(article_id)])
                hits.append(Hit(article_id, score, matched[article_id]))
            results.append(sorted(hits, key=lambda h: h.score, reverse=True)[:k])
        return results
