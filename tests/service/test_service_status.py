"""The one status table and the SOP class table, checked against the standard's numbers and,
differentially, against pynetdicom's and pydicom's own tables."""

from __future__ import annotations

import pytest
from pydicom.uid import UID
from pynetdicom import sop_class as pynetdicom_sop_class
from pynetdicom.status import RELEVANT_PATIENT_SERVICE_CLASS_STATUS

from rpiq.errors import (
    ImportRefused,
    InvalidIdentifier,
    MigrationError,
    MoreThanOneMatch,
    OutOfResources,
    RpiqError,
    StoreError,
    TemplateNotSupported,
)
from rpiq.service.status import (
    ANNEX_K_ROOTS,
    BREAST,
    CARDIAC,
    GENERAL,
    SOP_CLASSES,
    STATUSES,
    describe_status,
    error_comment,
    status_category,
    status_for,
)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (OutOfResources("x"), 0xA700),
        (InvalidIdentifier("x", (0x00100020,)), 0xA900),
        (StoreError("x"), 0xC000),
        (MigrationError("x"), 0xC000),
        (MoreThanOneMatch("x"), 0xC100),
        (TemplateNotSupported("x"), 0xC200),
        (ImportRefused("f", "r"), 0xC000),
        (RpiqError("x"), 0xC000),
        (KeyError("x"), 0xC000),
    ],
)
def test_error_classes_map_to_statuses(error: Exception, status: int) -> None:
    assert status_for(error) == status


def test_codes_agree_with_pynetdicom() -> None:
    annex_q = {code for code, (category, _) in RELEVANT_PATIENT_SERVICE_CLASS_STATUS.items()}
    assert {0xA700, 0xA900, 0xC000, 0xC100, 0xC200, 0xFF00, 0x0000, 0xFE00} <= annex_q
    for code, info in STATUSES.items():
        assert RELEVANT_PATIENT_SERVICE_CLASS_STATUS[code][0] == info.category
    assert 0xFF01 not in STATUSES  # Annex Q has no FF01


def test_descriptions_for_people() -> None:
    assert describe_status(0xC100) == "0xC100 Failure: Failed: More than one match found"
    assert describe_status(0xA900) == "0xA900 Failure: Error: Data Set does not match SOP Class"
    assert describe_status(0xFE00).startswith("0xFE00 Cancel:")
    assert describe_status(0xC311) == "0xC311 Failure: not defined for this service class"
    assert status_category(0xFF01) == "Pending"
    assert status_category(0xB000) == "Warning"


def test_error_comment_is_valid_lo() -> None:
    assert error_comment("plain") == "plain"
    assert error_comment("a\\b\nc\u00e9") == "a?b c?"
    long = error_comment("x" * 100)
    assert len(long) == 64
    assert long.endswith("...")


def test_sop_classes_agree_with_pynetdicom_and_pydicom() -> None:
    for sop_class in (GENERAL, BREAST, CARDIAC):  # pynetdicom makes these names at import
        assert getattr(pynetdicom_sop_class, sop_class.keyword) == sop_class.uid
    for sop_class in SOP_CLASSES.values():
        assert UID(sop_class.uid).name == sop_class.name
        assert UID(sop_class.uid).keyword == sop_class.keyword


def test_roots_per_sop_class() -> None:
    assert {"9007", "9000", "9001", "9002", "9003", "9004", "9005", "9006", "3802"} == ANNEX_K_ROOTS
    assert (GENERAL.default_root, GENERAL.allowed_roots) == ("9007", ANNEX_K_ROOTS)
    assert (BREAST.default_root, BREAST.allowed_roots) == ("9000", frozenset({"9000"}))
    assert (CARDIAC.default_root, CARDIAC.allowed_roots) == ("3802", frozenset({"3802"}))
