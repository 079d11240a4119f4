"""The report, for people (one line per check and a summary) and for machines (JSON)."""

from __future__ import annotations

import json

from rpiq.conformance.results import Outcome, Report

ID_WIDTH = 34


def text_report(report: Report) -> list[str]:
    """``RESULT  id  what — detail`` per check, then the summary."""
    target = report.target
    lines = [
        f"rpiq conformance: {target.host}:{target.port} (called AE {target.called_ae}, "
        f"calling AE {target.calling_ae})"
    ]
    for result in report.results:
        line = f"{result.outcome.value:<4}  {result.check_id:<{ID_WIDTH}}  {result.what}"
        if result.detail:
            line += f" — {result.detail}"
        lines.append(line)
    lines.append(summary_line(report))
    return lines


def summary_line(report: Report) -> str:
    counts = report.counts()
    tally = ", ".join(f"{counts[outcome]} {outcome.value}" for outcome in Outcome)
    if not report.associated:
        verdict = "no association"
    elif report.failures():
        verdict = "NOT conformant"
    else:
        verdict = "no failures"
    return f"Summary: {len(report.results)} checks: {tally}: {verdict} (exit {report.exit_status})"


def json_report(report: Report) -> str:
    """One JSON object: target, association, every check, the counts and the exit status."""
    target = report.target
    document = {
        "target": {
            "host": target.host,
            "port": target.port,
            "called_ae": target.called_ae,
            "calling_ae": target.calling_ae,
        },
        "associated": report.associated,
        "accepted_sop_classes": list(report.accepted_sop_classes),
        "checks": [
            {
                "id": result.check_id,
                "result": result.outcome.value,
                "what": result.what,
                "detail": result.detail,
            }
            for result in report.results
        ],
        "summary": {outcome.value: count for outcome, count in report.counts().items()},
        "exit_status": report.exit_status,
    }
    return json.dumps(document, indent=2, ensure_ascii=False)
