"""dcmjs-dimse (npm, node) querying ``rpiq serve`` for all three SOP classes.

dcmjs-dimse reports each C-FIND-RSP's Command Data Set Type, so these tests see whether the final
Success carries a data set (PS3.7 9.1.2.1.5 forbids it; pynetdicom's own RPI SCP sends one).
"""

from __future__ import annotations

import pytest

from interop.cases import (
    ALL_CASES,
    BREAST,
    CARDIAC,
    GENERAL,
    Case,
    Outcome,
    assert_cancelled_exchange,
    assert_exchange,
    assert_identifier,
    match_query,
)
from interop.peers import DcmjsRequestReport, Endpoint, dcmjs_find

pytestmark = [pytest.mark.interop, pytest.mark.usefixtures("dcmjs_dimse_available")]


def assert_command_fields(request: DcmjsRequestReport, sop_class_uid: str) -> None:
    """Each response answers this request's Message ID; any Affected SOP Class UID is the same."""
    assert request.message_id is not None
    assert request.message_ids_responded_to == [request.message_id] * len(request.responses)
    assert set(request.affected_sop_class_uids) <= {sop_class_uid, None}


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda case: case.id)
def test_dcmjs_dimse_query(rpiq_server: Endpoint, case: Case) -> None:
    report = dcmjs_find(rpiq_server, [case.query])

    assert report.released, report.events
    [request] = report.requests
    assert_exchange(request.responses, case.outcome)
    assert_command_fields(request, case.query.sop_class_uid)
    if case.outcome is Outcome.MATCH:
        assert_identifier(request.responses[0].dataset, case.query)


def test_dcmjs_dimse_three_sop_classes_on_one_association(rpiq_server: Endpoint) -> None:
    queries = [match_query(sop_class_uid) for sop_class_uid in (GENERAL, BREAST, CARDIAC)]

    report = dcmjs_find(rpiq_server, queries)

    assert report.released, report.events
    assert len(report.requests) == len(queries)
    assert len({request.message_id for request in report.requests}) == len(queries)
    for query, request in zip(queries, report.requests, strict=True):
        assert_exchange(request.responses, Outcome.MATCH)
        assert_command_fields(request, query.sop_class_uid)
        assert_identifier(request.responses[0].dataset, query)


def test_dcmjs_dimse_cancel(rpiq_server: Endpoint) -> None:
    """C-CANCEL-FIND right behind the request: FE00, or a 0000 that crossed it; then release."""
    query = match_query(BREAST)

    report = dcmjs_find(rpiq_server, [query], cancel=True)

    assert "cancelSent" in report.events
    assert report.released, report.events
    [request] = report.requests
    assert_cancelled_exchange(request.responses)
    assert_command_fields(request, query.sop_class_uid)
    if request.responses[0].dataset is not None:
        assert_identifier(request.responses[0].dataset, query)
