"""Differential: odil and dcmjs-dimse decode the same match into the same identifier."""

from __future__ import annotations

import pytest
from pydicom.dataset import Dataset

from interop.cases import (
    BREAST,
    CARDIAC,
    GENERAL,
    INTERNATIONAL_QUERY,
    assert_identifier,
    assert_same_identifier,
    match_query,
)
from interop.peers import Endpoint, RpiQuery, dcmjs_find, odil_find

pytestmark = [
    pytest.mark.interop,
    pytest.mark.usefixtures("odil_available", "dcmjs_dimse_available"),
]


def both_peers(endpoint: Endpoint, query: RpiQuery) -> tuple[Dataset, Dataset]:
    """The identifier each peer decoded (one query each)."""
    from_odil = odil_find(endpoint, query).responses[0].dataset
    from_dcmjs = dcmjs_find(endpoint, [query]).requests[0].responses[0].dataset
    assert from_odil is not None
    assert from_dcmjs is not None
    return from_odil, from_dcmjs


@pytest.mark.parametrize(
    "sop_class_uid", [GENERAL, BREAST, CARDIAC], ids=["general", "breast", "cardiac"]
)
def test_odil_and_dcmjs_dimse_decode_the_same_identifier(
    rpiq_server: Endpoint, sop_class_uid: str
) -> None:
    from_odil, from_dcmjs = both_peers(rpiq_server, match_query(sop_class_uid))

    assert_same_identifier(from_odil, from_dcmjs)


def test_non_ascii_name_reaches_both_peers(rpiq_server: Endpoint) -> None:
    """RPI-INTL-001: the character set is declared and all three name groups survive."""
    from_odil, from_dcmjs = both_peers(rpiq_server, INTERNATIONAL_QUERY)

    assert_same_identifier(from_odil, from_dcmjs)
    assert_identifier(from_dcmjs, INTERNATIONAL_QUERY)
    assert from_odil.get("SpecificCharacterSet")
    name = from_odil.PatientName
    assert name.alphabetic
    assert not name.ideographic.isascii()
    assert not name.phonetic.isascii()
