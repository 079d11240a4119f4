"""TID 3802 (Cardiac SOP Class default root): placement of every kind of fact, exact rows."""

from __future__ import annotations

from pydicom.sr.codedict import codes
from pydicom.sr.coding import Code as PydicomCode
from tpl_patients import NATURAL_MOTHER, cardiac_patient, fact, patient
from tpl_shape import child, concepts, shape
from tpl_validate import validate

from rpiq.domain import Code, FactKind, FactStatus
from rpiq.templates.content import ContentItem
from rpiq.templates.roots import build_root

C, HP, HCM = "CONTAINS", "HAS PROPERTIES", "HAS CONCEPT MOD"
PROBLEM_LIST, SOCIAL, SURGICAL, DIAGNOSTIC = "11450-4", "29762-2", "10167-5", "30954-2"
MEDICATIONS, FAMILY, DEVICES = "10160-0", "10157-6", "46264-8"


def _code(item: ContentItem) -> PydicomCode:
    assert item.code_value is not None
    return PydicomCode(item.code_value.value, item.code_value.scheme, item.code_value.meaning)


def test_cardiac_root_sections_in_table_order_without_language() -> None:
    root = build_root("3802", cardiac_patient())
    assert validate(root) == []
    assert (root.relationship, root.template_id, root.concept_name) == (
        None, "3802", Code("11329-0", "LN", "History")
    )  # fmt: skip
    assert concepts(root) == [
        PROBLEM_LIST,
        SOCIAL,
        SURGICAL,
        DIAGNOSTIC,
        MEDICATIONS,
        FAMILY,
        DEVICES,
    ]
    assert [item.row for item in root.children] == [
        f"TID 3802 row {n}" for n in (3, 12, 17, 20, 25, 31, 35)
    ]
    assert all(item.template_id is None for item in root.children)  # rows of TID 3802 itself
    assert "121049" not in {item.concept_name.value for _, item in root.walk() if item.concept_name}


def test_problems_are_routed_through_rows_4_to_11() -> None:
    problems = child(build_root("3802", cardiac_patient()), PROBLEM_LIST)
    assert [(item.row, item.value_type.value, value) for item, value in (
        (item, item.text or item.children[-1].code_value.value)  # type: ignore[union-attr]
        for item in problems.children
    )] == [
        ("TID 3802 row 4", "TEXT", "Coronary Heart Disease"),
        ("TID 3802 row 4", "TEXT", "Anemia (disorder)"),
        ("TID 3802 row 4", "TEXT", "Allergy to penicillin"),
        ("TID 3802 row 5 > TID 3829 row 1", "CONTAINER", "161505003"),  # heart failure
        ("TID 3802 row 6 > TID 3829 row 1", "CONTAINER", "161445009"),  # diabetes type 2
        ("TID 3802 row 7 > TID 3829 row 1", "CONTAINER", "161501007"),  # hypertension
        ("TID 3802 row 10 > TID 3829 row 1", "CONTAINER", "399211009"),  # MI (two facts)
        ("TID 3802 row 11 > TID 3829 row 1", "CONTAINER", "275552000"),  # CKD stage 3
    ]  # fmt: skip
    texts = [item for item in problems.children if item.value_type.value == "TEXT"]
    assert [item.concept_name.value for item in texts] == ["55607006", "55607006", "404684003"]  # type: ignore[union-attr]
    assert all(_code(c.children[-1]) in codes.CID3756 for c in problems.children[3:6])
    assert all(c.template_id == "3829" for c in problems.children[3:])


def test_concern_rows_of_tid_3829() -> None:
    problems = child(build_root("3802", cardiac_patient()), PROBLEM_LIST)
    hypertension, infarction, kidney = (
        problems.children[5],
        problems.children[6],
        problems.children[7],
    )
    assert shape(hypertension) == (C, "CONTAINER", "121430", None, (
        (C, "DATETIME", "121431", "20010305", ()),
        (C, "CODE", "55607006", "161501007", (
            (HP, "DATETIME", "111526", "2001", ()),
            (HP, "CODE", "33999-4", "394774009", ()),
        )),
    ))  # fmt: skip
    assert shape(infarction)[4] == (
        (C, "CODE", "55607006", "399211009", (
            (HCM, "CODE", "122170", "401303003", ()),  # STEMI, CID 3723
            (HP, "DATETIME", "111526", "20100101", ()),  # the earliest of the two facts
        )),
    )  # fmt: skip
    stage = kidney.children[-1].children[-1]
    assert (stage.concept_name.value, stage.code_value.value) == ("258214002", "258224005")  # type: ignore[union-attr]
    assert _code(stage) in codes.CID3778


