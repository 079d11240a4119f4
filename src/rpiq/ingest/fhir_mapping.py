"""One FHIR resource -> its part of an import unit; shared by bundles and NDJSON exports.

:data:`MAPPINGS` says which resource types can become facts, which element names their
patient and which element holds their concept. A resource whose concept is an IPS
absent/unknown code (``no-problem-info``, ``no-known-allergies`` ...) is a statement about
the record, never a fact: it is counted as skipped with that code. Every other resource type
is skipped and counted by the caller. The per-type rules are in
:mod:`~rpiq.ingest.fhir_resources` and :mod:`~rpiq.ingest.fhir_observations`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from rpiq.config import ImportSettings
from rpiq.domain import Patient
from rpiq.ingest.fhir_observations import observation_facts
from rpiq.ingest.fhir_patient import (
    patient_birth_date,
    patient_deceased,
    patient_identifiers,
    patient_name,
    patient_sex,
)
from rpiq.ingest.fhir_references import Resolver
from rpiq.ingest.fhir_resources import (
    Mapped,
    Skipped,
    allergy_facts,
    condition_facts,
    device_facts,
    family_history_facts,
    medication_administration_facts,
    medication_request_facts,
    medication_statement_facts,
    procedure_facts,
)
from rpiq.ingest.fhir_unit import MERGE_LINKS, PatientDraft, ResourceFacts, source_of
from rpiq.ingest.fhir_values import (
    FhirFormatError,
    JSONObject,
    absent_unknown_code,
    get_object,
    get_objects,
    get_str,
)

Mapper = Callable[[JSONObject, str, Resolver], Mapped]
MEDICATION_CONCEPT = "medicationCodeableConcept"


@dataclass(frozen=True)
class ResourceMapping:
    """How one resource type is read: the element naming its patient, its mapper, and the
    element holding its concept (checked for IPS absent/unknown codes).

    A resource whose patient element is required must reference a Patient; an optional one
    (a Device) without it is skipped and counted."""

    patient_element: str
    mapper: Mapper
    patient_required: bool = True
    concept_element: str | None = "code"


MAPPINGS: dict[str, ResourceMapping] = {
    "Condition": ResourceMapping("subject", condition_facts),
    "AllergyIntolerance": ResourceMapping("patient", allergy_facts),
    "MedicationRequest": ResourceMapping(
        "subject", medication_request_facts, concept_element=MEDICATION_CONCEPT
    ),
    "MedicationStatement": ResourceMapping(
        "subject", medication_statement_facts, concept_element=MEDICATION_CONCEPT
    ),
    "MedicationAdministration": ResourceMapping(
        "subject", medication_administration_facts, concept_element=MEDICATION_CONCEPT
    ),
    "Procedure": ResourceMapping("subject", procedure_facts),
    "Observation": ResourceMapping("subject", observation_facts),
    "FamilyMemberHistory": ResourceMapping("patient", family_history_facts, concept_element=None),
    "Device": ResourceMapping(
        "patient", device_facts, patient_required=False, concept_element="type"
    ),
}
"""The resource types that can become facts; every other type is skipped and counted."""


def resource_type(resource: JSONObject) -> str:
    value = resource.get("resourceType")
    if value.__class__ is str:  # the usual case, without a call
        return value.strip()
    return get_str(resource, "resourceType") or ""


def resource_key(resource: JSONObject, kind: str | None = None) -> str | None:
    """``Type/id`` of a resource with an id: its identity across imports (``kind``: its
    :func:`resource_type`, when the caller has it)."""
    resource_id = get_str(resource, "id")
    if resource_id is None:
        return None
    return f"{resource_type(resource) if kind is None else kind}/{resource_id}"


def patient_reference(resource: JSONObject, kind: str | None = None) -> tuple[str, str] | None:
    """(element, reference) naming the resource's patient; ``None`` when an optional element
    is absent (the caller counts the resource as skipped). Raises when a required one is.
    ``kind``: the resource's :func:`resource_type`, when the caller has it."""
    mapping = MAPPINGS[resource_type(resource) if kind is None else kind]
    target = get_object(resource, mapping.patient_element)
    if target is None and not mapping.patient_required:
        return None
    reference = get_str(target, "reference") if target is not None else None
    if reference is None:
        raise FhirFormatError(f"{mapping.patient_element} does not reference a Patient")
    return mapping.patient_element, reference


def map_resource(
    resource: JSONObject,
    label: str,
    resolve: Resolver,
    skipped: Counter[str],
    kind: str | None = None,
) -> ResourceFacts:
    """The facts of one clinical resource (none when it is skipped, counted in ``skipped``
    as ``Type (reason)``). ``label`` becomes the facts' ``source``; ``kind``: the resource's
    :func:`resource_type`, when the caller has it."""
    kind = resource_type(resource) if kind is None else kind
    mapping = MAPPINGS[kind]
    key = resource_key(resource, kind)
    if mapping.concept_element is not None:
        absent = absent_unknown_code(get_object(resource, mapping.concept_element))
        if absent is not None:
            skipped[f"{kind} ({absent})"] += 1
            return ResourceFacts(key, ())
    mapped = mapping.mapper(resource, label, resolve)
    if isinstance(mapped, Skipped):
        skipped[f"{kind} ({mapped.reason})"] += 1
        return ResourceFacts(key, ())
    return ResourceFacts(key, tuple(mapped))


def patient_draft(
    resource: JSONObject,
    names: tuple[str, str],
    settings: ImportSettings,
    skipped: Counter[str],
    patient_ref: Callable[[str], str | None],
) -> PatientDraft:
    """A Patient resource as the record's demographics and identifiers; ``names`` is its
    (ref, label). ``patient_ref`` turns a Patient.link reference into a patient ref
    (``None``: not a Patient)."""
    ref, label = names
    patient = Patient(
        identifiers=patient_identifiers(resource, settings, skipped),
        name=patient_name(resource),
        birth_date=patient_birth_date(resource),
        sex=patient_sex(resource),
        deceased=patient_deceased(resource),
        source=source_of(ref),
    )
    links: list[tuple[str, str]] = []
    for link in get_objects(resource, "link"):
        kind = get_str(link, "type") or "no type"
        other = get_object(link, "other")
        reference = (get_str(other, "reference") if other is not None else None) or ""
        target = patient_ref(reference) if kind in MERGE_LINKS and reference else reference
        if target is None or (kind in MERGE_LINKS and not target):
            raise FhirFormatError(f"link {kind} {reference!r} does not reference a Patient")
        links.append((kind, target))
    by_identifiers = get_str(resource, "id") is None
    return PatientDraft(ref, label, patient, tuple(links), by_identifiers)
