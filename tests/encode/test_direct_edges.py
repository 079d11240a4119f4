"""The direct encoder's edge cases, each against the pydicom Dataset path: code value forms,
DS rounding, empty sequences, multiple values, padding, character sets, and what the direct
writer hands back to the reference path (invalid trees, values pydicom would change)."""

from __future__ import annotations

import warnings
import zlib
from io import BytesIO

import pytest
from pydicom.dataset import Dataset
from pydicom.filereader import read_dataset

from rpiq.domain import Code
from rpiq.encode.dataset import (
    DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,
    EXPLICIT_VR_LITTLE_ENDIAN,
    IMPLICIT_VR_LITTLE_ENDIAN,
    TRANSFER_SYNTAXES,
    decode_identifier,
    encode_identifier,
    identifier_dataset,
)
from rpiq.encode.direct import encode_direct, encode_response
from rpiq.encode.direct_values import Fallback
from rpiq.service.responses import ResponseIdentifier
from rpiq.templates.content import (
    CompositeReference,
    ContentItem,
    NumericValue,
    RelationshipType,
    ValueType,
)

from .test_encode_dataset import YEAR, every_value_type, keys, leaf, nested_container, tree


def assert_same(identifier: ResponseIdentifier) -> bytes:
    """Direct bytes == reference bytes in every syntax; the Explicit VR LE bytes."""
    for transfer_syntax in TRANSFER_SYNTAXES:
        reference = encode_identifier(identifier_dataset(identifier), transfer_syntax)
        assert encode_direct(identifier, transfer_syntax) == reference, transfer_syntax
        assert encode_response(identifier, transfer_syntax) == reference, transfer_syntax
    return encode_direct(identifier, EXPLICIT_VR_LITTLE_ENDIAN)


def of(*children: ContentItem, **key_values: str) -> ResponseIdentifier:
    return ResponseIdentifier(keys(**key_values), tree(*children))


def code_leaf(code: Code) -> ContentItem:
    return leaf(ValueType.CODE, code_value=code)


def test_every_value_type_and_nested_containers() -> None:
    data = assert_same(of(nested_container(*every_value_type()), *every_value_type()))
    assert b"\xa0CS\x04\x00NUM " in data  # Value Type "NUM" padded with a space


@pytest.mark.parametrize(
    ("value", "element"),
    [
        ("1234567890123456", b"\x08\x00\x00\x01SH\x10\x00"),  # 16 characters: Code Value
        ("12345678901234567", b"\x08\x00\x19\x01UC\x00\x00\x12\x00\x00\x00"),  # Long Code Value
        ("urn:oid:1.2.3", b"\x08\x00\x20\x01UR\x00\x00\x0e\x00\x00\x00"),  # URN Code Value
        ("URN:OID:1.2.3.4", b"\x08\x00\x20\x01UR"),
        ("https://example.org/code/a", b"\x08\x00\x20\x01UR"),
    ],
)
def test_code_value_forms(value: str, element: bytes) -> None:
    data = assert_same(of(code_leaf(Code(value, "99X", "a code"))))
    assert element in data


def test_code_meaning_is_cleaned_and_cut_and_version_kept() -> None:
    meaning = "  A\tlong \\ meaning  " + "x" * 80
    data = assert_same(of(code_leaf(Code("1", "99X", meaning, "2024"))))
    assert b"A long / meaning " in data
    assert b"\x08\x00\x03\x01SH\x04\x002024" in data


@pytest.mark.parametrize(
    "value", ["48", "0.5", " 7 ", "-1.25e3", "1.", ".5", "0.333333333333333333", "1e400", "1" * 20]
)
def test_numeric_values_and_floating_point_value(value: str) -> None:
    data = assert_same(of(leaf(ValueType.NUM, numeric=NumericValue(value, YEAR))))
    decoded = decode_identifier(data, EXPLICIT_VR_LITTLE_ENDIAN)
    (measured,) = decoded.ContentSequence[0].MeasuredValueSequence
    assert len(str(measured.NumericValue)) <= 16
    assert ("FloatingPointValue" in measured) == (len(value.strip()) > 16)


