"""The Relevant Patient Information Query service (PS3.4 Annex Q), free of any network library.

:meth:`QueryService.find` turns one C-FIND request into the complete sequence of responses
(PS3.4 Q.4.2, PS3.7 9.1.2.1.5): ``[0000]`` (no match), ``[FF00 + identifier, 0000]`` (one match),
``[failure]`` (A700, A900, C000, C100, C200, or 0122 for an SOP class that is not RPI) or
``[FE00]`` (cancelled; also ``[FF00, FE00]`` when the cancel arrives after the Pending). It
never raises: an unexpected exception becomes C000 with a generic Error Comment. Error Comments
never carry patient data.

Response identifier (Q.2.1.1.3.2: "shall not contain Attributes that were not in the request
or specified in this section"): exactly the requested keys this model knows, plus Content
Template Sequence, and (added by the encode layer from the root content item) Value Type,
Concept Name Code Sequence and Content Sequence. The keys:

- Patient's Name (Type 1): the stored name, zero length if none is stored;
- Patient ID: the matched identifier's value as stored;
- Issuer of Patient ID (Type 2): the matched identifier's issuer, zero length if it has none;
- Patient's Birth Date, Patient's Sex (Type 2): stored value, else zero length. A partial
  birth date (``YYYY`` or ``YYYYMM``) is not a valid DA and is returned zero length;
- Observation DateTime: the time of the query (the information is "as known at the time of
  query", Q.1), from the service's clock;
- Other Patient IDs Sequence: the patient's other identifiers (Type of Patient ID ``TEXT``);
- any other Patient Identification / Patient Demographic module attribute (PS3.3 C.2.2, C.2.3;
  Return Key Type 3): the stored value from ``Patient.other_attributes`` when there is one
  that is valid for the attribute's VR; otherwise it is left out ("all *known* Return Key
  Attributes requested", Q.4.2). Only the Table Q.4-1 Type 2 keys are returned zero length.
- Everything else the request names (other IEs, private tags) is left out.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from types import MappingProxyType

from pydicom import config
from pydicom.datadict import dictionary_VR, tag_for_keyword
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.valuerep import validate_value

from rpiq.domain import Patient, PatientIdentifier
from rpiq.errors import (
    MoreThanOneMatch,
    OutOfResources,
    QueryError,
    StoreError,
    TemplateNotSupported,
)
from rpiq.service.request import QueryRequest, parse_request
from rpiq.service.responses import FindResponse, ResponseIdentifier
from rpiq.service.status import (
    CANCEL,
    PENDING,
    SOP_CLASS_NOT_SUPPORTED,
    SOP_CLASSES,
    SUCCESS,
    UNABLE_TO_PROCESS,
    error_comment,
    status_for,
)
from rpiq.store.repository import PatientRepository, RevisionedRepository
from rpiq.templates.roots import ROOT_TEMPLATES, KnownPatient, RecentPatients, RootCache

_log = logging.getLogger(__name__)

_DA_PATTERN = re.compile(r"^\d{8}\Z", re.ASCII)

PATIENT_MODULE_KEYWORDS = frozenset(
    {
        # PS3.3 C.2.2 Patient Identification Module (string-valued attributes)
        "OtherPatientNames",
        "PatientBirthName",
        "PatientMotherBirthName",
        # PS3.3 C.2.3 Patient Demographic Module (string-valued attributes)
        "PatientAge",
        "Occupation",
        "ConfidentialityConstraintOnPatientDataDescription",
        "PatientBirthTime",
        "QualityControlSubject",
        "PatientSize",
        "PatientWeight",
        "PatientAddress",
        "MilitaryRank",
        "BranchOfService",
        "CountryOfResidence",
        "RegionOfResidence",
        "PatientTelephoneNumbers",
        "PatientTelecomInformation",
        "EthnicGroup",
        "PatientReligiousPreference",
        "PatientComments",
        "ResponsiblePerson",
        "ResponsiblePersonRole",
        "ResponsibleOrganization",
        "PatientSpeciesDescription",
        "PatientBreedDescription",
        "StrainDescription",
        "StrainNomenclature",
        "PatientBirthDateInAlternativeCalendar",
        "PatientDeathDateInAlternativeCalendar",
        "PatientAlternativeCalendar",
    }
)
"""Type 3 return keys answered from ``Patient.other_attributes`` (Table Q.4-1 "all other")."""

_REQUIRED_KEYWORDS = (
    "PatientName",
    "PatientID",
    "IssuerOfPatientID",
    "PatientBirthDate",
    "PatientSex",
    "ObservationDateTime",
)


def _tag_and_VR(keyword: str) -> tuple[int, str]:
    tag = tag_for_keyword(keyword)
    if tag is None:
        raise KeyError(keyword)
    return tag, dictionary_VR(keyword)


_KEY_ELEMENTS: Mapping[str, tuple[int, str]] = MappingProxyType(
    {keyword: _tag_and_VR(keyword) for keyword in (*_REQUIRED_KEYWORDS, *PATIENT_MODULE_KEYWORDS)}
)
"""(tag, VR) of every top-level return key answered with a value, looked up once."""
_OTHER_PATIENT_IDS_SEQUENCE = 0x00101002
_CONTENT_TEMPLATE_SEQUENCE = 0x0040A504
_PATIENT_ID = 0x00100020
_ISSUER_OF_PATIENT_ID = 0x00100021
_TYPE_OF_PATIENT_ID = 0x00100022
DEFAULT_ROOT_CACHE_SIZE = 256

STORE_FAILURE_COMMENT = "Unable to process: the database failed"
INTERNAL_FAILURE_COMMENT = "Unable to process: internal error"


def undecodable(reason: str) -> FindResponse:
    """The A900 answer for identifier bytes that cannot even be parsed (for the net layer).
    ``reason`` must not carry patient data (e.g. the exception class name)."""
    return FindResponse(
        0xA900, error_comment=error_comment(f"identifier cannot be decoded: {reason}")
    )


def _local_now() -> datetime:
    return datetime.now(UTC).astimezone()


def _failure(error: Exception) -> FindResponse:
    """The final response for ``error`` (status from the one table in ``status.py``)."""
    if isinstance(error, QueryError):
        return FindResponse(
            status_for(error),
            error_comment=error_comment(error.comment),
            offending_element=error.offending,
        )
    if isinstance(error, StoreError):
        _log.error("query failed, database error: %s", type(error).__name__)
        return FindResponse(UNABLE_TO_PROCESS, error_comment=STORE_FAILURE_COMMENT)
    _log.error("query failed, unexpected %s", type(error).__name__)
    _log.debug("query failure detail", exc_info=error)
    return FindResponse(UNABLE_TO_PROCESS, error_comment=INTERNAL_FAILURE_COMMENT)


class QueryService:
    """Answers RPI C-FIND requests from a :class:`PatientRepository`. Thread-safe: several
    threads may call :meth:`find` at once; more than ``max_concurrent_lookups`` database
    lookups in flight at the same moment are refused with A700 (never queued). The content
    trees of the ``root_cache_size`` most recent (template, patient value) pairs are kept
    (:class:`~rpiq.templates.roots.RootCache`; 0 builds every tree afresh).

    With a :class:`~rpiq.store.repository.RevisionedRepository` (the SQL one), as many
    recently loaded patients are kept by revision: a query first reads the matching records'
    revisions (one statement) and loads a record only when its revision is not known here.
    A write anywhere, by any server sharing the database, gives the record a new revision, so
    a kept patient is never answered after it changed."""

    def __init__(
        self,
        repository: PatientRepository,
        max_concurrent_lookups: int,
        clock: Callable[[], datetime] | None = None,
        root_cache_size: int = DEFAULT_ROOT_CACHE_SIZE,
    ) -> None:
        if max_concurrent_lookups < 1:
            raise ValueError("max_concurrent_lookups must be at least 1")
        self._repository = repository
        self._lookups = threading.BoundedSemaphore(max_concurrent_lookups)
        self._clock = clock or _local_now
        self._roots = RootCache(root_cache_size)
        self._recent = RecentPatients(root_cache_size)
        self._revisioned = (
            repository
            if root_cache_size > 0 and isinstance(repository, RevisionedRepository)
            else None
        )

    def find(
        self, AffectedSOPClassUID: str, request: Dataset, is_cancelled: Callable[[], bool]
    ) -> Iterator[FindResponse]:
        """Every C-FIND response for ``request``, in order. Never raises."""
        try:
            yield from self._find(AffectedSOPClassUID, request, is_cancelled)
        except Exception as exc:  # noqa: BLE001 - nothing escapes a handler (guide, principle 2)
            yield _failure(exc)

    def _find(
        self, AffectedSOPClassUID: str, request: Dataset, is_cancelled: Callable[[], bool]
    ) -> Iterator[FindResponse]:
        sop_class = SOP_CLASSES.get(AffectedSOPClassUID)
        if sop_class is None:
            yield FindResponse(SOP_CLASS_NOT_SUPPORTED, error_comment="SOP Class not supported")
            return
        try:
            query = parse_request(sop_class, request)
            _check_template_available(query)
            if is_cancelled():
                yield FindResponse(CANCEL)
                return
            patients = self._lookup(query)
        except (QueryError, StoreError) as exc:
            yield _failure(exc)
            return
        if is_cancelled():
            yield FindResponse(CANCEL)
            return
        if not patients:
            yield FindResponse(SUCCESS)
            return
        identifier = self._identifier(query, patients[0])
        if is_cancelled():
            yield FindResponse(CANCEL)
            return
        yield FindResponse(PENDING, identifier)
        yield FindResponse(CANCEL if is_cancelled() else SUCCESS)

    def _lookup(self, query: QueryRequest) -> list[KnownPatient]:
        """The matching patients (at most one; more is C100). A700 when no slot is free."""
        if not self._lookups.acquire(blocking=False):
            raise OutOfResources("Too many concurrent lookups; try again later")
        try:
            patients = self._find_patients(query.PatientID, query.IssuerOfPatientID)
        finally:
            self._lookups.release()
        if len(patients) > 1:
            raise MoreThanOneMatch(_more_than_one_comment(query, len(patients)))
        return patients

    def _find_patients(self, PatientID: str, IssuerOfPatientID: str | None) -> list[KnownPatient]:
        """From the kept patients when every matching record's revision is known, else
        loaded (and kept). Without revisions: loaded, and digested by the tree cache."""
        revisioned = self._revisioned
        if revisioned is None:
            found = self._repository.find_patients(PatientID, IssuerOfPatientID)
            return [KnownPatient(patient) for patient in found]
        known = [
            self._recent.get(one) for one in revisioned.find_revisions(PatientID, IssuerOfPatientID)
        ]
        if all(one is not None for one in known):
            return [one for one in known if one is not None]
        loaded = revisioned.find_revisioned_patients(PatientID, IssuerOfPatientID)
        return [self._recent.put(revision, patient) for revision, patient in loaded]

    def _identifier(self, query: QueryRequest, known: KnownPatient) -> ResponseIdentifier:
        template_id = query.template.TemplateIdentifier
        root = self._roots.build(template_id, known.patient, known.digest)
        keys = _response_keys(query, known.patient, self._clock())
        return ResponseIdentifier(keys=keys, root=root)


def _check_template_available(query: QueryRequest) -> None:
    if query.template.TemplateIdentifier not in ROOT_TEMPLATES:
        raise TemplateNotSupported(
            f"TID {query.template.TemplateIdentifier} is not available on this server"
        )


def _more_than_one_comment(query: QueryRequest, count: int) -> str:
    if query.IssuerOfPatientID is None:
        return f"{count} patients match; add Issuer of Patient ID"
    return f"{count} patients match Patient ID and Issuer"


def _matched_identifier(query: QueryRequest, patient: Patient) -> PatientIdentifier:
    for identifier in patient.identifiers:
        if identifier.PatientID == query.PatientID and query.IssuerOfPatientID in (
            None,
            identifier.IssuerOfPatientID,
        ):
            return identifier
    raise StoreError("the repository returned a patient without the requested identifier")


def _observation_datetime(now: datetime) -> str:
    return now.strftime("%Y%m%d%H%M%S%z")  # %z: the offset, empty for a naive datetime


def _response_keys(query: QueryRequest, patient: Patient, now: datetime) -> Dataset:
    """The requested return keys with their values (module docstring), in tag order, plus
    Content Template Sequence."""
    matched = _matched_identifier(query, patient)
    BirthDate = patient.birth_date or ""
    known: dict[str, str] = {
        "PatientName": patient.name.to_dicom() if patient.name else "",
        "PatientID": matched.PatientID,
        "IssuerOfPatientID": matched.IssuerOfPatientID,
        "PatientBirthDate": BirthDate if _DA_PATTERN.match(BirthDate) else "",
        "PatientSex": patient.sex or "",
        "ObservationDateTime": _observation_datetime(now),
    }
    other = dict(patient.other_attributes)
    keys = Dataset()
    for keyword in query.requested:
        if keyword in known:
            _set_checked(keys, keyword, known[keyword], required=True)
        elif keyword in PATIENT_MODULE_KEYWORDS and keyword in other:
            _set_checked(keys, keyword, other[keyword], required=False)
        elif keyword == "OtherPatientIDsSequence":
            items = _other_patient_ids(patient, matched)
            keys.add(DataElement(_OTHER_PATIENT_IDS_SEQUENCE, "SQ", items))
    keys.add(DataElement(_CONTENT_TEMPLATE_SEQUENCE, "SQ", [query.template.to_item()]))
    return keys


def _set_checked(keys: Dataset, keyword: str, value: str, *, required: bool) -> None:
    """Set ``keyword`` if ``value`` is valid for its VR; otherwise zero length when the key
    must be answered (``required``), else leave it out. Stored data never breaks a response."""
    tag, VR = _KEY_ELEMENTS[keyword]
    try:
        for part in value.split("\\") if VR not in ("LT", "ST", "UT") else [value]:
            validate_value(VR, part, config.RAISE)
    except ValueError:
        _log.warning("stored %s is not a valid %s value; not returned", keyword, VR)
        if not required:
            return
        value = ""
    keys.add(DataElement(tag, VR, value))


def _other_patient_ids(patient: Patient, matched: PatientIdentifier) -> list[Dataset]:
    items: list[Dataset] = []
    for identifier in patient.identifiers:
        if identifier == matched:
            continue
        item = Dataset()
        item.add(DataElement(_PATIENT_ID, "LO", identifier.PatientID))
        item.add(DataElement(_ISSUER_OF_PATIENT_ID, "LO", identifier.IssuerOfPatientID))
        item.add(DataElement(_TYPE_OF_PATIENT_ID, "CS", "TEXT"))
        items.append(item)
    return items
