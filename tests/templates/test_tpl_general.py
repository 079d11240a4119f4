"""TID 9007 (General SOP Class default root): rows 2-14 from a patient's facts."""

from __future__ import annotations

from pydicom.sr.codedict import codes
from pydicom.sr.coding import Code as PydicomCode
from tpl_check import errors
from tpl_patients import LONG_DRUG_NAME, NATURAL_MOTHER, fact, general_patient, patient
from tpl_shape import child, concepts, shape

from rpiq.domain import Code, FactKind, Quantity
from rpiq.templates.roots import build_root

C, HP, HOC, HCM, IF = (
    "CONTAINS", "HAS PROPERTIES", "HAS OBS CONTEXT", "HAS CONCEPT MOD", "INFERRED FROM"
)  # fmt: skip
SMOKING_STATUS = ("72166-2", "LN", "Tobacco smoking status")


def test_general_rows_in_table_order_with_their_template_ids() -> None:
    root = build_root("9007", general_patient())
    assert errors(root, "9007") == []
    assert (root.relationship, root.template_id) == (None, "9007")
    assert root.concept_name == Code("111517", "DCM", "Relevant Patient Information")
    assert concepts(root) == [
        "121049", "121123", "10160-0", "111545", "111547", "111513", "11450-4", "111515",
        "267011001", "248983002", "11329-0",
    ]  # fmt: skip
    assert [item.template_id for item in root.children] == [
        None, None, "9002", "9002", "9002", "9003", "9004", "9005", "9001", "9006", "3802"
    ]  # fmt: skip


def test_language_is_the_first_item() -> None:
    language = build_root("9007", general_patient()).children[0]
    assert language.relationship is not None
    assert (language.relationship.value, language.row) == (HCM, "TID 1204 row 1")
    assert language.concept_name == Code(
        "121049", "DCM", "Language of Content Item and Descendants"
    )
    assert language.code_value is not None
    assert (language.code_value.value, language.code_value.scheme) == ("en-US", "RFC5646")
    assert language.code_value.meaning == "English (United States)"


def test_vital_signs_latest_values_with_template_concepts_and_units() -> None:
    assessment = child(build_root("9007", general_patient()), "121123")
    # the latest body temperature is 99.1 [degF]: converted to Cel
    assert shape(assessment) == (C, "CODE", "121123", "121165", (
        (HP, "NUM", "271649006", ("126", "mm[Hg]"), ()),
        (HP, "NUM", "271650006", ("81.5", "mm[Hg]"), ()),
        (HP, "NUM", "8867-4", ("72", "{H.B.}/min"), ()),
        (HP, "NUM", "8310-5", ("37.28", "Cel"), ()),
        (HP, "NUM", "2708-6", ("97", "%"), ()),
        (HP, "NUM", "86290005", ("16", "/min"), ()),
    ))  # fmt: skip
    times = [item.observation_datetime for item in assessment.children]
    assert times == ["20240101"] * 3 + ["20250101"] + ["20240101"] * 2
    pressure = assessment.children[0].numeric
    assert pressure is not None
    assert PydicomCode(pressure.units.value, "UCUM", pressure.units.meaning) in codes.CID3500
    saturation = assessment.children[4].concept_name
    assert saturation is not None
    assert PydicomCode(saturation.value, saturation.scheme, saturation.meaning) in codes.CID3526


def test_medication_with_a_long_rxnorm_name_and_substance_and_exposure() -> None:
    root = build_root("9007", general_patient())
    medication = child(root, "10160-0").children[0]
    assert medication.code_value is not None
    assert medication.code_value.value == "999999"
    assert len(medication.code_value.meaning) <= 64 < len(LONG_DRUG_NAME)
    assert medication.code_value.meaning.endswith("...")
    assert concepts(medication) == ["111526", "111528"]  # an antidiabetic: no drug class row
    assert shape(child(root, "111545"))[4] == ((C, "CODE", "111546", "419442005", ()),)
    assert shape(child(root, "111547"))[4] == ((C, "CODE", "111548", "3311006", ()),)


def test_procedures_and_problems() -> None:
    root = build_root("9007", general_patient())
    assert shape(child(root, "111513"))[4] == (
        (C, "CODE", "111531", "71651007", (
            (HP, "CODE", "272741003", "7771000", ()),
            (HP, "DATETIME", "122146", "2020", ()),
        )),
    )  # fmt: skip
    assert shape(child(root, "11450-4"))[4] == (
        (C, "CODE", "111533", "195662009", ((HOC, "DATETIME", "111535", "20190304", ()),)),
    )


