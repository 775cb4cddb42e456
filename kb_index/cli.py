"""Command line for KB editors: ``python -m kb_index <command> --help``."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from tqdm import tqdm

from kb_index.articles import KBValidationError
from kb_index.calibration import Calibration, SelfCalibrationPlan, calibrate_by_language, self_calibrate
from kb_index.evaluation import LabelledQuery, evaluate, format_report, load_queries
from kb_index.index import read_meta
from kb_index.lint import lint
from kb_index.policy import decide
from kb_index.push import push_reload
from kb_index.replay import kb_questions, replay
from kb_index.service import build, derive_version, get_encoder, open_index
from kb_index.settings import KBSettings, load_kb_settings
from kb_index.sources import load_sources
from kb_index.store import IndexStore
from kb_index.traffic import format_traffic, kb_turns, redact, traffic_report

EPILOG = """typical session:
  python -m kb_index lint                      check the articles
  python -m kb_index build --no-publish        build a candidate version
  python -m kb_index replay                    what would change for real shoppers' questions
  python -m kb_index eval --queries q.csv      quality on labelled questions
  python -m kb_index publish VERSION           make it live (running bots switch within seconds)
  python -m kb_index traffic --since 2026-11-01   how shoppers' questions fared: answered, offered, handed off
"""


TRACKER_HELP = "Rasa's tracker store: a SQLite path or a SQLAlchemy URL (default: $TRACKER_DB, else var/tracker.db)"


def _print_problems(exc: KBValidationError) -> None:
    print(f"KB has {len(exc.problems)} error(s); nothing was built, the live index is unchanged:", file=sys.stderr)
    for problem in exc.problems:
        print(f"  {problem}", file=sys.stderr)


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
        _print_problems(exc)
        return 1
    if result.up_to_date:
        print(f"index {result.version} is up to date ({result.articles} article files)")
    else:
        state = "published" if result.published else "built (not published; `replay` compares it with the live one)"
        print(
            f"index {result.version} {state}: {result.articles} article files, "
            f"{result.embedded} texts embedded, {result.reused} reused"
        )
        if result.published:
            _push(settings, result.version)
        search = open_index(settings, result.version).meta["search"]
        if search["type"] != "flat":
            print(f"  approximate search ({search['type']}): recall@10 {search['recall_at_10']:.3f} against exact search")
    return 0


def _cmd_search(args: argparse.Namespace) -> int:
    settings = load_kb_settings()
    index = open_index(settings)
    thresholds = index.thresholds(settings.thresholds, args.lang)
    hits = index.search(args.text, k=args.k)
    decision = decide(hits, thresholds, settings.max_suggestions)
    if args.json:
        print(json.dumps({"decision": decision.outcome, "hits": [h.__dict__ for h in hits]}, ensure_ascii=False))
        return 0
    print(
        f"decision: {decision.outcome}  (answer >= {thresholds.answer:.3f}, suggest >= {thresholds.suggest:.3f}, "
        f"on the {thresholds.judge_on} score)"
    )
    print("  hybrid  dense  article")
    for hit in hits:
        print(f"  {hit.score:.3f}   {hit.dense:.3f}  {hit.article_id:28}  matched: {hit.matched.splitlines()[0]}")
    return 0


def _load_all(paths: list[str]) -> list[LabelledQuery]:
    return [q for path in paths for q in load_queries(Path(path))]


def _cmd_eval(args: argparse.Namespace) -> int:
    settings = load_kb_settings()
    index = open_index(settings, args.version)
    report = evaluate(index, _load_all(args.queries), settings.thresholds, settings.max_suggestions)
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=1))
    else:
        print(f"index {index.version}")
        print(format_report(report))
    return 0


def _cmd_calibrate(args: argparse.Namespace) -> int:
    settings = load_kb_settings()
    store = IndexStore(settings.index_dir)
    version = args.version or store.live_version()
    if version is None:
        print("no index yet; run `python -m kb_index build` first", file=sys.stderr)
        return 1
    index = open_index(settings, version)
    if args.queries:
        queries = _load_all(args.queries)
        results = index.search_many([q.text for q in queries], settings.max_suggestions)
        thresholds = calibrate_by_language(queries, results, args.max_wrong, method=f"labelled: {', '.join(args.queries)}")
    else:
        plan = SelfCalibrationPlan(duplicate_similarity=index.encoder.near_duplicate, out_of_scope_share=args.out_of_scope_share)
        live_results = None
        if args.traffic is not None:
            asked = [q.text for q in kb_questions(args.traffic or None)]
            live_results = index.search_many(asked, 1)
        thresholds = self_calibrate(index.entries, index.vectors, index.meta["scoring"], args.max_wrong, plan, live_results)
    _print_calibration(Calibration.from_meta(thresholds))
    for lang, chosen in thresholds.get("by_language", {}).items():
        _print_calibration(Calibration.from_meta(chosen), f"  {lang}: ")
    publish = version == store.live_version() and not args.no_publish
    new_version = derive_version(settings, version, {"thresholds": thresholds}, publish=publish)
    print(f"stored in index {new_version}" + (", now live" if publish else " (not published)"))
    return 0


def _print_calibration(calibration: Calibration, prefix: str = "") -> None:
    t = calibration.thresholds
    print(
        f"{prefix}thresholds from {calibration.queries} questions ({calibration.method}): answer {t.answer:.3f}, "
        f"suggest {t.suggest:.3f}, margin {t.margin:.2f} on the {t.judge_on} score; "
        f"expected {calibration.expected_correct:.1%} of answerable questions answered right, "
        f"{calibration.expected_wrong:.1%} of all answered wrong"
    )


def _cmd_replay(args: argparse.Namespace) -> int:
    settings = load_kb_settings()
    store = IndexStore(settings.index_dir)
    live_version = store.live_version()
    candidate = args.candidate or next((v for v in reversed(store.versions()) if v != live_version), None)
    if live_version is None or candidate is None:
        print("need a live version and a candidate: `python -m kb_index build --no-publish` makes one", file=sys.stderr)
        return 1
    questions = kb_questions(args.tracker_db)
    differences = replay(questions, open_index(settings, live_version), open_index(settings, candidate), settings.thresholds)
    if args.json:
        rows = [asdict(d) | {"text": redact(d.text), "dropped": d.dropped} for d in differences]
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    print(f"{len(questions)} distinct shopper questions; live {live_version} vs candidate {candidate}")
    dropped = [d for d in differences if d.dropped]
    print(f"{len(differences)} would get a different reply, {len(dropped)} of them no longer answered outright")
    for d in differences:
        mark = "!" if d.dropped else " "
        print(f"{mark} x{d.times_asked:<3} {redact(d.text)[:70]!r:74} {str(d.live):34} -> {d.candidate}")
    return 0


def unix_time(value: str) -> float:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date or time: {value!r} (e.g. 2026-11-01)") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _cmd_traffic(args: argparse.Namespace) -> int:
    report = traffic_report(kb_turns(args.tracker_db, args.since), args.top)
    print(json.dumps(report.as_dict(), ensure_ascii=False, indent=1) if args.json else format_traffic(report))
    return 0


def _cmd_lint(args: argparse.Namespace) -> int:
    settings = load_kb_settings()
    try:
        articles = load_sources(settings.source_paths)
    except KBValidationError as exc:
        for problem in exc.problems:
            print(f"error: {problem}")
        return 1
    encoder = get_encoder(settings.encoder)
    report = lint(articles, encoder, args.threshold or encoder.near_duplicate)
    for problem in report.errors:
        print(f"error: {problem.source}: {problem.message}")
    for problem in report.warnings:
        print(f"warning: {(problem.source + ': ') if problem.source else ''}{problem.message}")
    print(f"{len(articles)} article files: {len(report.errors)} error(s), {len(report.warnings)} warning(s)")
    return 1 if report.errors else 0


def _cmd_versions(args: argparse.Namespace) -> int:
    store = IndexStore(load_kb_settings().index_dir)
    live = store.live_version()
    for version in store.versions():
        meta = read_meta(store.versions_dir / version)
        details = f"{len(meta.get('articles', {})):5} articles  {meta.get('search', {}).get('type', 'flat'):5}"
        if "thresholds" in meta:
            languages = sorted(meta["thresholds"].get("by_language", {}))
            details += "  calibrated" + (f" ({', '.join(languages)})" if languages else "")
        print(f"{'*' if version == live else ' '} {version}  {details}")
    return 0


def _push(settings: KBSettings, version: str) -> None:
    pushed = push_reload(settings, version)
    if pushed.reloaded or pushed.failed:
        print(f"  {pushed.reloaded} action server(s) reloaded it, {pushed.failed} will at their next poll")


def _cmd_publish(args: argparse.Namespace) -> int:
    settings = load_kb_settings()
    store = IndexStore(settings.index_dir)
    try:
        with store.writer_lock():
            store.publish(args.version)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"index {args.version} is live; running action servers switch to it within seconds")
    _push(settings, args.version)
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from kb_index.server import TOKEN_ENV, serve

    try:
        serve(load_kb_settings(), args.host, args.port)
    except ValueError as exc:
        print(f"{exc} ({TOKEN_ENV})", file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m kb_index",
        description="Build, check and publish the knowledge-base index the bot answers from. "
        "Settings come from assistant.yml (kb: section).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser(
        "build", help="validate every source (kb.sources) and build (and publish) a new index version if anything changed"
    )
    p.add_argument("--full", action="store_true", help="re-embed every article instead of reusing unchanged ones")
    p.add_argument("--no-publish", action="store_true", help="build the version but leave the live one serving")
    p.set_defaults(handler=_cmd_build)

    p = commands.add_parser("search", help="show the best articles for a question and what the bot would do")
    p.add_argument("text", help="the shopper's question")
    p.add_argument("-k", type=int, default=3, help="how many articles to show (default 3)")
    p.add_argument("--lang", help="the shopper's language (en, pl, ru...): the thresholds calibrated for it apply")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(handler=_cmd_search)

    p = commands.add_parser(
        "lint",
        help="check the KB: errors (exit 1: invalid files, broken kb: links), "
        "warnings (missing translations, few questions, near-duplicates)",
    )
    p.add_argument(
        "--threshold", type=float, help="similarity at which two questions count as duplicates (default: the encoder's)"
    )
    p.set_defaults(handler=_cmd_lint)

    p = commands.add_parser("versions", help="list built index versions; * marks the live one")
    p.set_defaults(handler=_cmd_versions)

    for name, text in (("publish", "make a built version live"), ("rollback", "make an earlier version live again")):
        p = commands.add_parser(name, help=text)
        p.add_argument("version", help="a version name from `versions`")
        p.set_defaults(handler=_cmd_publish)

    p = commands.add_parser(
        "eval", help="measure answer quality on labelled questions (CSV/JSONL: text, article_id; empty id = must hand off)"
    )
    p.add_argument("--queries", required=True, nargs="+", help="file(s) of labelled questions")
    p.add_argument("--version", help="evaluate this version instead of the live one")
    p.add_argument("--json", action="store_true", help="print the JSON report instead of the table")
    p.set_defaults(handler=_cmd_eval)

    p = commands.add_parser(
        "calibrate",
        help="choose the answer/suggest/margin thresholds and store them with the index version "
        "(from labelled questions, or from the KB's own questions when --queries is left out)",
    )
    p.add_argument("--queries", nargs="+", help="labelled questions (as for eval); without: self-calibration on the KB")
    p.add_argument("--max-wrong", type=float, default=0.05, help="highest share of questions answered wrongly (default 0.05)")
    p.add_argument(
        "--out-of-scope-share", type=float, default=0.3,
        help="self-calibration: share of live questions the KB cannot answer (default 0.3)",
    )
    p.add_argument(
        "--traffic", nargs="?", const="", metavar="TRACKER_DB",
        help="self-calibration: estimate that share from the questions logged in Rasa's tracker store instead "
        "(a SQLite path or SQLAlchemy URL; default: $TRACKER_DB, else var/tracker.db)",
    )
    p.add_argument("--version", help="calibrate this version (default: the live one)")
    p.add_argument("--no-publish", action="store_true", help="store the thresholds in a new version but do not publish it")
    p.set_defaults(handler=_cmd_calibrate)

    p = commands.add_parser(
        "replay", help="run the questions shoppers asked (tracker store) against a candidate version and the live one"
    )
    p.add_argument("--candidate", help="version to compare (default: the newest unpublished one)")
    p.add_argument("--tracker-db", help=TRACKER_HELP)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(handler=_cmd_replay)

    p = commands.add_parser(
        "traffic",
        help="how real shoppers' questions fared (tracker store): answered, offered, \"don't know\", handed to a person; "
        "the most asked unanswered questions and the answers after which shoppers asked for a person",
    )
    p.add_argument("--tracker-db", help=TRACKER_HELP)
    p.add_argument("--since", type=unix_time, help="only questions from this date or time on (ISO 8601, UTC unless it "
                   "says otherwise, e.g. 2026-11-01 or 2026-11-01T08:00+01:00)")
    p.add_argument("--top", type=int, default=20, help="questions listed per list (default 20)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(handler=_cmd_traffic)

    p = commands.add_parser("serve", help="HTTP endpoint for a CMS or CI: POST /publish with the token in $KB_PUBLISH_TOKEN")
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=5090, help="port (default 5090)")
    p.set_defaults(handler=_cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except FileNotFoundError as exc:  # no index yet, no tracker store: say so, not a traceback
        print(exc, file=sys.stderr)
        return 1
