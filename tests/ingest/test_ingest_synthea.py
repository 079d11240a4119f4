"""The ten Synthea patients: every bundle imports, facts match the IPS summaries, re-import
changes nothing (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.synthea import bundle_files, ips_summary, row_counts
from rpiq.config import ImportSettings
from rpiq.domain import FactKind, FactStatus
from rpiq.ingest.fhir_bundle import parse_bundle
from rpiq.ingest.importer import import_fhir
from rpiq.store import SqlPatientRepository

SYNTHEA_IDS = [
    "1073314",
    "1114198",
    "1146481",
    "1205665",
    "1337914",
    "1386506",
    "1450094",
    "850289",
    "908353",
    "946303",
]


@pytest.mark.parametrize("synthea_id", SYNTHEA_IDS)
def test_active_facts_match_the_ips_summary(synthea_dir: Path, synthea_id: str) -> None:
    expected = ips_summary(synthea_dir / f"{synthea_id}-ips.md")
    bundle = synthea_dir / f"{synthea_id}-bundle.json"
    (patient,) = parse_bundle(json.loads(bundle.read_bytes()), str(bundle), ImportSettings())

    def active(kind: FactKind) -> list[str]:
        return [
            fact.code.meaning for fact in patient.facts_of(kind) if fact.status is FactStatus.ACTIVE
        ]

    assert patient.sex == {"MALE": "M", "FEMALE": "F"}[expected.gender]
    assert set(active(FactKind.ALLERGY)) == expected.allergies
    assert set(active(FactKind.MEDICATION)) == expected.medications
    problems = {
        (fact.code.meaning, fact.started[:8] if fact.started else "")
        for fact in patient.facts_of(FactKind.PROBLEM)
        if fact.status is FactStatus.ACTIVE
    }
    assert problems == expected.problems


def test_the_summaries_are_not_trivially_empty(synthea_dir: Path) -> None:
    summaries = [ips_summary(synthea_dir / f"{sid}-ips.md") for sid in SYNTHEA_IDS]
    assert sum(len(summary.problems) for summary in summaries) == 19
    assert sum(len(summary.medications) for summary in summaries) == 9
    assert sum(len(summary.allergies) for summary in summaries) == 5


def test_every_bundle_imports_and_a_second_import_changes_nothing(
    synthea_dir: Path, repository: SqlPatientRepository
) -> None:
    files = bundle_files(synthea_dir)
    first = import_fhir(files, repository)
    assert first.ok, first.refused
    assert (first.added, first.updated, first.unchanged) == (10, 0, 0)
    assert first.skipped["Observation (laboratory)"] == 410
    counts = row_counts(repository)
    assert counts["patient"] == 10
    assert counts["clinical_fact"] > 500

    second = import_fhir([synthea_dir / name.name for name in files], repository)
    assert second.ok
    assert (second.added, second.updated, second.unchanged) == (0, 0, 10)
    assert [source.unchanged for source in second.sources] == [1] * 10
    assert row_counts(repository) == counts


def test_every_identifier_of_a_synthea_patient_finds_it(
    synthea_dir: Path, repository: SqlPatientRepository
) -> None:
    import_fhir([synthea_dir / "1386506-bundle.json"], repository)
    keys = [
        ("8c0a29e5-baea-9852-94a1-503f42be7a5d", "https://github.com/synthetichealth/synthea"),
        ("8c0a29e5-baea-9852-94a1-503f42be7a5d", "http://hospital.smarthealthit.org"),
        ("999-61-5553", "http://hl7.org/fhir/sid/us-ssn"),
        ("S99949345", "urn:oid:2.16.840.1.113883.4.3.25"),
        ("X36070952X", "standardhealthrecord.org/fhir/StructureDefinition/passportNumber"),
    ]
    for PatientID, IssuerOfPatientID in keys:
        (found,) = repository.find_patients(PatientID, IssuerOfPatientID)
        assert found.source == "fhir:Patient/8c0a29e5-baea-9852-94a1-503f42be7a5d"
    (found,) = repository.find_patients("999-61-5553", None)
    assert found.birth_date == "19641124"
    breast_cancer = [f for f in found.facts if f.code.value == "254837009"]
    assert [(f.kind, f.status) for f in breast_cancer] == [(FactKind.PROBLEM, FactStatus.ACTIVE)]
