"""The report: exit statuses, text lines and the JSON document, on hand-made results."""

from __future__ import annotations

import json

from rpiq.conformance.report import json_report, text_report
from rpiq.conformance.results import CheckResult, Outcome, Report, Target

TARGET = Target("scp.example", 104, "THEIR-SCP", "RPIQ-SCU")


def _report(*outcomes: Outcome, associated: bool = True) -> Report:
    results = tuple(
        CheckResult(f"check.{index}", outcome, f"what {index}", f"detail {index}")
        for index, outcome in enumerate(outcomes)
    )
    return Report(TARGET, associated, results, ("General Relevant Patient Information Query",))


def test_exit_status_0_without_failure_whatever_else() -> None:
    report = _report(Outcome.PASS, Outcome.WARN, Outcome.INFO, Outcome.SKIP)
    assert report.exit_status == 0


def test_exit_status_1_with_one_failure() -> None:
    assert _report(Outcome.PASS, Outcome.FAIL).exit_status == 1


def test_exit_status_3_without_association() -> None:
    assert _report(Outcome.FAIL, associated=False).exit_status == 3


def test_text_report_one_line_per_check_and_a_summary() -> None:
    lines = text_report(_report(Outcome.PASS, Outcome.FAIL))
    assert lines[0] == (
        "rpiq conformance: scp.example:104 (called AE THEIR-SCP, calling AE RPIQ-SCU)"
    )
    assert lines[1].split() == ["PASS", "check.0", "what", "0", "—", "detail", "0"]
    assert lines[2].startswith("FAIL  check.1 ")
    assert lines[3] == (
        "Summary: 2 checks: 1 PASS, 0 WARN, 0 INFO, 0 SKIP, 1 FAIL: NOT conformant (exit 1)"
    )


def test_json_report_is_machine_readable() -> None:
    document = json.loads(json_report(_report(Outcome.SKIP, Outcome.WARN)))
    assert document == {
        "target": {
            "host": "scp.example",
            "port": 104,
            "called_ae": "THEIR-SCP",
            "calling_ae": "RPIQ-SCU",
        },
        "associated": True,
        "accepted_sop_classes": ["General Relevant Patient Information Query"],
        "checks": [
            {"id": "check.0", "result": "SKIP", "what": "what 0", "detail": "detail 0"},
            {"id": "check.1", "result": "WARN", "what": "what 1", "detail": "detail 1"},
        ],
        "summary": {"PASS": 0, "WARN": 1, "INFO": 0, "SKIP": 1, "FAIL": 0},
        "exit_status": 0,
    }
