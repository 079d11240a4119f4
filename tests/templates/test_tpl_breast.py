"""TID 9000 (Breast Imaging SOP Class default root): exact tree, Defined CIDs and their
documented extensions respected, clinical mappings (docs/clinical-mapping.md)."""

from __future__ import annotations

from pydicom.sr.codedict import codes
from pydicom.sr.coding import Code as PydicomCode
from tpl_check import errors, warnings
from tpl_patients import (
    AUNT,
    LEFT,
    NATURAL_MOTHER,
    UCUM_NO_UNITS,
    YEAR,
    breast_patient,
    fact,
    patient,
)
from tpl_shape import child, concepts, shape

from rpiq.domain import ClinicalFact, Code, FactKind, Quantity
from rpiq.templates.content import ContentItem
from rpiq.templates.roots import build_root

C, HP, HOC, HCM, IF = (
    "CONTAINS", "HAS PROPERTIES", "HAS OBS CONTEXT", "HAS CONCEPT MOD", "INFERRED FROM"
)  # fmt: skip
RIGHT = Code("24028007", "SCT", "Right")
BILATERAL = Code("51440002", "SCT", "Bilateral")

# Value rows of TID 9000's sub-templates and the Defined CID that constrains each (§2.2.2).
DEFINED = {
    "TID 9002 row 2": (6080,),
    "TID 9003 row 2": (6083,),
    "TID 9003 row 3": (6058,),
    "TID 9003 row 6": (6022,),
    "TID 9004 row 2": (6055,),
    "TID 9004 row 5": (6022,),
    "TID 9004 row 6": (6018, 6020),
    "TID 9005 row 2": (6081,),
    "TID 9005 row 9": (7451,),
}
# rpiq's documented extensions of the Extensible groups (PS3.16 7.2.3), by value
EXTENSIONS = {"254837009", "71651007", "241055006", "24623002", "122548005", "392021009"}


def _in_any(item: ContentItem, cids: tuple[int, ...]) -> bool:
    assert item.code_value is not None
    code = PydicomCode(item.code_value.value, item.code_value.scheme, item.code_value.meaning)
    return any(code in getattr(codes, f"CID{cid}") for cid in cids)


def _procedure(value: str, meaning: str, **fields: object) -> ClinicalFact:
    return fact(FactKind.PROCEDURE, value, "SCT", meaning, **fields)


def _breast_root(*facts: ClinicalFact) -> ContentItem:
    root = build_root("9000", patient(*facts))
    assert errors(root, "9000") == []
    return root


