"""FHIR clinical resources -> domain :class:`~rpiq.domain.ClinicalFact` (one mapper per type).

Each mapper takes the resource, its provenance label (``Condition/<id>``) and a resolver for
references (contained, in the bundle, or in the NDJSON export: ``fhir_references``), and
returns the facts it yields or a :class:`Skipped` with the reason the resource stays out of
the record (counted in the import report, never silent).
Observations are in :mod:`rpiq.ingest.fhir_observations`. The full table is
``docs/fhir-mapping.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rpiq.domain import ClinicalFact, Code, FactKind, FactStatus
from rpiq.ingest.fhir_codes import (
    BILATERAL,
    CID_7451,
    CONDITION_STATUS,
    DEVICE_STATUS,
    LATERALITY_BY_SNOMED,
    LEFT,
    MEDICATION_ADMINISTRATION_STATUS,
    MEDICATION_REQUEST_STATUS,
    MEDICATION_STATEMENT_STATUS,
    NO_KNOWN_ALLERGY_CODES,
    PROCEDURE_STATUS,
    REFUTING_VERIFICATION,
    RELATIVE_BY_ROLE_CODE,
    RELATIVE_BY_ROLE_CODE_AND_SEX,
    RIGHT,
    SEVERITY_BY_FHIR,
    V3_ROLE_CODE,
)
from rpiq.ingest.fhir_references import Resolver
from rpiq.ingest.fhir_values import (
    SNOMED,
    FhirFormatError,
    JSONObject,
    code_from_concept,
    concept_has,
    concept_text,
    dicom_datetime,
    get_object,
    get_objects,
    get_str,
    period_bounds,
    status_code,
)


@dataclass(frozen=True)
class Skipped:
    """A resource kept out of the record, and why (e.g. ``entered-in-error``)."""

    reason: str


Mapped = list[ClinicalFact] | Skipped
"""What a mapper returns: the facts, or why the resource yields none."""

_SIDE_WORDS = (
    (re.compile(r"\b(bilateral|both)\b", re.IGNORECASE), BILATERAL),
    (re.compile(r"\bleft\b", re.IGNORECASE), LEFT),
    (re.compile(r"\bright\b", re.IGNORECASE), RIGHT),
)


def choice_datetime(resource: JSONObject, stem: str) -> tuple[str | None, str | None]:
    """``<stem>DateTime`` or ``<stem>Period`` as (start, end) in DICOM form."""
    single = dicom_datetime(get_str(resource, f"{stem}DateTime"))
    if single is not None:
        return single, None
    return period_bounds(get_object(resource, f"{stem}Period"))


def laterality_of(body_site: JSONObject | None) -> Code | None:
    """The side (CID 244) a SNOMED body site names, if any (``fhir_codes``)."""
    if body_site is None:
        return None
    for coding in get_objects(body_site, "coding"):
        if get_str(coding, "system") != SNOMED:
            continue
        known = LATERALITY_BY_SNOMED.get(get_str(coding, "code") or "")
        if known is not None:
            return known
        words = " ".join(filter(None, (get_str(coding, "display"), get_str(body_site, "text"))))
        for pattern, side in _SIDE_WORDS:
            if pattern.search(words):
                return side
    return None


def notes_text(resource: JSONObject) -> str | None:
    """The resource's ``note[].text``, joined."""
    texts = [get_str(note, "text") for note in get_objects(resource, "note")]
    joined = "; ".join(text for text in texts if text)
    return joined or None


def clinical_status(resource: JSONObject) -> FactStatus:
    """``clinicalStatus`` of a Condition or AllergyIntolerance (absent or unknown: UNKNOWN)."""
    return CONDITION_STATUS.get(status_code(resource, "clinicalStatus") or "", FactStatus.UNKNOWN)


def _first_body_site(resource: JSONObject) -> JSONObject | None:
    sites = get_objects(resource, "bodySite")
    return sites[0] if sites else None


def condition_facts(resource: JSONObject, source: str, resolve: Resolver) -> Mapped:
    """Condition -> PROBLEM (refuted and entered-in-error ones are skipped)."""
    verification = status_code(resource, "verificationStatus")
    if verification in REFUTING_VERIFICATION:
        return Skipped(verification or "")
    code = code_from_concept(get_object(resource, "code"))
    if code is None:
        return Skipped("no coded concept")
    started, _ = choice_datetime(resource, "onset")
    ended, _ = choice_datetime(resource, "abatement")
    body_site = _first_body_site(resource)
    fact = ClinicalFact(
        kind=FactKind.PROBLEM,
        code=code,
        status=clinical_status(resource),
        text=notes_text(resource),
        started=started,
        ended=ended,
        recorded=dicom_datetime(get_str(resource, "recordedDate")),
        laterality=laterality_of(body_site),
        body_site=code_from_concept(body_site),
        severity=code_from_concept(get_object(resource, "severity")),
        source=source,
    )
    return [fact]


