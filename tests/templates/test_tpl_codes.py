"""The code tables: context groups equal pydicom's, constants equal the digest's rows, every
mapping lands inside the value set of the row it feeds."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydicom.sr.codedict import codes
from pydicom.sr.coding import Code as PydicomCode

from rpiq.domain import Code, FactStatus
from rpiq.templates import _breast_maps, _cardiac_maps, _cids, _cids_extra, _codes, _prostate_maps
from rpiq.templates._breast_maps import (
    FAMILY_RISK_BY_CONDITION,
    HORMONE_BY_DRUG,
    SIDE_BY_LATERALITY,
)
from rpiq.templates._cardiac_maps import (
    CARDIAC_RISK_BY_CONDITION,
    FAMILY_HISTORY_BY_CONDITION,
    MI_TYPES,
    PROBLEM_ROWS,
    PROBLEM_STATUS_BY_FACT_STATUS,
    STAGE_BY_CONDITION,
    USE_STATUS_BY_FACT_STATUS,
)
from rpiq.templates._drug_classes import (
    ANTIARRHYTHMIC_AGENTS,
    ANTILIPEMIC_AGENTS,
    DIABETIC_THERAPY,
    HYPERTENSION_THERAPY,
    DrugClass,
    brand_name,
    classes_of,
    classification,
)
from rpiq.templates._smoking import SMOKING_HISTORY_BY_ANSWER
from rpiq.templates._valueset import ANY_CODE, AnyOf, ContextGroup

DIGEST = Path(__file__).resolve().parents[2].parent / "shared" / "spec" / "rpi-standard.md"
FROM_PYDICOM = {"MILLIMETERS_HG": 3500, "ARTERIAL_OXYGEN_SATURATION": 3526}


def in_cid(code: Code, cid: int) -> bool:
    """Membership by pydicom 3 (``codes.CIDnnnn``), value and scheme only."""
    return PydicomCode(code.value, code.scheme, code.meaning) in getattr(codes, f"CID{cid}")


def pydicom_members(cid: int) -> set[tuple[str, str]]:
    group = getattr(codes, f"CID{cid}")
    return {(c.value, c.scheme_designator) for c in (getattr(group, k) for k in group.dir())}


def context_groups() -> list[ContextGroup]:
    return [
        value
        for module in (_cids, _cids_extra)
        for name, value in vars(module).items()
        if name.startswith("CID_")
    ]


def constants() -> dict[str, Code]:
    return {name: value for name, value in vars(_codes).items() if isinstance(value, Code)}


@pytest.mark.parametrize("group", context_groups(), ids=lambda group: f"CID{group.cid}")
def test_context_group_members_equal_pydicom(group: ContextGroup) -> None:
    ours = {(code.value, code.scheme) for code in group.members}
    assert ours == pydicom_members(group.cid)


def test_constants_are_rows_of_the_digest() -> None:
    if not DIGEST.is_file():
        pytest.fail(f"digest missing: {DIGEST}")
    digest = DIGEST.read_text(encoding="utf-8")
    for name, code in constants().items():
        if name in FROM_PYDICOM:
            assert in_cid(code, FROM_PYDICOM[name]), name
            group = getattr(codes, f"CID{FROM_PYDICOM[name]}")
            members = [getattr(group, keyword) for keyword in group.dir()]
            assert any(m.meaning == code.meaning for m in members if m.value == code.value)
            continue
        if name == "ENGLISH_UNITED_STATES":  # CID 5000 is RFC 5646 itself; digest §3.5 spelling
            assert f'Code("{code.value}","{code.scheme}","{code.meaning}")' in digest
            continue
        assert f'({code.value}, {code.scheme}, "{code.meaning}")' in digest, name


def test_constant_meanings_fit_lo() -> None:
    assert all(0 < len(code.meaning) <= 64 for code in constants().values())


def test_context_group_lookup_uses_value_and_scheme_and_gives_the_standard_meaning() -> None:
    found = _cids.CID_6080.canonical(Code("75959001", "SCT", "Tamoxifen (substance)"))
    assert found is not None
    assert found.meaning == "Tamoxifen"
    assert _cids.CID_6080.canonical(Code("75959001", "LN", "Tamoxifen")) is None
    assert Code("8517006", "SCT", "x") in _cids.CID_3724
    assert Code("8517009", "SCT", "Former smoker") not in _cids.CID_3724


def test_value_set_combinators() -> None:
    code = Code("129772004", "SCT", "1 o'clock")
    assert ANY_CODE.canonical(code) is code
    both = AnyOf((_cids.CID_6018, _cids.CID_6020))
    assert both.canonical(code) == code
    assert both.canonical(Code("76365002", "SCT", "UOQ")) is not None
    assert both.canonical(Code("7771000", "SCT", "Left")) is None


def test_breast_maps_land_in_the_defined_groups() -> None:
    assert all(in_cid(hormone, 6080) for hormone in HORMONE_BY_DRUG.values())
    assert all(in_cid(risk, 6081) for risk in FAMILY_RISK_BY_CONDITION.values())
    assert in_cid(_codes.PERSONAL_BREAST_CANCER_HISTORY, 6081)
    assert all(in_cid(side, 6022) for side in SIDE_BY_LATERALITY.values())
    assert all(in_cid(laterality, 244) for laterality in SIDE_BY_LATERALITY)
    assert all(drug.scheme == "RXNORM" for drug in HORMONE_BY_DRUG)


def test_cardiac_maps_land_in_the_defined_groups() -> None:
    assert all(in_cid(risk, 3756) for risk in CARDIAC_RISK_BY_CONDITION.values())
    rows = {spec.row: (spec.problem.value, spec.problem.scheme) for spec in PROBLEM_ROWS}
    assert rows == {  # the $Problem EVs of TID 3802 rows 6-11 (digest §2.4.1)
        6: ("161445009", "SCT"),
        7: ("161501007", "SCT"),
        8: ("414416008", "SCT"),
        9: ("44808001", "SCT"),
        10: ("399211009", "SCT"),
        11: ("275552000", "SCT"),
    }
    assert not any(spec.matches(c) for spec in PROBLEM_ROWS for c in CARDIAC_RISK_BY_CONDITION)
    assert all(in_cid(finding, 3758) for finding in FAMILY_HISTORY_BY_CONDITION.values())
    assert all(in_cid(stage, 3778) for stage in STAGE_BY_CONDITION.values())
    assert all(in_cid(mi_type, 3723) for mi_type in MI_TYPES)
    assert all(in_cid(status, 3770) for status in PROBLEM_STATUS_BY_FACT_STATUS.values())
    assert all(in_cid(status, 3773) for status in USE_STATUS_BY_FACT_STATUS.values())
    assert set(USE_STATUS_BY_FACT_STATUS) <= set(FactStatus)


def test_smoking_and_concern_and_units_are_members() -> None:
    assert all(in_cid(value, 3724) for value in SMOKING_HISTORY_BY_ANSWER.values())
    for smoking in (_codes.CURRENT_SMOKER, _codes.FORMER_SMOKER, _codes.NO_HISTORY_OF_SMOKING):
        assert in_cid(smoking, 3724)
    assert in_cid(_codes.PROBLEM, 3769)
    assert in_cid(_codes.FINDING, 3769)
    assert in_cid(_codes.MILLIMETERS_HG, 3500)
    assert in_cid(_codes.ARTERIAL_OXYGEN_SATURATION, 3526)
    assert in_cid(_codes.YES, 230)
    assert in_cid(_codes.NO, 230)


@pytest.mark.parametrize(
    ("table", "cid"),
    [(HYPERTENSION_THERAPY, 3760), (ANTILIPEMIC_AGENTS, 3761), (ANTIARRHYTHMIC_AGENTS, 3762),
     (DIABETIC_THERAPY, 3722), (_prostate_maps.ANDROGEN_DEPRIVATION_DRUGS, 6323)],
)  # fmt: skip
def test_drug_classes_are_members_of_their_therapy_group(
    table: tuple[DrugClass, ...], cid: int
) -> None:
    assert all(in_cid(entry.code, cid) for entry in table)
    assert all(entry.ingredients for entry in table)


def test_drugs_are_classified_by_their_rxnorm_ingredients_only() -> None:
    def rxnorm(meaning: str) -> Code:
        return Code("1", "RXNORM", meaning)

    combination = rxnorm("lisinopril 10 MG / hydrochlorothiazide 12.5 MG Oral Tablet")
    assert classes_of(combination, HYPERTENSION_THERAPY) == (_codes.ACE_INHIBITOR, _codes.DIURETIC)
    assert classes_of(rxnorm("carvedilol 25 MG Oral Tablet"), ANTIARRHYTHMIC_AGENTS) == (
        _codes.CLASS_II_ANTIARRHYTHMIC_AGENT,
    )
    assert classes_of(Code("1", "SCT", "carvedilol"), HYPERTENSION_THERAPY) == ()
    assert classes_of(rxnorm("Verzenio 100 MG Oral Tablet"), HYPERTENSION_THERAPY) == ()
    assert classes_of(rxnorm("metoprololx 5 MG"), HYPERTENSION_THERAPY) == ()  # whole words
    assert classification(rxnorm("Amiodarone 200 MG Oral Tablet")) == (
        _codes.CLASS_III_ANTIARRHYTHMIC_AGENT
    )
    assert classification(rxnorm("verapamil 80 MG")) == _codes.CALCIUM_CHANNEL_BLOCKER
    assert classification(rxnorm("insulin lispro 100 UNT/ML")) is None
    assert (
        brand_name(rxnorm("insulin lispro 100 UNT/ML Injectable Solution [Humalog]")) == "Humalog"
    )
    assert brand_name(rxnorm("[Humalog] insulin lispro")) is None
    assert brand_name(Code("1", "SCT", "insulin [Humalog]")) is None


EXTENSIONS = [
    (_breast_maps.BREAST_PROBLEM_EXTENSION, 6055),
    (_breast_maps.BREAST_PROCEDURE_EXTENSION, 6083),
    (_cardiac_maps.CARDIAC_CONCERN_EXTENSION, 3756),
    (_cardiac_maps.CARDIAC_DIAGNOSTIC_EXTENSION, 3757),
    (_cardiac_maps.IMPLANTED_DEVICE_EXTENSION, 3777),
    (_prostate_maps.PROSTATE_PROBLEM_EXTENSION, 6313),
    (_prostate_maps.PROSTATE_DIAGNOSTIC_EXTENSION, 6321),
]


@pytest.mark.parametrize(("extension", "cid"), EXTENSIONS, ids=lambda v: str(v)[:12])
def test_extensions_add_new_concepts_to_extensible_groups_only(
    extension: tuple[Code, ...], cid: int
) -> None:
    group = next(g for g in context_groups() if g.cid == cid)
    assert group.extensible
    assert extension
    assert not any(code in group for code in extension)  # a member needs no extension
    assert all(0 < len(code.meaning) <= 64 for code in extension)


def test_breast_procedure_maps_land_in_the_defined_groups() -> None:
    assert all(in_cid(side, 6022) for side in _breast_maps.MAMMOGRAM_BY_SIDE)
    assert all(in_cid(code, 6083) for code in _breast_maps.MAMMOGRAM_BY_SIDE.values())
    for procedure, side in _breast_maps.PROCEDURE_WITH_SIDE.values():
        assert in_cid(procedure, 6083)
        assert in_cid(side, 6022)
    modifiers = [m for found in _breast_maps.MODIFIER_BY_PROCEDURE.values() for m in found]
    assert modifiers
    assert all(in_cid(modifier, 6058) for modifier in modifiers)
    assert all(in_cid(risk, 6081) for risk in (
        _codes.POST_MENOPAUSAL_PATIENT, _codes.NULLIPAROUS, _codes.LATE_CHILD_BEARING_AFTER_30,
        _codes.FAMILY_HISTORY_OF_PROSTATE_CANCER,
    ))  # fmt: skip


def test_cardiac_and_prostate_maps_land_in_their_groups() -> None:
    assert all(in_cid(concept, 3774) for concept in _cardiac_maps.SOCIAL_HISTORY_CONCEPT.values())
    assert _codes.COCAINE_ABUSE in _cardiac_maps.DRUG_MISUSE
    assert set(_cardiac_maps.LIPID_SOURCES.values()) == {
        _codes.CHOLESTEROL_IN_HDL, _codes.CHOLESTEROL_IN_LDL
    }  # fmt: skip
    assert all(in_cid(code, 6320) for code in _prostate_maps.PROC_TYPE_OF_INTERVENTION)
    assert all(in_cid(kind, 6319) for kind in _prostate_maps.PROC_TYPE_OF_INTERVENTION.values())
    assert in_cid(_prostate_maps.PROSTATE_CANCER, 6313)
    assert in_cid(_prostate_maps.ANDROGEN_DEPRIVATION_THERAPY, 6323)
    assert all(in_cid(f, 6322) for f in _prostate_maps.FAMILY_HISTORY_BY_CONDITION.values())
