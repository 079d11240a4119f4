"""No fact is dropped: every fact of every Synthea and demo patient appears in its TID 9007
answer, as its own code, its coded value, the template concept its observation maps to, or as
text; and each measurement series shows its latest value."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from tpl_check import errors

from rpiq.config import ImportSettings
from rpiq.domain import ClinicalFact, Code, FactKind, Patient
from rpiq.ingest.demo import demo_bundles
from rpiq.ingest.fhir_bundle import parse_bundle
from rpiq.templates._values import latest
from rpiq.templates.content import ContentItem
from rpiq.templates.roots import build_root

# Observations whose concept the template names with its own code (digest §2.3.1, §2.5.1),
# transcribed here independently of the builders' tables.
TEMPLATE_CONCEPT = {
    ("8480-6", "LN"): ("271649006", "SCT"),  # systolic blood pressure (TID 3114 row 2)
    ("8462-4", "LN"): ("271650006", "SCT"),  # diastolic blood pressure (row 3)
    ("9279-1", "LN"): ("86290005", "SCT"),  # respiration rate (row 7)
    ("59408-5", "LN"): ("2708-6", "LN"),  # SpO2 by pulse oximetry (row 6)
    ("72514-3", "LN"): ("225908003", "SCT"),  # pain score (row 9)
    ("42798-9", "LN"): ("111518", "DCM"),  # age at menarche (TID 9001 row 4)
    ("42802-9", "LN"): ("111520", "DCM"),  # age at menopause (TID 9001 row 14)
    ("82810-3", "LN"): ("364320009", "SCT"),  # pregnancy status (TID 9001 row 21)
}
SERIES = (FactKind.VITAL_SIGN, FactKind.MEASUREMENT)


def _patients(synthea_dir: Path) -> Iterator[tuple[str, Patient]]:
    for bundle in sorted(synthea_dir.glob("*-bundle.json")):
        for found in parse_bundle(json.loads(bundle.read_bytes()), str(bundle), ImportSettings()):
            yield bundle.name.split("-")[0], found
    for name, document in demo_bundles():
        for found in parse_bundle(document, name, ImportSettings()):
            yield name, found


def _index(root: ContentItem) -> tuple[set[tuple[str, str]], set[str], list[ContentItem]]:
    """The codes (concept names and values), texts and NUM items of a tree."""
    codes: set[tuple[str, str]] = set()
    texts: set[str] = set()
    numbers = []
    for _, item in root.walk():
        for code in (item.concept_name, item.code_value):
            if code is not None:
                codes.add((code.value, code.scheme))
        if item.text is not None:
            texts.add(item.text)
        if item.numeric is not None:
            numbers.append(item)
    return codes, texts, numbers


def _candidates(fact: ClinicalFact) -> set[tuple[str, str]]:
    found = {(fact.code.value, fact.code.scheme)}
    if fact.value_code is not None:
        found.add((fact.value_code.value, fact.value_code.scheme))
    mapped = TEMPLATE_CONCEPT.get((fact.code.value, fact.code.scheme))
    return found | ({mapped} if mapped else set())


def _named(fact: ClinicalFact, codes: set[tuple[str, str]], texts: set[str]) -> bool:
    if _candidates(fact) & codes:
        return True
    meanings = [fact.code.meaning] + ([fact.value_code.meaning] if fact.value_code else [])
    return any(meaning in text for meaning in meanings for text in texts)


def _series(patient: Patient) -> dict[Code, ClinicalFact]:
    groups: dict[Code, list[ClinicalFact]] = {}
    for fact in patient.facts_of(*SERIES):
        groups.setdefault(fact.code, []).append(fact)
    return {code: chosen for code, group in groups.items() if (chosen := latest(group))}


@pytest.fixture(scope="module")
def answers(synthea_dir: Path) -> list[tuple[str, Patient, ContentItem]]:
    return [(who, found, build_root("9007", found)) for who, found in _patients(synthea_dir)]


def test_the_walk_covers_every_patient_and_every_kind(
    answers: list[tuple[str, Patient, ContentItem]],
) -> None:
    assert len(answers) == 18  # ten Synthea patients, eight demo patients
    kinds = {fact.kind for _, found, _ in answers for fact in found.facts}
    assert kinds >= {
        FactKind.PROBLEM, FactKind.ALLERGY, FactKind.MEDICATION, FactKind.PROCEDURE,
        FactKind.FAMILY_HISTORY, FactKind.GYNECOLOGICAL, FactKind.OBSTETRIC, FactKind.VITAL_SIGN,
        FactKind.MEASUREMENT, FactKind.SOCIAL_HISTORY, FactKind.DEVICE,
    }  # fmt: skip
    assert all(errors(root, "9007") == [] for _, _, root in answers)


def test_every_fact_appears_in_the_tid_9007_answer(
    answers: list[tuple[str, Patient, ContentItem]],
) -> None:
    missing = []
    for who, found, root in answers:
        codes, texts, _ = _index(root)
        missing.extend(
            (who, fact.kind.value, str(fact.code))
            for fact in found.facts
            if not _named(fact, codes, texts)
        )
    assert missing == []


def test_every_measurement_series_shows_its_latest_value(
    answers: list[tuple[str, Patient, ContentItem]],
) -> None:
    checked = 0
    for who, found, root in answers:
        _, _, numbers = _index(root)
        for code, fact in _series(found).items():
            assert fact.quantity is not None
            concepts = _candidates(fact)
            shown = [
                float(item.numeric.value)
                for item in numbers
                if item.numeric is not None
                and item.concept_name is not None
                and (item.concept_name.value, item.concept_name.scheme) in concepts
            ]
            assert shown == [pytest.approx(fact.quantity.value)], (who, str(code))
            checked += 1
    assert checked > 90