def test_num_without_value_and_empty_sequences() -> None:
    data = assert_same(of(leaf(ValueType.NUM), nested_container()))
    decoded = decode_identifier(data, EXPLICIT_VR_LITTLE_ENDIAN)
    num, container = decoded.ContentSequence
    assert len(num.MeasuredValueSequence) == 0
    assert num.NumericValueQualifierCodeSequence[0].CodeValue == "114010"
    assert "ContentSequence" not in container
    empty = assert_same(of())
    assert b"\x40\x00\x30\xa7SQ\x00\x00\x00\x00\x00\x00" in empty  # zero-length Content Sequence


@pytest.mark.parametrize(
    "item",
    [
        leaf(ValueType.PNAME, person_name="Doe^John\\Roe^Richard=Roe^R="),  # two values
        leaf(ValueType.PNAME, person_name="Doe^Jo=="),  # trailing empty groups dropped
        leaf(ValueType.PNAME, person_name="=="),
        leaf(ValueType.TEXT, text="a\\b\\c"),  # UT: one value with backslashes
        leaf(ValueType.TEXT, text="odd"),
        leaf(ValueType.TEXT, text=""),
        leaf(ValueType.TEXT, text="trailing space "),
        leaf(ValueType.UIDREF, uid="1.2.3"),  # odd: NUL-padded
        leaf(ValueType.TIME, time="123"[:2]),
        leaf(ValueType.DATETIME, datetime="2024010112+0100"),
        code_leaf(Code("A\\B", "99X", "code value with a backslash")),
        leaf(
            ValueType.COMPOSITE,
            composite=CompositeReference("1.2.840.10008.5.1.4.1.1.88.33", "1.2.3"),
        ),
        ContentItem(
            ValueType.TEXT,
            Code("1", "99X", "x"),
            RelationshipType.HAS_OBS_CONTEXT,
            text="t",
            observation_datetime="20240101120000.5",
        ),
        ContentItem(ValueType.CONTAINER, None, RelationshipType.CONTAINS, continuity="CONTINUOUS"),
    ],
)
def test_multiple_values_and_padding(item: ContentItem) -> None:
    data = assert_same(of(item))
    assert len(data) % 2 == 0


@pytest.mark.parametrize(
    ("children", "name", "utf8"),
    [
        ((leaf(ValueType.TEXT, text="Müller-Lüdenscheidt"),), "Doe^Jane", True),
        ((code_leaf(Code("1", "99X", "Œdème")),), "Doe^Jane", True),
        ((leaf(ValueType.NUM, numeric=NumericValue("1", Code("µg", "UCUM", "µg"))),), "D", True),
        ((leaf(ValueType.PNAME, person_name="大塚^千代子"),), "Doe^Jane", True),
        ((), "Ōtsuka^Chiyoko=大塚^千代子=おおつか^ちよこ", True),
        ((leaf(ValueType.TEXT, text="plain"), *every_value_type()), "Doe^Jane", False),
    ],
)
def test_specific_character_set_exactly_when_needed(
    children: tuple[ContentItem, ...], name: str, utf8: bool
) -> None:
    data = assert_same(of(*children, PatientName=name))
    assert data.startswith(b"\x08\x00\x05\x00CS\x0a\x00ISO_IR 192") == utf8


def test_keys_of_every_kind_the_service_sets() -> None:
    given = keys(PatientName="Doe^Jane\\Roe^J")
    given.IssuerOfPatientID = ""
    given.PatientBirthDate = "19541106"
    given.PatientSex = "F"
    given.PatientSize = " 1.80"  # DS: written by pydicom's own element writer
    given.PatientComments = "odd\\length"
    given.ObservationDateTime = "20261127210000+0100"
    other = Dataset()
    other.PatientID = "X1"
    other.IssuerOfPatientID = "B"
    other.TypeOfPatientID = "TEXT"
    given.OtherPatientIDsSequence = [other]
    given.ContentTemplateSequence[0].MappingResourceUID = "1.2.840.10008.8.1.1"
    given.ValueType = "TEXT"  # replaced by the root's, as in the reference path
    data = assert_same(ResponseIdentifier(given, tree(*every_value_type())))
    assert b"1.80" in data


