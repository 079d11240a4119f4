"""Small builders for the FHIR R4 resources of the demo patients (:mod:`rpiq.ingest.demo`).

The demo is loaded through the FHIR importer, so these builders write plain FHIR JSON: one
``transaction`` bundle per patient, ``urn:uuid:`` full URLs derived deterministically from the
resource ids (UUID version 5), ``POST`` requests as Synthea writes them.
"""

from __future__ import annotations

import functools
import uuid
from typing import Any

from rpiq.ingest.fhir_values import LOINC, RXNORM, SNOMED, UCUM, JSONObject

DEMO_NAMESPACE = uuid.UUID("0b7f3f0e-6c8e-4d1e-9a57-7f1a3d2c9e01")
"""Namespace of the demo's UUID-5 full URLs (fixed, so the bundles are reproducible)."""

V2_IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
V3_ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
REPRESENTATION = "http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation"


def concept(system: str, code: str, display: str) -> JSONObject:
    """A CodeableConcept with one coding and the display as text."""
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def sct(code: str, display: str) -> JSONObject:
    return concept(SNOMED, code, display)


def loinc(code: str, display: str) -> JSONObject:
    return concept(LOINC, code, display)


def rxnorm(code: str, display: str) -> JSONObject:
    return concept(RXNORM, code, display)


def quantity(value: float, unit: str) -> JSONObject:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def years(value: int) -> JSONObject:
    """An age in years (UCUM ``a``)."""
    return {"value": value, "unit": "years", "system": UCUM, "code": "a"}


def human_name(family: str, given: str, representation: str | None = None) -> JSONObject:
    """An official HumanName; ``representation`` ``IDE``/``SYL`` marks ideographic/phonetic."""
    name: JSONObject = {"use": "official", "family": family, "given": [given]}
    if representation is not None:
        name["extension"] = [{"url": REPRESENTATION, "valueCode": representation}]
    return name


@functools.cache
def status_concept(system: str, code: str) -> JSONObject:
    """A HL7 terminology status CodeableConcept (shared: the writers never mutate it)."""
    return {"coding": [{"system": f"http://terminology.hl7.org/CodeSystem/{system}", "code": code}]}


_status = status_concept
PROBLEM_LIST_CATEGORY = [
    concept(
        "http://terminology.hl7.org/CodeSystem/condition-category",
        "problem-list-item",
        "Problem List Item",
    )
]


class ClinicalResourceWriter:
    """The resource shapes the demo and the synthetic generator share: a subclass sets
    ``subject`` and implements :meth:`add`."""

    subject: JSONObject

    def add(self, resource_type: str, **fields: Any) -> None:
        raise NotImplementedError

    def condition(
        self,
        code: JSONObject,
        onset: str,
        status: str | None = None,
        abatement: str | None = None,
        body_site: JSONObject | None = None,
    ) -> None:
        """A problem-list Condition; ``status`` defaults to resolved with an abatement date,
        else active."""
        clinical = status or ("resolved" if abatement else "active")
        fields: JSONObject = {
            "clinicalStatus": _status("condition-clinical", clinical),
            "verificationStatus": _status("condition-ver-status", "confirmed"),
            "category": PROBLEM_LIST_CATEGORY,
            "code": code,
            "subject": self.subject,
            "onsetDateTime": onset,
            "recordedDate": onset,
        }
        if abatement is not None:
            fields["abatementDateTime"] = abatement
        if body_site is not None:
            fields["bodySite"] = [body_site]
        self.add("Condition", **fields)

    def procedure(
        self, code: JSONObject, performed: str, body_site: JSONObject | None = None
    ) -> None:
        fields: JSONObject = {
            "status": "completed",
            "code": code,
            "subject": self.subject,
            "performedDateTime": performed,
        }
        if body_site is not None:
            fields["bodySite"] = [body_site]
        self.add("Procedure", **fields)

    def medication_statement(self, code: JSONObject, start: str, dosage: str) -> None:
        self.add(
            "MedicationStatement",
            status="active",
            medicationCodeableConcept=code,
            subject=self.subject,
            effectivePeriod={"start": start},
            dateAsserted=start,
            dosage=[{"text": dosage}],
        )

    def allergy(
        self,
        code: JSONObject,
        *,
        recorded: str,
        category: str,
        criticality: str,
        reaction: JSONObject,
        severity: str,
    ) -> None:
        self.add(
            "AllergyIntolerance",
            clinicalStatus=_status("allergyintolerance-clinical", "active"),
            verificationStatus=_status("allergyintolerance-verification", "confirmed"),
            type="allergy",
            category=[category],
            criticality=criticality,
            code=code,
            patient=self.subject,
            recordedDate=recorded,
            reaction=[{"manifestation": [reaction], "severity": severity}],
        )

    def observation(self, category: str, code: JSONObject, effective: str, **value: Any) -> None:
        self.add(
            "Observation",
            status="final",
            category=[concept(OBSERVATION_CATEGORY, category, category.replace("-", " ").title())],
            code=code,
            subject=self.subject,
            effectiveDateTime=effective,
            issued=effective,
            **value,
        )


