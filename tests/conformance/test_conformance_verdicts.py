"""Verdicts from hand-made exchanges: the paths a given SCP may not take on a given run
(FE00 versus a crossing Success, two Pendings, an ended association)."""

from __future__ import annotations

import pytest
from pydicom.dataset import Dataset

from rpiq.conformance.battery import wire_checks
from rpiq.conformance.checks_match import final_without_data_set, match_status
from rpiq.conformance.checks_status import cancel_verdict, expect_a900_on_patient_id
from rpiq.conformance.probe import Exchange, WireResponse
from rpiq.conformance.results import Outcome
from rpiq.net.client import QueryResult, build_request

PENDING = WireResponse(0xFF00, 0x0001)
SUCCESS = WireResponse(0x0000, 0x0101)
SUCCESS_WITH_DATA_SET = WireResponse(0x0000, 0x0001)
CANCELED = WireResponse(0xFE00, 0x0101)


def _exchange(status: int | None, *wire: WireResponse, offending: tuple[int, ...] = ()) -> Exchange:
    pending = sum(1 for response in wire if response.is_pending)
    result = None
    if status is not None:
        identifier = Dataset() if pending else None
        result = QueryResult(
            status, "", identifier, offending_element=offending, pending_count=pending
        )
    error = None if status is not None else "no final response: timed out"
    return Exchange("x.cancel", "general", build_request("P1"), result, wire, error)


@pytest.mark.parametrize(
    ("status", "wire", "ended"),
    [
        (0xFE00, (CANCELED,), "FE00 (canceled)"),
        (0xFE00, (PENDING, CANCELED), "FE00 (canceled)"),
        (0x0000, (PENDING, SUCCESS), "0000 (crossed the cancel; allowed)"),
    ],
)
def test_cancel_passes_with_fe00_or_a_crossing_success(
    status: int, wire: tuple[WireResponse, ...], ended: str
) -> None:
    verdict = cancel_verdict(_exchange(status, *wire), afterwards=None)
    assert verdict.outcome is Outcome.PASS
    assert ended in verdict.detail


def test_cancel_fails_on_another_status_or_a_broken_association() -> None:
    failed = cancel_verdict(_exchange(0xC000, WireResponse(0xC000, 0x0101)), None)
    assert failed.outcome is Outcome.FAIL
    assert "0xC000" in failed.detail
    ended = cancel_verdict(_exchange(0xFE00, CANCELED), "the association ended")
    assert (ended.outcome, ended.detail) == (
        Outcome.FAIL,
        "FE00 (canceled); afterwards: the association ended",
    )
    silent = cancel_verdict(_exchange(None, PENDING), None)
    assert (silent.outcome, silent.detail) == (
        Outcome.FAIL,
        "FF00 (data set); no final response: timed out",
    )


def test_two_pendings_fail_the_match_and_the_wire() -> None:
    exchange = _exchange(0x0000, PENDING, PENDING, SUCCESS)
    assert match_status(exchange).outcome is Outcome.FAIL
    pending = {result.check_id: result for result in wire_checks([exchange])}["wire.pending"]
    assert pending.outcome is Outcome.FAIL


def test_a_final_success_with_data_set_fails() -> None:
    verdict = final_without_data_set(_exchange(0x0000, PENDING, SUCCESS_WITH_DATA_SET))
    assert verdict.outcome is Outcome.FAIL
    assert final_without_data_set(_exchange(0x0000, PENDING, SUCCESS)).outcome is Outcome.PASS


def test_a900_without_offending_element_is_a_warning() -> None:
    refused = WireResponse(0xA900, 0x0101)
    bare = expect_a900_on_patient_id(_exchange(0xA900, refused))
    assert (bare.outcome, bare.detail) == (
        Outcome.WARN,
        "A900 without Offending Element (0010,0020) (named: none)",
    )
    named = _exchange(0xA900, refused, offending=(0x00100020,))
    assert expect_a900_on_patient_id(named).outcome is Outcome.PASS
