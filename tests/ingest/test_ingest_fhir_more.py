"""More mapping rules: Observation value types and components, MedicationAdministration,
referenced and contained Medications by every reference form (bundle and NDJSON), IPS
absent/unknown codes, and tolerant status forms."""

from __future__ import annotations

from typing import Any

import pytest

from ingest.fhir_export import ndjson_lines
from ingest.fhir_json import LOINC, PATIENT_URL, SNOMED, bundle, concept, read, subject
from rpiq.config import ImportSettings
from rpiq.domain import Code, FactKind, FactStatus, Quantity
from rpiq.ingest.fhir_mapping import MAPPINGS
from rpiq.ingest.fhir_ndjson import read_export

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
VITALS = concept("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs", "x")
YES = Code("373066001", "SCT", "Yes")
NO = Code("373067005", "SCT", "No")
JSON = dict[str, Any]


def vital(code: str, **value: Any) -> JSON:
    return {
        "resourceType": "Observation",
        "id": f"o-{code}",
        "status": "final",
        "category": [VITALS],
        "code": concept(LOINC, code, f"observation {code}"),
        "subject": subject(),
        "effectiveDateTime": "2021-06-01T10:00:00+02:00",
        "issued": "2021-06-01T10:05:00+02:00",
        **value,
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"valueBoolean": True}, {"value_code": YES}),
        ({"valueBoolean": False}, {"value_code": NO}),
        ({"valueInteger": 3}, {"quantity": Quantity(3.0, Code("1", "UCUM", "no units"))}),
        ({"valueString": "faint"}, {"text": "faint"}),
        ({"valueTime": "07:30:00"}, {"text": "07:30:00"}),
        ({"valueCodeableConcept": {"text": "irregular"}}, {"text": "irregular"}),
        (
            {"valueRange": {"low": {"value": 3, "unit": "mg"}, "high": {"value": 5, "unit": "mg"}}},
            {"text": "3 mg - 5 mg"},
        ),
        (
            {"valueRatio": {"numerator": {"value": 1}, "denominator": {"value": 128}}},
            {"text": "1 / 128"},
        ),
        (
            {"valueDateTime": "2021-05-30"},
            {"started": "20210530", "recorded": "20210601100000+0200"},
        ),
        (
            {"valuePeriod": {"start": "2021-05-01", "end": "2021-05-03"}},
            {"started": "20210501", "ended": "20210503", "recorded": "20210601100000+0200"},
        ),
    ],
)
def test_observation_value_types(value: JSON, expected: JSON) -> None:
    (fact,) = read(bundle(vital("8310-5", **value))).patients[0].facts
    defaults = {
        "value_code": None, "quantity": None, "text": None, "started": "20210601100000+0200",
        "ended": None, "recorded": "20210601100500+0200",
    }  # fmt: skip
    assert {name: getattr(fact, name) for name in defaults} == {**defaults, **expected}
    assert (fact.kind, fact.status) == (FactKind.VITAL_SIGN, FactStatus.COMPLETED)


def test_sampled_data_and_no_value_are_skipped_with_their_reason() -> None:
    parsed = read(
        bundle(
            vital("1", valueSampledData={"origin": {"value": 0}, "period": 1, "dimensions": 1}),
            vital("2", dataAbsentReason=concept(SNOMED, "x", "asked but unknown")),
        )
    )
    assert parsed.patients[0].facts == ()
    assert dict(parsed.skipped) == {
        "Observation (valueSampledData not imported)": 1,
        "Observation (no value)": 1,
    }


def test_a_vital_signs_panel_gives_one_fact_per_component_whatever_its_value_type() -> None:
    panel = vital(
        "85353-1",
        component=[
            {"code": concept(LOINC, "8480-6", "Systolic"), "valueQuantity": {"value": 120}},
            {"code": concept(LOINC, "9269-2", "Glasgow"), "valueInteger": 15},
            {"code": concept(LOINC, "8357-6", "Method"), "valueString": "cuff"},
            {"code": concept(LOINC, "8478-0", "Mean"), "dataAbsentReason": {"text": "no"}},
        ],
    )
    facts = read(bundle(panel)).patients[0].facts
    assert [(f.code.value, f.quantity.value if f.quantity else f.text) for f in facts] == [
        ("8480-6", 120.0),
        ("9269-2", 15.0),
        ("8357-6", "cuff"),
    ]


def administration(**fields: Any) -> JSON:
    return {
        "resourceType": "MedicationAdministration",
        "id": "ma1",
        "status": "completed",
        "medicationCodeableConcept": concept(RXNORM, "1049221", "Acetaminophen 325 MG"),
        "subject": subject(),
        "effectivePeriod": {"start": "2022-03-01T08:00:00Z", "end": "2022-03-01T08:05:00Z"},
        "dosage": {"text": "2 tablets"},
        **fields,
    }


