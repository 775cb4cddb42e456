"""From saving a one-article change to the running bot answering with the new text, in a 1,000-article KB.

ours      the real stack (Rasa + action server) answering from the KB index; the
          editor saves the article and publishes through `python -m kb_index serve`
          (POST /publish: validate, embed the changed article, switch `live`, push it to
          the action server's POST /kb/reload; its 0.1 s poll is the fallback), against
          the same publish without the push in the same run (http_publish_poll_only). Also timed: the same
          with the `python -m kb_index build` command (pays for Python + model start-up).
baseline  the FAQ kept in Rasa (retrieval intent + ResponseSelector, Rasa 3.6's
          default pipeline): `rasa train`, then the running server reloads the
          model (PUT /model). Training runs with --rasa-epochs (default 1 instead
          of Rasa's 100 for DIET and ResponseSelector, or it would take hours on
          2 cores): the measured time is a lower bound of the real one. Its clock
          stops when the retrained model is loaded and serving, the earliest the new
          text can be answered (with 1 epoch the ResponseSelector has not learnt 1,000
          answers yet; the result says whether it answered right).

Our clock stops when a shopper's question, sent through the REST channel
every 100 ms from the moment the file is saved, is answered with the new text.

Usage: .venv/bin/python -m bench.kb_publish [--rounds 3] [--rasa-epochs 1] [--skip-rasa]
Prints a JSON result, then one summary line. Targets (issue 16): under 1.5 s, and 20x faster than the baseline.
--workdir keeps the generated KB and its index between runs: a second run pays for a one-article
build instead of embedding all 1,000 articles again.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
import yaml

from kb_index.service import build
from kb_index.settings import RELOAD_PATH, load_kb_settings
from tests.support.processes import REPO_ROOT, Service, free_port
from tests.support.stack import Stack, start_stack

ARTICLES = 1000
PRODUCTS = ["sofa", "armchair", "rug", "lamp", "duvet", "pillow", "mirror", "vase", "shelf", "desk", "bed frame", "mattress",
            "curtain", "blanket", "candle", "plant pot", "wardrobe", "dresser", "stool", "bench", "side table", "bookcase",
            "coat rack", "towel", "bath mat", "shower curtain", "cutlery set", "plate set", "glassware", "frying pan",
            "kettle", "toaster", "coffee table", "dining table", "dining chair", "office chair", "tv stand", "ceiling light",
            "floor lamp", "wall clock", "photo frame", "storage box", "laundry basket", "doormat", "throw pillow", "bedspread",
            "duvet cover", "fitted sheet", "tablecloth", "napkins"]
ASPECTS = ["delivery time", "assembly", "warranty", "cleaning", "return window", "dimensions", "materials", "spare parts",
           "colour options", "stock status", "price match", "installation service", "care instructions", "safety certificate",
           "packaging", "recycling", "gift wrapping", "bulk discount", "custom sizes", "sample order"]
QUESTION_TEMPLATES = ["how does {a} work for the {p}", "{p} {a}", "tell me about the {a} of your {p}",
                      "I need help with {a} for my {p}", "what is your {a} policy for a {p}", "question about {p} {a}"]


def generate_kb(folder: Path) -> list[dict]:
    articles = []
    for n in range(ARTICLES):
        product, aspect = PRODUCTS[n % len(PRODUCTS)], ASPECTS[n // len(PRODUCTS)]
        article = {
            "id": f"faq-{n:04d}",
            "title": f"{aspect.capitalize()} of the {product}",
            "questions": [t.format(a=aspect, p=product) for t in QUESTION_TEMPLATES],
            "answer": f"For the {product}, {aspect}: see reference sheet {n:04d}.",
        }
        articles.append(article)
        write_article(folder, article)
    return articles


def write_article(folder: Path, article: dict) -> None:
    (folder / "en").mkdir(parents=True, exist_ok=True)
    header = {"id": article["id"], "lang": "en", "title": article["title"], "url": f"https://shop.example/help/{article['id']}",
              "questions": article["questions"]}
    text = "---\n" + yaml.safe_dump(header, sort_keys=False) + "---\n" + article["answer"] + "\n"
    (folder / "en" / f"{article['id']}.md").write_text(text, encoding="utf-8")


def wait_for_text(url: str, question: str, expected: str, timeout: float = 3600) -> float:
    """Ask every 100 ms until a reply contains ``expected``; returns when it did (monotonic)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            reply = httpx.post(f"{url}/webhooks/rest/webhook", json={"sender": f"b-{uuid.uuid4().hex[:8]}", "message": question},
                               timeout=30).json()
            if any(expected in m.get("text", "") for m in reply):
                return time.monotonic()
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"bot never answered with {expected!r}")


def answers_with(url: str, question: str, expected: str) -> bool:
    reply = httpx.post(f"{url}/webhooks/rest/webhook", json={"sender": f"b-{uuid.uuid4().hex[:8]}", "message": question},
                       timeout=60).json()
    return any(expected in m.get("text", "") for m in reply)


