"""FHIR Patient -> identifiers, name, sex, dates."""

from __future__ import annotations

import pytest

from ingest.fhir_json import bundle, only_patient, patient_resource, read
from rpiq.config import ImportSettings, IssuerRule
from rpiq.domain import PatientIdentifier, PersonName
from rpiq.errors import ImportRefused

IDENTIFIERS = [
    {"system": "http://hospital.example.org/mrn", "value": "A1", "assigner": {"display": "HOSP-A"}},
    {"system": "http://hl7.org/fhir/sid/us-ssn", "value": "999-11-2222"},
    {"value": "LOCAL-7"},
]


@pytest.mark.parametrize(
    ("rule", "issuers"),
    [
        (IssuerRule.ASSIGNER_THEN_SYSTEM, ["HOSP-A", "http://hl7.org/fhir/sid/us-ssn", ""]),
        (
            IssuerRule.SYSTEM,
            ["http://hospital.example.org/mrn", "http://hl7.org/fhir/sid/us-ssn", ""],
        ),
        (IssuerRule.ASSIGNER, ["HOSP-A", "", ""]),
    ],
)
def test_every_identifier_is_a_key_with_the_issuer_rule(
    rule: IssuerRule, issuers: list[str]
) -> None:
    parsed = read(bundle(patient=patient_resource(identifier=IDENTIFIERS)), ImportSettings(rule))
    identifiers = parsed.patients[0].identifiers
    assert [ident.PatientID for ident in identifiers] == ["A1", "999-11-2222", "LOCAL-7"]
    assert [ident.IssuerOfPatientID for ident in identifiers] == issuers


def test_identifiers_without_value_are_skipped_and_counted() -> None:
    identifiers = [{"system": "urn:x", "value": "1"}, {"system": "urn:x"}, {"system": "urn:y"}]
    parsed = read(bundle(patient=patient_resource(identifier=identifiers)))
    assert parsed.patients[0].identifiers == (PatientIdentifier("1", "urn:x"),)
    assert dict(parsed.skipped)["Patient.identifier (no value)"] == 2


def test_duplicate_keys_collapse_under_the_assigner_rule() -> None:
    identifiers = [{"system": "urn:a", "value": "1"}, {"system": "urn:b", "value": "1"}]
    parsed = read(
        bundle(patient=patient_resource(identifier=identifiers)),
        ImportSettings(IssuerRule.ASSIGNER),
    )
    assert parsed.patients[0].identifiers == (PatientIdentifier("1", ""),)


def test_a_long_system_is_shortened_deterministically_to_64_characters() -> None:
    passport = "http://standardhealthrecord.org/fhir/StructureDefinition/passportNumber"
    longer = "https://example.org/" + "x" * 80
    identifiers = [{"system": passport, "value": "X1"}, {"system": longer, "value": "X2"}]
    patient = only_patient(patient=patient_resource(identifier=identifiers))
    first, second = patient.identifiers
    assert (
        first.IssuerOfPatientID
        == "standardhealthrecord.org/fhir/StructureDefinition/passportNumber"
    )
    assert len(second.IssuerOfPatientID) == 64
    assert second.IssuerOfPatientID.startswith("example.org/xxx")
    again = only_patient(patient=patient_resource(identifier=identifiers))
    assert again.identifiers == patient.identifiers


def test_a_patient_without_any_usable_identifier_refuses_the_bundle() -> None:
    with pytest.raises(ImportRefused, match=r"test\.json: Patient/p1: no usable identifier"):
        read(bundle(patient=patient_resource(identifier=[{"system": "urn:x"}])))


def test_the_official_name_becomes_a_person_name() -> None:
    names = [
        {"use": "maiden", "family": "Smith", "given": ["Jane"]},
        {
            "use": "official",
            "family": "Doe",
            "given": ["Jane", "Mary", "Ann"],
            "prefix": ["Dr."],
            "suffix": ["PhD"],
        },
    ]
    patient = only_patient(patient=patient_resource(name=names))
    assert patient.name == PersonName("Doe^Jane^Mary Ann^Dr.^PhD")


def test_name_representations_fill_the_three_component_groups() -> None:
    extension = "http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation"
    names = [
        {"use": "official", "family": "Ōtsuka", "given": ["Chiyoko"]},
        {
            "use": "official",
            "family": "大塚",
            "given": ["千代子"],
            "extension": [{"url": extension, "valueCode": "IDE"}],
        },
        {
            "use": "official",
            "family": "おおつか",
            "given": ["ちよこ"],
            "extension": [{"url": extension, "valueCode": "SYL"}],
        },
    ]
    patient = only_patient(patient=patient_resource(name=names))
    assert patient.name is not None
    assert patient.name.to_dicom() == "Ōtsuka^Chiyoko=大塚^千代子=おおつか^ちよこ"


def test_pn_delimiters_inside_name_parts_are_replaced() -> None:
    names = [{"family": "A^B", "given": ["C=D"]}]
    patient = only_patient(patient=patient_resource(name=names))
    assert patient.name == PersonName("A B^C D")


@pytest.mark.parametrize(
    ("gender", "sex"), [("male", "M"), ("female", "F"), ("other", "O"), ("unknown", None)]
)
def test_gender_becomes_patients_sex(gender: str, sex: str | None) -> None:
    assert only_patient(patient=patient_resource(gender=gender)).sex == sex


def test_dates_and_source() -> None:
    patient = only_patient(
        patient=patient_resource(birthDate="1961-04", deceasedDateTime="2020-01-02T03:04:05Z")
    )
    assert patient.birth_date == "196104"
    assert patient.deceased == "20200102030405+0000"
    assert patient.source == "fhir:Patient/p1"


def test_an_invalid_birth_date_refuses_the_bundle() -> None:
    with pytest.raises(ImportRefused, match=r"Patient/p1: '1961-02-30' is not a valid date"):
        read(bundle(patient=patient_resource(birthDate="1961-02-30")))