def allergy_facts(resource: JSONObject, source: str, resolve: Resolver) -> Mapped:
    """AllergyIntolerance -> ALLERGY (code, reactions and criticality as text, severity)."""
    verification = status_code(resource, "verificationStatus")
    if verification in REFUTING_VERIFICATION:
        return Skipped(verification or "")
    concept = get_object(resource, "code")
    if concept_has(concept, SNOMED, NO_KNOWN_ALLERGY_CODES):
        return Skipped("no known allergy")
    code = code_from_concept(concept)
    if code is None:
        return Skipped("no coded concept")
    started, _ = choice_datetime(resource, "onset")
    fact = ClinicalFact(
        kind=FactKind.ALLERGY,
        code=code,
        status=clinical_status(resource),
        text=_allergy_text(resource),
        started=started,
        recorded=dicom_datetime(get_str(resource, "recordedDate")),
        severity=_reaction_severity(resource),
        source=source,
    )
    return [fact]


def _allergy_text(resource: JSONObject) -> str | None:
    parts: list[str] = []
    manifestations = [
        concept_text(manifestation)
        for reaction in get_objects(resource, "reaction")
        for manifestation in get_objects(reaction, "manifestation")
    ]
    named = [text for text in manifestations if text]
    if named:
        parts.append("reaction: " + ", ".join(named))
    criticality = get_str(resource, "criticality")
    if criticality is not None:
        parts.append(f"criticality: {criticality}")
    notes = notes_text(resource)
    if notes is not None:
        parts.append(notes)
    return "; ".join(parts) or None


def _reaction_severity(resource: JSONObject) -> Code | None:
    """The gravest ``reaction.severity`` as a CID 3716 code."""
    found = {get_str(reaction, "severity") for reaction in get_objects(resource, "reaction")}
    for severity in ("severe", "moderate", "mild"):
        if severity in found:
            return SEVERITY_BY_FHIR[severity]
    return None


def _medication_code(resource: JSONObject, resolve: Resolver) -> Code | Skipped:
    concept = get_object(resource, "medicationCodeableConcept")
    reference = get_object(resource, "medicationReference")
    if concept is None and reference is not None:
        target = resolve(get_str(reference, "reference") or "", resource)
        if target is None or get_str(target, "resourceType") != "Medication":
            return Skipped("medicationReference not found")
        concept = get_object(target, "code")
    code = code_from_concept(concept)
    return code if code is not None else Skipped("no coded medication")


def medication_request_facts(resource: JSONObject, source: str, resolve: Resolver) -> Mapped:
    """MedicationRequest -> MEDICATION (authoredOn as start; status per ``fhir_codes``)."""
    status = get_str(resource, "status")
    if resource.get("doNotPerform") is True:
        return Skipped("doNotPerform")
    if status is not None and status not in MEDICATION_REQUEST_STATUS:
        return Skipped(status)
    code = _medication_code(resource, resolve)
    if isinstance(code, Skipped):
        return code
    authored = dicom_datetime(get_str(resource, "authoredOn"))
    dosage = [get_str(item, "text") for item in get_objects(resource, "dosageInstruction")]
    fact = ClinicalFact(
        kind=FactKind.MEDICATION,
        code=code,
        status=MEDICATION_REQUEST_STATUS.get(status or "", FactStatus.UNKNOWN),
        text="; ".join(text for text in dosage if text) or None,
        started=authored,
        recorded=authored,
        source=source,
    )
    return [fact]


def medication_statement_facts(resource: JSONObject, source: str, resolve: Resolver) -> Mapped:
    """MedicationStatement -> MEDICATION (effective[x] as start/end, dateAsserted recorded)."""
    status = get_str(resource, "status")
    if status is not None and status not in MEDICATION_STATEMENT_STATUS:
        return Skipped(status)
    code = _medication_code(resource, resolve)
    if isinstance(code, Skipped):
        return code
    started, ended = choice_datetime(resource, "effective")
    dosage = [get_str(item, "text") for item in get_objects(resource, "dosage")]
    fact = ClinicalFact(
        kind=FactKind.MEDICATION,
        code=code,
        status=MEDICATION_STATEMENT_STATUS.get(status or "", FactStatus.UNKNOWN),
        text="; ".join(text for text in dosage if text) or None,
        started=started,
        ended=ended,
        recorded=dicom_datetime(get_str(resource, "dateAsserted")),
        source=source,
    )
    return [fact]


def medication_administration_facts(resource: JSONObject, source: str, resolve: Resolver) -> Mapped:
    """MedicationAdministration -> MEDICATION (effective[x] as start/end; dosage.text)."""
    status = get_str(resource, "status")
    if status is not None and status not in MEDICATION_ADMINISTRATION_STATUS:
        return Skipped(status)
    code = _medication_code(resource, resolve)
    if isinstance(code, Skipped):
        return code
    started, ended = choice_datetime(resource, "effective")
    dosage = get_object(resource, "dosage")
    fact = ClinicalFact(
        kind=FactKind.MEDICATION,
        code=code,
        status=MEDICATION_ADMINISTRATION_STATUS.get(status or "", FactStatus.UNKNOWN),
        text=get_str(dosage, "text") if dosage is not None else None,
        started=started,
        ended=ended,
        source=source,
    )
    return [fact]