def test_breast_tree_exact_shape() -> None:
    root = build_root("9000", breast_patient())
    assert errors(root, "9000") == []
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
                (C, "CODE", "111531", "71651007", ((HP, "DATETIME", "122146", "2020", ()),)),
                (C, "CODE", "111531", "392021009", ()),
                (C, "CODE", "111531", "367336001", ((HP, "DATETIME", "122146", "2021", ()),)),
            )),
            (C, "CONTAINER", "11450-4", None, (
                (C, "CODE", "111533", "254837009", ((HOC, "DATETIME", "111535", "20211104", ()),)),
                (C, "CODE", "111533", "89164003", ((HP, "CODE", "272741003", "80248007", ()),)),
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


def test_every_coded_value_is_a_member_or_a_documented_extension() -> None:
    root = build_root("9000", breast_patient())
    checked, extended = 0, set()
    for _, item in root.walk():
        label = (item.row or "").split(" > ")[0]
        if label in DEFINED:
            assert item.code_value is not None
            if not _in_any(item, DEFINED[label]):
                assert item.code_value.value in EXTENSIONS, (label, item.code_value)
                extended.add(item.code_value.value)
            checked += 1
    assert checked == 14
    assert extended == {"254837009", "71651007", "392021009"}
    assert len(warnings(root, "9000")) == 3  # the validator sees exactly those extensions


def test_codes_outside_the_groups_and_their_extensions_are_left_out() -> None:
    root = build_root("9000", breast_patient())
    emitted = {item.code_value.value for _, item in root.walk() if item.code_value}
    # carvedilol is no hormone; a latex allergy is no breast cancer risk factor; the drug code
    # of tamoxifen is replaced by the CID 6080 concept
    assert emitted.isdisjoint({"200031", "300916003", "198240"})


def test_mammography_of_a_known_side_is_the_cid_6050_mammogram_of_that_side() -> None:
    root = _breast_root(
        _procedure("71651007", "Mammography (procedure)", laterality=LEFT, started="2019"),
        _procedure("241055006", "Mammogram - symptomatic (procedure)", laterality=RIGHT),
        _procedure("24623002", "Screening mammography (procedure)", laterality=BILATERAL),
        _procedure("24623002", "Screening mammography (procedure)"),
        _procedure("1571000087109", "Ultrasonography of bilateral breasts (procedure)"),
        _procedure("43204002", "Mammography of bilateral breasts (procedure)"),
    )
    assert shape(child(root, "111513"))[4] == (
        (C, "CODE", "111531", "36627-8", (
            (HP, "CODE", "272741003", "80248007", ()),
            (HP, "DATETIME", "122146", "2019", ()),
        )),
        (C, "CODE", "111531", "37774-7", (
            (HCM, "CODE", "111464", "261004008", ()),  # symptomatic = diagnostic (CID 6061)
            (HP, "CODE", "272741003", "73056007", ()),
        )),
        (C, "CODE", "111531", "36626-0", (
            (HCM, "CODE", "111464", "360156006", ()),  # screening (CID 6061)
            (HP, "CODE", "272741003", "63762007", ()),
        )),
        (C, "CODE", "111531", "24623002", ((HCM, "CODE", "111464", "360156006", ()),)),
        (C, "CODE", "111531", "47079000", ((HP, "CODE", "272741003", "63762007", ()),)),
        (C, "CODE", "111531", "36626-0", ((HP, "CODE", "272741003", "63762007", ()),)),
    )  # fmt: skip


def test_breast_therapies_and_biopsies() -> None:
    root = _breast_root(
        _procedure("44578009", "Core needle biopsy of breast (procedure)", laterality=LEFT),
        _procedure("122548005", "Biopsy of breast (procedure)"),
        _procedure("108290001", "Radiation oncology AND/OR radiotherapy (procedure)"),
        _procedure("169413002", "Hormone therapy (procedure)"),
        _procedure("367336001", "Chemotherapy (procedure)", started="2021"),
        _procedure("367336001", "Chemotherapy (procedure)", started="2022"),
        _procedure("73761001", "Colonoscopy"),
    )
    procedures = child(root, "111513")
    values = [item.code_value.value for item in procedures.children]  # type: ignore[union-attr]
    assert values == ["44578009", "122548005", "108290001", "169413002", "367336001"]
    assert [item.code_value.meaning for item in procedures.children][2] == "Radiation therapy"  # type: ignore[union-attr]
    assert shape(procedures.children[4])[4] == (
        (HP, "DATETIME", "122146", "2022", ()),  # the latest of the two
        (HP, "NUM", "246432004", ("2", "1"), ()),  # Number of occurrences
    )


def test_derived_breast_cancer_risk_factors() -> None:
    gynecological = FactKind.GYNECOLOGICAL
    root = _breast_root(
        fact(gynecological, "42802-9", "LN", "Age at menopause", quantity=Quantity(51, YEAR)),
        fact(gynecological, "11977-6", "LN", "Para", quantity=Quantity(0, UCUM_NO_UNITS)),
        fact(gynecological, "111519", "DCM", "Age at First Full Term Pregnancy",
             quantity=Quantity(33, YEAR)),
        fact(FactKind.FAMILY_HISTORY, "399068003", "SCT", "Malignant tumor of prostate",
             relative=Code("9947008", "SCT", "Natural father")),
    )  # fmt: skip
    assert shape(child(root, "111515"))[4] == (
        (C, "CODE", "80943009", "111554", ()),  # post menopausal patient
        (C, "CODE", "80943009", "102877006", ()),  # nulliparous
        (C, "CODE", "80943009", "111555", ()),  # late child bearing (after 30)
        (C, "CODE", "80943009", "111562", ((IF, "CODE", "111537", "9947008", ()),)),
    )


def test_no_risk_is_derived_from_facts_that_do_not_establish_it() -> None:
    gynecological = FactKind.GYNECOLOGICAL
    root = _breast_root(
        fact(gynecological, "11977-6", "LN", "Para", quantity=Quantity(1, UCUM_NO_UNITS)),
        fact(gynecological, "111519", "DCM", "Age at First Full Term Pregnancy",
             quantity=Quantity(30, YEAR)),
        fact(FactKind.PROBLEM, "89164003", "SCT", "Breast lump"),
    )  # fmt: skip
    assert "111515" not in concepts(root)


def test_hormones_map_to_cid_6080_and_other_drugs_are_left_out() -> None:
    medication = FactKind.MEDICATION
    root = _breast_root(
        fact(medication, "199224", "RXNORM", "anastrozole 1 MG Oral Tablet"),
        fact(medication, "751905", "RXNORM", "Trinessa 28 Day Pack"),
        fact(medication, "1946840", "RXNORM", "Verzenio 100 MG Oral Tablet"),
        fact(medication, "61946003", "SCT", "Estrogen product"),
    )
    hormones = child(root, "10160-0").children
    assert [item.code_value.value for item in hormones] == [  # type: ignore[union-attr]
        "386910003", "108899006", "61946003"
    ]  # fmt: skip


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
    assert errors(root, "9000") == []
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


def test_a_family_history_with_a_relative_outside_cid_7451_keeps_the_risk() -> None:
    neighbour = Code("72705000", "SCT", "Neighbour")
    root = _breast_root(
        fact(FactKind.FAMILY_HISTORY, "254837009", "SCT", "Breast cancer", relative=neighbour),
        fact(FactKind.FAMILY_HISTORY, "254837009", "SCT", "Breast cancer", relative=NATURAL_MOTHER),
    )
    assert shape(child(root, "111515"))[4] == (
        (C, "CODE", "80943009", "429740004", ((IF, "CODE", "111537", "65656005", ()),)),
    )
