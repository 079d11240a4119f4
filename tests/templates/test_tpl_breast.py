"""TID 9000 (Breast Imaging SOP Class default root): exact tree, Defined CIDs respected."""

from __future__ import annotations

from pydicom.sr.codedict import codes
from pydicom.sr.coding import Code as PydicomCode
from tpl_patients import AUNT, LEFT, UCUM_NO_UNITS, YEAR, breast_patient, fact, patient
from tpl_shape import child, concepts, shape
from tpl_validate import validate

from rpiq.domain import FactKind, Quantity
from rpiq.templates.content import ContentItem
from rpiq.templates.roots import build_root

C, HP, HCM, IF = "CONTAINS", "HAS PROPERTIES", "HAS CONCEPT MOD", "INFERRED FROM"

# Value rows of TID 9000's sub-templates and the Defined CID that constrains each (§2.2.2).
DEFINED = {
    "TID 9002 row 2": (6080,),
    "TID 9003 row 2": (6083,),
    "TID 9003 row 6": (6022,),
    "TID 9004 row 2": (6055,),
    "TID 9004 row 5": (6022,),
    "TID 9004 row 6": (6018, 6020),
    "TID 9005 row 2": (6081,),
    "TID 9005 row 9": (7451,),
}


def _in_any(item: ContentItem, cids: tuple[int, ...]) -> bool:
    assert item.code_value is not None
    code = PydicomCode(item.code_value.value, item.code_value.scheme, item.code_value.meaning)
    return any(code in getattr(codes, f"CID{cid}") for cid in cids)


def test_breast_tree_exact_shape() -> None:
    root = build_root("9000", breast_patient())
    assert validate(root) == []
    assert shape(root) == (
        None, "CONTAINER", "111511", None, (
            (HCM, "CODE", "121049", "en-US", ()),
            (C, "CODE", "121123", "121165", (
                (HP, "NUM", "271649006", ("131", "mm[Hg]"), ()),
            )),
            (C, "CONTAINER", "267011001", None, (
                (C, "NUM", "111519", ("28", "a"), ()),
                (C, "NUM", "11977-6", ("2", "1"), ()),
                (C, "NUM", "11996-6", ("2", "1"), ()),
            )),
            (C, "CONTAINER", "10160-0", None, (
                (C, "CODE", "111516", "75959001", (
                    (HP, "DATETIME", "111526", "20220510", ()),
                    (HP, "CODE", "111528", "373066001", ()),
                )),
            )),
            (C, "CONTAINER", "111513", None, (
                (C, "CODE", "111531", "287572003", (
                    (HP, "CODE", "272741003", "80248007", ()),
                    (HP, "DATETIME", "122146", "19990825", ()),
                )),
                (C, "CODE", "111531", "367336001", (
                    (HP, "DATETIME", "122146", "2021", ()),
                )),
            )),
            (C, "CONTAINER", "11450-4", None, (
                (C, "CODE", "111533", "89164003", (
                    (HP, "CODE", "272741003", "80248007", ()),
                )),
            )),
            (C, "CONTAINER", "111515", None, (
                (C, "CODE", "80943009", "111550", ()),
                (C, "CODE", "80943009", "111559", ((IF, "CODE", "111537", "25211005", ()),)),
                (C, "CODE", "80943009", "429740004", ((IF, "CODE", "111537", "65656005", ()),)),
            )),
        ),
    )  # fmt: skip


def test_breast_containers_name_their_template_and_the_root_its_own() -> None:
    root = build_root("9000", breast_patient())
    assert (root.template_id, root.relationship) == ("9000", None)
    assert [item.template_id for item in root.children] == [
        None, None, "9001", "9002", "9003", "9004", "9005"
    ]  # fmt: skip
    assert all(item.continuity == "SEPARATE" for item in root.children[2:])


def test_every_coded_value_respects_the_defined_context_group() -> None:
    root = build_root("9000", breast_patient())
    checked = 0
    for _, item in root.walk():
        label = (item.row or "").split(" > ")[0]
        if label in DEFINED:
            assert _in_any(item, DEFINED[label]), (label, item.code_value)
            checked += 1
    assert checked == 11


def test_codes_outside_the_defined_groups_are_left_out() -> None:
    root = build_root("9000", breast_patient())
    emitted = {item.code_value.value for _, item in root.walk() if item.code_value}
    # Mammography and lumpectomy are CID 6060 technique modifiers, not CID 6083 procedures;
    # carvedilol is no hormone; a latex allergy is no breast cancer risk factor.
    assert emitted.isdisjoint({"71651007", "392021009", "200031", "300916003", "254837009"})


def test_ps3_17_annex_ee_example_shape() -> None:
    """PS3.17 EE: Gynecological History, Previous Procedures, Risk Factors, in that order."""
    ee_patient = patient(
        fact(FactKind.GYNECOLOGICAL, "111519", "DCM", "Age at First Full Term Pregnancy",
             quantity=Quantity(28, YEAR)),
        fact(FactKind.GYNECOLOGICAL, "11977-6", "LN", "Para", quantity=Quantity(2, UCUM_NO_UNITS)),
        fact(FactKind.PROCEDURE, "287572003", "SCT", "Cyst aspiration", laterality=LEFT,
             started="19990825"),
        fact(FactKind.RISK_FACTOR, "111559", "DCM", "Weak family history of breast cancer",
             relative=AUNT),
    )  # fmt: skip
    root = build_root("9000", ee_patient)
    assert validate(root) == []
    assert concepts(root) == ["121049", "267011001", "111513", "111515"]
    gynecological = child(root, "267011001")
    assert [
        (c.concept_name.value, c.numeric.value, c.numeric.units.value)  # type: ignore[union-attr]
        for c in gynecological.children
    ] == [("111519", "28", "a"), ("11977-6", "2", "1")]
    procedure = child(root, "111513").children[0]
    assert procedure.code_value.value == "287572003"  # type: ignore[union-attr]
    assert concepts(procedure) == ["272741003", "122146"]
    risk = child(root, "111515").children[0]
    assert shape(risk) == (
        C,
        "CODE",
        "80943009",
        "111559",
        ((IF, "CODE", "111537", "25211005", ()),),
    )


def test_breast_root_for_an_empty_patient_has_only_the_language() -> None:
    root = build_root("9000", patient())
    assert shape(root) == (
        None,
        "CONTAINER",
        "111511",
        None,
        ((HCM, "CODE", "121049", "en-US", ()),),
    )
