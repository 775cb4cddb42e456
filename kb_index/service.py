"""What the CLI and the action server do with an index: build, publish, open, follow live."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from kb_index.articles import KBValidationError, Problem, kb_fingerprint
from kb_index.calibration import SelfCalibrationPlan, calibrate_by_language
from kb_index.encoders import Encoder, make_encoder
from kb_index.evaluation import LabelledQuery, load_queries
from kb_index.feedback import enough_per_language
from kb_index.index import (
    META_FILE,
    KBIndex,
    build_index,
    entries_for,
    read_meta,
    read_query_vectors,
    write_meta,
    write_query_vectors,
)
from kb_index.learning import Learned, learn_judge
from kb_index.settings import KBSettings
from kb_index.sources import load_sources
from kb_index.store import IndexStore

log = logging.getLogger(__name__)
_encoders: dict[str, Encoder] = {}
_encoders_lock = threading.Lock()


def get_encoder(encoder_settings: dict[str, Any]) -> Encoder:
    """One encoder per distinct setting per process: loading a model is the slow part."""
    key = json.dumps(encoder_settings, sort_keys=True)
    with _encoders_lock:
        if key not in _encoders:
            _encoders[key] = make_encoder(encoder_settings)
        return _encoders[key]


def open_index(settings: KBSettings, version: str | None = None) -> KBIndex:
    """Load ``version`` (default: the live one) with the encoder it was built with."""
    store = IndexStore(settings.index_dir)
    directory = store.versions_dir / version if version else store.live_dir()
    if directory is None or not (directory / META_FILE).exists():
        raise FileNotFoundError(f"no KB index at {settings.index_dir}; run `python -m kb_index build`")
    return open_version(directory)


def open_version(directory: Path, encoder: Encoder | None = None) -> KBIndex:
    """An index version's folder, with the encoder(s) it was built with (``encoder`` if given)."""
    meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
    second = meta.get("judge_encoder_settings")
    return KBIndex(directory, encoder or get_encoder(meta["encoder_settings"]), get_encoder(second) if second else None)


@dataclass(frozen=True)
class BuildResult:
    version: str
    published: bool
    up_to_date: bool
    articles: int
    embedded: int
    reused: int


def build(settings: KBSettings, *, full: bool = False, publish: bool = True, progress_factory: Any = None) -> BuildResult:
    """Validate the KB, embed what changed into a new version and (by default) publish it.

    A KB that fails validation raises KBValidationError before anything is
    written, so the live version keeps serving.
    """
    articles = load_sources(settings.source_paths)
    calibration_queries = load_calibration_queries(settings)
    fingerprint = kb_fingerprint(articles)
    store = IndexStore(settings.index_dir)
    with store.writer_lock():
        live = None
        if store.live_dir() is not None:
            try:
                live = open_index(settings)
            except (FileNotFoundError, ValueError, KeyError) as exc:
                log.warning("live index unreadable (%s); building from scratch", exc)
        encoder = get_encoder(settings.encoder)
        calibration_key = calibration_fingerprint(settings)
        if (
            not full
            and live is not None
            and live.meta["kb_fingerprint"] == fingerprint
            and live.meta["encoder_settings"] == settings.encoder
            and live.meta.get("scoring") == settings.scoring
            and live.meta.get("calibration_fingerprint") == calibration_key
        ):
            return BuildResult(live.version, False, True, len(articles), 0, len(live.entries))
        total = sum(len(entries_for(a)) for a in articles)
        progress = progress_factory(total) if progress_factory else None
        with store.staging_dir(fingerprint) as (scratch, version):
            counts = build_index(
                articles, encoder, settings.encoder, settings.scoring, scratch, None if full else live, progress,
                settings.exact_search_max,
            )
            if settings.judge:
                learn(scratch, encoder, settings)
            thresholds = None
            if calibration_key:
                thresholds = calibrate_on_queries(open_version(scratch, encoder), calibration_queries, settings, live)
            if thresholds is not None:
                write_meta(scratch, read_meta(scratch) | {"thresholds": thresholds, "calibration_fingerprint": calibration_key})
            elif live is not None and "thresholds" in live.meta and live.meta["scoring"] == settings.scoring:
                # Calibrated thresholds stay with the KB until the next calibration: an edit
                # to one article should not silently send the bot back to the configured ones.
                write_meta(scratch, read_meta(scratch) | {"thresholds": live.meta["thresholds"] | {"from_version": live.version}})
        if progress is not None:
            progress.close()
        if publish:
            store.publish(version)
            store.prune(settings.keep_versions)
    return BuildResult(version, publish, False, len(articles), counts["embedded"], counts["reused"])


