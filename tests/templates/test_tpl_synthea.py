"""Issue 3's "done when" for the templates: the ten Synthea patients, imported with the FHIR
importer into a real (SQLite) repository, answer TID 9007 with every allergy, medication and
problem their IPS summary lists, each in the row the mapping rules give it; the breast and
cardiac patients' TID 9000 / TID 3802 answers carry their breast and cardiac history."""

from __future__ import annotations

from pathlib import Path

import pytest
from tpl_check import errors
from tpl_shape import child

from ingest.synthea import ips_summary
from rpiq.domain import Patient
from rpiq.ingest.importer import import_fhir
from rpiq.store import SqlPatientRepository
from rpiq.templates._values import clip_meaning
from rpiq.templates.content import ContentItem
from rpiq.templates.roots import build_root

SYNTHEA_ISSUER = "https://github.com/synthetichealth/synthea"
SYNTHEA_PATIENTS = {  # IPS file id -> Synthea Patient.id (also its Synthea identifier)
    "1073314": "a1d3e7fd-da12-18d9-1e02-5ad13e5612d1",
    "1114198": "9a03aca8-9297-a052-676d-55ee76f71c20",
    "1146481": "f511fe85-087d-d70c-3ff0-5190f75f61f4",
    "1205665": "e7a83683-bec7-e1ad-a921-c75d7c660202",
    "1337914": "14942248-d498-d314-ea4f-b2bb441804b0",
    "1386506": "8c0a29e5-baea-9852-94a1-503f42be7a5d",
    "1450094": "2476a95c-b991-b036-7fcb-9db8f52eba44",
    "850289": "71a7c550-b6a7-c2da-52d5-fdb6e4c5cbbd",
    "908353": "31237519-b190-eb89-5b73-167f9d4342c6",
    "946303": "7a4cefe1-8c3f-cf27-5544-7656b3947b7b",
}
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _imported(synthea_dir: Path, synthea_id: str, repository: SqlPatientRepository) -> Patient:
    report = import_fhir([synthea_dir / f"{synthea_id}-bundle.json"], repository)
    assert report.ok, report.refused
    (found,) = repository.find_patients(SYNTHEA_PATIENTS[synthea_id], SYNTHEA_ISSUER)
    return found


def _values(root: ContentItem, row: str, under: str | None = None) -> list[tuple[str, str]]:
    """(value, meaning) of the CODE items of ``row``, optionally only below container ``under``."""
    if under is not None and not any(
        item.concept_name is not None and item.concept_name.value == under for item in root.children
    ):
        return []
    scope = child(root, under) if under is not None else root
    return [
        (item.code_value.value, item.code_value.meaning)
        for _, item in scope.walk()
        if item.code_value is not None and (item.row or "").split(" > ")[0] == row
    ]


def _meanings(root: ContentItem, row: str, under: str | None = None) -> set[str]:
    return {meaning for _, meaning in _values(root, row, under)}


@SQLITE_ONLY
@pytest.mark.parametrize("synthea_id", sorted(SYNTHEA_PATIENTS))
def test_every_ips_item_is_placed_in_tid_9007(
    synthea_dir: Path, synthea_id: str, repository: SqlPatientRepository
) -> None:
    expected = ips_summary(synthea_dir / f"{synthea_id}-ips.md")
    root = build_root("9007", _imported(synthea_dir, synthea_id, repository))
    assert errors(root, "9007") == []
    # allergies are risk factors (TID 9005 row 2); medications TID 9002 row 2 of the medication
    # history; problems TID 9004 row 2, observed at their onset (TID 9004 row 4)
    assert {clip_meaning(a) for a in expected.allergies} <= _meanings(root, "TID 9005 row 2")
    medications = _meanings(root, "TID 9002 row 2", under="10160-0")
    assert {clip_meaning(m) for m in expected.medications} <= medications
    problems = child(root, "11450-4") if expected.problems else None
    observed = {
        (item.code_value.meaning, item.children[0].datetime[:8])  # type: ignore[index, union-attr]
        for item in (problems.children if problems else ())
        if item.children and item.children[0].row == "TID 9004 row 4"
    }
    assert {(clip_meaning(p), onset) for p, onset in expected.problems} <= observed


