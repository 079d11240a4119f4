"""Content tree → Dataset (PS3.3 C.17.3 / digest §2.1) → bytes in three transfer syntaxes."""

from __future__ import annotations

import zlib

import pytest
from pydicom.dataset import Dataset

from rpiq.domain import Code
from rpiq.encode.dataset import (
    DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,
    EXPLICIT_VR_LITTLE_ENDIAN,
    IMPLICIT_VR_LITTLE_ENDIAN,
    TRANSFER_SYNTAXES,
    decode_identifier,
    encode_identifier,
    identifier_dataset,
    numeric_value,
)
from rpiq.encode.json import to_dicom_json
from rpiq.service.responses import ResponseIdentifier
from rpiq.templates.content import (
    CompositeReference,
    ContentItem,
    NumericValue,
    RelationshipType,
    ValueType,
)

CONTAINS = RelationshipType.CONTAINS
RELEVANT_PATIENT_INFORMATION = Code("111517", "DCM", "Relevant Patient Information")
PROBLEM_LIST = Code("11450-4", "LN", "Problem List")
YEAR = Code("a", "UCUM", "Year", "1.4")


def keys(**values: str) -> Dataset:
    ds = Dataset()
    ds.PatientName = values.get("PatientName", "Doe^Jane")
    ds.PatientID = "MR975311"
    template = Dataset()
    template.MappingResource = "DCMR"
    template.TemplateIdentifier = "9007"
    ds.ContentTemplateSequence = [template]
    return ds


def leaf(value_type: ValueType, **fields: object) -> ContentItem:
    return ContentItem(
        value_type=value_type,
        concept_name=Code("121033", "DCM", "Subject Age"),
        relationship=CONTAINS,
        **fields,  # type: ignore[arg-type]
    )


def every_value_type() -> tuple[ContentItem, ...]:
    return (
        leaf(ValueType.NUM, numeric=NumericValue("48", YEAR)),
        leaf(ValueType.CODE, code_value=Code("38341003", "SCT", "Hypertension")),
        leaf(ValueType.TEXT, text="free text \\ with backslash"),
        leaf(ValueType.DATE, date="19990825"),
        leaf(ValueType.TIME, time="1230"),
        leaf(ValueType.DATETIME, datetime="19990825123000"),
        leaf(ValueType.PNAME, person_name="Doe^John"),
        leaf(ValueType.UIDREF, uid="1.2.840.10008.8.1.1"),
        leaf(
            ValueType.COMPOSITE,
            composite=CompositeReference("1.2.840.10008.5.1.4.1.1.88.33", "1.2.3.4"),
        ),
    )


def tree(*children: ContentItem) -> ContentItem:
    return ContentItem(
        value_type=ValueType.CONTAINER,
        concept_name=RELEVANT_PATIENT_INFORMATION,
        template_id="9007",
        children=children,
    )


def nested_container(*children: ContentItem) -> ContentItem:
    return ContentItem(
        value_type=ValueType.CONTAINER,
        concept_name=PROBLEM_LIST,
        relationship=CONTAINS,
        template_id="9004",
        children=children,
    )


def test_root_is_the_identifier_itself() -> None:
    ds = identifier_dataset(ResponseIdentifier(keys(), tree(nested_container())))
    assert ds.ValueType == "CONTAINER"
    assert ds.ConceptNameCodeSequence[0].CodeValue == "111517"
    assert ds.ConceptNameCodeSequence[0].CodeMeaning == "Relevant Patient Information"
    assert "ContinuityOfContent" not in ds
    assert "RelationshipType" not in ds
    assert ds.ContentTemplateSequence[0].TemplateIdentifier == "9007"
    assert len(ds.ContentTemplateSequence) == 1
    assert "SpecificCharacterSet" not in ds
    nested = ds.ContentSequence[0]
    assert nested.RelationshipType == "CONTAINS"
    assert nested.ContinuityOfContent == "SEPARATE"
    assert nested.ContentTemplateSequence[0].MappingResource == "DCMR"
    assert nested.ContentTemplateSequence[0].TemplateIdentifier == "9004"
    assert "ContentSequence" not in nested  # a leaf container has no Content Sequence


def test_empty_root_still_has_zero_length_content_sequence() -> None:
    ds = identifier_dataset(ResponseIdentifier(keys(), tree()))
    assert "ContentSequence" in ds
    assert len(ds.ContentSequence) == 0


def test_every_value_type_gets_its_value_attributes() -> None:
    ds = identifier_dataset(ResponseIdentifier(keys(), tree(*every_value_type())))
    num, code, text, date, time, datetime, pname, uidref, composite = ds.ContentSequence
    for item in ds.ContentSequence:
        assert item.RelationshipType == "CONTAINS"
        assert item.ConceptNameCodeSequence[0].CodeValue == "121033"
        assert "ContinuityOfContent" not in item
    measured = num.MeasuredValueSequence[0]
    assert str(measured.NumericValue) == "48"
    assert "FloatingPointValue" not in measured
    assert measured.MeasurementUnitsCodeSequence[0].CodingSchemeVersion == "1.4"
    assert code.ConceptCodeSequence[0].CodeMeaning == "Hypertension"
    assert text.TextValue == "free text \\ with backslash"
    assert date.Date == "19990825"
    assert time.Time == "1230"
    assert datetime.DateTime == "19990825123000"
    assert str(pname.PersonName) == "Doe^John"
    assert uidref.UID == "1.2.840.10008.8.1.1"
    assert composite.ReferencedSOPSequence[0].ReferencedSOPInstanceUID == "1.2.3.4"


