"""A FHIR R4 Bundle -> one import unit (:class:`~rpiq.ingest.fhir_unit.FhirUnit`), all or nothing.

Accepted bundle types: ``transaction``, ``batch``, ``collection``, ``searchset`` and
``document`` (an International Patient Summary: the Composition first, then the resources;
the Composition itself is skipped and counted). Each Patient of the bundle is one record with
source ``fhir:Patient/<id>``, or ``fhir:<fullUrl>`` for a Patient without id (the importer
then looks the record up by the Patient's identifiers; ``fhir_apply``).

References are resolved per :mod:`~rpiq.ingest.fhir_references` (``urn:uuid:``, ``Type/id``,
absolute URLs, contained ``#id``). A clinical resource must reference a Patient (``subject``
or ``patient``): one of the bundle, or ``Patient/<id>`` (relative or absolute) of a patient
already stored: an update bundle may carry only the changed Condition. A ``urn:`` reference
that is not in the bundle, or a reference to another resource type, refuses the bundle.

In ``transaction`` and ``batch`` bundles, ``DELETE`` entries (``request.url`` ``Condition/123``
or ``Patient/123``) delete that resource's facts, or that patient's record; conditional URLs
and ``PATCH`` entries refuse the bundle; ``GET``/``HEAD`` entries are skipped and counted.

Any malformed value refuses the whole bundle: :class:`~rpiq.errors.ImportRefused` names the
file, the resource (``Condition/<id>``) and the reason. Resources of other types, and resources
kept out on purpose (entered-in-error, laboratory observations, ...), are counted as skipped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rpiq.config import ImportSettings
from rpiq.domain import DomainError, Patient
from rpiq.errors import ImportRefused
from rpiq.ingest.fhir_mapping import (
    MAPPINGS,
    map_resource,
    patient_draft,
    patient_reference,
    resource_type,
)
from rpiq.ingest.fhir_merge import merge_record
from rpiq.ingest.fhir_references import ReferenceIndex, local_reference, resolver
from rpiq.ingest.fhir_unit import FhirUnit, PatientDraft, UnitBuilder
from rpiq.ingest.fhir_values import FhirFormatError, JSONObject, get_object, get_objects, get_str

ACCEPTED_BUNDLE_TYPES = frozenset({"transaction", "batch", "collection", "searchset", "document"})
REQUEST_BUNDLE_TYPES = frozenset({"transaction", "batch"})
"""Bundle types whose ``entry.request`` is meaningful (DELETE entries)."""


@dataclass(frozen=True)
class ParsedBundle:
    """The patients of one self-contained bundle, and what was left out, by ``Type (reason)``."""

    patients: tuple[Patient, ...]
    skipped: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class _Entry:
    position: int
    full_url: str | None
    resource: JSONObject

    @property
    def resource_type(self) -> str:
        return resource_type(self.resource)

    @property
    def label(self) -> str:
        """``Type/id`` (or ``Type <fullUrl>``): how messages and provenance name it."""
        resource_id = get_str(self.resource, "id")
        if resource_id is not None:
            return f"{self.resource_type}/{resource_id}"
        if self.full_url is not None:
            return f"{self.resource_type} {self.full_url}"
        return f"{self.resource_type} (entry {self.position + 1})"

    @property
    def ref(self) -> str | None:
        """How the unit names this entry as a patient: ``Patient/<id>``, else its fullUrl."""
        resource_id = get_str(self.resource, "id")
        return f"{self.resource_type}/{resource_id}" if resource_id is not None else self.full_url


def parse_bundle(document: JSONObject, location: str, settings: ImportSettings) -> list[Patient]:
    """The patients of a self-contained FHIR Bundle; raises :class:`ImportRefused` naming
    ``location``, the resource and the reason when any part of it cannot be imported."""
    return list(read_bundle(document, location, settings).patients)


def read_bundle(document: object, location: str, settings: ImportSettings) -> ParsedBundle:
    """Like :func:`parse_bundle`, also counting what was skipped. Without a database, every
    referenced Patient must be in the bundle, and DELETE entries are refused."""
    unit = read_unit(document, location, settings)
    if unit.deleted_patients or unit.deleted_resources:
        raise ImportRefused(location, "DELETE entries need a database (rpiq import fhir)")
    patients: list[Patient] = []
    for change in unit.changes:
        if change.patient is None:
            raise ImportRefused(location, f"{change.mention} is not a Patient in this bundle")
        patients.append(merge_record(change, change.source, None))
    return ParsedBundle(tuple(patients), unit.skipped)


def read_unit(document: object, location: str, settings: ImportSettings) -> FhirUnit:
    """The import unit of a Bundle (module docstring); raises :class:`ImportRefused`."""
    entries, deletes, skipped = _bundle_entries(document, location)
    index = _index(entries, location)
    builder = UnitBuilder(location, skipped, resources=len(entries))
    for entry in entries:
        if entry.resource_type == "Patient":
            with _refusing(location, entry.label):
                builder.add_patient(_draft(entry, index, settings, builder.skipped))
    for entry in entries:
        if entry.resource_type == "Patient":
            continue
        if entry.resource_type not in MAPPINGS:
            skipped[entry.resource_type or "(no resourceType)"] += 1
            continue
        with _refusing(location, entry.label):
            _add_resource(entry, index, builder)
    for url in deletes:
        with _refusing(location, f"DELETE {url}"):
            builder.delete(_delete_target(url))
    with _refusing(location, None):
        return builder.build()


@contextmanager
def _refusing(location: str, label: str | None) -> Iterator[None]:
    """Turn a value error inside one resource into the refusal of the whole bundle."""
    try:
        yield
    except (FhirFormatError, DomainError) as exc:
        reason = str(exc) if label is None else f"{label}: {exc}"
        raise ImportRefused(location, reason) from exc


def _bundle_entries(
    document: object, location: str
) -> tuple[list[_Entry], list[str], Counter[str]]:
    if not isinstance(document, dict) or document.get("resourceType") != "Bundle":
        raise ImportRefused(location, "not a FHIR Bundle (resourceType is not 'Bundle')")
    bundle_type = document.get("type")
    if bundle_type not in ACCEPTED_BUNDLE_TYPES:
        accepted = ", ".join(sorted(ACCEPTED_BUNDLE_TYPES))
        raise ImportRefused(location, f"Bundle type {bundle_type!r} is not imported ({accepted})")
    entries: list[_Entry] = []
    deletes: list[str] = []
    skipped: Counter[str] = Counter()
    try:
        for position, raw in enumerate(get_objects(document, "entry")):
            method = _request_method(raw) if bundle_type in REQUEST_BUNDLE_TYPES else None
            resource = get_object(raw, "resource")
            if method == "DELETE":
                deletes.append(get_str(get_object(raw, "request") or {}, "url") or "")
            elif method in ("GET", "HEAD"):
                skipped[f"Bundle.entry ({method})"] += 1
            elif resource is None:
                skipped["Bundle.entry (no resource)"] += 1
            else:
                entries.append(_Entry(position, get_str(raw, "fullUrl"), resource))
    except FhirFormatError as exc:
        raise ImportRefused(location, f"Bundle.entry: {exc}") from exc
    return entries, deletes, skipped


def _request_method(raw: JSONObject) -> str | None:
    request = get_object(raw, "request")
    method = get_str(request, "method") if request is not None else None
    if method == "PATCH":
        raise FhirFormatError("PATCH entries are not supported (send the whole resource)")
    return method


def _index(entries: list[_Entry], location: str) -> ReferenceIndex[_Entry]:
    """Bundle entries by ``fullUrl`` and by ``Type/id``; a key used twice refuses the bundle."""
    index: ReferenceIndex[_Entry] = ReferenceIndex()
    for entry in entries:
        keys = {entry.full_url} if entry.full_url else set()
        resource_id = get_str(entry.resource, "id")
        if resource_id is not None:
            keys.add(f"{entry.resource_type}/{resource_id}")
        taken = index.add(keys, entry)
        if taken is not None:
            raise ImportRefused(location, f"{entry.label}: {taken} appears twice")
    return index


def _patient_ref(reference: str, index: ReferenceIndex[_Entry]) -> str | None:
    """The patient ref a reference names: a Patient entry of the bundle, or ``Patient/<id>``
    outside it (relative or absolute); ``None`` for anything else."""
    found = index.find(reference)
    if found is not None:
        return found.ref if found.resource_type == "Patient" else None
    local = local_reference(reference)
    return local if local is not None and local.startswith("Patient/") else None


def _draft(
    entry: _Entry, index: ReferenceIndex[_Entry], settings: ImportSettings, skipped: Counter[str]
) -> PatientDraft:
    ref = entry.ref
    if ref is None:
        raise FhirFormatError("a Patient needs an id or a fullUrl")
    return patient_draft(
        entry.resource,
        (ref, entry.label),
        settings,
        skipped,
        lambda reference: _patient_ref(reference, index),
    )


def _add_resource(entry: _Entry, index: ReferenceIndex[_Entry], builder: UnitBuilder) -> None:
    kind = entry.resource_type
    named = patient_reference(entry.resource, kind)
    if named is None:
        element = MAPPINGS[kind].patient_element
        builder.skipped[f"{kind} (no {element})"] += 1
        return
    element, reference = named
    owner = _patient_ref(reference, index)
    if owner is None:
        raise FhirFormatError(f"{element} {reference!r} is not a Patient in this bundle")

    def find(target: str) -> JSONObject | None:
        found = index.find(target)
        return found.resource if found is not None else None

    label = entry.label
    facts = map_resource(entry.resource, label, resolver(find), builder.skipped, kind)
    builder.add_resource(owner, facts, f"{label}: {element} {reference!r}")


def _delete_target(url: str) -> str:
    if "?" in url:
        raise FhirFormatError("conditional delete is not supported")
    local = local_reference(url)
    if local is None:
        raise FhirFormatError("request.url is not a Type/id reference")
    return local
