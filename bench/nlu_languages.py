"""One Rasa NLU model for English, Polish and Russian, or one model per language: which measures better?

Data: the project's NLU training files (data/nlu: en.yml, en_orders.yml and
en_handoff.yml are English, pl.yml Polish, ru.yml Russian). For every seed,
each language is split per intent into a stratified hold-out: 25 % of the
intent's examples (at least one when it has 4 or more) are test texts, the
rest is training data. Entity annotations such as [100234](order_number) stay
in the training data and are stripped to plain text in the test texts;
regex/lookup/synonym items are copied into every training set.

Systems, both trained with `rasa train nlu` (.venv-rasa) using the project's
own config.yml pipeline, each in a fresh scratch folder under /tmp:

joint         one model trained on the training part of all three languages;
per-language  one model per language, trained on that language only; every
              test text goes to its own language's model (oracle routing, so
              an upper bound for a per-language setup with a language detector).

Measured per language: intent accuracy (top intent with nlu_fallback left out,
as bench/rasa_parse.py returns it) and macro-F1 over the intents, plus the
training time per system (wall clock of the whole `rasa train nlu` run, Rasa's
start-up included, since a per-language setup really pays it once per model).
Seeds 0, 1, 2, ... give different splits; the mean and every seed are reported.
Seeds that would overrun --budget seconds are skipped (and listed as skipped).

Usage: .venv/bin/python -m bench.nlu_languages [--seeds 3] [--budget 840] [--out FILE] [--keep DIR]
Prints the JSON result, then a table and one summary line; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from sklearn.metrics import accuracy_score, f1_score

from bench.rasa_faq import REPO_ROOT, classify, train

LANGUAGES = ("en", "pl", "ru")
NLU_FILES = {
    "en": ("en.yml", "en_orders.yml", "en_handoff.yml"),
    "pl": ("pl.yml",),
    "ru": ("ru.yml",),
}
TEST_SHARE = 0.25
MIN_EXAMPLES_FOR_TEST = 4
METRICS = ("accuracy", "macro_f1")
# Rasa's annotation forms: [text](entity), [text](entity:value), [text]{"entity": ...}, [text][{...}, ...].
ANNOTATION = re.compile(r"\[([^\]]+?)\](?:\([^)]*\)|\{[^}]*\}|\[[^\]]*\])")

Examples = dict[str, list[str]]  # intent -> annotated example texts


class _Block(str):
    """Dumped as a YAML literal block, so the scratch nlu.yml reads like the project's own files."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Block, lambda dumper, text: dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|"))


def plain_text(example: str) -> str:
    return " ".join(ANNOTATION.sub(r"\1", example).split())


def _examples(block: Any) -> list[str]:
    """The texts of one `examples:` value: a `- text` block string, or a list of `- text: ...` items."""
    if isinstance(block, str):
        lines = [line.strip() for line in block.splitlines()]
        return [line[1:].strip() for line in lines if line.startswith("-") and line[1:].strip()]
    return [str(item["text"] if isinstance(item, dict) else item).strip() for item in block or []]


def load_language(lang: str) -> tuple[Examples, list[dict]]:
    """One language's examples per intent (deduplicated, file order kept) and its regex/lookup/synonym items."""
    examples: Examples = {}
    extras: list[dict] = []
    for name in NLU_FILES[lang]:
        for item in yaml.safe_load((REPO_ROOT / "data" / "nlu" / name).read_text()).get("nlu") or []:
            if "intent" in item:
                texts = examples.setdefault(item["intent"], [])
                texts += [t for t in _examples(item.get("examples")) if t not in texts]
            else:
                extras.append(item)
    return examples, extras


