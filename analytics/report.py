"""The whole report (page, CLI, e-mail), its CSV exports and its plain-text form."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine

from analytics import clusters, numbers
from analytics.numbers import Scope


def full_report(
    analytics: Engine,
    desk: Engine | None,
    since: datetime,
    until: datetime,
    *,
    near_duplicate: float,
    channel: str | None = None,
    lang: str | None = None,
    agent_id: int | None = None,
) -> dict[str, Any]:
    """Every number for the period. ``agent_id``: an agent who is not an admin sees only their own handoffs and ratings."""
    scope = Scope(since, until, channel or None, lang or None, agent_id)
    report: dict[str, Any] = {"since": since.isoformat(), "until": until.isoformat(), "channel": channel, "lang": lang}
    if agent_id is None:
        with analytics.connect() as connection:
            report["bot"] = numbers.bot_numbers(connection, scope)
            report["handoffs"] = numbers.handoff_numbers(connection, scope)
            report["articles"] = numbers.article_numbers(connection, scope)
            report["clusters"] = clusters.clusters(connection, scope, near_duplicate)
    if desk is not None:
        with desk.connect() as connection:
            report["desk"] = numbers.desk_numbers(connection, scope)
    return report


# The table behind each chart: (columns, rows from the report). Every text in them is redacted already.
def tables(report: dict[str, Any]) -> dict[str, tuple[list[str], list[list[Any]]]]:
    result: dict[str, tuple[list[str], list[list[Any]]]] = {}
    if "bot" in report:
        bot = report["bot"]
        keys = ["conversations", "questions", "answered_outright", "suggested_and_picked", "unknown", "person_right_after",
                "deflected_naive", "recontacted", "deflected"]
        result["outcomes"] = (["measure", "count"], [[k, bot[k]] for k in keys])
        result["handoff_reasons"] = (["reason", "count"], [[r["label"], r["count"]] for r in report["handoffs"]["by_reason"]])
        result["handoff_hours"] = (["hour", "in_support_hours", "outside_support_hours"],
                                   [[h["hour"], h["in_hours"], h["out_of_hours"]] for h in report["handoffs"]["by_hour"]])
        result["articles"] = (["article", "answered", "confirmed_helpful", "rejected", "followed_by_handoff", "recontacted"],
                              [[a["article"], a["answered"], a["helpful"], a["rejected"], a["handoff"], a["recontacted"]]
                               for a in report["articles"]])
        result["clusters"] = (["language", "questions", "examples"],
                              [[c["lang"], c["count"], " | ".join(c["examples"])]
                               for groups in report["clusters"].values() for c in groups])
    if "desk" in report:
        csat = report["desk"]["csat"]
        result["csat_distribution"] = (["stars", "ratings"], [[s, n] for s, n in csat["distribution"].items()])
        result["csat_trend"] = (["day", "ratings", "average"], [[d["day"], d["count"], d["average"]] for d in csat["trend"]])
        result["csat_comments"] = (["rating", "comment", "at"], [[c["rating"], c["comment"], c["at"]] for c in csat["comments"]])
        result["agents"] = (["agent", "handoffs", "first_reply_median_minutes", "ratings", "csat"],
                            [[a["agent"], a["handoffs"], a["first_reply_median_minutes"], a["ratings"], a["csat"]]
                             for a in report["desk"]["agents"]])
        times = [("first_human_reply", report["desk"]["first_reply_minutes"]),
                 ("resolution", report["desk"]["resolution_minutes"])]
        result["reply_times"] = (["measure", "count", "mean_minutes", "median_minutes"],
                                 [[name, t["count"], t["mean"], t["median"]] for name, t in times])
        if tickets := report["desk"]["tickets"]:  # None in an agent's own report
            result["tickets"] = (["reason", "tickets"], [[reason, n] for reason, n in sorted(tickets["by_reason"].items())])
            result["ticket_replies"] = (["measure", "count", "mean_hours", "median_hours"], [
                [name, t["count"], t["mean"], t["median"]]
                for name, t in (("promised_reply", tickets["promised_reply_hours"]), ("first_reply", tickets["reply_hours"]))
            ])
    return result


def to_csv(columns: list[str], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        # A cell starting with = + - @ is a formula to a spreadsheet: shopper text must stay text.
        writer.writerow(["'" + c if isinstance(c, str) and c[:1] in "=+-@" else c for c in row])
    return out.getvalue()


def percent(value: float | None) -> str:
    """A share as the reports print it: 41.2 %, or - when there was nothing to share."""
    return "-" if value is None else f"{100 * value:.1f} %"


def format_report(report: dict[str, Any]) -> str:
    lines = [f"Analytics {report['since'][:10]} .. {report['until'][:10]}"]
    if "bot" in report:
        bot = report["bot"]
        lines += [
            f"  conversations             {bot['conversations']}",
            f"  questions                 {bot['questions']}",
            f"  answered outright         {bot['answered_outright']}",
            f"  suggested, one picked     {bot['suggested_and_picked']} of {bot['suggested']} suggested",
            f"  did not know              {bot['unknown']}",
            f"  deflection (naive)        {percent(bot['deflection_naive'])}  ({bot['deflected_naive']})",
            f"  deflection (re-contact)   {percent(bot['deflection'])}  ({bot['deflected']}; {bot['recontacted']} came back)",
            f"  handoffs                  {report['handoffs']['total']}"
            f" ({report['handoffs']['out_of_hours']} outside support hours)",
        ]
        lines += [f"    {r['label']:<26}{r['count']}" for r in report["handoffs"]["by_reason"]]
    if "desk" in report:
        desk = report["desk"]
        csat = desk["csat"]
        lines += [
            f"  first human reply         median {desk['first_reply_minutes']['median']} min",
            f"  resolution                median {desk['resolution_minutes']['median']} min",
            f"  CSAT                      {csat['average']} from {csat['count']} ratings "
            + " ".join(f"{s}★:{n}" for s, n in csat["distribution"].items()),
            f"  tickets                   {(desk['tickets'] or {}).get('count', '-')}"
            + (f" (answered {t['reply_hours']['count']}, first reply median {t['reply_hours']['median']} h)"
               if (t := desk["tickets"]) else ""),
        ]
    for lang, groups in (report.get("clusters") or {}).items():
        lines.append(f"  to fix next [{lang}]:")
        lines += [f"    x{c['count']:<5} {' | '.join(c['examples'])[:100]}" for c in groups[:5]]
    return "\n".join(lines)
