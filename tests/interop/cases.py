"""The queries every peer sends, what each must get back, and the checks on a response.

Expected answers follow PS3.4 Annex Q (spec digest 1.5, 1.8, 1.9) and the demo patients that
``rpiq demo`` loads (RPI-BREAST-001, RPI-CARDIAC-001, RPI-DUP-001 under two issuers).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from pydicom.dataset import Dataset
from pydicom.tag import Tag

from interop.peers import PeerResponse, RpiQuery

GENERAL = "1.2.840.10008.5.1.4.37.1"
BREAST = "1.2.840.10008.5.1.4.37.2"
CARDIAC = "1.2.840.10008.5.1.4.37.3"
SOP_CLASS_NAMES = {GENERAL: "general", BREAST: "breast", CARDIAC: "cardiac"}
DEFAULT_TEMPLATE = {GENERAL: "9007", BREAST: "9000", CARDIAC: "3802"}
# A template this SOP class does not answer with: 1500 is no RPI root (PS3.16 Annex K).
UNSUPPORTED_TEMPLATE = {GENERAL: "1500", BREAST: "3802", CARDIAC: "9000"}
# Concept Name of each root template's first row: (Code Value, Coding Scheme Designator).
ROOT_CONCEPT = {"9007": ("111517", "DCM"), "9000": ("111511", "DCM"), "3802": ("11329-0", "LN")}
DEMO_ISSUER = "RPIQ-DEMO"
MATCH_PATIENT = {GENERAL: "RPI-BREAST-001", BREAST: "RPI-BREAST-001", CARDIAC: "RPI-CARDIAC-001"}
DUPLICATE_PATIENT = "RPI-DUP-001"
UNKNOWN_PATIENT = "NO-SUCH-PATIENT"

PENDING = 0xFF00
SUCCESS = 0x0000
CANCEL = 0xFE00
MORE_THAN_ONE_MATCH = 0xC100
TEMPLATE_NOT_SUPPORTED = 0xC200

# The keys both peer scripts put in the request identifier.
REQUEST_KEYWORDS = (
    "PatientName",
    "PatientID",
    "IssuerOfPatientID",
    "PatientBirthDate",
    "PatientSex",
    "ObservationDateTime",
    "ValueType",
    "ConceptNameCodeSequence",
    "ContentSequence",
    "ContentTemplateSequence",
)
# Q.2.1.1.3.2: nothing that was not requested, except these (1C: character set; references).
UNREQUESTED_ALLOWED = (
    "SpecificCharacterSet",
    "HL7StructuredDocumentReferenceSequence",
    "StudiesContainingOtherReferencedInstancesSequence",
)
ALLOWED_RESPONSE_TAGS = frozenset(Tag(kw) for kw in REQUEST_KEYWORDS + UNREQUESTED_ALLOWED)


class Outcome(Enum):
    MATCH = "match"
    NO_MATCH = "no-match"
    MORE_THAN_ONE_MATCH = "C100"
    TEMPLATE_NOT_SUPPORTED = "C200"


@dataclass(frozen=True)
class Case:
    query: RpiQuery
    outcome: Outcome
    detail: str = ""

    @property
    def id(self) -> str:
        suffix = f"-{self.detail}" if self.detail else ""
        return f"{SOP_CLASS_NAMES[self.query.sop_class_uid]}-{self.outcome.value}{suffix}"


def match_query(sop_class_uid: str) -> RpiQuery:
    template_id = DEFAULT_TEMPLATE[sop_class_uid]
    return RpiQuery(sop_class_uid, MATCH_PATIENT[sop_class_uid], DEMO_ISSUER, template_id)


def _cases_for(sop_class_uid: str) -> list[Case]:
    template_id = DEFAULT_TEMPLATE[sop_class_uid]
    return [
        Case(match_query(sop_class_uid), Outcome.MATCH),
        Case(RpiQuery(sop_class_uid, UNKNOWN_PATIENT, None, template_id), Outcome.NO_MATCH),
        Case(
            RpiQuery(sop_class_uid, DUPLICATE_PATIENT, None, template_id),
            Outcome.MORE_THAN_ONE_MATCH,
        ),
        Case(
            RpiQuery(
                sop_class_uid,
                MATCH_PATIENT[sop_class_uid],
                DEMO_ISSUER,
                UNSUPPORTED_TEMPLATE[sop_class_uid],
            ),
            Outcome.TEMPLATE_NOT_SUPPORTED,
        ),
    ]


CASES = [case for sop_class_uid in (GENERAL, BREAST, CARDIAC) for case in _cases_for(sop_class_uid)]
# The issuer picks one of the two RPI-DUP-001 patients: a match, not C100.
ISSUER_DISAMBIGUATES = Case(
    RpiQuery(GENERAL, DUPLICATE_PATIENT, "HOSPITAL-A", DEFAULT_TEMPLATE[GENERAL]),
    Outcome.MATCH,
    detail="by-issuer",
)
ALL_CASES = [*CASES, ISSUER_DISAMBIGUATES]
# The demo patient whose name has alphabetic, ideographic and phonetic component groups.
INTERNATIONAL_QUERY = RpiQuery(GENERAL, "RPI-INTL-001", DEMO_ISSUER, DEFAULT_TEMPLATE[GENERAL])


def _summary(responses: list[PeerResponse]) -> list[tuple[str, bool]]:
    return [(f"{rsp.status:04X}", rsp.has_dataset) for rsp in responses]


def assert_exchange(responses: list[PeerResponse], outcome: Outcome) -> None:
    """The status sequence, and a data set with the Pending response only (PS3.7 9.1.2.1.5)."""
    expected = {
        Outcome.MATCH: [("FF00", True), ("0000", False)],
        Outcome.NO_MATCH: [("0000", False)],
        Outcome.MORE_THAN_ONE_MATCH: [("C100", False)],
        Outcome.TEMPLATE_NOT_SUPPORTED: [("C200", False)],
    }[outcome]
    assert _summary(responses) == expected, [rsp.error_comment for rsp in responses]
    for rsp in responses:
        assert (rsp.dataset is not None) == rsp.has_dataset


def assert_cancelled_exchange(responses: list[PeerResponse]) -> None:
    """After C-CANCEL: FE00, or the Pending and a 0000 that crossed the cancel (Q.4.2 note)."""
    summary = _summary(responses)
    assert summary in (
        [("FE00", False)],
        [("FF00", True), ("FE00", False)],
        [("FF00", True), ("0000", False)],
        [("0000", False)],
    ), (summary, [rsp.error_comment for rsp in responses])


def assert_identifier(identifier: Dataset | None, query: RpiQuery) -> Dataset:
    """The Pending identifier answers the query (Q.2.1.1.3.2, Q.4.3.1.2.1)."""
    assert identifier is not None
    unrequested = sorted(str(tag) for tag in set(identifier.keys()) - ALLOWED_RESPONSE_TAGS)
    assert unrequested == []
    assert identifier.PatientID == query.PatientID
    assert identifier.IssuerOfPatientID == query.IssuerOfPatientID
    assert str(identifier.PatientName).strip("^= ")  # Type 1 return keys: a name, a time
    assert identifier.ObservationDateTime
    [template] = identifier.ContentTemplateSequence
    assert (template.MappingResource, template.TemplateIdentifier) == ("DCMR", query.template_id)
    [concept] = identifier.ConceptNameCodeSequence
    expected_concept = ROOT_CONCEPT[query.template_id]
    assert (concept.CodeValue, concept.CodingSchemeDesignator) == expected_concept
    assert concept.CodeMeaning
    assert identifier.ValueType == "CONTAINER"
    assert_content_present(identifier)
    return identifier


def assert_content_present(identifier: Dataset) -> None:
    """Content items with the SR item attributes, at least one clinical CONTAINS item."""
    items = list(identifier.ContentSequence)
    assert items
    for item in items:
        assert item.RelationshipType
        assert item.ValueType
        assert len(item.ConceptNameCodeSequence) == 1
    assert any(item.RelationshipType == "CONTAINS" for item in items)


def assert_same_identifier(first: Dataset, second: Dataset) -> None:
    """Equal element by element, but Observation DateTime: two queries, two query times."""
    assert first.ObservationDateTime
    assert second.ObservationDateTime
    assert [e for e in first if e.keyword != "ObservationDateTime"] == [
        e for e in second if e.keyword != "ObservationDateTime"
    ]
