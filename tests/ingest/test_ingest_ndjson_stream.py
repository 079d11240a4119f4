"""NDJSON exports are read line by line: resources of one patient spread over several files
(in any order) still form that patient's unit, every bad line is still named ``file:line``,
and the export is never held as parsed JSON at once (its facts are)."""

from __future__ import annotations

import json
import tracemalloc
from typing import Any

import pytest

from ingest.fhir_export import ndjson_lines
from ingest.fhir_json import SNOMED, concept, patient_resource
from rpiq.config import ImportSettings
from rpiq.ingest.fhir_ndjson import read_export
from rpiq.ingest.fhir_values import RXNORM

JSON = dict[str, Any]


def person(patient_id: str) -> JSON:
    return patient_resource(id=patient_id, identifier=[{"system": "urn:mrn", "value": patient_id}])


def condition(condition_id: str, patient_id: str, **fields: Any) -> JSON:
    return {
        "resourceType": "Condition",
        "id": condition_id,
        "code": concept(SNOMED, "38341003", "Hypertension"),
        "subject": {"reference": f"Patient/{patient_id}"},
        **fields,
    }


def request(request_id: str, patient_id: str) -> JSON:
    return {
        "resourceType": "MedicationRequest",
        "id": request_id,
        "status": "active",
        "medicationReference": {"reference": "Medication/med-9"},
        "subject": {"reference": f"Patient/{patient_id}"},
    }


MEDICATION = {
    "resourceType": "Medication",
    "id": "med-9",
    "code": concept(RXNORM, "200033", "carvedilol 25 MG Oral Tablet"),
}


def test_patients_interleaved_across_files_group_by_patient() -> None:
    files = [
        ("e/Condition.1.ndjson", ndjson_lines(condition("a1", "p2"), condition("b1", "p1"))),
        ("e/Mixed.ndjson", ndjson_lines(request("r1", "p1"), condition("a2", "p2"), MEDICATION)),
        ("e/Patient.ndjson", ndjson_lines(person("p1"), person("p2"))),
        ("e/Condition.2.ndjson", ndjson_lines(condition("b2", "p1"))),
    ]
    export = read_export([(name, text.encode()) for name, text in files], ImportSettings())
    assert export.refused == ()
    assert export.lines == 8
    by_location = {
        unit.location: [facts.key for change in unit.changes for facts in change.resources]
        for unit in export.units
    }
    assert by_location == {
        "e/Patient.ndjson:1": ["Condition/b1", "MedicationRequest/r1", "Condition/b2"],
        "e/Patient.ndjson:2": ["Condition/a1", "Condition/a2"],
    }
    (medication,) = [
        fact.code.value
        for unit in export.units
        for change in unit.changes
        for facts in change.resources
        if facts.key == "MedicationRequest/r1"
        for fact in facts.facts
    ]
    assert medication == "200033"  # the Medication came later, in a file of another name


def test_bad_lines_are_named_by_file_and_line_the_rest_loads() -> None:
    condition_lines = (
        ndjson_lines(condition("c1", "p1"))
        + "{not json\n"
        + ndjson_lines(condition("c-bad", "p1", onsetDateTime="2019-02-30"))
        + "\n[1]\n"
        + ndjson_lines(condition("c2", "p1"))
    ).encode()
    patient_lines = b"\xef\xbb\xbf" + ndjson_lines(person("p1")).encode()
    latin1 = ndjson_lines(condition("c3", "p1")).encode() + b'{"resourceType": "\xe9"}\n'
    export = read_export(
        [
            ("x/Condition.ndjson", condition_lines),
            ("x/Other.ndjson", latin1),
            ("x/Patient.ndjson", patient_lines),
        ],
        ImportSettings(),
    )
    refused = [(error.location, error.reason.split(":")[0]) for error in export.refused]
    assert refused == [
        ("x/Condition.ndjson:2", "not JSON"),
        ("x/Condition.ndjson:5", "not a FHIR resource (a JSON object)"),
        ("x/Other.ndjson:2", "not JSON"),
        ("x/Condition.ndjson:3", "Condition/c-bad"),
    ]
    (unit,) = export.units
    assert unit.location == "x/Patient.ndjson:1"  # a byte order mark does not refuse it
    keys = [facts.key for change in unit.changes for facts in change.resources]
    assert keys == ["Condition/c1", "Condition/c2", "Condition/c3"]


def test_an_export_is_not_held_as_parsed_json() -> None:
    """Peak memory while reading stays well below what the parsed lines alone take."""
    resources = [person(f"p{index}") for index in range(100)] + [
        condition(f"c{index}", f"p{index % 100}", note=[{"text": "x" * 200}])
        for index in range(2000)
    ]
    data = ndjson_lines(*resources).encode()
    tracemalloc.start()
    try:
        parsed = [json.loads(line) for line in data.splitlines()]
        held = tracemalloc.get_traced_memory()[0]
        del parsed
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        export = read_export([("big/All.ndjson", data)], ImportSettings())
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert (len(export.units), export.refused) == (100, ())
    assert peak < held * 0.8, (peak, held)  # reading all lines first took ~1.35x


@pytest.mark.parametrize("spelling", ["Medication", " Medication\\t", "\\u004dedication"])
def test_a_medication_line_anywhere_resolves_however_its_type_is_spelt(spelling: str) -> None:
    text = json.dumps(MEDICATION).replace('"Medication"', f'"{spelling}"')
    data = ndjson_lines(person("p1"), request("r1", "p1")).encode() + text.encode() + b"\n"
    export = read_export([("one/All.ndjson", data)], ImportSettings())
    ((facts,),) = [change.resources for unit in export.units for change in unit.changes]
    assert [fact.code.value for fact in facts.facts] == ["200033"]


def test_a_line_with_an_unreadable_type_or_id_is_refused_alone() -> None:
    lines = [
        {"resourceType": 5, "id": "x"},
        {**condition("c1", "p1"), "id": 7},
        person("p1"),
        {"resourceType": " Medication ", "id": ["m"]},
    ]
    export = read_export([("t/All.ndjson", ndjson_lines(*lines).encode())], ImportSettings())
    assert [(error.location, error.reason) for error in export.refused] == [
        ("t/All.ndjson:1", "(no resourceType): resourceType is not a string"),
        ("t/All.ndjson:2", "Condition: id is not a string"),
    ]
    assert [unit.location for unit in export.units] == ["t/All.ndjson:3"]
