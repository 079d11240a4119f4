"""odil (Debian ``python3-odil``, system Python) querying ``rpiq serve`` for all three SOP classes.

``odil.FindSCU`` returns only the Pending data sets and hides every final status, so the script
also sends the same request through odil's DIMSE message layer and reports each response's status
and whether it carried a data set; both views are checked here.
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
    assert_exchange,
    assert_identifier,
    assert_same_identifier,
)
from interop.peers import Endpoint, odil_find

pytestmark = [pytest.mark.interop, pytest.mark.usefixtures("odil_available")]


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda case: case.id)
def test_odil_query(rpiq_server: Endpoint, case: Case) -> None:
    report = odil_find(rpiq_server, case.query)

    assert report.accepted_sop_classes == sorted([GENERAL, BREAST, CARDIAC])
    assert report.released
    assert_exchange(report.responses, case.outcome)
    if case.outcome is Outcome.MATCH:
        identifier = assert_identifier(report.responses[0].dataset, case.query)
        [from_find_scu] = report.find_scu_datasets  # FindSCU saw the same identifier
        assert_same_identifier(from_find_scu, identifier)
    else:
        assert report.find_scu_datasets == []