class DemoBundle(ClinicalResourceWriter):
    """One demo patient and its resources, as a FHIR transaction bundle."""

    def __init__(
        self,
        key: str,
        *,
        PatientID: str,
        IssuerOfPatientID: str,
        system: str,
        gender: str,
        birth_date: str,
        names: list[JSONObject],
    ) -> None:
        self.key = key
        self._count = 0
        identifier = {
            "use": "usual",
            "type": concept(V2_IDENTIFIER_TYPE, "MR", "Medical record number"),
            "system": system,
            "value": PatientID,
            "assigner": {"display": IssuerOfPatientID},
        }
        patient = {
            "resourceType": "Patient",
            "id": key,
            "identifier": [identifier],
            "name": names,
            "gender": gender,
            "birthDate": birth_date,
        }
        self._entries: list[JSONObject] = [self._entry(patient)]
        self.subject = {"reference": self._entries[0]["fullUrl"]}

    @staticmethod
    def _entry(resource: JSONObject) -> JSONObject:
        full_url = f"urn:uuid:{uuid.uuid5(DEMO_NAMESPACE, resource['id'])}"
        request = {"method": "POST", "url": resource["resourceType"]}
        return {"fullUrl": full_url, "resource": resource, "request": request}

    def add(self, resource_type: str, **fields: Any) -> None:
        """Add a resource with a generated id (``<key>-<n>``)."""
        self._count += 1
        resource = {"resourceType": resource_type, "id": f"{self.key}-{self._count:02d}"}
        resource.update(fields)
        self._entries.append(self._entry(resource))

    def document(self) -> JSONObject:
        return {"resourceType": "Bundle", "type": "transaction", "entry": list(self._entries)}

    # --- resources --------------------------------------------------------------------------

    def medication_request(self, code: JSONObject, authored: str, dosage: str) -> None:
        self.add(
            "MedicationRequest",
            status="active",
            intent="order",
            medicationCodeableConcept=code,
            subject=self.subject,
            authoredOn=authored,
            dosageInstruction=[{"text": dosage}],
        )

    def blood_pressure(self, systolic: float, diastolic: float, effective: str) -> None:
        self.observation(
            "vital-signs",
            loinc("85354-9", "Blood pressure panel with all children optional"),
            effective,
            component=[
                {
                    "code": loinc("8480-6", "Systolic blood pressure"),
                    "valueQuantity": quantity(systolic, "mm[Hg]"),
                },
                {
                    "code": loinc("8462-4", "Diastolic blood pressure"),
                    "valueQuantity": quantity(diastolic, "mm[Hg]"),
                },
            ],
        )

    def family_history(
        self, role: str, role_display: str, condition: JSONObject, onset_age: int, date: str
    ) -> None:
        self.add(
            "FamilyMemberHistory",
            status="completed",
            patient=self.subject,
            date=date,
            relationship=concept(V3_ROLE_CODE, role, role_display),
            condition=[{"code": condition, "onsetAge": years(onset_age)}],
        )