def procedure_facts(resource: JSONObject, source: str, resolve: Resolver) -> Mapped:
    """Procedure -> PROCEDURE (performed[x] as start/end; body site and its laterality)."""
    status = get_str(resource, "status")
    if status is not None and status not in PROCEDURE_STATUS:
        return Skipped(status)
    code = code_from_concept(get_object(resource, "code"))
    if code is None:
        return Skipped("no coded concept")
    started, ended = choice_datetime(resource, "performed")
    body_site = _first_body_site(resource)
    fact = ClinicalFact(
        kind=FactKind.PROCEDURE,
        code=code,
        status=PROCEDURE_STATUS.get(status or "", FactStatus.UNKNOWN),
        text=notes_text(resource),
        started=started,
        ended=ended,
        laterality=laterality_of(body_site),
        body_site=code_from_concept(body_site),
        source=source,
    )
    return [fact]


def family_history_facts(resource: JSONObject, source: str, resolve: Resolver) -> Mapped:
    """FamilyMemberHistory -> one FAMILY_HISTORY fact per condition, relative per CID 7451."""
    if get_str(resource, "status") == "entered-in-error":
        return Skipped("entered-in-error")
    relative = relative_code(get_object(resource, "relationship"), get_object(resource, "sex"))
    facts: list[ClinicalFact] = []
    for condition in get_objects(resource, "condition"):
        code = code_from_concept(get_object(condition, "code"))
        if code is None:
            raise FhirFormatError("condition without a coded concept")
        started, ended = period_bounds(get_object(condition, "onsetPeriod"))
        facts.append(
            ClinicalFact(
                kind=FactKind.FAMILY_HISTORY,
                code=code,
                text=_family_condition_text(condition),
                started=started,
                ended=ended,
                recorded=dicom_datetime(get_str(resource, "date")),
                relative=relative,
                source=source,
            )
        )
    return facts or Skipped("no condition")


def device_facts(resource: JSONObject, source: str, resolve: Resolver) -> Mapped:
    """Device (with a patient) -> DEVICE: the device type, active/inactive."""
    status = get_str(resource, "status")
    if status is not None and status not in DEVICE_STATUS:
        return Skipped(status)
    code = code_from_concept(get_object(resource, "type"))
    if code is None:
        return Skipped("no coded type")
    fact = ClinicalFact(
        kind=FactKind.DEVICE,
        code=code,
        status=DEVICE_STATUS.get(status or "", FactStatus.UNKNOWN),
        text=notes_text(resource),
        source=source,
    )
    return [fact]


def relative_code(relationship: JSONObject | None, sex: JSONObject | None) -> Code:
    """FamilyMemberHistory.relationship as a CID 7451 member; when it cannot be mapped, the
    source code itself (raises when there is no coded relationship at all)."""
    if relationship is None:
        raise FhirFormatError("relationship is missing")
    female = concept_has(sex, "http://hl7.org/fhir/administrative-gender", frozenset({"female"}))
    male = concept_has(sex, "http://hl7.org/fhir/administrative-gender", frozenset({"male"}))
    for coding in get_objects(relationship, "coding"):
        system, value = get_str(coding, "system"), get_str(coding, "code") or ""
        if system == V3_ROLE_CODE and value in RELATIVE_BY_ROLE_CODE:
            return RELATIVE_BY_ROLE_CODE[value]
        if system == V3_ROLE_CODE and value in RELATIVE_BY_ROLE_CODE_AND_SEX and (female or male):
            return RELATIVE_BY_ROLE_CODE_AND_SEX[value][0 if female else 1]
        if system == SNOMED:
            member = next((code for code in CID_7451 if code.value == value), None)
            if member is not None:
                return member
    code = code_from_concept(relationship)
    if code is None:
        raise FhirFormatError("relationship has no coding")
    return code


def _family_condition_text(condition: JSONObject) -> str | None:
    parts: list[str] = []
    onset_age = get_object(condition, "onsetAge")
    if onset_age is not None and onset_age.get("value") is not None:
        unit = get_str(onset_age, "unit") or get_str(onset_age, "code") or ""
        parts.append(f"onset at age {onset_age['value']} {unit}".strip())
    onset_text = get_str(condition, "onsetString")
    if onset_text is not None:
        parts.append(f"onset: {onset_text}")
    if condition.get("contributedToDeath") is True:
        parts.append("contributed to death")
    notes = notes_text(condition)
    if notes is not None:
        parts.append(notes)
    return "; ".join(parts) or None
