"""Mappings from source facts to the value sets of TID 4301 Genitourinary Patient History
(digest §2.5.2; groups in ``_cids_extra``). Table with reasons: ``docs/clinical-mapping.md``.

PS3.16 7.2.3 lets an application extend an Extensible group with new concepts, never with a
second term for a concept the group has; the ``*_EXTENSION`` tuples are such concepts.
"""

from __future__ import annotations

from rpiq.domain import Code
from rpiq.templates import _codes as dcm
from rpiq.templates import _source_codes as src
from rpiq.templates._cids_extra import CID_6313, CID_6320, CID_6321, CID_6322, CID_6323
from rpiq.templates._drug_classes import DrugClass
from rpiq.templates._valueset import Extended

PROSTATE_CANCER = Code("254900004", "SCT", "Prostate cancer")
ANDROGEN_DEPRIVATION_THERAPY = Code("707266006", "SCT", "Androgen Deprivation Therapy")
SURGICAL_PROCEDURE_6319 = Code("387713003", "SCT", "Surgical procedure")
THERAPEUTIC_PROCEDURE_6319 = Code("277132007", "SCT", "Therapeutic procedure")

PROSTATE_PROBLEM_EXTENSION: tuple[Code, ...] = (
    src.SCT_NEOPLASM_OF_PROSTATE,
    src.SCT_MALIGNANT_TUMOR_OF_PROSTATE,
    src.SCT_METASTASIS_FROM_PROSTATE,
)
"""CID 6313 extension (row 5 $Problem): prostate diseases the group has no concept for. The
group's "Prostate cancer" is SNOMED 254900004 Carcinoma of prostate; a malignant tumour of the
prostate of unstated histology, a neoplasm of unstated behaviour and a metastasis from the
prostate are not that concept, so they are added rather than mapped."""

PROSTATE_PROBLEMS = Extended(CID_6313, PROSTATE_PROBLEM_EXTENSION)

PROSTATE_DIAGNOSTIC_EXTENSION: tuple[Code, ...] = (src.SCT_BIOPSY_OF_PROSTATE,)
"""CID 6321 extension (row 16): the prostate biopsy, the procedure that diagnoses prostate
cancer, which the group (rectal examination, PSA) does not list."""

PROSTATE_DIAGNOSTICS = Extended(CID_6321, PROSTATE_DIAGNOSTIC_EXTENSION)
PROSTATE_INTERVENTIONS = Extended(CID_6320, ())
PROSTATE_THERAPY = Extended(CID_6323, ())
PROSTATE_FAMILY_HISTORY = Extended(CID_6322, ())

PROC_TYPE_OF_INTERVENTION: dict[Code, Code] = {
    Code("90470006", "SCT", "Prostatectomy"): SURGICAL_PROCEDURE_6319,
    Code("609638001", "SCT", "Operation on pelvic region of trunk"): SURGICAL_PROCEDURE_6319,
    Code("C15215", "NCIt", "Cryoablation"): THERAPEUTIC_PROCEDURE_6319,
    Code("C68681", "NCIt", "Focused ultrasound ablation"): THERAPEUTIC_PROCEDURE_6319,
    Code("C131483", "NCIt", "Irreversible electroporation"): THERAPEUTIC_PROCEDURE_6319,
}
"""Row 11 $ProcType (DCID 6319) of each CID 6320 intervention: operations are surgical
procedures, ablations are therapeutic procedures."""

ANDROGEN_DEPRIVATION_DRUGS = (
    DrugClass(
        ANDROGEN_DEPRIVATION_THERAPY,
        frozenset(
            {"leuprolide", "goserelin", "triptorelin", "histrelin", "degarelix", "relugolix"}
        ),
    ),
)
"""GnRH agonists and antagonists: the drugs of androgen deprivation therapy (CID 6323)."""

FAMILY_HISTORY_BY_CONDITION: dict[Code, Code] = {
    src.SCT_PROSTATE_CANCER: dcm.FAMILY_HISTORY_OF_PROSTATE_CANCER,
    src.SCT_MALIGNANT_TUMOR_OF_PROSTATE: dcm.FAMILY_HISTORY_OF_PROSTATE_CANCER,
}
"""A relative's prostate cancer -> CID 6322 "Family history of prostate cancer" (row 25)."""