def measure_ours(articles: list[dict], workdir: Path, rounds: int) -> dict:
    kb, index = workdir / "kb", workdir / "index"
    # The generated KB has no calibration questions (the demo shop's name other articles).
    kb_env = {"KB_ARTICLES_DIR": str(kb), "KB_INDEX_DIR": str(index), "KB_CALIBRATION_QUERIES": ""}
    os.environ.update(kb_env)
    build(load_kb_settings())
    stack_dir = workdir / f"stack-{uuid.uuid4().hex[:8]}"  # a fresh tracker store even in a kept --workdir
    stack_dir.mkdir()
    stack: Stack = start_stack(stack_dir, kb_env)
    # Both ways of publishing tell the action server to reload (kb_index/push.py), as `make run` does.
    push_env = {"ACTION_SERVER_TOKEN": stack.env["ACTION_SERVER_TOKEN"], "KB_RELOAD_URLS": f"{stack.action_url}{RELOAD_PATH}"}
    token = secrets.token_urlsafe(16)
    # The baseline of the push in the same run: a publisher that tells nobody, so the action server's poll finds it.
    ports = {"http_publish": free_port(), "http_publish_poll_only": free_port()}
    publishers = [
        Service(f"kb-publish-bench-{port}", [sys.executable, "-m", "kb_index", "serve", "--port", str(port)],
                kb_env | push_env | {"KB_PUBLISH_TOKEN": token} | ({} if way == "http_publish" else {"KB_RELOAD_URLS": ""}))
        for way, port in ports.items()
    ]
    ways = ["http_publish", "http_publish_poll_only", "cli_build"]
    timings: dict[str, list[float]] = {way: [] for way in ways}
    # How long the publish call itself took: the rest of a round is the action server's reload and the turn.
    publish_seconds: dict[str, list[float]] = {way: [] for way in ways}
    try:
        for publisher, port in zip(publishers, ports.values(), strict=True):
            health = f"http://127.0.0.1:{port}/health"
            publisher.wait_until(lambda health=health: httpx.get(health, timeout=2).status_code == 200, 120)
        article = articles[123]
        wait_for_text(stack.rasa_url, article["questions"][0], article["answer"])
        auth = {"Authorization": f"Bearer {token}"}
        publish_by = {
            **{way: lambda port=port: httpx.post(f"http://127.0.0.1:{port}/publish", headers=auth, timeout=600).raise_for_status()
               for way, port in ports.items()},
            "cli_build": lambda: subprocess.run([sys.executable, "-m", "kb_index", "build"], cwd=REPO_ROOT,
                                                env={**os.environ, **kb_env, **push_env}, check=True, capture_output=True),
        }
        for n in range(rounds * len(ways)):
            way = ways[n % len(ways)]
            new_answer = f"{article['answer']} Updated in round {n}."
            started = time.monotonic()
            write_article(kb, article | {"answer": new_answer})
            # Publishing runs beside the shopper, who keeps asking from the moment the file is saved.
            def publish(way: str = way, started: float = started) -> None:
                publish_by[way]()
                publish_seconds[way].append(time.monotonic() - started)

            publishing = threading.Thread(target=publish)
            publishing.start()
            answered = wait_for_text(stack.rasa_url, article["questions"][0], f"Updated in round {n}.")
            timings[way].append(answered - started)
            publishing.join()
    finally:
        for publisher in publishers:
            publisher.stop()
        stack.stop()
    return {way: {"seconds": [round(t, 2) for t in values], "median": round(statistics.median(values), 2),
                  "publish_call_seconds": [round(t, 2) for t in publish_seconds[way]]}
            for way, values in timings.items()}


