"""Command line for KB editors: ``python -m kb_index <command> --help``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tqdm import tqdm

from kb_index.articles import KBValidationError
from kb_index.evaluation import evaluate, format_report, load_queries
from kb_index.policy import decide
from kb_index.service import build, open_index
from kb_index.settings import load_kb_settings


def _cmd_build(args: argparse.Namespace) -> int:
    settings = load_kb_settings()
    try:
        result = build(
            settings,
            full=args.full,
            publish=not args.no_publish,
            progress_factory=lambda total: tqdm(total=total, unit="text", desc="embedding", disable=None),
        )
    except KBValidationError as exc:
        print(f"KB has {len(exc.problems)} error(s); nothing was built, the live index is unchanged:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    if result.up_to_date:
        print(f"index {result.version} is up to date ({result.articles} article files)")
    else:
        state = "published" if result.published else "built (not published)"
        print(
            f"index {result.version} {state}: {result.articles} article files, "
            f"{result.embedded} texts embedded, {result.reused} reused"
        )
    return 0


def _cmd_search(args: argparse.Namespace) -> int:
    settings = load_kb_settings()
    index = open_index(settings)
    hits = index.search(args.text, k=args.k)
    decision = decide(hits, settings.thresholds, settings.max_suggestions)
    if args.json:
        print(json.dumps({"decision": decision.outcome, "hits": [h.__dict__ for h in hits]}, ensure_ascii=False))
        return 0
    print(f"decision: {decision.outcome}  (answer >= {settings.thresholds.answer}, suggest >= {settings.thresholds.suggest})")
    for hit in hits:
        print(f"  {hit.score:.3f}  {hit.article_id:28}  matched: {hit.matched.splitlines()[0]}")
    return 0


def _cmd_eval(args: argparse.Namespace) -> int:
    settings = load_kb_settings()
    index = open_index(settings)
    queries = load_queries(Path(args.queries))
    report = evaluate(index, queries, index.thresholds(settings.thresholds), settings.max_suggestions)
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=1))
    else:
        print(f"index {index.version}")
        print(format_report(report))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m kb_index",
        description="Build and query the knowledge-base index the bot answers from. "
        "Settings come from assistant.yml (kb: section).",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("build", help="validate data/kb and build (and publish) a new index version if anything changed")
    p.add_argument("--full", action="store_true", help="re-embed every article instead of reusing unchanged ones")
    p.add_argument("--no-publish", action="store_true", help="build the version but leave the live one serving")
    p.set_defaults(handler=_cmd_build)

    p = commands.add_parser("search", help="show the best articles for a question and what the bot would do")
    p.add_argument("text", help="the shopper's question")
    p.add_argument("-k", type=int, default=3, help="how many articles to show (default 3)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(handler=_cmd_search)

    p = commands.add_parser(
        "eval", help="measure answer quality on labelled questions (CSV/JSONL: text, article_id; empty id = must hand off)"
    )
    p.add_argument("--queries", required=True, help="file of labelled questions")
    p.add_argument("--json", action="store_true", help="print the JSON report instead of the table")
    p.set_defaults(handler=_cmd_eval)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)
