"""Rasa's own FAQ approach as the baseline: every article an intent, the default Rasa 3.6 NLU pipeline.

Trained with the project's Rasa (``.venv-rasa``) in a scratch folder; the
test questions are classified by the trained model loaded with Rasa's Agent in
a subprocess of that interpreter (``bench/rasa_parse.py``), which returns
every intent ranking so any confidence threshold can be applied afterwards.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path

import yaml

from kb_index.articles import Article

REPO_ROOT = Path(__file__).resolve().parents[1]
RASA_PYTHON = REPO_ROOT / ".venv-rasa" / "bin" / "python"
RASA_BIN = REPO_ROOT / ".venv-rasa" / "bin" / "rasa"

# `rasa init`'s default pipeline (Rasa 3.6), minus ResponseSelector: articles are
# intents here, so there is no retrieval intent for it to learn.
DEFAULT_PIPELINE = [
    {"name": "WhitespaceTokenizer"},
    {"name": "RegexFeaturizer"},
    {"name": "LexicalSyntacticFeaturizer"},
    {"name": "CountVectorsFeaturizer"},
    {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
    {"name": "DIETClassifier", "epochs": 100, "constrain_similarities": True},
    {"name": "EntitySynonymMapper"},
    {"name": "FallbackClassifier", "threshold": 0.3, "ambiguity_threshold": 0.1},
]
FALLBACK = {"threshold": 0.3, "ambiguity_threshold": 0.1}


def intent_name(article_id: str) -> str:
    return article_id.replace("-", "_")


def write_project(articles: list[Article], folder: Path, epochs: int = 100) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    pipeline = [dict(step, epochs=epochs) if step["name"] == "DIETClassifier" else step for step in DEFAULT_PIPELINE]
    config = {"recipe": "default.v1", "language": "en", "pipeline": pipeline, "policies": []}
    (folder / "config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    nlu = {
        "version": "3.1",
        "nlu": [
            {"intent": intent_name(a.id), "examples": "".join(f"- {_one_line(q)}\n" for q in dict.fromkeys(a.questions))}
            for a in articles
        ],
    }
    (folder / "nlu.yml").write_text(yaml.safe_dump(nlu, sort_keys=False, allow_unicode=True, width=10_000))


def _rasa_env(folder: Path) -> dict[str, str]:
    return {"TF_CPP_MIN_LOG_LEVEL": "2", "PATH": "/usr/bin:/bin", "HOME": str(folder)}


def _one_line(text: str) -> str:
    return " ".join(text.split())


def train(folder: Path, log: Path, timeout: float | None = None) -> tuple[Path, float]:
    """`rasa train nlu`; returns the model path and the seconds it took.

    After ``timeout`` seconds the training is stopped and subprocess.TimeoutExpired raised
    (``epochs_done(log)`` then says how far it got).
    """
    started = time.monotonic()
    with open(log, "w") as handle:
        subprocess.run(
            [str(RASA_BIN), "train", "nlu", "--config", "config.yml", "--nlu", "nlu.yml", "--out", "models",
             "--fixed-model-name", "faq"],
            cwd=folder, stdout=handle, stderr=subprocess.STDOUT, check=True,
            env=_rasa_env(folder), timeout=timeout,
        )
    return folder / "models" / "faq.tar.gz", time.monotonic() - started


def epochs_done(log: Path) -> int:
    """The last epoch count DIET's progress bar shows in a training log ("Epochs:  7%| | 7/100"), 0 before the first."""
    counts = re.findall(r"Epochs:.*?\|\s*(\d+)/\d+", log.read_text(errors="replace")) if log.exists() else []
    return int(counts[-1]) if counts else 0


def classify(model: Path, texts: list[str], folder: Path) -> list[list[tuple[str, float]]]:
    """Each text's intent ranking [(intent, confidence)], nlu_fallback left out."""
    questions = folder / "questions.json"
    questions.write_text(json.dumps(texts))
    output = folder / "rankings.json"
    subprocess.run(
        [str(RASA_PYTHON), str(REPO_ROOT / "bench" / "rasa_parse.py"), str(model), str(questions), str(output)],
        cwd=folder, check=True, capture_output=True, env=_rasa_env(folder),
    )
    return [[(name, conf) for name, conf in ranking] for ranking in json.loads(output.read_text())]