def rasa_project(articles: list[dict], folder: Path, epochs: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    pipeline = [
        {"name": "WhitespaceTokenizer"}, {"name": "RegexFeaturizer"}, {"name": "LexicalSyntacticFeaturizer"},
        {"name": "CountVectorsFeaturizer"},
        {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
        {"name": "DIETClassifier", "epochs": epochs, "constrain_similarities": True},
        {"name": "EntitySynonymMapper"},
        {"name": "ResponseSelector", "epochs": epochs, "constrain_similarities": True},
        {"name": "FallbackClassifier", "threshold": 0.3, "ambiguity_threshold": 0.1},
    ]
    config = {"recipe": "default.v1", "language": "en", "pipeline": pipeline,
              "policies": [{"name": "RulePolicy"}], "assistant_id": "faq-bench"}
    (folder / "config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    nlu = [{"intent": f"faq/{a['id']}", "examples": "".join(f"- {q}\n" for q in a["questions"])} for a in articles]
    nlu.append({"intent": "greet", "examples": "- hello\n- hi\n- good morning\n- hey there\n"})
    (folder / "data").mkdir(exist_ok=True)
    (folder / "data" / "nlu.yml").write_text(yaml.safe_dump({"version": "3.1", "nlu": nlu}, sort_keys=False, width=10_000))
    rules = {"version": "3.1", "rules": [
        {"rule": "faq", "steps": [{"intent": "faq"}, {"action": "utter_faq"}]},
        {"rule": "greet", "steps": [{"intent": "greet"}, {"action": "utter_greet"}]},
    ]}
    (folder / "data" / "rules.yml").write_text(yaml.safe_dump(rules, sort_keys=False))
    (folder / "credentials.yml").write_text("rest:\n")
    (folder / "endpoints.yml").write_text("# no action server, tracker store in memory\n")
    write_rasa_domain(articles, folder)


def write_rasa_domain(articles: list[dict], folder: Path) -> None:
    responses = {f"utter_faq/{a['id']}": [{"text": a["answer"]}] for a in articles} | {"utter_greet": [{"text": "Hi!"}]}
    domain = {"version": "3.1", "intents": ["faq", "greet"], "responses": responses,
              "session_config": {"session_expiration_time": 60, "carry_over_slots_to_new_session": True}}
    (folder / "domain.yml").write_text(yaml.safe_dump(domain, sort_keys=False, width=10_000))


def rasa_train(folder: Path, name: str) -> Path:
    subprocess.run(
        [str(REPO_ROOT / ".venv-rasa" / "bin" / "rasa"), "train", "--config", "config.yml", "--domain", "domain.yml",
         "--data", "data", "--out", "models", "--fixed-model-name", name],
        cwd=folder, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"},
    )
    return folder / "models" / f"{name}.tar.gz"


def measure_rasa(articles: list[dict], workdir: Path, epochs: int) -> dict:
    folder = workdir / "rasa-faq"
    rasa_project(articles, folder, epochs)
    started = time.monotonic()
    first = rasa_train(folder, "v0")
    initial_train = time.monotonic() - started
    port, token = free_port(), secrets.token_urlsafe(16)
    rasa = Service(
        f"rasa-faq-bench-{port}",
        [str(REPO_ROOT / ".venv-rasa" / "bin" / "rasa"), "run", "-m", str(first), "--enable-api", "--auth-token", token,
         "--port", str(port), "--interface", "127.0.0.1", "--credentials", str(folder / "credentials.yml"),
         "--endpoints", str(folder / "endpoints.yml")],
        {"TF_CPP_MIN_LOG_LEVEL": "2", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        rasa.wait_until(lambda: bool(httpx.get(f"{url}/status", params={"token": token}, timeout=2).json().get("model_id")), 600)
        article = articles[123]
        question = article["questions"][0]
        answered_before = answers_with(url, question, article["answer"])
        started = time.monotonic()
        changed = [a | {"answer": f"{a['answer']} Updated in Rasa."} if a["id"] == article["id"] else a for a in articles]
        write_rasa_domain(changed, folder)
        model = rasa_train(folder, "v1")
        trained = time.monotonic()
        httpx.put(f"{url}/model", params={"token": token}, json={"model_file": str(model)}, timeout=600).raise_for_status()
        # The new model is serving now: the earliest moment the new text could come back.
        reloaded = time.monotonic()
        answered_after = answers_with(url, question, "Updated in Rasa.")
    finally:
        rasa.stop()
    return {"seconds": round(reloaded - started, 2), "train_seconds": round(trained - started, 2),
            "initial_train_seconds": round(initial_train, 2), "epochs": epochs,
            # With few epochs the ResponseSelector may not have learnt 1,000 answers yet: the time
            # is a lower bound either way, and these say whether Rasa's answer was even right.
            "answered_right_before": answered_before, "answered_new_text_after": answered_after}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rasa-epochs", type=int, default=1)
    parser.add_argument("--skip-rasa", action="store_true", help="only measure ours (no baseline: for a quick look)")
    parser.add_argument("--out", type=Path, help="also write the JSON result to this file")
    parser.add_argument("--workdir", type=Path, help="keep the KB and its index here and reuse them in the next run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kb-publish-") as tmp:
        workdir = args.workdir or Path(tmp)
        articles = generate_kb(workdir / "kb")
        result = {"articles": ARTICLES, "ours": measure_ours(articles, workdir, args.rounds)}
        print(f"ours: {json.dumps(result['ours'])}", file=sys.stderr, flush=True)
        if not args.skip_rasa:
            result["baseline_rasa_train_and_reload"] = measure_rasa(articles, workdir, args.rasa_epochs)
    ours = result["ours"]["http_publish"]["median"]
    print(json.dumps(result, indent=1))
    if args.out:
        args.out.write_text(json.dumps(result, indent=1))
    line = (f"kb_publish: 1,000-article KB, change saved -> bot answers with it: ours {ours:.1f} s via HTTP publish "
            f"({result['ours']['cli_build']['median']:.1f} s via the build command); target < 1.5 s")
    if "baseline_rasa_train_and_reload" in result:
        rasa = result["baseline_rasa_train_and_reload"]
        line += (f"; rasa train + reload {rasa['seconds']:.0f} s with {rasa['epochs']} epoch(s) "
                 f"(a lower bound: default is 100) = {rasa['seconds'] / ours:.0f}x slower (target >= 20x)")
    print(line)


if __name__ == "__main__":
    main()