def learn(directory: Path, encoder: Encoder, settings: KBSettings, second_encoder: Encoder | None = None) -> Learned | None:
    """Train the version's judge on its own questions (kb_index/judge.py) and store it with the version.

    With ``kb.judge_encoder`` the entries are also encoded by that second encoder
    (``second_encoder``, default the configured one) for its classifier.
    Returns what was learned (with its fold questions, for self-calibration); None for a KB too small to learn from.
    """
    index = KBIndex(directory, encoder)
    plan = SelfCalibrationPlan(duplicate_similarity=encoder.near_duplicate)
    second = settings.judge_encoder_settings
    second_vectors, languages = None, ()
    if second is not None:
        own, languages = second
        second_encoder = second_encoder or get_encoder(own)
        second_vectors = second_encoder.encode([e.text for e in index.entries], kind="query")
    learned = learn_judge(index.entries, index.vectors, settings.scoring, plan, settings.max_suggestions,
                          second_vectors, languages)
    if learned is not None:
        learned.judge.save(directory)
        if second is not None:
            write_meta(directory, read_meta(directory) | {"judge_encoder_settings": second[0]})
    return learned


def calibration_files(settings: KBSettings) -> list[Path]:
    """The calibration question files that exist: the configured ones, then the shoppers' confirmed questions."""
    files = [path for path in settings.calibration_queries if path.exists()]
    if files and settings.live_labels is not None and settings.live_labels.exists():
        files.append(settings.live_labels)  # only beside labelled files: live labels have no unanswerable questions
    return files


def calibration_fingerprint(settings: KBSettings) -> str | None:
    """What the configured calibration depends on (its files and bound); None when there is none."""
    files = calibration_files(settings)
    if not files:
        return None
    digest = hashlib.sha256(f"max_wrong={settings.calibration_max_wrong}".encode())
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def load_calibration_queries(settings: KBSettings) -> list[LabelledQuery]:
    """The configured calibration questions; an unreadable file is a KBValidationError, like a broken article."""
    queries, problems = [], []
    for path in settings.calibration_queries:
        if not path.exists():
            # Not an error: a KB may be built before its questions are written; but a typo must not pass unseen.
            log.warning("calibration questions %s not found; thresholds stay as they were", path)
            continue
        try:
            queries += load_queries(path)
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, yaml.YAMLError) as exc:
            problems.append(Problem(str(path), 0, f"calibration questions unreadable: {type(exc).__name__}: {exc}"))
    if problems:
        raise KBValidationError(problems)
    if queries and settings.live_labels in calibration_files(settings):
        try:
            live = load_queries(settings.live_labels)
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, yaml.YAMLError) as exc:
            log.warning("shoppers' confirmed questions %s unreadable (%s); calibrating without them", settings.live_labels, exc)
            live = []
        queries += enough_per_language(live, settings.live_labels_min_per_language)
    return queries


def calibrate_on_queries(
    index: KBIndex, queries: list[LabelledQuery], settings: KBSettings, previous: KBIndex | None = None
) -> dict[str, Any] | None:
    """Thresholds (overall and per language) chosen on the configured labelled questions.

    A question labelled with an article this KB does not have is left out with
    a warning (a renamed or deleted article): counting it would teach the
    calibration that right answers are impossible. Without both answerable and
    unanswerable questions left there is nothing to balance: None.

    The questions' vectors are stored with the version and reused from
    ``previous`` (same encoder): encoding a few hundred questions took most of a
    one-article publish (11 of 15 s with e5).
    """
    known = set(index.meta["articles"])
    stale = sorted({q.article_id for q in queries if q.article_id is not None and q.article_id not in known})
    if stale:
        log.warning("calibration questions name articles the KB does not have, left out: %s", ", ".join(stale))
    queries = [q for q in queries if q.article_id is None or q.article_id in known]
    if {q.article_id is None for q in queries} != {True, False}:
        log.warning("calibration needs answerable and unanswerable questions; keeping the previous thresholds")
        return None
    texts = [q.text for q in queries]
    known_vectors = read_query_vectors(previous.directory) if previous and previous.encoder_name == index.encoder_name else {}
    missing = [text for text in dict.fromkeys(texts) if text not in known_vectors]
    if missing:
        known_vectors |= dict(zip(missing, index.encoder.encode(missing, kind="query"), strict=True))
    vectors = np.stack([known_vectors[text] for text in texts])
    write_query_vectors(index.directory, texts, vectors)
    results = index.search_vectors(vectors, texts, settings.max_suggestions)
    names = ", ".join(path.name for path in settings.calibration_queries if path.exists())
    return calibrate_by_language(queries, results, settings.calibration_max_wrong, method=f"labelled: {names}")


