"""Loading ``assistant.yml``: the one place where KB and action settings live."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
# The demo shop's held-out questions; a real shop lists its own in kb.publish_eval_queries.
# The action server's route that makes its live index load the published version now (rasa_sdk_plugins/operations.py).
RELOAD_PATH = "/kb/reload"
DEFAULT_PUBLISH_EVAL_QUERIES = ("tests/data/kb_in_scope.yml", "tests/data/kb_out_of_scope.yml")


JudgeOn = Literal["hybrid", "dense", "confidence"]
JUDGE_ON: tuple[JudgeOn, ...] = ("hybrid", "dense", "confidence")


@dataclass(frozen=True)
class Thresholds:
    """Score bounds of the answer policy, and which of a hit's scores they bound.

    ``judge_on: dense`` decides answer / suggest / hand off on the dense part
    of the hybrid score alone, ``confidence`` on the learned probability that
    the answer is right (kb_index/judge.py). Calibration chooses among them
    (kb_index/calibration.py): the lexical term sorts a KB's articles well but
    can make an unanswerable question look answerable.
    """

    answer: float
    suggest: float
    margin: float = 0.0
    judge_on: JudgeOn = "hybrid"

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Thresholds:
        judge_on = values.get("judge_on", "hybrid")
        if judge_on not in JUDGE_ON:
            raise ValueError(f"judge_on must be one of {', '.join(JUDGE_ON)}, got {judge_on!r}")
        thresholds = cls(float(values["answer"]), float(values["suggest"]), float(values.get("margin", 0.0)), judge_on)
        if not thresholds.suggest <= thresholds.answer:
            raise ValueError(f"thresholds must satisfy suggest <= answer, got {values}")
        return thresholds


@dataclass(frozen=True)
class KBSettings:
    articles_dir: Path
    index_dir: Path
    keep_versions: int
    reload_interval_seconds: float
    encoder: dict[str, Any]
    scoring: dict[str, Any]
    thresholds: Thresholds
    max_suggestions: int
    # The action server's questions are encoded and searched by this many threads, the questions
    # waiting meanwhile batched (kb_index/batching.py); env KB_SEARCH_WORKERS.
    search_workers: int = 1
    search_batch: int = 16
    # Folders of Markdown articles and .csv/.jsonl exports; empty = just ``articles_dir``.
    sources: tuple[Path, ...] = ()
    # Up to this many indexed texts the search is exact; above, an approximate (HNSW) index.
    exact_search_max: int = 20_000
    # Labelled questions a publish over HTTP is evaluated on (missing files are skipped).
    publish_eval_queries: tuple[Path, ...] = ()
    # Labelled questions every build chooses its thresholds on (per language); empty = keep the last ones.
    calibration_queries: tuple[Path, ...] = ()
    calibration_max_wrong: float = 0.05
    # Questions shoppers confirmed (written by the desk at publish, kb_index/feedback.py): added to the
    # calibration questions of each language that has at least ``live_labels_min_per_language`` of them.
    live_labels: Path | None = None
    live_labels_min_per_language: int = 30
    # How many signals ("it helped", "it didn't", a picked suggestion) one shopper may give (actions/feedback_limits.py).
    signals_per_shopper: str = "20/hour"
    signal_limits_storage: str = "memory://"
    # Train a judge (classifier + correctness model, kb_index/judge.py) with every build and rank by it.
    judge: bool = False
    # A second encoder whose own classifier votes in the judge (its settings plus ``languages``, the languages
    # its vote counts in); None = the judge uses the configured encoder alone.
    judge_encoder: dict[str, Any] | None = None
    # The action servers' reload routes a publisher posts to once a version is live (kb_index/push.py),
    # so that they load it now instead of at their next look at the ``live`` link.
    reload_urls: tuple[str, ...] = ()

    @property
    def judge_encoder_settings(self) -> tuple[dict[str, Any], tuple[str, ...]] | None:
        """The second encoder's own settings and the languages it votes in."""
        if not self.judge_encoder:
            return None
        own = {key: value for key, value in self.judge_encoder.items() if key != "languages"}
        return own, tuple(self.judge_encoder.get("languages") or ("en",))

    @property
    def source_paths(self) -> tuple[Path, ...]:
        return self.sources or (self.articles_dir,)


