"""Identifier systems -> Issuer of Patient ID and its qualifiers: the issuer map
(``--issuer-map FILE.toml``) and the qualifiers derived from OIDs and long URIs."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.fhir_json import bundle, only_patient, patient_resource
from rpiq.cli import main
from rpiq.config import (
    UNIVERSAL_ENTITY_ID_TYPES,
    ImportSettings,
    IssuerMapping,
    IssuerRule,
    load_issuer_map,
)
from rpiq.domain import UNIVERSAL_ENTITY_ID_TYPES as DOMAIN_TYPES
from rpiq.domain import DomainError, PatientIdentifier
from rpiq.errors import ConfigError
from rpiq.ingest.fhir_bundle import read_bundle
from rpiq.ingest.importer import import_documents
from rpiq.store import SqlPatientRepository, open_repository

PASSPORT = "http://standardhealthrecord.org/fhir/StructureDefinition/passportNumber"
DRIVER = "urn:oid:2.16.840.1.113883.4.3.25"
MRN = "http://hospital.smarthealthit.org"


def keys(
    *identifiers: dict[str, object], settings: ImportSettings | None = None
) -> list[tuple[str, str, str, str]]:
    document = bundle(patient=patient_resource(identifier=list(identifiers)))
    (patient,) = read_bundle(document, "t.json", settings or ImportSettings()).patients
    return [
        (i.PatientID, i.IssuerOfPatientID, i.UniversalEntityID, i.UniversalEntityIDType)
        for i in patient.identifiers
    ]


def test_qualifiers_are_derived_where_they_add_something() -> None:
    assert keys(
        {"system": DRIVER, "value": "S1"},
        {"system": PASSPORT, "value": "X1"},
        {"system": MRN, "value": "M1"},
        {"system": "urn:uuid:6F7C0E2A-3A1B-4C8E-9D51-0B1E6F0F0001", "value": "U1"},
        {"system": MRN, "value": "A1", "assigner": {"display": "SMART"}},
        {"value": "N1"},
        {"system": "urn:oid:not-an-oid", "value": "O1"},
    ) == [
        ("S1", DRIVER, "2.16.840.1.113883.4.3.25", "ISO"),
        ("X1", PASSPORT.removeprefix("http://"), PASSPORT, "URI"),
        ("M1", MRN, "", ""),
        ("U1", "urn:uuid:6F7C0E2A-3A1B-4C8E-9D51-0B1E6F0F0001",
         "6f7c0e2a-3a1b-4c8e-9d51-0b1e6f0f0001", "UUID"),
        ("A1", "SMART", MRN, "URI"),
        ("N1", "", "", ""),
        ("O1", "urn:oid:not-an-oid", "", ""),
    ]  # fmt: skip


def test_the_issuer_map_wins_over_the_issuer_rule() -> None:
    settings = ImportSettings(
        issuer_rule=IssuerRule.ASSIGNER,
        issuer_map=(
            IssuerMapping(DRIVER, "MA-DL"),
            IssuerMapping(PASSPORT, "PASSPORT", "2.999.1", "ISO"),
        ),
    )
    assert keys(
        {"system": DRIVER, "value": "S1", "assigner": {"display": "ignored"}},
        {"system": PASSPORT, "value": "X1"},
        {"system": MRN, "value": "M1", "assigner": {"display": "SMART"}},
        settings=settings,
    ) == [
        ("S1", "MA-DL", "2.16.840.1.113883.4.3.25", "ISO"),
        ("X1", "PASSPORT", "2.999.1", "ISO"),
        ("M1", "SMART", MRN, "URI"),
    ]


def test_the_issuer_map_file(tmp_path: Path) -> None:
    path = tmp_path / "issuers.toml"
    path.write_text(
        "[issuers]\n"
        f'"{DRIVER}" = "MA-DL"\n'
        f'"{PASSPORT}" = {{ issuer = "PASSPORT", universal_entity_id = "{PASSPORT}", '
        'universal_entity_id_type = "URI" }\n',
        encoding="utf-8",
    )
    assert load_issuer_map(path) == (
        IssuerMapping(DRIVER, "MA-DL"),
        IssuerMapping(PASSPORT, "PASSPORT", PASSPORT, "URI"),
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[other]\n", "no \\[issuers\\] table"),
        ("[issuers\n", "issuers.toml"),
        ('[issuers]\n"urn:x" = 3\n', "must be a string or a table"),
        ('[issuers]\n"urn:x" = { universal_entity_id = "1.2" }\n', "needs an issuer"),
        ('[issuers]\n"urn:x" = { issuer = "A", colour = "red" }\n', "must be a string or a table"),
        ('[issuers]\n"urn:x" = "' + "L" * 65 + '"\n', "must be 1-64 characters"),
        ('[issuers]\n"urn:x" = "A\\\\B"\n', "must be 1-64 characters"),
        (
            '[issuers]\n"urn:x" = { issuer = "A", universal_entity_id = "1.2" }\n',
            "needs universal_entity_id_type",
        ),
        (
            '[issuers]\n"urn:x" = { issuer = "A", universal_entity_id = "1", '
            'universal_entity_id_type = "OID" }\n',
            "one of DNS, EUI64, ISO, URI, UUID, X400, X500",
        ),
    ],
)
def test_an_unusable_issuer_map_is_a_config_error(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "issuers.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=reason):
        load_issuer_map(path)


def test_a_system_mapped_twice_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="mapped twice"):
        ImportSettings(issuer_map=(IssuerMapping("urn:x", "A"), IssuerMapping("urn:x", "B")))


def test_config_and_domain_agree_on_the_entity_id_types() -> None:
    assert set(UNIVERSAL_ENTITY_ID_TYPES) == DOMAIN_TYPES


@pytest.mark.parametrize(
    ("UniversalEntityID", "UniversalEntityIDType"),
    [("1.2.3", ""), ("", "ISO"), ("1.2.3", "OID")],
)
def test_qualifiers_come_as_a_valid_pair(
    UniversalEntityID: str, UniversalEntityIDType: str
) -> None:
    with pytest.raises(DomainError, match="Universal Entity ID"):
        PatientIdentifier("1", "A", UniversalEntityID, UniversalEntityIDType)


def test_qualifiers_describe_the_issuer_they_are_not_part_of_the_key() -> None:
    assert PatientIdentifier("1", "A", "1.2.3", "ISO") == PatientIdentifier("1", "A")
    assert only_patient().identifiers[0].UniversalEntityID == "1.2.3"  # urn:oid:1.2.3


def test_the_issuer_map_option_stores_issuers_and_qualifiers(
    tmp_path: Path, database_url: str, synthea_dir: Path
) -> None:
    issuers = tmp_path / "issuers.toml"
    issuers.write_text(f'[issuers]\n"{MRN}" = "SMART-HOSP"\n', encoding="utf-8")
    bundle_path = synthea_dir / "1386506-bundle.json"
    argv = ["import", "fhir", str(bundle_path), "--db", database_url, "--issuer-map", str(issuers)]
    assert main(argv) == 0
    with open_repository(database_url) as repository:
        (stored,) = repository.find_patients("8c0a29e5-baea-9852-94a1-503f42be7a5d", "SMART-HOSP")
        qualified = {
            i.IssuerOfPatientID: (i.UniversalEntityID, i.UniversalEntityIDType)
            for i in stored.identifiers
        }
    assert qualified["SMART-HOSP"] == (MRN, "URI")
    assert qualified[DRIVER] == ("2.16.840.1.113883.4.3.25", "ISO")
    assert qualified[PASSPORT.removeprefix("http://")] == (PASSPORT, "URI")
    assert qualified["https://github.com/synthetichealth/synthea"] == ("", "")


def test_a_bad_issuer_map_file_exits_two_before_touching_the_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    issuers = tmp_path / "issuers.toml"
    issuers.write_text("[issuers]\n'urn:x' = 1\n", encoding="utf-8")
    db = tmp_path / "never.db"
    status = main(
        ["import", "fhir", str(tmp_path), "--db", f"sqlite:///{db}", "--issuer-map", str(issuers)]
    )
    assert status == 2
    assert "must be a string or a table" in capsys.readouterr().err
    assert not db.exists()


def test_qualifiers_survive_the_store(repository: SqlPatientRepository) -> None:
    document = bundle(patient=patient_resource(identifier=[{"system": DRIVER, "value": "S1"}]))
    import_documents([("q.json", document)], repository)
    (stored,) = repository.find_patients("S1", DRIVER)
    (identifier,) = stored.identifiers
    assert (identifier.UniversalEntityID, identifier.UniversalEntityIDType) == (
        "2.16.840.1.113883.4.3.25",
        "ISO",
    )
