"""encode/content_tree.py (DICOM → content tree) is the inverse of encode/dataset.py, reports
what a tree cannot carry, and validate_identifier applies the top-level response rules."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pydicom import config
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.tag import Tag

from rpiq.domain import Code, Patient
from rpiq.encode.content_tree import MISSING_MEANING, decode_tree
from rpiq.encode.dataset import (
    TRANSFER_SYNTAXES,
    code_item,
    decode_identifier,
    encode_identifier,
    identifier_dataset,
)
from rpiq.encode.validate_response import (
    template_for_concept,
    validate_identifier,
    validate_sr_document,
)
from rpiq.service.responses import ResponseIdentifier
from rpiq.templates.content import ContentItem, ValueType
from rpiq.templates.roots import ROOT_TEMPLATES, build_root
from templates.tpl_patients import (
    breast_patient,
    cardiac_patient,
    empty_patient,
    general_patient,
)
from validate import trees as t

PATIENTS: dict[str, Callable[[], Patient]] = {
    "breast": breast_patient,
    "cardiac": cardiac_patient,
    "general": general_patient,
    "empty": empty_patient,
}


def keys(template_id: str) -> Dataset:
    ds = Dataset()
    ds.PatientID = "P1"
    item = Dataset()
    item.MappingResource = "DCMR"
    item.TemplateIdentifier = template_id
    ds.ContentTemplateSequence = [item]
    return ds


def round_trip(root: ContentItem, transfer_syntax: str) -> Dataset:
    assert root.template_id is not None
    identifier = identifier_dataset(ResponseIdentifier(keys(root.template_id), root))
    return decode_identifier(encode_identifier(identifier, transfer_syntax), transfer_syntax)


def meanings(item: ContentItem) -> list[str | None]:
    """Every Code Meaning of the tree (Code equality ignores them)."""
    found: list[str | None] = []
    for _, node in [("1", item), *item.walk()]:
        codes = (node.concept_name, node.code_value, node.numeric and node.numeric.units)
        found += [code.meaning if code else None for code in codes]
    return found


@pytest.mark.parametrize("transfer_syntax", TRANSFER_SYNTAXES)
@pytest.mark.parametrize("who", sorted(PATIENTS))
def test_every_root_survives_encoding_and_decoding(who: str, transfer_syntax: str) -> None:
    for template_id in ROOT_TEMPLATES:
        root = build_root(template_id, PATIENTS[who]())
        decoded = decode_tree(round_trip(root, transfer_syntax))
        assert decoded.findings == ()
        assert decoded.root == root
        assert meanings(decoded.root) == meanings(root)


def test_non_ascii_text_and_every_value_type_decode() -> None:
    note = ContentItem(ValueType.TEXT, t.HISTORY, t.CONTAINS, text="大塚 千代子: Ōtsuka")
    when = ContentItem(ValueType.TIME, Code("111", "99X", "Time"), t.CONTAINS, time="101500")
    who = ContentItem(ValueType.PNAME, Code("112", "99X", "Who"), t.CONTAINS, person_name="Doe^J")
    uid = ContentItem(ValueType.UIDREF, Code("113", "99X", "Uid"), t.CONTAINS, uid="1.2.3")
    root = t.root(t.HISTORY, "3802", note, when, who, uid)
    ds = round_trip(root, TRANSFER_SYNTAXES[1])
    assert ds.SpecificCharacterSet == "ISO_IR 192"
    decoded = decode_tree(ds)
    assert decoded.root == root
    assert decoded.root.children[0].text == "大塚 千代子: Ōtsuka"


def content(*items: Dataset) -> Dataset:
    ds = Dataset()
    ds.ValueType = "CONTAINER"
    ds.ConceptNameCodeSequence = [code_item(t.PROBLEM_LIST)]
    template = Dataset()
    template.MappingResource = "DCMR"
    template.TemplateIdentifier = "9004"
    ds.ContentTemplateSequence = [template]
    ds.ContentSequence = list(items)
    return ds


def problem_item(**changes: object) -> Dataset:
    item = Dataset()
    item.RelationshipType = "CONTAINS"
    item.ValueType = "CODE"
    item.ConceptNameCodeSequence = [code_item(t.INDICATED_PROBLEM)]
    item.ConceptCodeSequence = [code_item(t.PHARYNGITIS)]
    for keyword, value in changes.items():
        setattr(item, keyword, value)
    return item


def test_a_hand_made_identifier_decodes_and_validates() -> None:
    ds = content(problem_item())
    assert decode_tree(ds).findings == ()
    assert validate_identifier(ds) == []


def test_what_the_tree_cannot_carry_is_reported_at_its_path() -> None:
    by_reference = Dataset()
    by_reference.RelationshipType = "INFERRED FROM"
    by_reference.ReferencedContentItemIdentifier = [1, 1]
    scoord = problem_item(ValueType="SCOORD")
    odd = problem_item(RelationshipType="CONTAINZ")
    no_meaning = problem_item()
    no_meaning.ConceptCodeSequence[0].CodeMeaning = ""
    two_names = problem_item()
    two_names.ConceptNameCodeSequence.append(code_item(t.HISTORY))
    ds = content(problem_item(), by_reference, scoord, odd, no_meaning, two_names)
    decoded = decode_tree(ds)
    found = {(f.path, f.severity): f.message for f in decoded.findings}
    assert "by-reference relationship" in found["1.2", "error"]
    assert "Value Type 'SCOORD'" in found["1.3", "warning"]
    assert "'CONTAINZ' is not an enumerated value" in found["1.4", "error"]
    assert "has no Code Meaning" in found["1.5", "error"]
    assert "ConceptNameCodeSequence has 2 items" in found["1.6", "error"]
    assert len(decoded.root.children) == 4  # the by-reference and SCOORD items are left out
    assert decoded.root.children[1].relationship is None
    assert decoded.root.children[2].code_value is not None
    assert decoded.root.children[2].code_value.meaning == MISSING_MEANING


def test_num_and_template_attributes() -> None:
    number = Dataset()
    number.RelationshipType = "CONTAINS"
    number.ValueType = "NUM"
    number.ConceptNameCodeSequence = [code_item(t.GESTATIONAL_AGE)]
    number.MeasuredValueSequence = []
    nested = content()
    nested.RelationshipType = "CONTAINS"
    nested.ContentTemplateSequence[0].MappingResource = "99LOCAL"
    decoded = decode_tree(content(number, nested))
    found = {(f.path, f.message.split(" ")[0]) for f in decoded.findings}
    assert found == {("1.1", "NUM"), ("1.2", "Content")}
    assert decoded.root.children[0].numeric is None
    assert decoded.root.children[1].continuity == ""  # absent below the root: reported later


def test_a_value_pydicom_finds_invalid_becomes_a_finding_not_a_warning() -> None:
    item = problem_item()
    meaning = DataElement(Tag(0x0008, 0x0104), "LO", "y" * 70, validation_mode=config.IGNORE)
    item.ConceptCodeSequence[0][meaning.tag] = meaning
    data = encode_identifier(content(item), TRANSFER_SYNTAXES[1])
    decoded = decode_tree(decode_identifier(data, TRANSFER_SYNTAXES[1]))
    assert [(f.path, f.severity) for f in decoded.findings] == [("1.1", "error")]
    assert "exceeds the maximum length of 64" in decoded.findings[0].message
    findings = validate_identifier(decode_identifier(data, TRANSFER_SYNTAXES[1]))
    assert ("1.1", "TID 9004 row 2") in {(f.path, f.row) for f in findings}


def test_the_top_level_response_rules() -> None:
    ds = content(problem_item())
    ds.ValueType = "TEXT"
    ds.ConceptNameCodeSequence.append(code_item(t.HISTORY))
    del ds.ContentTemplateSequence
    ds.ContinuityOfContent = "SEPARATE"
    findings = validate_identifier(ds, "9004")
    top = [f.message for f in findings if f.path == "1" and f.row == ""]
    assert any("Value Type 'TEXT'" in message for message in top)
    assert any("Concept Name Code Sequence has 2 items" in message for message in top)
    assert any("Content Template Sequence has 0 items" in message for message in top)
    assert any(f.severity == "warning" and "Continuity Of Content" in f.message for f in findings)


def test_the_template_comes_from_the_identifier_or_is_given() -> None:
    ds = content(problem_item())
    assert validate_identifier(ds) == []
    assert validate_identifier(ds, "9004") == []
    mismatch = validate_identifier(ds, "9003")
    assert ("1", "", "error") in {(f.path, f.row, f.severity) for f in mismatch}
    assert any(f.row == "TID 9003 row 1" for f in mismatch)
    unknown = content(problem_item())
    unknown.ContentTemplateSequence[0].TemplateIdentifier = "4242"
    assert any("TID 4242 is not a template" in f.message for f in validate_identifier(unknown))


def test_an_sr_document_needs_no_content_template_sequence() -> None:
    ds = content(problem_item())
    del ds.ContentTemplateSequence
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.88.33"
    ds.ContinuityOfContent = "SEPARATE"
    assert validate_sr_document(ds) == []  # TID 9004 found from the root concept name
    assert template_for_concept(t.PROBLEM_LIST) == "9004"
    assert template_for_concept(t.LMP) is None
    del ds.ConceptNameCodeSequence
    ds.ConceptNameCodeSequence = [code_item(t.LMP)]
    assert any("no template to validate against" in f.message for f in validate_sr_document(ds))
