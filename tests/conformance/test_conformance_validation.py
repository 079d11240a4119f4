"""The validator as the tester calls it: errors fail the check, warnings do not."""

from __future__ import annotations

from copy import deepcopy

from conformance.broken_scp import answer
from rpiq.conformance.checks_match import validator_verdict
from rpiq.conformance.results import Outcome
from rpiq.conformance.validation import ValidatorVerdict, validate_answer
from rpiq.net.client import build_request


def test_a_valid_tid_9007_answer_has_no_finding() -> None:
    assert validate_answer(answer(build_request("P1")), "9007") == ValidatorVerdict((), ())


def test_a_repeated_language_row_is_an_error_with_path_and_row() -> None:
    identifier = answer(build_request("P1"))
    identifier.ContentSequence.append(deepcopy(identifier.ContentSequence[0]))
    verdict = validate_answer(identifier, "9007")
    assert verdict.errors == ("1.2 TID 9007 row 2: more than 1 item(s) for TID 9007 row 2 (VM 1)",)
    checked = validator_verdict(identifier, "9007")
    assert checked.outcome is Outcome.FAIL
    assert checked.detail.startswith("1 error: 1.2 TID 9007 row 2: more than 1")


def test_a_zero_length_content_sequence_is_a_warning_not_a_failure() -> None:
    identifier = answer(build_request("P1"))
    identifier.ContentSequence = []
    verdict = validate_answer(identifier, "9007")
    assert verdict.errors == ()
    assert verdict.warnings[0].startswith("1 TID 9007 row 1: zero-length Content Sequence")
    assert validator_verdict(identifier, "9007").outcome is not Outcome.FAIL


def test_summary_counts_and_caps_what_it_shows() -> None:
    verdict = ValidatorVerdict(tuple(f"e{n}" for n in range(7)), ("w1", "w2", "w3"))
    assert verdict.summary() == (
        "7 errors: e0; e1; e2; e3; e4; and 2 more (3 warnings: w1; w2; and 1 more)"
    )
    assert ValidatorVerdict((), ("w1",)).summary() == "0 errors (1 warning: w1)"
