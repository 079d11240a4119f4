"""Hand-written FHIR JSON for the ingest tests (literal resources, not the demo builders)."""

from __future__ import annotations

from typing import Any

from rpiq.config import ImportSettings
from rpiq.domain import Patient
from rpiq.ingest.fhir_bundle import ParsedBundle, read_bundle

JSON = dict[str, Any]

PATIENT_URL = "urn:uuid:6f7c0e2a-3a1b-4c8e-9d51-0b1e6f0f0001"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"


def patient_resource(**overrides: Any) -> JSON:
    resource: JSON = {
        "resourceType": "Patient",
        "id": "p1",
        "identifier": [
            {"system": "urn:oid:1.2.3", "value": "MRN-1", "assigner": {"display": "HOSP"}}
        ],
        "name": [{"use": "official", "family": "Doe", "given": ["Jane"]}],
        "gender": "female",
        "birthDate": "1970-02-03",
    }
    resource.update(overrides)
    return resource


def subject() -> JSON:
    return {"reference": PATIENT_URL}


def concept(system: str, code: str, display: str) -> JSON:
    return {"coding": [{"system": system, "code": code, "display": display}]}


def bundle(*resources: JSON, patient: JSON | None = None, bundle_type: str = "collection") -> JSON:
    entries = [{"fullUrl": PATIENT_URL, "resource": patient or patient_resource()}]
    entries += [
        {"fullUrl": f"urn:uuid:00000000-0000-4000-8000-{index:012d}", "resource": resource}
        for index, resource in enumerate(resources, start=1)
    ]
    return {"resourceType": "Bundle", "type": bundle_type, "entry": entries}


def read(document: JSON, settings: ImportSettings | None = None) -> ParsedBundle:
    return read_bundle(document, "test.json", settings or ImportSettings())


def only_patient(*resources: JSON, patient: JSON | None = None) -> Patient:
    parsed = read(bundle(*resources, patient=patient))
    assert len(parsed.patients) == 1
    return parsed.patients[0]