@SQLITE_ONLY
def test_breast_patient_has_her_breast_history_in_tid_9000(
    synthea_dir: Path, repository: SqlPatientRepository
) -> None:
    root = build_root("9000", _imported(synthea_dir, "1386506", repository))
    assert errors(root, "9000") == []
    assert _values(root, "TID 9004 row 2") == [("254837009", "Malignant neoplasm of breast")]
    assert _values(root, "TID 9005 row 2") == [("111550", "Personal breast cancer history")]
    assert _values(root, "TID 9002 row 2") == [("386910003", "Anastrozole")]
    assert [value for value, _ in _values(root, "TID 9003 row 2")] == [
        "241055006",  # Mammogram - symptomatic, with the modifier "Diagnostic"
        "47079000",  # Ultrasonography of breast (both breasts)
        "122548005",  # Biopsy of breast
        "392021009",  # Lumpectomy of breast
        "367336001",  # Chemotherapy, 8 times
        "71651007",  # Mammography
    ]
    assert _values(root, "TID 9003 row 3") == [("261004008", "Diagnostic")]
    assert _values(root, "TID 9003 row 6") == [("63762007", "Both breasts")]


@SQLITE_ONLY
def test_heart_failure_patient_has_his_cardiac_history_in_tid_3802(
    synthea_dir: Path, repository: SqlPatientRepository
) -> None:
    root = build_root("3802", _imported(synthea_dir, "1073314", repository))
    assert errors(root, "3802") == []
    assert _values(root, "TID 3829 row 4") == [("161505003", "History of congestive heart failure")]
    assert [value for value, _ in _values(root, "TID 3802 row 22")] == [
        "29303009", "40701008", "40701008"  # ECG (rpiq's CID 3757 extension), echo twice
    ]  # fmt: skip
    assert {value for value, _ in _values(root, "TID 3802 row 28")} == {
        "313988", "200033", "314077", "979492"  # furosemide, carvedilol, lisinopril, losartan
    }  # fmt: skip
    assert _values(root, "TID 3802 row 15") == [("266919005", "No History of Smoking")]


@SQLITE_ONLY
def test_myocardial_infarction_patient_has_her_cardiac_history_in_tid_3802(
    synthea_dir: Path, repository: SqlPatientRepository
) -> None:
    root = build_root("3802", _imported(synthea_dir, "946303", repository))
    assert errors(root, "3802") == []
    assert _values(root, "TID 3829 row 4") == [
        ("53741008", "Coronary arteriosclerosis"),  # row 5 (CID 3756 extension)
        ("399211009", "History of Myocardial infarction"),  # row 10
    ]
    assert _values(root, "TID 3829 row 12") == [  # row 10's therapies (CID 3764)
        ("415070008", "Percutaneous coronary intervention"),
        ("232717009", "Coronary artery bypass graft"),
    ]
    assert [value for value, _ in _values(root, "TID 3802 row 19")] == ["415070008", "232717009"]
    assert [value for value, _ in _values(root, "TID 3802 row 22")] == ["40701008"]
    assert _values(root, "TID 3802 row 37") == [("705643001", "Coronary artery stent")]
    general = build_root("9007", _imported(synthea_dir, "946303", repository))
    nested = child(general, "11329-0")  # TID 9007 row 12 holds the same cardiac concerns
    assert _values(nested, "TID 3829 row 4") == _values(root, "TID 3829 row 4")
    assert {v for v, _ in _values(nested, "TID 3802 row 28")} == {"705129", "833036"}


@SQLITE_ONLY
def test_cardiac_arrest_patient_has_his_defibrillator_in_tid_3802(
    synthea_dir: Path, repository: SqlPatientRepository
) -> None:
    root = build_root("3802", _imported(synthea_dir, "1205665", repository))
    assert errors(root, "3802") == []
    assert _values(root, "TID 3829 row 4") == [
        ("410429000", "Cardiac arrest"),
        ("429007001", "History of cardiac arrest"),
    ]
    assert _values(root, "TID 3802 row 37") == [("72506001", "Implantable defibrillator")]
