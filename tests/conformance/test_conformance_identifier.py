"""The identifier inspections on hand-made identifiers: each rule caught, and only it."""

from __future__ import annotations

from pydicom.dataset import Dataset

from rpiq.conformance.identifier import (
    extra_attributes,
    return_key_problems,
    root_problems,
    template_echo_problems,
    template_item,
)
from rpiq.net.client import build_request


def _code(value: str, scheme: str, meaning: str) -> Dataset:
    item = Dataset()
    item.CodeValue = value
    item.CodingSchemeDesignator = scheme
    item.CodeMeaning = meaning
    return item


def good_answer(request: Dataset) -> Dataset:
    identifier = Dataset()
    identifier.PatientName = "Doe^Jane"
    identifier.PatientID = request.PatientID
    identifier.IssuerOfPatientID = request.IssuerOfPatientID or "ISSUER"
    identifier.PatientBirthDate = ""
    identifier.PatientSex = "F"
    identifier.ObservationDateTime = "20240101120000"
    identifier.ValueType = "CONTAINER"
    identifier.ConceptNameCodeSequence = [_code("111517", "DCM", "Relevant Patient Information")]
    identifier.ContentSequence = []
    identifier.ContentTemplateSequence = [template_item("9007")]
    return identifier


def test_a_good_answer_has_no_problem() -> None:
    request = build_request("P1", "ISSUER")
    identifier = good_answer(request)
    assert extra_attributes(request, identifier) == []
    assert return_key_problems(request, identifier) == []
    assert root_problems(identifier, "9007") == []
    assert template_echo_problems(request.ContentTemplateSequence, identifier) == []


def test_specific_character_set_is_allowed_though_not_requested() -> None:
    request = build_request("P1")
    identifier = good_answer(request)
    identifier.SpecificCharacterSet = "ISO_IR 192"
    assert "SpecificCharacterSet" not in request
    assert extra_attributes(request, identifier) == []


def test_unrequested_attributes_are_named() -> None:
    request = build_request("P1")
    identifier = good_answer(request)
    identifier.PatientAge = "064Y"
    identifier.add_new(0x00091010, "LO", "private")
    assert extra_attributes(request, identifier) == [
        "not requested: (0009,1010), PatientAge (0010,1010)"
    ]


def test_key_echo_and_return_key_types() -> None:
    request = build_request("P1", "ISSUER")
    identifier = good_answer(request)
    identifier.PatientID = "P2"
    identifier.IssuerOfPatientID = "OTHER"
    del identifier.PatientSex
    identifier.ObservationDateTime = ""
    assert return_key_problems(request, identifier) == [
        "Patient ID 'P2' does not echo 'P1'",
        "Issuer of Patient ID 'OTHER' does not echo 'ISSUER'",
        "requested Type 2 key PatientSex missing",
        "Type 1 key ObservationDateTime is empty",
    ]


def test_a_zero_length_issuer_accepts_any_returned_issuer() -> None:
    request = build_request("P1")
    assert request.IssuerOfPatientID == ""
    identifier = good_answer(request)
    identifier.IssuerOfPatientID = "WHATEVER"
    assert return_key_problems(request, identifier) == []


def test_padding_is_not_a_difference() -> None:
    request = build_request("P1")
    identifier = good_answer(request)
    identifier.PatientID = "P1 "
    assert return_key_problems(request, identifier) == []


def test_root_value_type_and_first_row_concept() -> None:
    identifier = good_answer(build_request("P1"))
    assert root_problems(identifier, "3802") == [
        "Concept Name (111517, DCM) is not TID 3802's first row (11329-0, LN)"
    ]
    identifier.ValueType = "TEXT"
    identifier.ConceptNameCodeSequence = []
    assert root_problems(identifier, "9007") == [
        "Value Type TEXT is not CONTAINER",
        "Concept Name Code Sequence has 0 items, not 1",
    ]


def test_tid_9002_as_root_takes_any_concept_tid_9007_binds() -> None:
    identifier = good_answer(build_request("P1"))
    identifier.ConceptNameCodeSequence = [_code("111545", "DCM", "Substance Use History")]
    assert root_problems(identifier, "9002") == []


def test_template_echo_must_be_identical() -> None:
    request = build_request("P1", template="9007")
    identifier = good_answer(request)
    identifier.ContentTemplateSequence[0].MappingResourceUID = "1.2.840.10008.8.1.1"
    problems = template_echo_problems(request.ContentTemplateSequence, identifier)
    assert problems == [
        "Content Template Sequence [MappingResource=DCMR, MappingResourceUID=1.2.840.10008.8.1.1,"
        " TemplateIdentifier=9007] differs from [MappingResource=DCMR, TemplateIdentifier=9007]"
    ]
    del identifier.ContentTemplateSequence
    assert template_echo_problems(request.ContentTemplateSequence, identifier) == [
        "no Content Template Sequence"
    ]