def test_keys_read_from_the_wire_go_to_the_reference_path() -> None:
    raw = read_dataset(
        BytesIO(encode_identifier(keys(), EXPLICIT_VR_LITTLE_ENDIAN)),
        is_implicit_VR=False,
        is_little_endian=True,
    )
    identifier = ResponseIdentifier(raw, tree())
    with pytest.raises(Fallback):
        encode_direct(identifier, EXPLICIT_VR_LITTLE_ENDIAN)
    assert encode_response(identifier, EXPLICIT_VR_LITTLE_ENDIAN) == encode_identifier(
        identifier_dataset(identifier), EXPLICIT_VR_LITTLE_ENDIAN
    )


def test_a_value_over_64_kib_is_left_to_pydicom() -> None:
    """pydicom writes an over-long 2-byte-length value as UN, with a warning: so must we."""
    identifier = of(leaf(ValueType.PNAME, person_name="A" * 70000))
    with pytest.raises(Fallback):
        encode_direct(identifier, EXPLICIT_VR_LITTLE_ENDIAN)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reference = encode_identifier(identifier_dataset(identifier), EXPLICIT_VR_LITTLE_ENDIAN)
        assert encode_response(identifier, EXPLICIT_VR_LITTLE_ENDIAN) == reference
        implicit = encode_identifier(identifier_dataset(identifier), IMPLICIT_VR_LITTLE_ENDIAN)
    assert sum("changed from 'PN' to 'UN'" in str(w.message) for w in caught) == 2
    assert encode_direct(identifier, IMPLICIT_VR_LITTLE_ENDIAN) == implicit


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (leaf(ValueType.DATE, date="1999"), "DA"),
        (leaf(ValueType.DATE, date="19990825\n"), "DA"),  # a trailing newline is not DA
        (leaf(ValueType.DATETIME, datetime="1999-08-25"), "DT"),
        (leaf(ValueType.TIME, time="25:00"), "TM"),
        (leaf(ValueType.UIDREF, uid="1.2.abc"), "UI"),
        (leaf(ValueType.UIDREF, uid="1." + "2" * 70), "64"),
        (leaf(ValueType.CODE), "coded value"),
        (leaf(ValueType.TEXT), "text"),
        (leaf(ValueType.PNAME), "person name"),
        (leaf(ValueType.NUM, numeric=NumericValue("abc", YEAR)), "number"),
        (leaf(ValueType.NUM, numeric=NumericValue("nan", YEAR)), "finite"),
        (leaf(ValueType.COMPOSITE), "referenced SOP instance"),
        (
            leaf(ValueType.COMPOSITE, composite=CompositeReference("1.2", "x")),
            "UI",
        ),
        (
            ContentItem(ValueType.TEXT, Code("1", "99X", "x"), relationship=None, text="t"),
            "Relationship Type",
        ),
        (
            ContentItem(ValueType.TEXT, None, relationship=RelationshipType.CONTAINS, text="t"),
            "concept name",
        ),
        (
            ContentItem(
                ValueType.CONTAINER, None, RelationshipType.CONTAINS, continuity="SOMETIMES"
            ),
            "Continuity",
        ),
    ],
)
def test_what_the_reference_refuses_is_refused_alike(
    item: ContentItem, message: str | None
) -> None:
    identifier = of(nested_container(item))
    with pytest.raises(Fallback):
        encode_direct(identifier, EXPLICIT_VR_LITTLE_ENDIAN)
    if message is None:  # accepted by the reference path (pydicom warns): same bytes
        with pytest.warns(UserWarning, match="Invalid value"):
            reference = encode_identifier(identifier_dataset(identifier), IMPLICIT_VR_LITTLE_ENDIAN)
        with pytest.warns(UserWarning, match="Invalid value"):
            assert encode_response(identifier, IMPLICIT_VR_LITTLE_ENDIAN) == reference
        return
    with pytest.raises(ValueError, match=message) as expected:
        identifier_dataset(identifier)
    with pytest.raises(ValueError, match=message) as raised:
        encode_response(identifier, IMPLICIT_VR_LITTLE_ENDIAN)
    assert str(raised.value) == str(expected.value)
    assert "1.1.1" in str(raised.value)