def split(examples: Examples, seed: int, lang: str) -> tuple[Examples, list[tuple[str, str]]]:
    """Stratified hold-out: per intent 25 % test (>= 1 if the intent has >= 4 examples); returns (train, [(text, intent)])."""
    train_part: Examples = {}
    test_part: list[tuple[str, str]] = []
    for intent, texts in examples.items():
        # Seeded per (seed, language, intent) so adding an intent elsewhere doesn't reshuffle this one.
        order = list(range(len(texts)))
        random.Random(f"{seed}/{lang}/{intent}").shuffle(order)
        n_test = max(1, round(len(texts) * TEST_SHARE)) if len(texts) >= MIN_EXAMPLES_FOR_TEST else 0
        held_out = set(order[:n_test])
        train_part[intent] = [t for i, t in enumerate(texts) if i not in held_out]
        test_part += [(plain_text(texts[i]), intent) for i in sorted(held_out)]
    return train_part, test_part


def write_project(folder: Path, parts: list[Examples], extras: list[dict]) -> None:
    """config.yml (the project's, verbatim) and nlu.yml (the given training parts, intents merged by name)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO_ROOT / "config.yml", folder / "config.yml")
    merged: Examples = {}
    for part in parts:
        for intent, texts in part.items():
            merged.setdefault(intent, []).extend(texts)
    nlu = [{"intent": intent, "examples": _Block("".join(f"- {t}\n" for t in dict.fromkeys(texts)))}
           for intent, texts in merged.items()]
    # The same regex/lookup/synonym item may come from several languages' files; write it once.
    unique_extras = list({json.dumps(item, sort_keys=True, ensure_ascii=False): item for item in extras}.values())
    document = {"version": "3.1", "nlu": nlu + unique_extras}
    (folder / "nlu.yml").write_text(yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10_000))


def scores(gold: list[str], predicted: list[str | None]) -> dict[str, float]:
    """Accuracy and macro-F1 over the intents that occur as gold or prediction."""
    guessed = [p or "(none)" for p in predicted]
    labels = sorted(set(gold) | {p for p in predicted if p is not None})
    return {
        "accuracy": round(accuracy_score(gold, guessed), 4),
        "macro_f1": round(f1_score(gold, guessed, labels=labels, average="macro", zero_division=0), 4),
        "n": len(gold),
    }


def top_intents(model: Path, texts: list[str], folder: Path) -> list[str | None]:
    return [ranking[0][0] if ranking else None for ranking in classify(model, texts, folder)]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_seed(seed: int, data: dict[str, tuple[Examples, list[dict]]], scratch: Path) -> dict[str, Any]:
    splits = {lang: split(examples, seed, lang) for lang, (examples, _) in data.items()}
    extras = [item for _, lang_extras in data.values() for item in lang_extras]
    tests = {lang: test for lang, (_, test) in splits.items()}
    result: dict[str, Any] = {"seed": seed, "systems": {}}

    # Joint: one training, one classification run over every language's test texts.
    folder = scratch / f"seed{seed}" / "joint"
    write_project(folder, [splits[lang][0] for lang in LANGUAGES], extras)
    log(f"seed {seed}: training joint model")
    model, seconds = train(folder, folder / "train.log")
    all_texts = [text for lang in LANGUAGES for text, _ in tests[lang]]
    predicted_all = top_intents(model, all_texts, folder)
    joint: dict[str, list[str | None]] = {}
    start = 0
    for lang in LANGUAGES:
        joint[lang] = predicted_all[start : start + len(tests[lang])]
        start += len(tests[lang])
    result["systems"]["joint"] = _system_result(tests, joint, {"joint": seconds})

    # Per-language: each language's model sees only its own language, trained and asked separately.
    separate: dict[str, list[str | None]] = {}
    seconds_by_model: dict[str, float] = {}
    for lang in LANGUAGES:
        folder = scratch / f"seed{seed}" / lang
        write_project(folder, [splits[lang][0]], data[lang][1])
        log(f"seed {seed}: training {lang} model")
        model, seconds_by_model[lang] = train(folder, folder / "train.log")
        separate[lang] = top_intents(model, [text for text, _ in tests[lang]], folder)
    result["systems"]["per-language"] = _system_result(tests, separate, seconds_by_model)

    # Paired view on the same test texts: the accuracy gap is (only_joint_right - only_per_language_right) / n,
    # and with ~130 texts a language, a handful of discordant texts is within split-to-split noise.
    result["paired"] = {}
    for lang in LANGUAGES:
        triples = list(zip([g for _, g in tests[lang]], joint[lang], separate[lang], strict=True))
        result["paired"][lang] = {
            "only_joint_right": sum(j == g != s for g, j, s in triples),
            "only_per_language_right": sum(s == g != j for g, j, s in triples),
        }

    # Test texts that occur verbatim in another language's training data (e.g. "ok", "Bramble & Birch"):
    # the joint model has seen them, the per-language one has not, so this is part of any joint advantage.
    seen = {lang: {plain_text(t).casefold() for texts in splits[lang][0].values() for t in texts} for lang in LANGUAGES}
    result["test_texts_in_other_languages_training"] = {
        lang: sum(any(text.casefold() in seen[other] for other in LANGUAGES if other != lang) for text, _ in tests[lang])
        for lang in LANGUAGES
    }
    return result


def _system_result(tests: dict[str, list[tuple[str, str]]], predictions: dict[str, list[str | None]],
                   seconds_by_model: dict[str, float]) -> dict[str, Any]:
    by_language = {lang: scores([g for _, g in tests[lang]], predictions[lang]) for lang in LANGUAGES}
    by_language["all"] = scores([g for lang in LANGUAGES for _, g in tests[lang]],
                                [p for lang in LANGUAGES for p in predictions[lang]])
    errors = {
        lang: [[text, gold, pred] for (text, gold), pred in zip(tests[lang], predictions[lang], strict=True) if gold != pred]
        for lang in LANGUAGES
    }
    return {
        "scores": by_language,
        "train_seconds": round(sum(seconds_by_model.values()), 1),
        "train_seconds_by_model": {name: round(s, 1) for name, s in seconds_by_model.items()},
        "errors": errors,
    }


def summarize(per_seed: list[dict[str, Any]]) -> dict[str, Any]:
    systems: dict[str, Any] = {}
    for system in ("joint", "per-language"):
        runs = [seed_result["systems"][system] for seed_result in per_seed]
        mean = {
            lang: {metric: round(sum(r["scores"][lang][metric] for r in runs) / len(runs), 4) for metric in METRICS}
            for lang in (*LANGUAGES, "all")
        }
        by_model: dict[str, float] = {}
        for run in runs:
            for name, seconds in run["train_seconds_by_model"].items():
                by_model[name] = by_model.get(name, 0.0) + seconds / len(runs)
        systems[system] = {
            "mean": mean,
            "per_seed": {
                lang: {metric: [r["scores"][lang][metric] for r in runs] for metric in METRICS}
                for lang in (*LANGUAGES, "all")
            },
            "train_seconds_mean": round(sum(r["train_seconds"] for r in runs) / len(runs), 1),
            "train_seconds_by_model_mean": {name: round(s, 1) for name, s in by_model.items()},
        }
    return systems


def table(result: dict[str, Any]) -> str:
    columns = [*LANGUAGES, "all"]
    header = "  ".join(f"{lang + ' acc':>8}" for lang in columns) + "  " + "  ".join(f"{lang + ' F1':>7}" for lang in columns)
    lines = [f"{'system':13} {'seed':>4}  {header}  {'train s':>7}"]
    for system in ("joint", "per-language"):
        runs = [(str(r["seed"]), r["systems"][system]) for r in result["per_seed"]]
        rows = [(seed, run["scores"], run["train_seconds"]) for seed, run in runs]
        summary = result["systems"][system]
        rows.append(("mean", summary["mean"], summary["train_seconds_mean"]))
        for seed, values, seconds in rows:
            cells = "  ".join(f"{values[lang]['accuracy']:8.3f}" for lang in columns)
            cells += "  " + "  ".join(f"{values[lang]['macro_f1']:7.3f}" for lang in columns)
            lines.append(f"{system:13} {seed:>4}  {cells}  {seconds:7.1f}")
    paired = result["paired_over_seeds"]
    counts = [f"{lang} joint {paired[lang]['only_joint_right']} / per-language {paired[lang]['only_per_language_right']}"
              for lang in LANGUAGES]
    lines.append("test texts right in only one system (all seeds): " + ", ".join(counts))
    return "\n".join(lines)


def summary_line(result: dict[str, Any]) -> str:
    joint, per_language = result["systems"]["joint"], result["systems"]["per-language"]

    def accuracies(system: dict[str, Any]) -> str:
        return " ".join(f"{lang} {system['mean'][lang]['accuracy']:.3f}" for lang in LANGUAGES)

    per_model = per_language["train_seconds_by_model_mean"]
    per_language_total = per_language["train_seconds_mean"]
    return (
        f"intent accuracy, mean of {len(result['per_seed'])} seed(s): "
        f"joint: {accuracies(joint)} (train {joint['train_seconds_mean']:.0f} s) | "
        f"per-language: {accuracies(per_language)} "
        f"(train {len(per_model)}×{per_language_total / len(per_model):.0f} s = {per_language_total:.0f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=3, help="number of splits (seeds 0..N-1)")
    parser.add_argument("--budget", type=float, default=840.0, help="skip further seeds that would end after this many seconds")
    parser.add_argument("--out", type=Path, help="also write the JSON result here")
    parser.add_argument("--keep", type=Path, help="train in this folder and keep it (default: a temporary folder under /tmp)")
    args = parser.parse_args()

    started = time.monotonic()
    data = {lang: load_language(lang) for lang in LANGUAGES}
    scratch = args.keep or Path(tempfile.mkdtemp(prefix="nlu_languages_", dir="/tmp"))
    per_seed: list[dict[str, Any]] = []
    skipped: list[int] = []
    try:
        for seed in range(args.seeds):
            elapsed = time.monotonic() - started
            # Assume the next seed takes as long as the slowest one so far.
            longest = max((r["seconds"] for r in per_seed), default=0.0)
            if per_seed and elapsed + longest > args.budget:
                skipped = list(range(seed, args.seeds))
                log(f"skipping seeds {skipped}: {elapsed:.0f} s + ~{longest:.0f} s would exceed the {args.budget:.0f} s budget")
                break
            seed_started = time.monotonic()
            per_seed.append(run_seed(seed, data, scratch))
            per_seed[-1]["seconds"] = round(time.monotonic() - seed_started, 1)
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)

    sizes = {}
    for lang, (examples, extras) in data.items():
        _, test = split(examples, 0, lang)
        total = sum(len(texts) for texts in examples.values())
        sizes[lang] = {"intents": len(examples), "examples": total, "test": len(test), "train": total - len(test),
                       "regex_lookup_synonym_items": len(extras)}
    result: dict[str, Any] = {
        "question": "one NLU model for en+pl+ru (joint) or one per language (oracle-routed)?",
        "pipeline": "config.yml",
        "test_share": TEST_SHARE,
        "seeds": [r["seed"] for r in per_seed],
        "skipped_seeds": skipped,
        "data": sizes,
        "systems": summarize(per_seed),
        # Summed over seeds; the splits overlap, so these are not independent counts.
        "paired_over_seeds": {
            lang: {key: sum(r["paired"][lang][key] for r in per_seed) for key in ("only_joint_right", "only_per_language_right")}
            for lang in LANGUAGES
        },
        "per_seed": per_seed,
        "total_seconds": round(time.monotonic() - started, 1),
    }
    print(json.dumps(result, indent=1, ensure_ascii=False))
    if args.out:
        args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    print(table(result))
    print(summary_line(result))


if __name__ == "__main__":
    main()