def test_smoking_surgery_diagnostics_medications_family_devices() -> None:
    root = build_root("3802", cardiac_patient())
    assert shape(child(root, SOCIAL))[4] == ((C, "CODE", "365981007", "8517006", ()),)
    assert shape(child(root, SURGICAL))[4] == (
        (C, "CODE", "387713003", "415070008", ((HP, "DATETIME", "122146", "20100102", ()),)),
    )
    assert shape(child(root, DIAGNOSTIC))[4] == (
        (C, "CODE", "261004008", "40701008", ((HP, "DATETIME", "122146", "20120930", ()),)),
    )
    assert shape(child(root, MEDICATIONS))[4] == (
        (C, "CODE", "111516", "200031", ((HP, "CODE", "33999-4", "385651009", ()),)),
        (C, "CODE", "111516", "314077", ((HP, "CODE", "33999-4", "385656004", ()),)),
    )
    # MI in the mother is CID 3758; diabetes in a neighbour has no CID 7451 relative for the
    # mandatory row 34; breast cancer is no cardiovascular family history.
    assert shape(child(root, FAMILY))[4] == (
        (C, "CODE", "416471007", "266897007", ((HP, "CODE", "408732007", "65656005", ()),)),
    )
    assert shape(child(root, DEVICES))[4] == (
        (C, "CODE", "121436", "14106009", (
            (HP, "DATETIME", "111526", "2011", ()),
            (HP, "CODE", "33999-4", "385651009", ()),
        )),
    )  # fmt: skip


def test_defined_groups_of_the_cardiac_rows() -> None:
    root = build_root("3802", cardiac_patient())
    defined = {"TID 3802 row 15": 3724, "TID 3802 row 19": 3721, "TID 3802 row 22": 3757,
               "TID 3802 row 33": 3758, "TID 3802 row 34": 7451, "TID 3802 row 30": 3773,
               "TID 3802 row 37": 3777, "TID 3829 row 8": 3770}  # fmt: skip
    seen = set()
    for _, item in root.walk():
        label = (item.row or "").split(" > ")[0]
        if label in defined:
            assert _code(item) in getattr(codes, f"CID{defined[label]}"), label
            seen.add(label)
    assert seen == set(defined)


def test_empty_sections_are_omitted_and_an_empty_patient_gets_a_bare_root() -> None:
    only_medication = patient(fact(FactKind.MEDICATION, "200031", "RXNORM", "carvedilol"))
    assert concepts(build_root("3802", only_medication)) == [MEDICATIONS]
    root = build_root("3802", patient())
    assert shape(root) == (None, "CONTAINER", "11329-0", None, ())
    assert validate(root) == []


def test_never_smoker_is_reported_and_unknown_answers_are_not() -> None:
    status = Code("72166-2", "LN", "Tobacco smoking status")

    def smoking(answer: Code) -> ContentItem:
        fact_ = fact(FactKind.SOCIAL_HISTORY, status.value, "LN", status.meaning, value_code=answer)
        return build_root("3802", patient(fact_))

    never = smoking(Code("266919005", "SCT", "Never smoker"))
    assert shape(never)[4] == (
        (C, "CONTAINER", SOCIAL, None, ((C, "CODE", "365981007", "266919005", ()),)),
    )
    daily = smoking(Code("449868002", "SCT", "Smokes tobacco daily"))
    assert child(child(daily, SOCIAL), "365981007").code_value.value == "77176002"  # type: ignore[union-attr]
    assert smoking(Code("266927001", "SCT", "Tobacco smoking consumption unknown")).children == ()
    assert smoking(Code("8517009", "SCT", "Former smoker")).children == ()


def test_family_history_pairs_are_emitted_once() -> None:
    infarction = fact(
        FactKind.FAMILY_HISTORY,
        "22298006",
        "SCT",
        "Myocardial infarction",
        relative=NATURAL_MOTHER,
        status=FactStatus.UNKNOWN,
    )
    twice = patient(infarction, infarction)
    assert len(child(build_root("3802", twice), FAMILY).children) == 1
