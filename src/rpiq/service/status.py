"""The one status table: error classes → DIMSE statuses, status meanings, and the RPI SOP classes.

Statuses are PS3.4 Table Q.2-1 plus the general C-FIND statuses of PS3.7 9.1.2.1.6. Annex Q has
no FF01 and no C000-CFFF range: C000 is one code.

=========================  ======  ===================================================
error class (rpiq.errors)  status  meaning
=========================  ======  ===================================================
``OutOfResources``         A700    Refused: Out of resources
``InvalidIdentifier``      A900    Error: Data Set does not match SOP Class
``StoreError``             C000    Failed: Unable to process
``MoreThanOneMatch``       C100    Failed: More than one match found
``TemplateNotSupported``   C200    Failed: Unable to support requested template
any other exception        C000    Failed: Unable to process
=========================  ======  ===================================================

The SOP classes (PS3.4 Table Q.4-3) and the root templates each one offers: Breast only TID 9000,
Cardiac only TID 3802, General TID 9007 (its default) and the PS3.16 Annex K list (9000-9006,
3802). Whether a template is actually built here is decided by ``rpiq.templates.roots``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from rpiq.errors import (
    InvalidIdentifier,
    MoreThanOneMatch,
    OutOfResources,
    StoreError,
    TemplateNotSupported,
)

SUCCESS = 0x0000
PENDING = 0xFF00
CANCEL = 0xFE00
OUT_OF_RESOURCES = 0xA700
IDENTIFIER_DOES_NOT_MATCH_SOP_CLASS = 0xA900
UNABLE_TO_PROCESS = 0xC000
MORE_THAN_ONE_MATCH = 0xC100
UNABLE_TO_SUPPORT_TEMPLATE = 0xC200
SOP_CLASS_NOT_SUPPORTED = 0x0122

ERROR_COMMENT_MAX = 64
"""Error Comment (0000,0902) is LO: at most 64 characters."""


@dataclass(frozen=True)
class StatusInfo:
    """A status code with its Service Status category and Further Meaning (as the standard)."""

    code: int
    category: str
    meaning: str


STATUSES: Mapping[int, StatusInfo] = MappingProxyType(
    {
        info.code: info
        for info in (
            StatusInfo(
                SUCCESS, "Success", "Matching is complete - No final Identifier is supplied"
            ),
            StatusInfo(PENDING, "Pending", "Current Match is supplied"),
            StatusInfo(CANCEL, "Cancel", "Matching terminated due to Cancel request"),
            StatusInfo(OUT_OF_RESOURCES, "Failure", "Refused: Out of resources"),
            StatusInfo(
                IDENTIFIER_DOES_NOT_MATCH_SOP_CLASS,
                "Failure",
                "Error: Data Set does not match SOP Class",
            ),
            StatusInfo(UNABLE_TO_PROCESS, "Failure", "Failed: Unable to process"),
            StatusInfo(MORE_THAN_ONE_MATCH, "Failure", "Failed: More than one match found"),
            StatusInfo(
                UNABLE_TO_SUPPORT_TEMPLATE,
                "Failure",
                "Failed: Unable to support requested template",
            ),
            StatusInfo(SOP_CLASS_NOT_SUPPORTED, "Failure", "Refused: SOP Class not supported"),
        )
    }
)

ERROR_STATUS: Mapping[type[Exception], int] = MappingProxyType(
    {
        OutOfResources: OUT_OF_RESOURCES,
        InvalidIdentifier: IDENTIFIER_DOES_NOT_MATCH_SOP_CLASS,
        StoreError: UNABLE_TO_PROCESS,
        MoreThanOneMatch: MORE_THAN_ONE_MATCH,
        TemplateNotSupported: UNABLE_TO_SUPPORT_TEMPLATE,
    }
)


def status_for(error: BaseException) -> int:
    """The DIMSE status for ``error``: the table entry of its nearest class, else C000."""
    for cls in type(error).__mro__:
        status = ERROR_STATUS.get(cls)
        if status is not None:
            return status
    return UNABLE_TO_PROCESS


def status_category(code: int) -> str:
    """Success, Pending, Cancel, Warning or Failure, for any code (PS3.7 Annex C ranges)."""
    known = STATUSES.get(code)
    if known is not None:
        return known.category
    if code in (0xFF00, 0xFF01):
        return "Pending"
    if code in (0x0001, 0x0107, 0x0116) or 0xB000 <= code <= 0xBFFF:
        return "Warning"
    return "Failure"


def describe_status(code: int) -> str:
    """A line for people: ``0xC100 Failure: Failed: More than one match found``."""
    known = STATUSES.get(code)
    if known is not None:
        return f"0x{code:04X} {known.category}: {known.meaning}"
    return f"0x{code:04X} {status_category(code)}: not defined for this service class"


def error_comment(text: str) -> str:
    """``text`` made a valid Error Comment: printable ASCII, no backslash, at most 64 chars."""
    cleaned = "".join(
        char if " " <= char <= "~" and char != "\\" else "?" for char in " ".join(text.split())
    )
    if len(cleaned) > ERROR_COMMENT_MAX:
        cleaned = cleaned[: ERROR_COMMENT_MAX - 3] + "..."
    return cleaned


MAPPING_RESOURCE_DCMR = "DCMR"
MAPPING_RESOURCE_DCMR_UID = "1.2.840.10008.8.1.1"

ANNEX_K_ROOTS = frozenset({"9007", "9000", "9001", "9002", "9003", "9004", "9005", "9006", "3802"})
"""PS3.16 Annex K: templates appropriate as RPI root templates."""


@dataclass(frozen=True)
class SOPClass:
    """One RPI SOP class (PS3.4 Table Q.4-3): its default root and the roots it allows."""

    uid: str
    name: str
    keyword: str
    default_root: str
    allowed_roots: frozenset[str]


GENERAL = SOPClass(
    "1.2.840.10008.5.1.4.37.1",
    "General Relevant Patient Information Query",
    "GeneralRelevantPatientInformationQuery",
    "9007",
    ANNEX_K_ROOTS,
)
BREAST = SOPClass(
    "1.2.840.10008.5.1.4.37.2",
    "Breast Imaging Relevant Patient Information Query",
    "BreastImagingRelevantPatientInformationQuery",
    "9000",
    frozenset({"9000"}),
)
CARDIAC = SOPClass(
    "1.2.840.10008.5.1.4.37.3",
    "Cardiac Relevant Patient Information Query",
    "CardiacRelevantPatientInformationQuery",
    "3802",
    frozenset({"3802"}),
)

SOP_CLASSES: Mapping[str, SOPClass] = MappingProxyType(
    {sop_class.uid: sop_class for sop_class in (GENERAL, BREAST, CARDIAC)}
)
