"""Mappings from source facts to the Defined context groups of TID 9000 (digest §2.2.2).

Every entry is an identity of meaning, checked by hand: a drug to the CID 6080 hormone it is
(an ingredient or a clinical drug containing only it; oral contraceptive packs to
"Contraceptives"), a breast cancer condition to the CID 6081 risk factors it implies, a
laterality qualifier to the CID 6022 side of the breast it names. Facts not listed here whose
codes are not members of the row's context group are not emitted under TID 9000.
"""

from __future__ import annotations

from rpiq.domain import Code
from rpiq.templates import _codes as dcm
from rpiq.templates import _source_codes as src

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

FAMILY_RISK_BY_CONDITION: dict[Code, Code] = {
    src.SCT_MALIGNANT_NEOPLASM_OF_BREAST: dcm.FAMILY_HISTORY_OF_BREAST_CANCER,
}
"""A relative's condition -> the CID 6081 family-history risk factor (TID 9000 row 8)."""

SIDE_BY_LATERALITY: dict[Code, Code] = {
    src.SCT_LEFT: dcm.LEFT_BREAST,
    src.SCT_RIGHT: dcm.RIGHT_BREAST,
    src.SCT_BILATERAL: dcm.BOTH_BREASTS,
}
"""CID 244 laterality of a breast procedure or finding -> CID 6022 Side."""
