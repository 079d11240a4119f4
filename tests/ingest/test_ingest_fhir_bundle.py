"""Bundle-level rules: accepted types, references, refusal messages."""

from __future__ import annotations

from typing import Any

import pytest

from ingest.fhir_json import PATIENT_URL, SNOMED, bundle, concept, patient_resource, read
from rpiq.config import ImportSettings
from rpiq.errors import ImportRefused
from rpiq.ingest.fhir_bundle import parse_bundle


def condition(condition_id: str, reference: str = PATIENT_URL, **fields: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "id": condition_id,
        "code": concept(SNOMED, "38341003", "Hypertension"),
        "subject": {"reference": reference},
    }
    resource.update(fields)
    return resource


def test_parse_bundle_returns_the_patients() -> None:
    patients = parse_bundle(bundle(condition("c1")), "in.json", ImportSettings())
    assert [patient.source for patient in patients] == ["fhir:Patient/p1"]
    assert [fact.code.value for fact in patients[0].facts] == ["38341003"]


@pytest.mark.parametrize(
    "reference",
    [PATIENT_URL, "Patient/p1", "https://fhir.example.org/r4/Patient/p1", "Patient/p1/_history/3"],
)
def test_subject_references_resolve_by_full_url_type_and_id_or_absolute_url(reference: str) -> None:
    parsed = read(bundle(condition("c1", reference)))
    assert len(parsed.patients[0].facts) == 1


def test_resources_may_come_before_their_patient() -> None:
    document = bundle(condition("c1"))
    document["entry"].reverse()
    assert len(read(document).patients[0].facts) == 1


def test_several_patients_in_one_bundle_each_get_their_facts() -> None:
    second = patient_resource(id="p2", identifier=[{"system": "urn:x", "value": "2"}])
    document = bundle(condition("c1"), condition("c2", "Patient/p2"))
    document["entry"].append({"fullUrl": "urn:uuid:second", "resource": second})
    first_patient, second_patient = read(document).patients
    assert [fact.source for fact in first_patient.facts] == ["Condition/c1"]
    assert [fact.source for fact in second_patient.facts] == ["Condition/c2"]


@pytest.mark.parametrize(
    ("resource", "reason"),
    [
        (
            condition("c9", "urn:uuid:unknown"),
            "subject 'urn:uuid:unknown' is not a Patient in this bundle",
        ),
        (
            condition("c9", "Practitioner/dr"),
            "subject 'Practitioner/dr' is not a Patient in this bundle",
        ),
        (condition("c9", subject=None), "subject does not reference a Patient"),
        (condition("c9", onsetDateTime="2019-02-30"), "'2019-02-30' is not a valid date"),
        (condition("c9", recordedDate=20190101), "recordedDate is not a string"),
    ],
)
def test_an_invalid_resource_refuses_the_bundle_naming_file_and_resource(
    resource: dict[str, Any], reason: str
) -> None:
    practitioner = {"resourceType": "Practitioner", "id": "dr"}
    with pytest.raises(ImportRefused) as refused:
        read(bundle(condition("c1"), practitioner, resource))
    assert str(refused.value).startswith(f"test.json: Condition/c9: {reason}")
    assert refused.value.location == "test.json"


def test_a_resource_without_id_is_named_by_its_full_url() -> None:
    document = bundle(condition("c1", onsetDateTime="yesterday"))
    del document["entry"][1]["resource"]["id"]
    with pytest.raises(
        ImportRefused, match="Condition urn:uuid:00000000-0000-4000-8000-000000000001: 'yesterday'"
    ):
        read(document)


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ([1, 2], "not a FHIR Bundle"),
        ({"resourceType": "Patient"}, "not a FHIR Bundle"),
        (
            {"resourceType": "Bundle", "type": "history", "entry": []},
            "Bundle type 'history' is not imported",
        ),
        (
            {"resourceType": "Bundle", "type": "collection", "entry": {}},
            "Bundle.entry: entry is not an array",
        ),
    ],
)
def test_documents_that_are_not_importable_bundles_are_refused(document: Any, reason: str) -> None:
    with pytest.raises(ImportRefused, match=reason):
        read(document)


def test_a_full_url_used_twice_refuses_the_bundle() -> None:
    document = bundle(condition("c1"))
    document["entry"][1]["fullUrl"] = PATIENT_URL
    with pytest.raises(ImportRefused, match="appears twice"):
        read(document)


def test_other_resource_types_and_empty_entries_are_counted() -> None:
    document = bundle(
        {"resourceType": "Encounter", "id": "e1"}, {"resourceType": "Claim", "id": "x"}
    )
    document["entry"].append({"request": {"method": "DELETE", "url": "Patient/old"}})
    parsed = read(document)
    assert dict(parsed.skipped) == {"Bundle.entry (no resource)": 1, "Claim": 1, "Encounter": 1}


def test_subject_is_checked_even_for_resources_that_are_skipped() -> None:
    lab = {
        "resourceType": "Observation",
        "id": "o1",
        "status": "final",
        "category": [
            concept(
                "http://terminology.hl7.org/CodeSystem/observation-category",
                "laboratory",
                "Laboratory",
            )
        ],
        "code": concept("http://loinc.org", "2339-0", "Glucose"),
        "subject": {"reference": "Patient/someone-else"},
    }
    with pytest.raises(ImportRefused, match="Observation/o1: subject 'Patient/someone-else'"):
        read(bundle(lab))
