"""TID 3802 (Cardiac SOP Class default root, TID 9007 row 12): placement of every kind of fact,
the $Therapy groups of rows 6-10, exact rows (docs/clinical-mapping.md)."""

from __future__ import annotations

from pydicom.sr.codedict import codes
from pydicom.sr.coding import Code as PydicomCode
from tpl_check import errors
from tpl_patients import MM_HG, NATURAL_MOTHER, cardiac_patient, fact, patient, vital
from tpl_shape import child, concepts, shape

from rpiq.domain import ClinicalFact, Code, FactKind, FactStatus, Quantity
from rpiq.templates.content import ContentItem
from rpiq.templates.roots import build_root

C, HP, HCM = "CONTAINS", "HAS PROPERTIES", "HAS CONCEPT MOD"
PROBLEM_LIST, SOCIAL, SURGICAL, DIAGNOSTIC = "11450-4", "29762-2", "10167-5", "30954-2"
MEDICATIONS, FAMILY, DEVICES = "10160-0", "10157-6", "46264-8"
MG_DL = Code("mg/dL", "UCUM", "mg/dL")
F, P = FactKind, FactStatus


def _code(item: ContentItem) -> PydicomCode:
    assert item.code_value is not None
    return PydicomCode(item.code_value.value, item.code_value.scheme, item.code_value.meaning)


def _cardiac_root(*facts: ClinicalFact) -> ContentItem:
    root = build_root("3802", patient(*facts, sex="M"))
    assert errors(root, "3802") == []
    return root


def _drug(value: str, meaning: str, status: FactStatus = P.ACTIVE) -> ClinicalFact:
    return fact(F.MEDICATION, value, "RXNORM", meaning, status=status)


def _therapies(concern: ContentItem) -> list[tuple[str, str | None]]:
    """(therapy value, its use status value) of a TID 3829 concern's row 12 items."""
    return [
        (item.code_value.value, item.children[0].code_value.value if item.children else None)  # type: ignore[union-attr]
        for item in concern.children
        if item.concept_name is not None and item.concept_name.value == "277132007"
    ]


def test_cardiac_root_sections_in_table_order_without_language() -> None:
    root = build_root("3802", cardiac_patient())
    assert errors(root, "3802") == []
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
        (item, item.text or next(  # the concern's row 4 value
            c.code_value.value for c in item.children if c.row == "TID 3829 row 4"  # type: ignore[union-attr]
        ))
        for item in problems.children
    )] == [
        ("TID 3802 row 4", "TEXT", "Anemia (disorder)"),
        ("TID 3802 row 4", "TEXT", "Allergy to penicillin"),
        ("TID 3802 row 5 > TID 3829 row 1", "CONTAINER", "161505003"),  # heart failure
        ("TID 3802 row 5 > TID 3829 row 1", "CONTAINER", "53741008"),  # CAD, CID 3756 extension
        ("TID 3802 row 6 > TID 3829 row 1", "CONTAINER", "161445009"),  # diabetes type 2
        ("TID 3802 row 7 > TID 3829 row 1", "CONTAINER", "161501007"),  # hypertension
        ("TID 3802 row 10 > TID 3829 row 1", "CONTAINER", "399211009"),  # MI (two facts)
        ("TID 3802 row 11 > TID 3829 row 1", "CONTAINER", "275552000"),  # CKD stage 3
    ]  # fmt: skip
    texts = [item for item in problems.children if item.value_type.value == "TEXT"]
    assert [item.concept_name.value for item in texts] == ["55607006", "404684003"]  # type: ignore[union-attr]
    concerns = problems.children[2:]
    assert all(c.template_id == "3829" for c in concerns)
    assert _code(concerns[0].children[-1]) in codes.CID3756
    assert _code(concerns[1].children[-1]) not in codes.CID3756  # the documented extension


def test_concern_rows_of_tid_3829() -> None:
    problems = child(build_root("3802", cardiac_patient()), PROBLEM_LIST)
    hypertension, infarction, kidney = problems.children[5:8]
    assert shape(hypertension) == (C, "CONTAINER", "121430", None, (
        (C, "DATETIME", "121431", "20010305", ()),
        (C, "CODE", "55607006", "161501007", (
            (HP, "DATETIME", "111526", "2001", ()),
            (HP, "CODE", "33999-4", "394774009", ()),
        )),
        (C, "CODE", "277132007", "33252009", ((HP, "CODE", "33999-4", "385651009", ()),)),
        (C, "CODE", "277132007", "41549009", ((HP, "CODE", "33999-4", "385656004", ()),)),
    ))  # fmt: skip
    assert shape(infarction)[4] == (
        (C, "CODE", "55607006", "399211009", (
            (HCM, "CODE", "122170", "401303003", ()),  # STEMI, CID 3723
            (HP, "DATETIME", "111526", "20100101", ()),  # the earliest of the two facts
        )),
        (C, "CODE", "277132007", "415070008", ()),  # PCI, CID 3764
    )  # fmt: skip
    stage = kidney.children[-1].children[-1]
    assert (stage.concept_name.value, stage.code_value.value) == ("258214002", "258224005")  # type: ignore[union-attr]
    assert _code(stage) in codes.CID3778


