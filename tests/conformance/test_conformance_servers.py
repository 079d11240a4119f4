"""The battery against real SCPs: our own server passes; a broken one fails where it is broken.

Both servers run in-process on 127.0.0.1 port 0; the battery runs through the command's own
handler (``register()`` on a private parser), over real associations.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest

from conformance.broken_scp import BrokenScp
from conformance.conftest import parse
from rpiq.conformance import ConformanceOptions, Outcome, Report, run_battery
from rpiq.conformance.catalogue import sop_checks
from rpiq.net.sop_names import SOP_NAMES

DEMO_ISSUER = "RPIQ-DEMO"


@pytest.fixture(scope="module")
def our_report(rpiq_server: tuple[str, int]) -> Report:
    host, port = rpiq_server
    options = ConformanceOptions(
        host, port, "RPI-BREAST-001", DEMO_ISSUER, duplicate_id="RPI-DUP-001", timeout=10
    )
    return run_battery(options)


@pytest.fixture(scope="module")
def broken_report(broken_scp: tuple[str, int]) -> Report:
    host, port = broken_scp
    return run_battery(ConformanceOptions(host, port, "RPI-BREAST-001", duplicate_id="DUP-1"))


def _ids(report: Report, outcome: Outcome) -> set[str]:
    return {result.check_id for result in report.results if result.outcome is outcome}


def test_our_server_passes_every_check(our_report: Report) -> None:
    not_passed = [r for r in our_report.results if r.outcome is not Outcome.PASS]
    assert not_passed == []
    assert our_report.exit_status == 0
    assert our_report.accepted_sop_classes == (
        "General Relevant Patient Information Query",
        "Breast Imaging Relevant Patient Information Query",
        "Cardiac Relevant Patient Information Query",
    )


def test_every_catalogued_check_is_reported_once(our_report: Report) -> None:
    expected = ["assoc.connect", "assoc.echo", "assoc.sop-classes"]
    for sop in SOP_NAMES:
        expected += [f"{sop}.{suffix}" for suffix, _what in sop_checks(sop)]
    expected += ["wire.final-no-data-set", "wire.pending", "wire.association-kept"]
    assert [result.check_id for result in our_report.results] == expected


def test_our_server_answers_every_annex_k_root_under_general(our_report: Report) -> None:
    for template_id in ("9007", "9000", "9001", "9002", "9003", "9004", "9005", "9006", "3802"):
        result = our_report.by_id(f"general.root.{template_id}")
        assert result.outcome is Outcome.PASS, result
        assert result.detail.startswith("answered")


def test_our_server_details_name_what_was_seen(our_report: Report) -> None:
    assert our_report.by_id("general.match.status").detail == (
        "FF00 (data set), 0000 (no data set)"
    )
    assert our_report.by_id("cardiac.duplicate").detail.startswith("0xC100")
    assert our_report.by_id("breast.reject.3802").detail.startswith("0xC200")
    assert "issuer 'RPIQ-DEMO' returned" in our_report.by_id("general.issuer.empty").detail


def test_broken_scp_fails_where_it_is_broken(broken_report: Report) -> None:
    failed = _ids(broken_report, Outcome.FAIL)
    assert {
        "general.match.final-no-data-set",
        "general.match.no-extra-attributes",
        "general.patient-id.missing",
        "general.patient-id.empty",
        "general.patient-id.wildcard",
        "general.no-match",
        "general.duplicate",
        "general.reject.bogus",
        "general.root.9007",  # Patient's Age was not requested
        "general.root.9000",  # TID 9007's concept for every template
        "general.root.3802",
        "wire.final-no-data-set",
    } <= failed
    assert broken_report.exit_status == 1
    assert "validator: 2 errors: 1 TID 9003 row 1: concept name (111517, DCM" in (
        broken_report.by_id("general.root.9003").detail
    )
    final = broken_report.by_id("general.match.final-no-data-set")
    assert final.detail == "final 0000 has Command Data Set Type 0001H and a data set"
    assert (
        "PatientAge (0010,1010)" in broken_report.by_id("general.match.no-extra-attributes").detail
    )


def test_broken_scp_gets_right_what_it_gets_right(broken_report: Report) -> None:
    passed = _ids(broken_report, Outcome.PASS)
    assert {
        "assoc.connect",
        "assoc.echo",
        "general.match.status",
        "general.match.return-keys",
        "general.match.root",
        "general.match.template-echo",
        "general.cancel",  # the stock class never cancels: a crossing Success is allowed
        "wire.pending",
        "wire.association-kept",
    } <= passed
    assert broken_report.by_id("general.concept-name-in-request").outcome is Outcome.WARN


def test_sop_classes_the_scp_refuses_are_reported_not_run(broken_report: Report) -> None:
    for sop in ("breast", "cardiac"):
        for suffix, _what in sop_checks(sop):
            result = broken_report.by_id(f"{sop}.{suffix}")
            assert result.outcome is Outcome.SKIP
            assert result.detail == "not run: the SCP does not accept this SOP class"
    sop_classes = broken_report.by_id("assoc.sop-classes")
    assert sop_classes.outcome is Outcome.PASS
    assert "not accepted: Breast Imaging" in sop_classes.detail


def test_duplicate_check_is_not_run_without_duplicate_id(rpiq_server: tuple[str, int]) -> None:
    host, port = rpiq_server
    report = run_battery(ConformanceOptions(host, port, "RPI-CARDIAC-001", DEMO_ISSUER))
    for sop in SOP_NAMES:
        result = report.by_id(f"{sop}.duplicate")
        assert (result.outcome, result.detail) == (
            Outcome.SKIP,
            "not run: no --duplicate-id given",
        )
    assert report.failures() == ()
    assert report.exit_status == 0


def test_cli_text_report_on_our_server(
    rpiq_server: tuple[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    host, port = rpiq_server
    args = parse(host, str(port), "--patient-id", "RPI-CARDIAC-001", "--issuer", DEMO_ISSUER)
    assert args.handler(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"rpiq conformance: {host}:{port}")
    assert lines[1].startswith("PASS  assoc.connect")
    assert lines[-1].startswith("Summary: ")
    assert " 0 FAIL: no failures (exit 0)" in lines[-1]


def test_cli_json_report_on_broken_scp(
    broken_scp: tuple[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    host, port = broken_scp
    args = parse(host, str(port), "--patient-id", "P1", "--format", "json")
    assert args.handler(args) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["associated"] is True
    assert document["exit_status"] == 1
    assert document["accepted_sop_classes"] == ["General Relevant Patient Information Query"]
    checks = {check["id"]: check for check in document["checks"]}
    assert checks["general.match.final-no-data-set"]["result"] == "FAIL"
    assert checks["general.duplicate"]["result"] == "SKIP"
    assert document["summary"]["FAIL"] == sum(
        1 for check in document["checks"] if check["result"] == "FAIL"
    )


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port bound but not listening: connections to it are refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


def test_no_association_is_exit_3(closed_port: int, capsys: pytest.CaptureFixture[str]) -> None:
    args = parse("127.0.0.1", str(closed_port), "--patient-id", "P1", "--timeout", "5")
    assert args.handler(args) == 3
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("FAIL  assoc.connect")
    assert lines[-1].endswith("no association (exit 3)")


def test_a_request_left_unanswered_fails_and_the_battery_goes_on() -> None:
    with BrokenScp(hang_without_patient_id=True) as scp:
        report = run_battery(ConformanceOptions(*scp.address, "P1", timeout=1.0))
    missing = report.by_id("general.patient-id.missing")
    assert missing.outcome is Outcome.FAIL
    assert "FF01 (no data set); no final response" in missing.detail
    pending = report.by_id("wire.pending")
    assert pending.outcome is Outcome.FAIL
    assert "general.patient-id.missing" in pending.detail
    # the next checks ran on a new association
    assert report.by_id("general.patient-id.empty").detail.startswith("expected A900, got FF00")
    assert report.by_id("general.cancel").outcome is Outcome.PASS


@pytest.mark.parametrize("bad", ["", "   ", "RPI*", "RPI?", "A\\B", "X" * 65])
def test_cli_refuses_a_patient_id_it_cannot_query_with(
    bad: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        parse("127.0.0.1", "104", "--patient-id", bad)
    assert exited.value.code == 2
    assert "Patient ID" in capsys.readouterr().err
