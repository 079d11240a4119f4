"""FHIR Observation -> vital signs, measurements, social history, OB/GYN facts."""

from __future__ import annotations

from typing import Any

from ingest.fhir_json import LOINC, SNOMED, bundle, concept, read, subject
from rpiq.domain import Code, FactKind, Quantity

CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
UCUM = "http://unitsofmeasure.org"
NO_UNITS = Code("1", "UCUM", "no units")


def observation(
    code: str, display: str, category: str | None = None, **value: Any
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"o-{code}",
        "status": "final",
        "code": concept(LOINC, code, display),
        "subject": subject(),
        "effectiveDateTime": "2021-06-01T10:00:00+02:00",
        "issued": "2021-06-01T10:05:00.000+02:00",
    }
    if category is not None:
        resource["category"] = [concept(CATEGORY, category, category)]
    resource.update(value)
    return resource


def quantity(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def test_a_blood_pressure_panel_becomes_one_fact_per_component() -> None:
    panel = observation(
        "85354-9",
        "Blood pressure panel",
        "vital-signs",
        component=[
            {
                "code": concept(LOINC, "8480-6", "Systolic blood pressure"),
                "valueQuantity": quantity(132, "mm[Hg]"),
            },
            {
                "code": concept(LOINC, "8462-4", "Diastolic blood pressure"),
                "valueQuantity": quantity(84, "mm[Hg]"),
            },
        ],
    )
    facts = read(bundle(panel)).patients[0].facts
    assert [(fact.kind, fact.code.value, fact.quantity) for fact in facts] == [
        (FactKind.VITAL_SIGN, "8480-6", Quantity(132.0, Code("mm[Hg]", "UCUM", "mm[Hg]"))),
        (FactKind.VITAL_SIGN, "8462-4", Quantity(84.0, Code("mm[Hg]", "UCUM", "mm[Hg]"))),
    ]
    assert facts[0].started == "20210601100000+0200"
    assert facts[0].recorded == "20210601100500.000+0200"
    assert facts[0].source == "Observation/o-85354-9"


def test_vital_signs_and_body_measurements() -> None:
    parsed = read(
        bundle(
            observation("8867-4", "Heart rate", "vital-signs", valueQuantity=quantity(72, "/min")),
            observation(
                "29463-7", "Body weight", "vital-signs", valueQuantity=quantity(81.5, "kg")
            ),
            observation("8302-2", "Body height", None, valueQuantity=quantity(176, "cm")),
        )
    )
    kinds = [(fact.code.value, fact.kind) for fact in parsed.patients[0].facts]
    assert kinds == [
        ("8867-4", FactKind.VITAL_SIGN),
        ("29463-7", FactKind.MEASUREMENT),
        ("8302-2", FactKind.MEASUREMENT),
    ]


def test_other_categories_are_counted_as_skipped() -> None:
    parsed = read(
        bundle(
            observation("2339-0", "Glucose", "laboratory", valueQuantity=quantity(5.5, "mmol/L")),
            observation(
                "2339-0", "Glucose", "laboratory", id="o2", valueQuantity=quantity(6, "mmol/L")
            ),
            observation(
                "75325-1", "Symptom", "exam", valueCodeableConcept=concept(SNOMED, "1", "x")
            ),
            observation("8867-4", "Heart rate", "vital-signs", id="o4", status="entered-in-error"),
            observation("8867-4", "Heart rate", "vital-signs", id="o5"),
        )
    )
    assert parsed.patients[0].facts == ()
    assert dict(parsed.skipped) == {
        "Observation (laboratory)": 2,
        "Observation (exam)": 1,
        "Observation (entered-in-error)": 1,
        "Observation (no value)": 1,
    }


def test_gravida_and_para_are_gynecological_counts_without_units() -> None:
    parsed = read(
        bundle(
            observation(
                "11996-6",
                "Gravida",
                "social-history",
                valueQuantity={"value": 2, "unit": "{#}", "system": UCUM, "code": "{#}"},
            ),
            observation("11977-6", "Para", None, valueInteger=1),
            observation("42802-9", "Age at menopause", None, valueQuantity=quantity(51, "a")),
        )
    )
    facts = parsed.patients[0].facts
    assert [(fact.kind, fact.code.value, fact.quantity) for fact in facts] == [
        (FactKind.GYNECOLOGICAL, "11996-6", Quantity(2.0, NO_UNITS)),
        (FactKind.GYNECOLOGICAL, "11977-6", Quantity(1.0, NO_UNITS)),
        (FactKind.GYNECOLOGICAL, "42802-9", Quantity(51.0, Code("a", "UCUM", "a"))),
    ]
    assert facts[0].quantity is not None
    assert facts[0].quantity.unit.meaning == "no units"


def test_pregnancy_status_answers_are_normalised_to_cid_6096() -> None:
    pregnant = observation(
        "82810-3",
        "Pregnancy status",
        "social-history",
        valueCodeableConcept=concept(LOINC, "LA15173-0", "Pregnant"),
    )
    (fact,) = read(bundle(pregnant)).patients[0].facts
    assert fact.kind is FactKind.GYNECOLOGICAL
    assert fact.code == Code("82810-3", "LN", "Pregnancy status")
    assert fact.value_code == Code("77386006", "SCT", "patient currently pregnant")


def test_date_values_are_stored_as_started() -> None:
    lmp = observation(
        "8665-2", "Last menstrual period start date", None, valueDateTime="2024-01-10"
    )
    edd = observation("11778-8", "Delivery date Estimated", None, valueDateTime="2024-10-16")
    facts = read(bundle(lmp, edd)).patients[0].facts
    assert [(fact.kind, fact.started, fact.recorded) for fact in facts] == [
        (FactKind.GYNECOLOGICAL, "20240110", "20210601100000+0200"),
        (FactKind.OBSTETRIC, "20241016", "20210601100000+0200"),
    ]
