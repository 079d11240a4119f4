"""Context groups TID 4301 "Genitourinary Patient History" uses that the digest does not list.

The implementation digest (``shared/spec/rpi-standard.md`` §2.5.2) transcribes the TID 4301 table
but not the member lists of the groups it names; ``_cids.py`` is generated from the digest, so
these six groups live here, transcribed from pydicom 3.0.2 ``codes.CID<n>`` (which is itself
generated from PS3.16). ``tests/templates/test_tpl_codes.py`` checks that the members equal
pydicom's. Meanings are pydicom's (PS3.16's) spelling.
"""

from __future__ import annotations

from typing import Final

from rpiq.domain import Code
from rpiq.templates._valueset import ContextGroup

CID_6313: Final = ContextGroup(
    6313,
    "History of Prostate Disease",
    (
        Code("444808002", "SCT", "Benign Prostate Hyperplasia"),
        Code("254900004", "SCT", "Prostate cancer"),
        Code("9713002", "SCT", "Prostatitis"),
        Code("130569", "DCM", "Utricle cyst"),
    ),
)

CID_6319: Final = ContextGroup(
    6319,
    "Abdominal Intervention Type",
    (
        Code("261004008", "SCT", "Diagnostic Intent"),
        Code("387713003", "SCT", "Surgical procedure"),
        Code("277132007", "SCT", "Therapeutic procedure"),
    ),
)

CID_6320: Final = ContextGroup(
    6320,
    "Abdominopelvic Intervention",
    (
        Code("C15215", "NCIt", "Cryoablation"),
        Code("C68681", "NCIt", "Focused ultrasound ablation"),
        Code("C131483", "NCIt", "Irreversible electroporation"),
        Code("609638001", "SCT", "Operation on pelvic region of trunk"),
        Code("90470006", "SCT", "Prostatectomy"),
    ),
)

CID_6321: Final = ContextGroup(
    6321,
    "Prostate Cancer Diagnostic Procedure",
    (
        Code("410006001", "SCT", "Digital Examination of Rectum"),
        Code("63476009", "SCT", "Prostate Cancer Antigen Measurement"),
    ),
)

CID_6322: Final = ContextGroup(
    6322,
    "Prostate Cancer Family History",
    (
        Code("111562", "DCM", "Family history of prostate cancer"),
        Code("407559004", "SCT", "Family history unknown"),
        Code("130587", "DCM", "No family history of prostate cancer"),
    ),
)

CID_6323: Final = ContextGroup(
    6323,
    "Prostate Cancer Therapy",
    (
        Code("707266006", "SCT", "Androgen Deprivation Therapy"),
        Code("425767004", "SCT", "Implantation of radioactive seed into prostate"),
        Code("90470006", "SCT", "Prostatectomy"),
    ),
)