def test_code_value_forms_and_meaning_truncation() -> None:
    long_meaning = "M" * 70 + "\\x"
    items = (
        leaf(ValueType.CODE, code_value=Code("12345678901234567", "SCT", long_meaning)),
        leaf(ValueType.CODE, code_value=Code("urn:oid:1.2.3", "99X", "A URN code")),
    )
    long_code, urn_code = identifier_dataset(
        ResponseIdentifier(keys(), tree(*items))
    ).ContentSequence
    long_item = long_code.ConceptCodeSequence[0]
    assert long_item.LongCodeValue == "12345678901234567"
    assert "CodeValue" not in long_item
    assert long_item.CodeMeaning == "M" * 64
    urn_item = urn_code.ConceptCodeSequence[0]
    assert urn_item.URNCodeValue == "urn:oid:1.2.3"
    assert "CodeValue" not in urn_item


@pytest.mark.parametrize(
    ("value", "text", "exact"),
    [
        ("48", "48", None),
        (" 0.5 ", "0.5", None),
        ("-1.25e3", "-1.25e3", None),
        ("0.333333333333333333", "0.33333333333333", 0.333333333333333333),
        ("12345678901234567", "1.2345678901e+16", 12345678901234567.0),
    ],
)
def test_numeric_values_are_valid_ds(value: str, text: str, exact: float | None) -> None:
    encoded, floating = numeric_value(value)
    assert len(encoded) <= 16
    assert encoded == text
    assert floating == exact


@pytest.mark.parametrize("value", ["abc", "nan", "inf", ""])
def test_numeric_value_that_is_no_number_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="number"):
        numeric_value(value, "1.2")


def test_num_without_value_gets_qualifier() -> None:
    item = leaf(ValueType.NUM)
    (num,) = identifier_dataset(ResponseIdentifier(keys(), tree(item))).ContentSequence
    assert len(num.MeasuredValueSequence) == 0
    assert num.NumericValueQualifierCodeSequence[0].CodeValue == "114010"


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (leaf(ValueType.DATE, date="1999"), "DA"),
        (leaf(ValueType.DATETIME, datetime="1999-08-25"), "DT"),
        (leaf(ValueType.UIDREF, uid="1.2.abc"), "UI"),
        (leaf(ValueType.CODE), "coded value"),
        (
            ContentItem(ValueType.TEXT, Code("1", "99X", "x"), relationship=None, text="t"),
            "Relationship Type",
        ),
        (ContentItem(ValueType.TEXT, None, relationship=CONTAINS, text="t"), "concept name"),
    ],
)
def test_invalid_content_is_refused_with_its_path(item: ContentItem, message: str) -> None:
    with pytest.raises(ValueError, match=message) as raised:
        identifier_dataset(ResponseIdentifier(keys(), tree(nested_container(item))))
    assert "1.1.1" in str(raised.value)


def test_character_set_only_when_needed() -> None:
    ascii_ds = identifier_dataset(ResponseIdentifier(keys(), tree(*every_value_type())))
    assert "SpecificCharacterSet" not in ascii_ds
    name_ds = identifier_dataset(
        ResponseIdentifier(keys(PatientName="Ōtsuka^Chiyoko=大塚^千代子=おおつか^ちよこ"), tree())
    )
    assert name_ds.SpecificCharacterSet == "ISO_IR 192"
    deep = nested_container(leaf(ValueType.TEXT, text="Müller-Lüdenscheidt"))
    deep_ds = identifier_dataset(ResponseIdentifier(keys(), tree(deep)))
    assert deep_ds.SpecificCharacterSet == "ISO_IR 192"


def test_keys_are_not_modified() -> None:
    given = keys()
    identifier_dataset(ResponseIdentifier(given, tree(*every_value_type())))
    assert "ValueType" not in given
    assert "ContentSequence" not in given


@pytest.mark.parametrize("transfer_syntax", TRANSFER_SYNTAXES)
def test_round_trip_in_every_transfer_syntax(transfer_syntax: str) -> None:
    name = "Ōtsuka^Chiyoko=大塚^千代子=おおつか^ちよこ"
    deep = nested_container(leaf(ValueType.TEXT, text="Müller-Lüdenscheidt"))
    ds = identifier_dataset(
        ResponseIdentifier(keys(PatientName=name), tree(deep, *every_value_type()))
    )
    data = encode_identifier(ds, transfer_syntax)
    assert len(data) % 2 == 0
    decoded = decode_identifier(data, transfer_syntax)
    assert str(decoded.PatientName) == name
    assert decoded.ContentSequence[0].ContentSequence[0].TextValue == "Müller-Lüdenscheidt"
    assert to_dicom_json(decoded) == to_dicom_json(ds)


def test_the_three_syntaxes_differ_as_the_standard_says() -> None:
    ds = identifier_dataset(ResponseIdentifier(keys(), tree(*every_value_type())))
    implicit = encode_identifier(ds, IMPLICIT_VR_LITTLE_ENDIAN)
    explicit = encode_identifier(ds, EXPLICIT_VR_LITTLE_ENDIAN)
    deflated = encode_identifier(ds, DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN)
    # (0010,0010) PN "Doe^Jane": implicit has a 4-byte length, explicit the VR then 2 bytes.
    assert b"\x10\x00\x10\x00\x08\x00\x00\x00Doe^Jane" in implicit
    assert b"\x10\x00\x10\x00PN\x08\x00Doe^Jane" in explicit
    # Deflated: raw deflate (no zlib header) of the explicit encoding, NUL-padded to even.
    assert zlib.decompressobj(-zlib.MAX_WBITS).decompress(deflated) == explicit
    with pytest.raises(zlib.error):
        zlib.decompress(deflated)


def test_unsupported_transfer_syntax_is_refused() -> None:
    with pytest.raises(ValueError, match="not supported"):
        encode_identifier(Dataset(), "1.2.840.10008.1.2.2")
