"""A FHIR R4 Bundle -> domain :class:`~rpiq.domain.Patient` records, all or nothing.

Accepted bundle types: ``transaction``, ``batch``, ``collection`` and ``searchset`` (a
``document`` bundle such as an International Patient Summary is refused: it is a composition,
not a set of resources). Each Patient in the bundle becomes one record with source
``fhir:Patient/<id>`` (``fhir:<fullUrl>`` without an id), stable across re-imports.

Every clinical resource must reference a Patient of the same bundle (``subject`` or
``patient``), by ``fullUrl`` (``urn:uuid:...``), by ``Patient/<id>`` or by an absolute URL
ending in ``Patient/<id>``; otherwise the whole bundle is refused. Any malformed value does the
same: :class:`~rpiq.errors.ImportRefused` names the file, the resource (``Condition/<id>``) and
the reason. Resources of other types, and resources kept out on purpose (entered-in-error,
laboratory observations, ...), are counted in :attr:`ParsedBundle.skipped`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from rpiq.config import ImportSettings
from rpiq.domain import ClinicalFact, DomainError, Patient
from rpiq.errors import ImportRefused
from rpiq.ingest.fhir_observations import observation_facts
from rpiq.ingest.fhir_patient import (
    patient_birth_date,
    patient_deceased,
    patient_identifiers,
    patient_name,
    patient_sex,
)
from rpiq.ingest.fhir_resources import (
    Mapped,
    Resolver,
    Skipped,
    allergy_facts,
    condition_facts,
    device_facts,
    family_history_facts,
    medication_request_facts,
    medication_statement_facts,
    procedure_facts,
)
from rpiq.ingest.fhir_values import FhirFormatError, JSONObject, get_object, get_objects, get_str

ACCEPTED_BUNDLE_TYPES = frozenset({"transaction", "batch", "collection", "searchset"})

Mapper = Callable[[JSONObject, str, Resolver], Mapped]


@dataclass(frozen=True)
class ResourceMapping:
    """How one resource type is read: the element naming its patient, and its mapper.

    A resource whose patient element is required must reference a Patient of the bundle;
    an optional one (a Device) without it is skipped and counted."""

    patient_element: str
    mapper: Mapper
    patient_required: bool = True


MAPPINGS: dict[str, ResourceMapping] = {
    "Condition": ResourceMapping("subject", condition_facts),
    "AllergyIntolerance": ResourceMapping("patient", allergy_facts),
    "MedicationRequest": ResourceMapping("subject", medication_request_facts),
    "MedicationStatement": ResourceMapping("subject", medication_statement_facts),
    "Procedure": ResourceMapping("subject", procedure_facts),
    "Observation": ResourceMapping("subject", observation_facts),
    "FamilyMemberHistory": ResourceMapping("patient", family_history_facts),
    "Device": ResourceMapping("patient", device_facts, patient_required=False),
}
"""The resource types that can become facts; every other type is skipped and counted."""

_ABSOLUTE_REFERENCE = re.compile(r"([A-Za-z]+/[A-Za-z0-9\-.]{1,64})$")


@dataclass(frozen=True)
class ParsedBundle:
    """The patients of one bundle, and what was left out, counted by ``Type (reason)``."""

    patients: tuple[Patient, ...]
    skipped: tuple[tuple[str, int], ...] = ()


@dataclass
class _Entry:
    position: int
    full_url: str | None
    resource: JSONObject

    @property
    def resource_type(self) -> str:
        return get_str(self.resource, "resourceType") or ""

    @property
    def label(self) -> str:
        """``Type/id`` (or ``Type <fullUrl>``): how messages and provenance name it."""
        resource_id = get_str(self.resource, "id")
        if resource_id is not None:
            return f"{self.resource_type}/{resource_id}"
        if self.full_url is not None:
            return f"{self.resource_type} {self.full_url}"
        return f"{self.resource_type} (entry {self.position + 1})"


@dataclass
class _PatientDraft:
    entry: _Entry
    patient: Patient
    facts: list[ClinicalFact] = field(default_factory=list)


def parse_bundle(document: JSONObject, location: str, settings: ImportSettings) -> list[Patient]:
    """The patients of a FHIR Bundle; raises :class:`ImportRefused` naming ``location``, the
    resource and the reason when any part of it cannot be imported."""
    return list(read_bundle(document, location, settings).patients)


def read_bundle(document: object, location: str, settings: ImportSettings) -> ParsedBundle:
    """Like :func:`parse_bundle`, also counting what was skipped."""
    entries, skipped = _bundle_entries(document, location)
    index = _BundleIndex(entries, location)
    drafts: dict[int, _PatientDraft] = {}
    for entry in entries:
        if entry.resource_type == "Patient":
            with _refusing(location, entry):
                drafts[entry.position] = _PatientDraft(entry, _patient(entry, settings, skipped))
    for entry in entries:
        if entry.resource_type == "Patient":
            continue
        if entry.resource_type not in MAPPINGS:
            skipped[entry.resource_type or "(no resourceType)"] += 1
            continue
        with _refusing(location, entry):
            _add_facts(entry, index, drafts, skipped)
    patients = []
    for draft in drafts.values():
        with _refusing(location, draft.entry):
            patients.append(_with_facts(draft))
    return ParsedBundle(tuple(patients), tuple(sorted(skipped.items())))


@contextmanager
def _refusing(location: str, entry: _Entry) -> Iterator[None]:
    """Turn a value error inside one resource into the refusal of the whole bundle."""
    try:
        yield
    except (FhirFormatError, DomainError) as exc:
        raise ImportRefused(location, f"{entry.label}: {exc}") from exc


def _bundle_entries(document: object, location: str) -> tuple[list[_Entry], Counter[str]]:
    if not isinstance(document, dict) or document.get("resourceType") != "Bundle":
        raise ImportRefused(location, "not a FHIR Bundle (resourceType is not 'Bundle')")
    bundle_type = document.get("type")
    if bundle_type not in ACCEPTED_BUNDLE_TYPES:
        accepted = ", ".join(sorted(ACCEPTED_BUNDLE_TYPES))
        raise ImportRefused(location, f"Bundle type {bundle_type!r} is not imported ({accepted})")
    try:
        raw_entries = get_objects(document, "entry")
        entries: list[_Entry] = []
        skipped: Counter[str] = Counter()
        for position, raw in enumerate(raw_entries):
            resource = get_object(raw, "resource")
            if resource is None:
                skipped["Bundle.entry (no resource)"] += 1
                continue
            entries.append(_Entry(position, get_str(raw, "fullUrl"), resource))
    except FhirFormatError as exc:
        raise ImportRefused(location, f"Bundle.entry: {exc}") from exc
    return entries, skipped


class _BundleIndex:
    """Bundle resources by ``fullUrl`` and by ``Type/id``."""

    def __init__(self, entries: list[_Entry], location: str) -> None:
        self._by_key: dict[str, _Entry] = {}
        for entry in entries:
            keys = {entry.full_url} if entry.full_url else set()
            resource_id = get_str(entry.resource, "id")
            if resource_id is not None:
                keys.add(f"{entry.resource_type}/{resource_id}")
            for key in keys:
                if key in self._by_key:
                    raise ImportRefused(location, f"{entry.label}: {key} appears twice")
                self._by_key[key] = entry

    def entry_for(self, reference: str) -> _Entry | None:
        """The entry a (non-contained) reference points to."""
        reference = reference.split("/_history/", maxsplit=1)[0]
        found = self._by_key.get(reference)
        if found is None and "://" in reference:
            match = _ABSOLUTE_REFERENCE.search(reference)
            found = self._by_key.get(match.group(1)) if match else None
        return found

    def resolve(self, reference: str, origin: JSONObject) -> JSONObject | None:
        """A referenced resource: contained (``#id``) or in the bundle."""
        if reference.startswith("#"):
            contained = get_objects(origin, "contained")
            return next((r for r in contained if get_str(r, "id") == reference[1:]), None)
        entry = self.entry_for(reference)
        return entry.resource if entry is not None else None


def _patient(entry: _Entry, settings: ImportSettings, skipped: Counter[str]) -> Patient:
    resource = entry.resource
    resource_id = get_str(resource, "id")
    if resource_id is not None:
        source = f"fhir:Patient/{resource_id}"
    elif entry.full_url is not None:
        source = f"fhir:{entry.full_url}"
    else:
        raise FhirFormatError("a Patient needs an id or a fullUrl")
    return Patient(
        identifiers=patient_identifiers(resource, settings, skipped),
        name=patient_name(resource),
        birth_date=patient_birth_date(resource),
        sex=patient_sex(resource),
        deceased=patient_deceased(resource),
        source=source,
    )


def _add_facts(
    entry: _Entry, index: _BundleIndex, drafts: dict[int, _PatientDraft], skipped: Counter[str]
) -> None:
    mapping = MAPPINGS[entry.resource_type]
    target = get_object(entry.resource, mapping.patient_element)
    if target is None and not mapping.patient_required:
        skipped[f"{entry.resource_type} (no {mapping.patient_element})"] += 1
        return
    draft = _owner(target, mapping.patient_element, index, drafts)
    mapped = mapping.mapper(entry.resource, entry.label, index.resolve)
    if isinstance(mapped, Skipped):
        skipped[f"{entry.resource_type} ({mapped.reason})"] += 1
    else:
        draft.facts.extend(mapped)


def _owner(
    target: JSONObject | None,
    element: str,
    index: _BundleIndex,
    drafts: dict[int, _PatientDraft],
) -> _PatientDraft:
    """The patient a resource is about (its ``subject``/``patient`` reference)."""
    reference = get_str(target, "reference") if target is not None else None
    if reference is None:
        raise FhirFormatError(f"{element} does not reference a Patient")
    owner = index.entry_for(reference)
    if owner is None or owner.position not in drafts:
        raise FhirFormatError(f"{element} {reference!r} is not a Patient in this bundle")
    return drafts[owner.position]


def _with_facts(draft: _PatientDraft) -> Patient:
    return replace(draft.patient, facts=tuple(draft.facts))