def test_medication_administrations_become_medications() -> None:
    parsed = read(
        bundle(
            administration(),
            administration(id="ma2", status="in-progress", effectiveDateTime="2022-03-02",
                           effectivePeriod=None),
            administration(id="ma3", status="not-done"),
            administration(id="ma4", status="entered-in-error"),
        )
    )  # fmt: skip
    assert [(f.source, f.status, f.started, f.ended, f.text) for f in parsed.patients[0].facts] == [
        ("MedicationAdministration/ma1", FactStatus.COMPLETED, "20220301080000+0000",
         "20220301080500+0000", "2 tablets"),
        ("MedicationAdministration/ma2", FactStatus.ACTIVE, "20220302", None, "2 tablets"),
    ]  # fmt: skip
    assert dict(parsed.skipped) == {
        "MedicationAdministration (entered-in-error)": 1,
        "MedicationAdministration (not-done)": 1,
    }


MEDICATION = {
    "resourceType": "Medication",
    "id": "med-1",
    "code": concept(RXNORM, "200033", "carvedilol 25 MG Oral Tablet"),
}


@pytest.mark.parametrize(
    "reference",
    [
        "Medication/med-1",
        "https://ehr.example.org/fhir/Medication/med-1",
        "https://elsewhere.example.org/r4/Medication/med-1/_history/4",
        "urn:uuid:00000000-0000-4000-8000-000000000001",
        "#contained-med",
    ],
)
def test_a_referenced_or_contained_medication_gives_the_code(reference: str) -> None:
    contained = {**MEDICATION, "id": "contained-med"}
    statement = {
        "resourceType": "MedicationStatement",
        "id": "s1",
        "status": "active",
        "medicationReference": {"reference": reference},
        "subject": {"reference": "https://ehr.example.org/fhir/Patient/p1"},
        "contained": [contained],
    }
    document = bundle(MEDICATION, statement)
    document["entry"][0]["fullUrl"] = "https://ehr.example.org/fhir/Patient/p1"
    (fact,) = read(document).patients[0].facts
    assert fact.code == Code("200033", "RXNORM", "carvedilol 25 MG Oral Tablet")


def test_ndjson_medication_references_resolve_across_files() -> None:
    patient = {
        "resourceType": "Patient",
        "id": "p1",
        "identifier": [{"system": "urn:mrn", "value": "1"}],
    }
    request = {
        "resourceType": "MedicationRequest",
        "id": "r1",
        "status": "active",
        "medicationReference": {"reference": "Medication/med-1"},
        "subject": {"reference": "Patient/p1"},
    }
    files = [
        ("x/MedicationRequest.ndjson", ndjson_lines(request).encode()),
        ("x/Patient.ndjson", ndjson_lines(patient).encode()),
        ("x/Medication.ndjson", ndjson_lines(MEDICATION).encode()),
    ]
    export = read_export(files, ImportSettings())
    (unit,) = export.units
    assert (unit.location, export.refused) == ("x/Patient.ndjson:1", ())
    ((facts,),) = [change.resources for change in unit.changes]
    assert [fact.code.value for fact in facts.facts] == ["200033"]


@pytest.mark.parametrize("resource_type", sorted(set(MAPPINGS) - {"FamilyMemberHistory"}))
def test_ips_absent_unknown_codes_are_never_facts(resource_type: str) -> None:
    element = MAPPINGS[resource_type].concept_element or "code"
    resource = {
        "resourceType": resource_type,
        "id": "x1",
        "status": "active",
        element: concept(
            "http://hl7.org/fhir/uv/ips/CodeSystem/absent-unknown-uv-ips", "no-known-x", "None"
        ),
        MAPPINGS[resource_type].patient_element: {"reference": PATIENT_URL},
    }
    parsed = read(bundle(resource))
    assert parsed.patients[0].facts == ()
    assert dict(parsed.skipped) == {f"{resource_type} (no-known-x)": 1}


def test_stu3_style_string_statuses_are_read() -> None:
    allergy = {
        "resourceType": "AllergyIntolerance",
        "id": "a1",
        "clinicalStatus": "active",
        "verificationStatus": "refuted",
        "code": concept(SNOMED, "91936005", "Penicillin"),
        "patient": subject(),
    }
    kept = {**allergy, "id": "a2", "verificationStatus": "confirmed"}
    parsed = read(bundle(allergy, kept))
    assert [(f.source, f.status) for f in parsed.patients[0].facts] == [
        ("AllergyIntolerance/a2", FactStatus.ACTIVE)
    ]
    assert dict(parsed.skipped) == {"AllergyIntolerance (refuted)": 1}
