"""FHIR data types -> domain values: dates, codes, quantities."""

from __future__ import annotations

import pytest

from rpiq.domain import Code
from rpiq.ingest.fhir_values import (
    FhirFormatError,
    code_from_concept,
    dicom_date,
    dicom_datetime,
    quantity_from,
    scheme_for_system,
)


@pytest.mark.parametrize(
    ("fhir", "dicom"),
    [
        ("2012-05-03T10:00:00+02:00", "20120503100000+0200"),
        ("2012-05-03T10:00:00Z", "20120503100000+0000"),
        ("2012-05-03T10:00:00-05:30", "20120503100000-0530"),
        ("2012-05-03T10:00:00.1234567+01:00", "20120503100000.123456+0100"),
        ("2012-05-03T10:00", "201205031000"),
        ("2012-05-03", "20120503"),
        ("1973-11", "197311"),
        ("1973", "1973"),
    ],
)
def test_fhir_datetimes_become_dicom_keeping_precision(fhir: str, dicom: str) -> None:
    assert dicom_datetime(fhir) == dicom


@pytest.mark.parametrize(
    "bad", ["2012-13-01", "2012-02-30", "12-05-03", "2012/05/03", "2012-05-03T25:00:00Z", ""]
)
def test_invalid_dates_are_refused(bad: str) -> None:
    with pytest.raises(FhirFormatError, match="date"):
        dicom_datetime(bad)


def test_a_birth_date_must_be_a_date() -> None:
    assert dicom_date("1961-04") == "196104"
    with pytest.raises(FhirFormatError, match="not a FHIR date"):
        dicom_date("1961-04-01T10:00:00Z")


@pytest.mark.parametrize(
    ("system", "scheme"),
    [
        ("http://snomed.info/sct", "SCT"),
        ("http://loinc.org", "LN"),
        ("http://www.nlm.nih.gov/research/umls/rxnorm", "RXNORM"),
        ("http://hl7.org/fhir/sid/cvx", "CVX"),
        ("http://unitsofmeasure.org", "UCUM"),
        ("http://hl7.org/fhir/sid/icd-10-cm", "ICD-10-CM"),
        ("urn:oid:1.2.3.4", "1.2.3.4"),
        ("http://example.org/codes/a-very-long-local-code-system/", "A-VERY-LONG-LOCA"),
    ],
)
def test_code_systems_become_scheme_designators(system: str, scheme: str) -> None:
    assert scheme_for_system(system) == scheme
    assert len(scheme_for_system(system)) <= 16


def test_a_concept_prefers_snomed_and_falls_back_to_text_for_the_meaning() -> None:
    concept = {
        "coding": [
            {"system": "http://hl7.org/fhir/sid/icd-10", "code": "C50.9"},
            {"system": "http://snomed.info/sct", "code": "254837009"},
        ],
        "text": "Breast cancer",
    }
    code = code_from_concept(concept)
    assert code == Code("254837009", "SCT", "x")
    assert code is not None
    assert code.meaning == "Breast cancer"


def test_a_long_display_is_kept_whole() -> None:
    display = "Human epidermal growth factor receptor 2 gene detection by immunohistochemistry"
    code = code_from_concept(
        {"coding": [{"system": "http://snomed.info/sct", "code": "433114000", "display": display}]}
    )
    assert code is not None
    assert code.meaning == display


def test_a_text_only_concept_has_no_code() -> None:
    assert code_from_concept({"text": "something"}) is None
    assert code_from_concept({"coding": [{"code": "no-system"}], "text": "x"}) is None


def test_quantities_carry_ucum_units() -> None:
    quantity = quantity_from(
        {"value": 120, "unit": "mm[Hg]", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}
    )
    assert quantity is not None
    assert quantity.value == 120.0
    assert quantity.unit == Code("mm[Hg]", "UCUM", "mm[Hg]")
    unitless = quantity_from({"value": 2})
    assert unitless is not None
    assert (unitless.unit.value, unitless.unit.meaning) == ("1", "no units")
    assert quantity_from({"unit": "kg"}) is None


def test_a_quantity_value_must_be_a_number() -> None:
    with pytest.raises(FhirFormatError, match="value is not a number"):
        quantity_from({"value": "120"})
    with pytest.raises(FhirFormatError, match="value is not a number"):
        quantity_from({"value": True})
