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

import httpx
import pytest

from kb_index import load_kb_settings
from tests.support import small_kb
from tests.support.processes import Service, free_port

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
def server_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of an action server on a small KB built with the shipped default encoder."""
    tmp = tmp_path_factory.mktemp("action-process")
    settings = replace(load_kb_settings(), articles_dir=tmp / "kb", index_dir=tmp / "index", sources=())
    for article_id in small_kb.ARTICLES:
        small_kb.write_article(settings.articles_dir, article_id)
    assert settings.encoder["type"] == "e5-onnx"  # the shipped default is what this test is about
    built = small_kb.cli(settings, "build")
    assert built.returncode == 0, built.stderr
    env = {name: value for name, value in small_kb.kb_env(settings).items() if not name.startswith(("OMP_", "OPENBLAS_"))}
    env["DESK_URL"] = "http://127.0.0.1:9"
    return env


@pytest.fixture(scope="module")
def probe(server_env: dict[str, str]) -> dict:
    env = server_env
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=small_kb.REPO_ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_action_server_answers_without_importing_torch_spacy_or_scikit_learn(probe):
    assert probe["best"] == "payment"  # a real search ran, with the default encoder loaded
    assert probe["modules"] == []


def test_openmp_threads_are_set_before_any_openmp_runtime_loads(probe):
    assert probe["openmp_before_actions"] == []  # so every runtime loaded later reads the settings below
    assert probe["env"] == {"OMP_WAIT_POLICY": "PASSIVE", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    # faiss's runtime (ONNX Runtime has its own threads, set in kb_index/encoders/e5_onnx.py), nothing from torch
    assert probe["openmp_after_a_search"] and not any("torch" in path for path in probe["openmp_after_a_search"])


def test_a_setting_given_to_the_process_wins():
    env = {**os.environ, "OMP_NUM_THREADS": "2"}
    code = "import actions.runtime, os; print(os.environ['OMP_NUM_THREADS'], os.environ['OMP_WAIT_POLICY'])"
    result = subprocess.run([sys.executable, "-c", code], cwd=small_kb.REPO_ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.stdout.split() == ["2", "PASSIVE"]


def test_the_running_action_server_has_no_torch_library_mapped(server_env):
    """The real server, started as `make run` starts it and ready (KB index and encoder loaded): a user sees the
    memory and start time torch costs, so this reads what the kernel mapped into the process, not our code."""
    port = free_port()
    env = server_env | {"ACTION_SERVER_TOKEN": "t" * 24, "ORDER_VERIFICATION_KEY": "k" * 32}
    server = Service(f"actions-no-torch-{port}",
                     [sys.executable, "-m", "actions.server", "--actions", "actions", "--port", str(port)], env)
    try:
        server.wait_until(lambda: httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2).status_code == 200, 300)
        with open(f"/proc/{server.process.pid}/maps") as maps:
            libraries = {line.split()[-1] for line in maps if ".so" in line}
    finally:
        server.stop()
    assert any("faiss" in path for path in libraries)  # the KB index is loaded in this very process
    assert sorted(path for path in libraries if "/torch/" in path or "libtorch" in path) == []


FREEZE_PROBE = """
import asyncio, gc, json
from rasa_sdk_plugins.operations import LIVE_INDEX, load_first_index
loading = {"done": False}
before = gc.get_freeze_count()
asyncio.run(load_first_index(loading))
print(json.dumps({"done": loading["done"], "entries": len(LIVE_INDEX.get().entries), "before": before,
                  "frozen": gc.get_freeze_count()}))
"""


def test_what_the_action_server_loads_at_start_is_kept_out_of_full_garbage_collections(server_env):
    """Each full collection scanned its ~200,000 start-up objects (over 100 ms, the event loop stopped)."""
    result = subprocess.run([sys.executable, "-c", FREEZE_PROBE], cwd=small_kb.REPO_ROOT, env=server_env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded["done"] is True and loaded["entries"] > 0 and loaded["before"] == 0
    assert loaded["frozen"] > 50_000


BURST_PROBE = """
import json, sys
import pluggy
from rasa_sdk.plugin import plugin_manager
from actions.server import main
from tests.support.connection_burst import burst_then_stop, unused_port

port, result = unused_port(), {}

class Burst:
    @pluggy.HookimplMarker("rasa_sdk")
    def attach_sanic_app_extensions(self, app):
        app.register_listener(burst_then_stop(port, result), "after_server_start")

plugin_manager().register(Burst())
sys.argv = ["actions.server", "--actions", "actions", "--port", str(port)]
try:
    main()
finally:
    print(json.dumps(result))
"""


def test_action_calls_arriving_together_are_all_taken_in_at_once(server_env):
    """Rasa opens a connection for every action call, and uvloop takes one new connection per turn of the loop
    (the Rasa server's loop had to be changed, bot/rasa_process.py); rasa-sdk's Sanic serves on asyncio's loop."""
    env = server_env | {"ACTION_SERVER_TOKEN": "t" * 24, "ORDER_VERIFICATION_KEY": "k" * 32}
    result = subprocess.run([sys.executable, "-c", BURST_PROBE], cwd=small_kb.REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    burst = json.loads(result.stdout.strip().splitlines()[-1])
    assert burst["taken_in"] == burst["shoppers"], burst
