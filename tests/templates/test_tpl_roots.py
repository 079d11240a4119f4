"""ROOT_TEMPLATES: every Annex K root builds a valid tree for every kind of patient."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from tpl_check import errors
from tpl_patients import breast_patient, cardiac_patient, empty_patient, general_patient
from tpl_shape import child, shape

from rpiq.domain import Code, Patient
from rpiq.templates.content import RelationshipType, ValueType
from rpiq.templates.roots import ROOT_TEMPLATES, build_root

PATIENTS: dict[str, Callable[[], Patient]] = {
    "breast": breast_patient,
    "cardiac": cardiac_patient,
    "general": general_patient,
    "empty": empty_patient,
}

# Row 1 of each template (digest §2.2-2.4), independently of rpiq.templates._codes.
FIRST_ROWS = {
    "9007": ("111517", "DCM", "Relevant Patient Information"),
    "9000": ("111511", "DCM", "Relevant Patient Information for Breast Imaging"),
    "9001": ("267011001", "SCT", "Gynecological History"),
    "9002": ("10160-0", "LN", "History Of Medication Use"),
    "9003": ("111513", "DCM", "Relevant Previous Procedures"),
    "9004": ("11450-4", "LN", "Problem List"),
    "9005": ("111515", "DCM", "Relevant Risk Factors"),
    "9006": ("248983002", "SCT", "Obstetric History"),
    "3802": ("11329-0", "LN", "History"),
}


def test_the_annex_k_roots_are_offered() -> None:
    assert set(ROOT_TEMPLATES) == set(FIRST_ROWS)
    assert all(template.template_id == key for key, template in ROOT_TEMPLATES.items())


# A sub-template root with an M row 2 and no fact to fill it is returned as a bare container: a
# zero-length Content Sequence, "nothing known" (PS3.4 Table Q.4-1, Type 2). The validator takes
# that as a warning, not an error (docs/templates.md, "When M rows cannot be filled").
EMPTY_M_ROW_2 = {"9002", "9003", "9004", "9005"}


@pytest.mark.parametrize("template_id", sorted(FIRST_ROWS))
@pytest.mark.parametrize("who", sorted(PATIENTS))
def test_every_root_for_every_patient(template_id: str, who: str) -> None:
    root = build_root(template_id, PATIENTS[who]())
    assert errors(root, template_id) == []
    if template_id in EMPTY_M_ROW_2 and who == "empty":
        assert root.children == ()
    assert root.relationship is None
    assert root.value_type is ValueType.CONTAINER
    assert root.template_id == template_id
    value, scheme, meaning = FIRST_ROWS[template_id]
    assert root.concept_name == Code(value, scheme, meaning)
    assert root.concept_name.meaning == meaning
    assert ROOT_TEMPLATES[template_id].concept_name == root.concept_name


@pytest.mark.parametrize("template_id", ["9001", "9002", "9003", "9004", "9005", "9006"])
def test_sub_template_root_has_the_content_it_has_inside_tid_9007(template_id: str) -> None:
    patient = general_patient()
    value = FIRST_ROWS[template_id][0]
    nested = child(build_root("9007", patient), value)
    root = build_root(template_id, patient)
    assert root.children == nested.children
    assert nested.relationship is not None
    assert (nested.template_id, root.template_id) == (template_id, template_id)


@pytest.mark.parametrize("template_id", ["9001", "9002", "9003", "9004", "9005", "9006", "3802"])
def test_sub_template_root_for_an_empty_patient_is_a_bare_container(template_id: str) -> None:
    root = build_root(template_id, empty_patient())
    assert shape(root) == (None, "CONTAINER", FIRST_ROWS[template_id][0], None, ())


def test_tid_9006_root_drops_the_contains_of_its_row_1() -> None:
    root = build_root("9006", general_patient())
    assert root.relationship is None
    assert len(root.children) == 3


def test_tid_3802_root_is_the_full_history_and_its_nested_form_the_cardiac_part() -> None:
    patient = cardiac_patient()
    root = build_root("3802", patient)
    nested = child(build_root("9007", patient), "11329-0")
    assert (nested.relationship, nested.template_id) == (RelationshipType.CONTAINS, "3802")
    assert len(nested.children) == len(root.children)
    full_texts = [i.text for _, i in root.walk() if i.value_type is ValueType.TEXT]
    nested_texts = [i.text for _, i in nested.walk() if i.value_type is ValueType.TEXT]
    assert "Anemia (disorder)" in full_texts
    assert "Allergy to penicillin" in full_texts
    assert nested_texts == ["Blood glucose meter"]  # row 36: 9007 has no other device row


def test_unknown_template_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        build_root("1500", empty_patient())


def test_builders_are_pure() -> None:
    patient = cardiac_patient()
    assert build_root("3802", patient) == build_root("3802", patient)
    assert build_root("9007", patient) == build_root("9007", patient)