def test_therapies_come_from_the_drug_classes_of_the_patients_medications() -> None:
    problem = F.PROBLEM
    root = _cardiac_root(
        fact(problem, "44054006", "SCT", "Diabetes mellitus type 2"),
        fact(problem, "59621000", "SCT", "Essential hypertension"),
        fact(problem, "13644009", "SCT", "Hypercholesterolemia"),
        fact(problem, "49436004", "SCT", "Atrial fibrillation"),
        _drug("860975", "24 HR metformin hydrochloride 500 MG Extended Release Oral Tablet"),
        _drug("106892", "insulin isophane, human 70 UNT/ML / insulin, regular, human 30 UNT/ML "
              "Injectable Suspension [Humulin]", P.STOPPED),
        _drug("200033", "carvedilol 25 MG Oral Tablet"),
        _drug("979492", "losartan potassium 50 MG Oral Tablet", P.ON_HOLD),
        _drug("310798", "Hydrochlorothiazide 25 MG Oral Tablet", P.STOPPED),
        _drug("308136", "amLODIPine 2.5 MG Oral Tablet", P.COMPLETED),
        _drug("705129", "Nitroglycerin 0.4 MG/ACTUAT Mucosal Spray", P.UNKNOWN),
        _drug("617310", "atorvastatin 20 MG Oral Tablet"),
        _drug("833036", "Captopril 25 MG Oral Tablet", P.STOPPED),
        _drug("314077", "lisinopril 20 MG Oral Tablet"),
        fact(F.MEDICATION, "372872006", "SCT", "carvedilol"),  # not RxNorm: not classified
    )  # fmt: skip
    diabetes, hypertension, lipids, arrhythmia = child(root, PROBLEM_LIST).children
    assert _therapies(diabetes) == [("170746002", "385651009"), ("170747006", "385656004")]
    assert _therapies(hypertension) == [
        ("33252009", "385651009"),  # beta blocker, in progress
        ("48698004", "385656004"),  # calcium channel blocker, ended
        ("372700007", None),  # nitrate vasodilator, status unknown
        ("41549009", "385651009"),  # captopril ended, lisinopril active: in progress
        ("96308008", "385655000"),  # angiotensin II receptor antagonist, suspended
        ("30492008", "385656004"),  # diuretic, ended
    ]
    assert _therapies(lipids) == [("96302009", "385651009")]  # statins
    assert _therapies(arrhythmia) == [("373278006", "385651009")]  # beta blocker: class II
    for concern, cid in zip(
        (diabetes, hypertension, lipids, arrhythmia), (3722, 3760, 3761, 3762), strict=True
    ):
        therapies = [c for c in concern.children if c.row == "TID 3829 row 12"]
        assert all(_code(t) in getattr(codes, f"CID{cid}") for t in therapies)


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
    # MI in the mother is CID 3758 (rows 33-34); diabetes in a neighbour has no CID 7451
    # relative for the mandatory row 34 and breast cancer is no cardiovascular family history:
    # both are row 32 text.
    assert shape(child(root, FAMILY))[4] == (
        (C, "TEXT", "11329-0", "Neighbour: Diabetes mellitus type 2", ()),
        (C, "TEXT", "11329-0", "Natural mother: Malignant neoplasm of breast", ()),
        (C, "CODE", "416471007", "266897007", ((HP, "CODE", "408732007", "65656005", ()),)),
    )
    assert shape(child(root, DEVICES))[4] == (
        (C, "TEXT", "11329-0", "Blood glucose meter", ()),
        (C, "CODE", "121436", "14106009", (
            (HP, "DATETIME", "111526", "2011", ()),
            (HP, "CODE", "33999-4", "385651009", ()),
        )),
    )  # fmt: skip


def test_extensions_of_the_diagnostic_and_device_groups() -> None:
    root = _cardiac_root(
        fact(F.PROCEDURE, "29303009", "SCT", "Electrocardiographic procedure"),
        fact(F.PROCEDURE, "399208008", "SCT", "Plain chest X-ray (procedure)"),
        fact(F.DEVICE, "705643001", "SCT", "Coronary artery stent (physical object)",
             text="drug-eluting"),
    )  # fmt: skip
    assert shape(child(root, DIAGNOSTIC))[4] == ((C, "CODE", "261004008", "29303009", ()),)
    assert shape(child(root, DEVICES))[4] == (
        (C, "CODE", "121436", "705643001", ((HP, "TEXT", "121106", "drug-eluting", ()),)),
    )