def test_risk_factors_allergy_smoking_family_history() -> None:
    risks = child(build_root("9007", general_patient()), "111515")
    assert shape(risks)[4] == (
        (C, "CODE", "80943009", "300916003", ()),  # latex allergy
        (C, "CODE", "80943009", "77176002", ()),  # the latest smoking status: current smoker
        (C, "CODE", "80943009", "254837009", (  # breast cancer ...
            (HCM, "CODE", "111530", "57177007", ()),  # ... "Family history of" ...
            (IF, "CODE", "111537", "65656005", ()),  # ... in the natural mother
        )),
    )  # fmt: skip


def test_a_never_smoker_is_no_risk_factor_but_is_the_cardiac_social_history() -> None:
    never = fact(FactKind.SOCIAL_HISTORY, *SMOKING_STATUS,
                 value_code=Code("266919005", "SCT", "Never smoker"))  # fmt: skip
    root = build_root("9007", patient(never))
    assert concepts(root) == ["121049", "11329-0"]
    assert shape(child(root, "11329-0"))[4] == (
        (C, "CONTAINER", "29762-2", None, ((C, "CODE", "365981007", "266919005", ()),)),
    )


def test_gynecological_and_obstetric_history() -> None:
    root = build_root("9007", general_patient())
    assert shape(child(root, "267011001"))[4] == (
        (C, "DATE", "8665-2", "20240115", ()),
        (C, "NUM", "111518", ("12", "a"), ()),  # LOINC 42798-9 Age at menarche
        (C, "NUM", "11996-6", ("3", "1"), ()),
    )
    obstetric = child(root, "248983002")
    assert shape(obstetric)[4] == (
        (C, "DATE", "8665-2", "20240115", ()),
        (C, "DATE", "11778-8", "20241022", ()),
        (C, "NUM", "18185-9", ("49", "d"), ()),  # 7 weeks
    )
    assert obstetric.children[2].observation_datetime == "20240301"


def test_partial_dates_never_become_a_date_item() -> None:
    lmp = fact(FactKind.GYNECOLOGICAL, "8665-2", "LN", "Last menstrual period", started="202401")
    edd = fact(FactKind.OBSTETRIC, "11778-8", "LN", "EDD", started="2024")
    assert concepts(build_root("9007", patient(lmp, edd))) == ["121049"]


def test_a_count_in_a_foreign_unit_is_left_out() -> None:
    kilograms = Quantity(2, Code("kg", "UCUM", "kg"))
    gravida = fact(FactKind.GYNECOLOGICAL, "11996-6", "LN", "Gravida", quantity=kilograms)
    assert concepts(build_root("9007", patient(gravida))) == ["121049"]


def test_empty_patient_gets_the_language_only() -> None:
    root = build_root("9007", patient())
    assert shape(root) == (
        None,
        "CONTAINER",
        "111517",
        None,
        ((HCM, "CODE", "121049", "en-US", ()),),
    )
    assert errors(root, "9007") == []


def test_non_ascii_meanings_are_kept_and_clipped_by_characters() -> None:
    long_name = "Syndrome de Sjögren primaire avec atteinte pulmonaire interstitielle évolutive"
    sjogren = fact(FactKind.PROBLEM, "83901003", "SCT", "Sjögren's syndrome")
    long_one = fact(FactKind.PROBLEM, "12345678", "SCT", long_name)
    problems = child(build_root("9007", patient(sjogren, long_one)), "11450-4")
    meanings = [item.code_value.meaning for item in problems.children]  # type: ignore[union-attr]
    assert meanings[0] == "Sjögren's syndrome"
    assert len(meanings[1]) <= 64 < len(long_name)
    assert meanings[1].startswith("Syndrome de Sjögren primaire")


def test_family_members_of_one_risk_factor_are_joined() -> None:
    aunt = Code("25211005", "SCT", "Aunt")
    facts = [
        fact(FactKind.FAMILY_HISTORY, "254837009", "SCT", "Breast cancer", relative=relative)
        for relative in (NATURAL_MOTHER, aunt, NATURAL_MOTHER)
    ]
    risks = child(build_root("9007", patient(*facts)), "111515")
    assert [shape(item) for item in risks.children[0].children] == [
        (HCM, "CODE", "111530", "57177007", ()),
        (IF, "CODE", "111537", "65656005", ()),
        (IF, "CODE", "111537", "25211005", ()),
    ]
