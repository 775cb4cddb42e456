"""The index of one KB version: building it and searching it.

Each article contributes one entry per question plus its passages (title and
answer; a long answer is split, see passages.py), so a shopper's wording can
match either how people ask or what the article says. An article's score is
hybrid, computed per language version and the best language kept:

    mean of its ``top_entries`` best entry similarities  (dense, the main signal)
  + ``lexical_weight`` x TF-IDF cosine with the article   (rare decisive words)

Averaging a few entries instead of taking the single best rewards an article
that several of its questions agree on; one lucky near-duplicate question no
longer wins alone. Both choices were measured (README, "How answers are chosen").
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from kb_index.ann import build_search_index, configure_loaded
from kb_index.articles import Article, kb_fingerprint
from kb_index.encoders import Encoder
from kb_index.hits import Entry, Hit
from kb_index.judge import NEIGHBOURS, Judge
from kb_index.lexical import LexicalScorer
from kb_index.passages import split_passages
from kb_index.settings import Thresholds
from monitoring.metrics import ENCODER_SECONDS

INDEX_FILE = "index.faiss"
LEXICAL_FILE = "lexical.json"
VECTORS_FILE = "vectors.npy"
ENTRIES_FILE = "entries.jsonl"
META_FILE = "meta.json"
QUERY_VECTORS_FILE = "query_vectors.npy"  # the calibration questions' vectors, reused by the next build
QUERY_TEXTS_FILE = "query_texts.json"
FORMAT_VERSION = 4  # 3: lexical documents per article and language; 4: folded terms, pl/ru stop words
# Entries fetched per query: enough for every candidate article to bring its
# best few entries, so the top-entries mean is exact for the articles that matter.
MIN_FETCH = 256
# An approximate index fetches fewer: its far neighbours are unreliable anyway, and
# each one costs graph hops; the best few articles' entries are all near the top.
APPROXIMATE_FETCH = 64
BATCH_FOR_THREADS = 32
ALL_THREADS = faiss.omp_get_max_threads()


def entries_for(article: Article) -> list[Entry]:
    """The texts an article is found by: its questions, and its answer as one or more passages."""
    digest = article.fingerprint
    entries = [Entry(article.id, article.lang, "question", q, digest) for q in article.questions]
    passages = split_passages(article.answer)
    if article.summary and len(passages) > 1:
        passages.insert(0, article.summary)
    entries += [Entry(article.id, article.lang, "passage", f"{article.title}\n{p}", digest) for p in passages]
    return entries


def fetch_size(entry_count: int, k: int, top_entries: int, floor: int = MIN_FETCH) -> int:
    """Entries fetched per query: enough for every candidate article to bring its best few entries."""
    return min(entry_count, max(floor, k * top_entries * 8))


def lexical_key(article_id: str, lang: str) -> str:
    """One lexical document per article *and language* ("@" never occurs in an id).

    Pooling translations into one document diluted the words a shopper typed
    in one language with the other languages' words: with Polish and Russian
    added, English questions lost their lexical match (measured on tests/data).
    """
    return f"{article_id}@{lang}"


def lexical_documents(articles: list[Article]) -> dict[str, str]:
    documents: dict[str, list[str]] = {}
    for a in articles:
        documents.setdefault(lexical_key(a.id, a.lang), []).extend([*a.questions, a.title, a.summary, a.answer])
    return {key: " ".join(texts) for key, texts in documents.items()}


def embed_entries(
    entries: list[Entry], encoder: Encoder, reuse_from: KBIndex | None = None, progress: Any = None
) -> tuple[np.ndarray, int]:
    """Vectors of ``entries``, copying those of unchanged articles from ``reuse_from``; returns (vectors, embedded count)."""
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
        for kind in {entries[i].kind for i in chunk}:
            rows = [i for i in chunk if entries[i].kind == kind]
            vectors[rows] = encoder.encode([entries[i].text for i in rows], kind="query" if kind == "question" else "passage")
        if progress is not None:
            progress.update(len(chunk))
    return vectors, len(to_embed)


def build_index(
    articles: list[Article],
    encoder: Encoder,
    encoder_settings: dict[str, Any],
    scoring: dict[str, Any],
    out_dir: Path,
    reuse_from: KBIndex | None = None,
    progress: Any = None,
    exact_search_max: int = 20_000,
) -> dict[str, int]:
    """Embed ``articles`` into ``out_dir``; vectors of unchanged articles are copied from ``reuse_from``.

    Returns counts of embedded and reused entries.
    """
    entries = [entry for article in articles for entry in entries_for(article)]
    vectors, embedded = embed_entries(entries, encoder, reuse_from, progress)
    out_dir.mkdir(parents=True, exist_ok=True)
    approximate_fetch = fetch_size(len(entries), 3, int(scoring["top_entries"]), floor=APPROXIMATE_FETCH)
    index, search_info = build_search_index(vectors, exact_search_max, approximate_fetch)
    faiss.write_index(index, str(out_dir / INDEX_FILE))
    np.save(out_dir / VECTORS_FILE, vectors)
    lexical = LexicalScorer.fit(lexical_documents(articles))
    (out_dir / LEXICAL_FILE).write_text(json.dumps(lexical.to_dict(), ensure_ascii=False), encoding="utf-8")
    with open(out_dir / ENTRIES_FILE, "w", encoding="utf-8") as handle:
        for entry in entries:
            handle.write(json.dumps(vars(entry), ensure_ascii=False) + "\n")  # flat fields: asdict's deep copy cost seconds
    meta = {
        "format": FORMAT_VERSION,
        "encoder": encoder.name,
        "encoder_settings": encoder_settings,
        "scoring": scoring,
        "search": search_info,
        "kb_fingerprint": kb_fingerprint(articles),
        "articles": {},
    }
    # The answers travel with the index, so a published version is self-contained.
    for a in articles:
        meta["articles"].setdefault(a.id, {"lang": {}})["lang"][a.lang] = {"title": a.title, "answer": a.reply, "url": a.url}
    write_meta(out_dir, meta)
    return {"embedded": embedded, "reused": len(entries) - embedded}


def read_meta(directory: Path) -> dict[str, Any]:
    return json.loads((directory / META_FILE).read_text(encoding="utf-8"))


def write_meta(directory: Path, meta: dict[str, Any]) -> None:
    temporary = directory / f".{META_FILE}.tmp"
    temporary.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(temporary, directory / META_FILE)


def write_query_vectors(directory: Path, texts: list[str], vectors: np.ndarray) -> None:
    np.save(directory / QUERY_VECTORS_FILE, vectors)
    (directory / QUERY_TEXTS_FILE).write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")


def read_query_vectors(directory: Path) -> dict[str, np.ndarray]:
    """Query vectors stored with a version (text -> vector); empty when there are none."""
    if not (directory / QUERY_VECTORS_FILE).exists() or not (directory / QUERY_TEXTS_FILE).exists():
        return {}
    texts = json.loads((directory / QUERY_TEXTS_FILE).read_text(encoding="utf-8"))
    return dict(zip(texts, np.load(directory / QUERY_VECTORS_FILE), strict=True))


class Searcher:
    """Scores articles for query vectors: the hybrid score over one set of entries.

    Separate from KBIndex so calibration can score folds of the KB in memory,
    with exactly the scoring the bot uses, without writing index versions.
    """

    def __init__(
        self,
        entries: list[Entry],
        index: faiss.Index,
        lexical: LexicalScorer,
        scoring: dict[str, Any],
        fetch_floor: int = MIN_FETCH,
    ):
        self.entries = entries
        self._fetch_floor = fetch_floor
        self._faiss = index
        self._lexical = lexical
        self._top_entries = int(scoring["top_entries"])
        self._lexical_weight = float(scoring["lexical_weight"])
        self._lexical_column = {key: column for column, key in enumerate(lexical.article_ids)}

    @classmethod
    def in_memory(cls, entries: list[Entry], vectors: np.ndarray, documents: dict[str, str], scoring: dict[str, Any]) -> Searcher:
        flat = faiss.IndexFlatIP(vectors.shape[1])
        flat.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(entries, flat, LexicalScorer.fit(documents), scoring)

    def search_vectors(self, queries: np.ndarray, texts: list[str], k: int) -> list[list[Hit]]:
        """The ``k`` best articles for each query (its vector and its text), best first."""
        if not self.entries:
            return [[] for _ in texts]
        fetch = fetch_size(len(self.entries), k, self._top_entries, self._fetch_floor)
        # A shopper's single question is fastest on one thread: waking OpenMP's
        # thread team cost ~10 ms per search on 2 cores, the search itself < 1 ms.
        faiss.omp_set_num_threads(1 if len(queries) < BATCH_FOR_THREADS else ALL_THREADS)
        scores, ids = self._faiss.search(np.ascontiguousarray(queries, dtype=np.float32), fetch)
        lexical = self._lexical.scores(texts) if self._lexical_weight else None
        results = []
        for row, (row_scores, row_ids) in enumerate(zip(scores, ids, strict=True)):
            # Scored per article *and language*, then the article keeps its best language:
            # a shopper writes in one language, and pooling translations mixed in entries
            # the question cannot match (measured on tests/data once pl/ru existed).
            per_version: dict[str, list[float]] = {}
            matched: dict[str, str] = {}
            for score, idx in zip(row_scores, row_ids, strict=True):
                if idx < 0:
                    continue
                entry = self.entries[idx]
                key = lexical_key(entry.article_id, entry.lang)
                per_version.setdefault(key, []).append(float(score))
                matched.setdefault(key, entry.text)
            # A version with fewer fetched entries than top_entries gets the
            # lowest fetched score for the missing ones: its true scores are no higher.
            floor = float(row_scores[row_ids >= 0].min()) if (row_ids >= 0).any() else 0.0
            best_hits: dict[str, Hit] = {}
            for key, values in per_version.items():
                best = (values + [floor] * self._top_entries)[: self._top_entries]
                dense = score = sum(best) / len(best)
                if lexical is not None and key in self._lexical_column:
                    score += self._lexical_weight * float(lexical[row, self._lexical_column[key]])
                article_id, lang = key.split("@")
                if article_id not in best_hits or score > best_hits[article_id].score:
                    best_hits[article_id] = Hit(article_id, score, matched[key], dense, lang=lang)
            hits = list(best_hits.values())
            results.append(sorted(hits, key=lambda h: h.score, reverse=True)[:k])
        return results


class KBIndex:
    """A loaded index version, ready to search."""

    def __init__(self, directory: Path, encoder: Encoder, second_encoder: Encoder | None = None):
        """``second_encoder``: the judge's second encoder (meta ``judge_encoder_settings``), when it has one."""
        self.directory = directory
        self.meta: dict[str, Any] = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
        if self.meta.get("format") != FORMAT_VERSION:
            raise ValueError(f"{directory}: index format {self.meta.get('format')} is not {FORMAT_VERSION}; rebuild with --full")
        self.encoder = encoder
        self.encoder_name: str = self.meta["encoder"]
        with open(directory / ENTRIES_FILE, encoding="utf-8") as handle:
            self.entries = [Entry(**json.loads(line)) for line in handle]
        self.vectors = np.load(directory / VECTORS_FILE)
        index = faiss.read_index(str(directory / INDEX_FILE))
        configure_loaded(index, self.meta.get("search", {}))
        lexical = LexicalScorer.from_dict(json.loads((directory / LEXICAL_FILE).read_text(encoding="utf-8")))
        search = self.meta.get("search", {})
        floor = APPROXIMATE_FETCH if search.get("type", "flat") != "flat" else MIN_FETCH
        self.searcher = Searcher(self.entries, index, lexical, self.meta["scoring"], floor)
        self.judge = Judge.load(directory)
        self.second_encoder = second_encoder
        if self.judge is not None and self.judge.second is not None and second_encoder is None:
            raise ValueError(f"{directory}: its judge votes with a second encoder; open it with that encoder")

    @property
    def version(self) -> str:
        return self.directory.name

    def thresholds(self, default: Thresholds, lang: str | None = None) -> Thresholds:
        """Thresholds calibrated for this version (for ``lang`` if it has its own), else the configured ones.

        Scores are not comparable across languages: the same encoder puts a
        Polish question nearer to every article than an English one (measured,
        bench/kb_languages.py), so one bound cannot serve all three.
        """
        calibrated = self.meta.get("thresholds")
        if not calibrated:
            return default
        return Thresholds.from_dict(calibrated.get("by_language", {}).get(lang) or calibrated)

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
        if not texts:
            return []
        return self.search_vectors(self.encode_queries(texts), texts, k)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """The queries' vectors; the time it takes is the encoder time in the metrics (monitoring/metrics.py)."""
        with ENCODER_SECONDS.time():
            return self.encoder.encode(texts, kind="query")

    def search_vectors(self, vectors: np.ndarray, texts: list[str], k: int) -> list[list[Hit]]:
        """Search already encoded queries: the neighbours' scores, judged when the version has a judge."""
        if self.judge is None:
            return self.searcher.search_vectors(vectors, texts, k)
        second = None
        if self.judge.second is not None and self.second_encoder is not None:
            with ENCODER_SECONDS.time():
                second = self.second_encoder.encode(texts, kind="query")
        return self.judge.rerank(vectors, texts, self.searcher.search_vectors(vectors, texts, max(k, NEIGHBOURS)), k, second)