def test_root_without_concept_name_and_unknown_syntax_raise_as_the_reference() -> None:
    nameless = ResponseIdentifier(keys(), ContentItem(ValueType.CONTAINER, None))
    with pytest.raises(ValueError, match="root content item has no concept name"):
        encode_response(nameless, EXPLICIT_VR_LITTLE_ENDIAN)
    with pytest.raises(ValueError, match="not supported"):
        encode_response(of(), "1.2.840.10008.1.2.2")


def test_deflated_is_raw_deflate_of_explicit_padded_to_even() -> None:
    identifier = of(*every_value_type())
    deflated = encode_direct(identifier, DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN)
    assert len(deflated) % 2 == 0
    explicit = encode_direct(identifier, EXPLICIT_VR_LITTLE_ENDIAN)
    assert zlib.decompressobj(-zlib.MAX_WBITS).decompress(deflated) == explicit


def test_a_tree_encoded_again_gives_the_same_bytes_and_equal_trees_are_not_confused() -> None:
    first = of(code_leaf(Code("1", "99X", "first meaning")))
    second = of(code_leaf(Code("1", "99X", "second meaning")))
    assert first.root == second.root  # equality ignores Code Meaning: identity must decide
    once = assert_same(first)
    assert encode_direct(first, EXPLICIT_VR_LITTLE_ENDIAN) == once
    assert b"second meaning" in assert_same(second)
    assert b"first meaning" in encode_direct(first, EXPLICIT_VR_LITTLE_ENDIAN)


@pytest.mark.parametrize("whole_element", [True, False])
def test_keys_with_sequences_of_undefined_length_go_to_the_reference_path(
    whole_element: bool,
) -> None:
    """Sequences and items read from the wire keep their undefined lengths in pydicom."""
    item = b"\xfe\xff\x00\xe0\xff\xff\xff\xff\x10\x00\x20\x00LO\x02\x00X1"
    item += b"\xfe\xff\x0d\xe0\x00\x00\x00\x00"
    end = b"\xfe\xff\xdd\xe0\x00\x00\x00\x00"
    wire = b"\x10\x00\x02\x10SQ\x00\x00\xff\xff\xff\xff" + item + end
    read = read_dataset(BytesIO(wire), is_implicit_VR=False, is_little_endian=True)
    assert read.OtherPatientIDsSequence[0].PatientID == "X1"  # every element now converted
    given = keys()
    if whole_element:  # the element itself: undefined length (its item made defined)
        read.OtherPatientIDsSequence[0].is_undefined_length_sequence_item = False
        given.add(read["OtherPatientIDsSequence"])
    else:  # a new element (defined length) with the items read (undefined length)
        given.OtherPatientIDsSequence = read.OtherPatientIDsSequence
    identifier = ResponseIdentifier(given, tree())
    with pytest.raises(Fallback):
        encode_direct(identifier, EXPLICIT_VR_LITTLE_ENDIAN)
    reference = encode_identifier(identifier_dataset(identifier), EXPLICIT_VR_LITTLE_ENDIAN)
    assert (end in reference) == whole_element
    assert (b"\xfe\xff\x0d\xe0" in reference) != whole_element  # item delimiter
    assert encode_response(identifier, EXPLICIT_VR_LITTLE_ENDIAN) == reference


def test_a_key_between_value_type_and_concept_name_goes_to_the_reference_path() -> None:
    given = keys()
    given.add_new(0x0040A041, "LO", "between")  # no such attribute; a Dataset allows it
    identifier = ResponseIdentifier(given, tree(*every_value_type()))
    with pytest.raises(Fallback):
        encode_direct(identifier, IMPLICIT_VR_LITTLE_ENDIAN)
    for transfer_syntax in TRANSFER_SYNTAXES:
        reference = encode_identifier(identifier_dataset(identifier), transfer_syntax)
        assert encode_response(identifier, transfer_syntax) == reference