def test_hdl_and_ldl_in_mg_per_dl_fill_rows_23_and_24() -> None:
    def lab(value: str, meaning: str, number: float, unit: Code, when: str) -> ClinicalFact:
        return fact(
            F.MEASUREMENT, value, "LN", meaning, quantity=Quantity(number, unit), started=when
        )

    root = _cardiac_root(
        lab("2085-9", "High Density Lipoprotein Cholesterol", 61.2, MG_DL, "2020"),
        lab("2085-9", "High Density Lipoprotein Cholesterol", 58.0, MG_DL, "2021"),
        lab("18262-6", "LDL Cholesterol", 3.1, Code("mmol/L", "UCUM", "mmol/L"), "2021"),
        lab("2089-1", "Cholesterol in LDL", 98.5, Code("mg/dl", "UCUM", "mg/dl"), "2019"),
    )  # fmt: skip
    diagnostics = child(root, DIAGNOSTIC)
    # LDL: the latest value is in mmol/L, which the row's EV unit mg/dl is not: row left out
    assert shape(diagnostics)[4] == ((C, "NUM", "2085-9", ("58", "mg/dl"), ()),)
    assert diagnostics.children[0].row == "TID 3802 row 23"
    assert diagnostics.children[0].observation_datetime == "2021"
    ldl = lab("2089-1", "Cholesterol in LDL", 120, MG_DL, "2022")
    general = build_root("9007", patient(ldl))
    assert concepts(general) == ["121049", "11329-0"]  # not in TID 3114: HDL/LDL are rows 23/24
    assert shape(child(general, "11329-0"))[4] == (
        (C, "CONTAINER", DIAGNOSTIC, None, ((C, "NUM", "2089-1", ("120", "mg/dl"), ()),)),
    )


def test_social_history_rows_14_to_16() -> None:
    status = ("72166-2", "LN", "Tobacco smoking status")
    root = _cardiac_root(
        fact(F.SOCIAL_HISTORY, *status, value_code=Code("8517006", "SCT", "Ex-smoker"),
             started="2019"),
        fact(F.SOCIAL_HISTORY, *status,
             value_code=Code("266927001", "SCT", "Tobacco smoking consumption unknown"),
             started="2020"),
        fact(F.SUBSTANCE_USE, "11331-6", "LN", "History of alcohol use",
             value_code=Code("219006", "SCT", "Current drinker of alcohol")),
        fact(F.PROBLEM, "5602001", "SCT", "Opioid abuse (disorder)", started="2015"),
        fact(F.SUBSTANCE_USE, "419442005", "SCT", "Ethyl alcohol"),  # a substance: TID 9002
    )  # fmt: skip
    assert shape(child(root, SOCIAL))[4] == (
        (C, "TEXT", "365981007", "Tobacco smoking consumption unknown", ()),
        (C, "TEXT", "897148007", "Current drinker of alcohol", ()),
        (C, "CODE", "365981007", "8517006", ()),
        (C, "CODE", "228366006", "5602001", ()),
    )
    assert PROBLEM_LIST not in concepts(root)  # the opioid abuse is row 16, not also row 4


def test_defined_groups_of_the_cardiac_rows() -> None:
    root = build_root("3802", cardiac_patient())
    defined = {
        "TID 3802 row 15": 3724, "TID 3802 row 19": 3721, "TID 3802 row 22": 3757,
        "TID 3802 row 33": 3758, "TID 3802 row 34": 7451, "TID 3802 row 30": 3773,
        "TID 3802 row 37": 3777, "TID 3829 row 8": 3770, "TID 3829 row 13": 3773,
    }  # fmt: skip
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
    assert errors(root, "3802") == []


def test_never_smoker_is_reported_and_unknown_answers_are_text() -> None:
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
    unknown = smoking(Code("8517009", "SCT", "Former smoker"))  # not the CID 3724 code
    assert shape(unknown)[4] == (
        (C, "CONTAINER", SOCIAL, None, ((C, "TEXT", "365981007", "Former smoker", ()),)),
    )


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


def test_nested_history_holds_only_the_cardiac_part() -> None:
    patient_ = patient(
        *cardiac_patient().facts,
        _drug("197319", "Allopurinol 100 MG Oral Tablet"),
        _drug("860975", "24 HR metformin hydrochloride 500 MG Extended Release Oral Tablet"),
        vital("8480-6", "Systolic blood pressure", 140, MM_HG, "2024"),
    )
    general = build_root("9007", patient_)
    assert errors(general, "9007") == []
    nested = child(general, "11329-0")
    problems = child(nested, PROBLEM_LIST)
    assert all(item.value_type.value == "CONTAINER" for item in problems.children)  # no row 4
    medications = [i.code_value.value for i in child(nested, MEDICATIONS).children]  # type: ignore[union-attr]
    assert medications == ["200031", "314077", "860975"]  # allopurinol is in TID 9007 row 4
    family = child(nested, FAMILY)
    assert [item.row for item in family.children] == ["TID 3802 row 33"]  # no row 32 text
