"""Mappings from source facts to the Defined context groups of TID 9000 (digest §2.2.2).

Every entry is an identity of meaning, checked by hand: a drug to the CID 6080 hormone it is
(an ingredient or a clinical drug containing only it; oral contraceptive packs to
"Contraceptives"), a breast cancer condition to the CID 6081 risk factors it implies, a
laterality qualifier to the CID 6022 side of the breast it names, a mammography of a known side
to the CID 6050 mammogram of that side. The ``*_EXTENSION`` tuples extend Defined but Extensible
groups with new concepts (PS3.16 7.2.3: never a second term for a concept the group has). Facts
neither mapped nor members are not emitted under TID 9000 (they are in TID 9007). The table with
the reasons is ``docs/clinical-mapping.md``.
"""

from __future__ import annotations

from rpiq.domain import Code
from rpiq.templates import _codes as dcm
from rpiq.templates import _source_codes as src
from rpiq.templates._cids import CID_6055, CID_6083
from rpiq.templates._valueset import Extended

HORMONE_BY_DRUG: dict[Code, Code] = {
    src.RXNORM_TAMOXIFEN: dcm.TAMOXIFEN,
    src.RXNORM_TAMOXIFEN_10_MG_ORAL_TABLET: dcm.TAMOXIFEN,
    src.RXNORM_ANASTROZOLE: dcm.ANASTROZOLE,
    src.RXNORM_ANASTROZOLE_1_MG_ORAL_TABLET: dcm.ANASTROZOLE,
    src.RXNORM_TRINESSA_28_DAY_PACK: dcm.CONTRACEPTIVES,
    src.RXNORM_ERRIN_28_DAY_PACK: dcm.CONTRACEPTIVES,
    src.RXNORM_SEASONIQUE_91_DAY_PACK: dcm.CONTRACEPTIVES,
    src.RXNORM_NATAZIA_28_DAY_PACK: dcm.CONTRACEPTIVES,
    src.RXNORM_CAMILA_28_DAY_PACK: dcm.CONTRACEPTIVES,
}
"""RxNorm drug -> CID 6080 Gynecological Hormone (TID 9000 row 5)."""

BREAST_CANCER_CONDITIONS: frozenset[Code] = frozenset({src.SCT_MALIGNANT_NEOPLASM_OF_BREAST})
"""Problems that make (111550, DCM, "Personal breast cancer history") a CID 6081 risk factor."""

BREAST_PROBLEM_EXTENSION: tuple[Code, ...] = (
    Code("254837009", "SCT", "Malignant neoplasm of breast"),
)
"""CID 6055 extension: the breast cancer itself. The group has findings that lead to imaging
(lump, discharge, "Cancer elsewhere" = a cancer *not* of the breast) but no concept for a known
breast cancer, the first thing a breast imaging reader needs."""

BREAST_PROBLEMS = Extended(CID_6055, BREAST_PROBLEM_EXTENSION)
"""TID 9000 row 7 $ProblemList: DCID 6055 with its extension."""

FAMILY_RISK_BY_CONDITION: dict[Code, Code] = {
    src.SCT_MALIGNANT_NEOPLASM_OF_BREAST: dcm.FAMILY_HISTORY_OF_BREAST_CANCER,
    src.SCT_PROSTATE_CANCER: dcm.FAMILY_HISTORY_OF_PROSTATE_CANCER,
    src.SCT_MALIGNANT_TUMOR_OF_PROSTATE: dcm.FAMILY_HISTORY_OF_PROSTATE_CANCER,
}
"""A relative's condition -> the CID 6081 family-history risk factor (TID 9000 row 8)."""

SIDE_BY_LATERALITY: dict[Code, Code] = {
    src.SCT_LEFT: dcm.LEFT_BREAST,
    src.SCT_RIGHT: dcm.RIGHT_BREAST,
    src.SCT_BILATERAL: dcm.BOTH_BREASTS,
}
"""CID 244 laterality of a breast procedure or finding -> CID 6022 Side."""

MAMMOGRAPHY: frozenset[Code] = frozenset(
    {src.SCT_MAMMOGRAPHY, src.SCT_MAMMOGRAM_SYMPTOMATIC, src.SCT_SCREENING_MAMMOGRAPHY}
)
"""Mammography procedures whose side the fact's laterality gives."""

MAMMOGRAM_BY_SIDE: dict[Code, Code] = {
    dcm.LEFT_BREAST: dcm.BREAST_LEFT_MAMMOGRAM,
    dcm.RIGHT_BREAST: dcm.BREAST_RIGHT_MAMMOGRAM,
    dcm.BOTH_BREASTS: dcm.BREAST_BILATERAL_MAMMOGRAM,
}
"""A mammography of a known side -> the CID 6050 (LOINC) mammogram of that side."""

PROCEDURE_WITH_SIDE: dict[Code, tuple[Code, Code]] = {
    src.SCT_MAMMOGRAPHY_OF_BILATERAL_BREASTS: (
        dcm.BREAST_BILATERAL_MAMMOGRAM,
        dcm.BOTH_BREASTS,
    ),
    src.SCT_ULTRASONOGRAPHY_OF_BILATERAL_BREASTS: (
        dcm.ULTRASONOGRAPHY_OF_BREAST,
        dcm.BOTH_BREASTS,
    ),
}
"""A procedure whose code names the side -> (the CID 6050 procedure, the CID 6022 side)."""

MODIFIER_BY_PROCEDURE: dict[Code, tuple[Code, ...]] = {
    src.SCT_MAMMOGRAM_SYMPTOMATIC: (dcm.DIAGNOSTIC,),
    src.SCT_SCREENING_MAMMOGRAPHY: (dcm.SCREENING,),
}
"""A procedure's purpose -> CID 6061 modifiers (TID 9003 row 3, $ProcedureModifier DCID 6058):
a symptomatic mammogram is a diagnostic one."""

BREAST_PROCEDURE_EXTENSION: tuple[Code, ...] = (
    Code("71651007", "SCT", "Mammography"),
    Code("241055006", "SCT", "Mammogram - symptomatic"),
    Code("24623002", "SCT", "Screening mammography"),
    Code("122548005", "SCT", "Biopsy of breast"),
    Code("392021009", "SCT", "Lumpectomy of breast"),
    Code("69031006", "SCT", "Excision of breast tissue"),
    Code("C0024881", "UMLS", "Mastectomy"),
)
"""CID 6083 extension (TID 9000 row 6): breast procedures the group has no concept for. A
mammography of unknown side is none of the group's mammograms (each names a side or a
technique: film screen, full-field digital); a biopsy of unstated technique is neither the
core-needle nor the surgical biopsy; lumpectomy and mastectomy are in CID 6060 only as biopsy
*techniques*, while a breast-conserving or ablative operation is a procedure of its own."""

BREAST_PROCEDURES = Extended(CID_6083, BREAST_PROCEDURE_EXTENSION)
"""TID 9000 row 6 $ProcedureList: DCID 6083 with its extension."""