def load_raw_settings(path: Path | None = None) -> tuple[dict[str, Any], Path]:
    """Read the settings file; returns its content and its folder (the base of relative paths)."""
    path = path or Path(os.environ.get("ASSISTANT_CONFIG", REPO_ROOT / "assistant.yml"))
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}, path.resolve().parent


def _paths(base: Path, env_name: str, configured: Any) -> tuple[Path, ...]:
    """Configured paths, or those in ``env_name`` (separated by the OS path separator; set but empty = none)."""
    value = os.environ.get(env_name)
    listed = value.split(os.pathsep) if value is not None else configured
    return tuple((base / p).resolve() for p in listed if p)


def _reload_urls(configured: Any) -> tuple[str, ...]:
    """KB_RELOAD_URLS (comma-separated; set but empty = none), else ``kb.reload_urls``, else the reload
    route of the action server Rasa calls (ACTION_ENDPOINT_URL), else none."""
    value = os.environ.get("KB_RELOAD_URLS")
    if value is not None:
        return tuple(url.strip() for url in value.split(",") if url.strip())
    if configured is not None:
        return tuple(str(url) for url in configured)
    endpoint = os.environ.get("ACTION_ENDPOINT_URL")
    if endpoint:
        parts = urlsplit(endpoint)
        return (urlunsplit((parts.scheme, parts.netloc, RELOAD_PATH, "", "")),)
    return ()


def load_kb_settings(path: Path | None = None) -> KBSettings:
    """The ``kb:`` section, with environment overrides applied."""
    raw, base = load_raw_settings(path)
    kb = raw["kb"]

    def resolve(env_name: str, value: str) -> Path:
        return (base / os.environ.get(env_name, value)).resolve()

    # KB_SOURCES (paths separated by the OS path separator) replaces the list;
    # KB_ARTICLES_DIR alone means "just this folder", as it did before sources existed.
    if os.environ.get("KB_SOURCES"):
        sources = tuple((base / p).resolve() for p in os.environ["KB_SOURCES"].split(os.pathsep) if p)
    elif os.environ.get("KB_ARTICLES_DIR"):
        sources = ()
    else:
        sources = tuple((base / p).resolve() for p in kb.get("sources") or ())
    eval_queries = kb.get("publish_eval_queries", DEFAULT_PUBLISH_EVAL_QUERIES)
    calibration = kb.get("calibration") or {}
    feedback = kb.get("feedback") or {}
    return KBSettings(
        articles_dir=resolve("KB_ARTICLES_DIR", kb["articles_dir"]),
        index_dir=resolve("KB_INDEX_DIR", kb["index_dir"]),
        keep_versions=int(kb.get("keep_versions", 10)),
        reload_interval_seconds=float(os.environ.get("KB_RELOAD_INTERVAL_SECONDS", kb.get("reload_interval_seconds", 0.1))),
        encoder=dict(kb["encoder"]),
        scoring={"top_entries": int(kb["scoring"]["top_entries"]), "lexical_weight": float(kb["scoring"]["lexical_weight"])},
        thresholds=Thresholds.from_dict(kb["thresholds"]),
        max_suggestions=int(kb.get("max_suggestions", 3)),
        search_workers=int(os.environ.get("KB_SEARCH_WORKERS", (kb.get("search") or {}).get("workers", 1))),
        search_batch=int((kb.get("search") or {}).get("max_batch", 16)),
        sources=sources,
        exact_search_max=int(kb.get("exact_search_max", 20_000)),
        publish_eval_queries=tuple((base / p).resolve() for p in eval_queries or ()),
        calibration_queries=_paths(base, "KB_CALIBRATION_QUERIES", calibration.get("queries") or ()),
        calibration_max_wrong=float(calibration.get("max_wrong", 0.05)),
        live_labels=resolve("KB_LIVE_LABELS", calibration["live_labels"]) if calibration.get("live_labels") else None,
        live_labels_min_per_language=int(calibration.get("live_labels_min_per_language", 30)),
        signals_per_shopper=os.environ.get("KB_SIGNALS_PER_SHOPPER", str(feedback.get("signals_per_shopper", "20/hour"))),
        signal_limits_storage=os.environ.get("KB_SIGNAL_LIMITS_STORAGE", str(feedback.get("limits_storage", "memory://"))),
        judge=bool(kb.get("judge", False)),
        judge_encoder=dict(kb["judge_encoder"]) if kb.get("judge_encoder") else None,
        reload_urls=_reload_urls(kb.get("reload_urls")),
    )