def derive_version(settings: KBSettings, version: str, changes: dict[str, Any], *, publish: bool) -> str:
    """A new version equal to ``version`` but with ``changes`` merged into its meta.json.

    Versions are never modified in place: a running action server decides
    whether to reload by the version's name, and rollback needs the old one intact.
    """
    store = IndexStore(settings.index_dir)
    with store.writer_lock():
        source = store.versions_dir / version
        meta = read_meta(source)
        with store.staging_dir(meta["kb_fingerprint"]) as (scratch, new_version):
            scratch.mkdir()
            for path in source.iterdir():
                if path.name != META_FILE:
                    os.link(path, scratch / path.name)  # the files are immutable: sharing them costs no space
            write_meta(scratch, meta | changes)
        if publish:
            store.publish(new_version)
            store.prune(settings.keep_versions)
    return new_version


class LiveIndex:
    """Follows the published version: a new one is loaded and swapped in.

    Requests keep using the current index until the new one is fully loaded,
    so a publish never fails a request. With ``background=True`` (the action
    server) a watcher thread looks at the ``live`` link every
    ``reload_interval_seconds`` and loads a new version the moment it appears, so
    the first question after a publish already gets it and no request ever waits
    for a load (a 1,000-article KB takes about a second), except the very first
    one if it comes before the first load ends. The watch is a readlink on the
    shared index directory: it works for every replica on that directory without
    the publisher knowing them, and costs nothing measurable. A publisher also pushes: the action
    server's ``POST /kb/reload`` calls ``refresh`` at once (kb_index/push.py); the watch stays the
    fallback for a replica the push missed.
    Without ``background`` (tests, CLI) ``get`` checks and loads in the caller.
    """

    def __init__(self, settings: KBSettings, *, background: bool = False):
        self._settings = settings
        self._store = IndexStore(settings.index_dir)
        self._current: KBIndex | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()
        self._loaded = threading.Event()  # the first load finished (or failed)
        self._broken: str | None = None  # a version that failed to load is not retried (and logged) every interval
        self._background = background
        if background:
            threading.Thread(target=self._watch, name="kb-index-watch", daemon=True).start()

    def get(self) -> KBIndex:
        if self._background:
            if self._current is None:
                self._loaded.wait(timeout=60)
        else:
            now = time.monotonic()
            if self._current is None or now - self._checked_at >= self._settings.reload_interval_seconds:
                self._checked_at = now
                self._refresh()
        if self._current is None:
            raise FileNotFoundError(f"no KB index published at {self._settings.index_dir}")
        return self._current

    def refresh(self) -> str | None:
        """Load the published version now if it is not the current one (a publisher's push: the same load
        as the watch's); returns the version now serving. Blocks while loading: call it off the event loop."""
        self._refresh()
        if self._current is not None:
            self._loaded.set()
        return self._current.version if self._current is not None else None

    def _watch(self) -> None:
        while True:
            self._refresh()
            self._loaded.set()
            time.sleep(max(self._settings.reload_interval_seconds, 0.05))

    def _refresh(self) -> None:
        live = self._store.live_version()
        if live is None or live == self._broken or (self._current is not None and self._current.version == live):
            return
        with self._lock:  # one load at a time; readers keep the current version meanwhile
            try:
                if self._current is None or self._current.version != live:
                    self._current = open_index(self._settings, live)
                    log.info("KB index version %s is live", live)
            except Exception:  # a broken version must not take the bot down
                self._broken = live
                log.exception("could not load KB index version %s; keeping %s", live, self._current and self._current.version)
