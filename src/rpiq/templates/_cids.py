"""PS3.16 context groups used by the RPI template builders, members flattened.

Source: the implementation digest ``shared/spec/rpi-standard.md`` §2.9, which transcribes
DICOM PS3.16 2024c (``sect_CID_<n>.html``); mechanically extracted from it (a generator is a
later issue). Codes, schemes and meanings are exactly the standard's. Membership is checked
against pydicom 3.0.2 ``codes.CID<n>`` by ``tests/templates/test_codes.py``.
"""

from __future__ import annotations

from typing import Final

from rpiq.domain import Code
from rpiq.templates._valueset import ContextGroup

CID_230: Final = ContextGroup(
    230,
    "Yes-No",
    (
        Code("373066001", "SCT", "Yes"),
        Code("373067005", "SCT", "No"),
        Code("373068000", "SCT", "Undetermined"),
    ),
)

# includes CID 247 (flattened)
CID_244: Final = ContextGroup(
    244,
    "Laterality",
    (
        Code("24028007", "SCT", "Right"),
        Code("7771000", "SCT", "Left"),
        Code("51440002", "SCT", "Bilateral"),
        Code("66459002", "SCT", "Unilateral"),
    ),
)

CID_3716: Final = ContextGroup(
    3716,
    "Severity",
    (
        Code("260413007", "SCT", "None"),
        Code("255604002", "SCT", "Mild"),
        Code("371923003", "SCT", "Mild to Moderate"),
        Code("6736007", "SCT", "Moderate"),
        Code("371924009", "SCT", "Moderate to Severe"),
        Code("24484000", "SCT", "Severe"),
        Code("399166001", "SCT", "Fatal"),
    ),
)

CID_3721: Final = ContextGroup(
    3721,
    "Cardiovascular Surgery",
    (
        Code("415070008", "SCT", "Percutaneous coronary intervention"),
        Code("232717009", "SCT", "Coronary artery bypass graft"),
        Code("73544002", "SCT", "Operation on heart valve"),
        Code("233159005", "SCT", "Ablation operation for arrhythmia"),
        Code("307280005", "SCT", "Implantation of cardiac pacemaker"),
        Code("233170003", "SCT", "Implantation of automatic cardiac defibrillator"),
        Code("771453009", "SCT", "Abdominal aortic aneurysm stenting"),
        Code("32413006", "SCT", "Heart transplant"),
        Code("428613004", "SCT", "Correction of congenital cardiovascular deformity"),
    ),
)

CID_3723: Final = ContextGroup(
    3723,
    "MI Type",
    (
        Code("401314000", "SCT", "Non ST Elevation Myocardial Infarction"),
        Code("401303003", "SCT", "ST Elevation Myocardial Infarction"),
    ),
)

CID_3724: Final = ContextGroup(
    3724,
    "Smoking History",
    (
        Code("266919005", "SCT", "No History of Smoking"),
        Code("77176002", "SCT", "Current Smoker"),
        Code("8517006", "SCT", "Former Smoker"),
    ),
)

CID_3756: Final = ContextGroup(
    3756,
    "Cardiac Patient Risk Factor",
    (
        Code("161505003", "SCT", "History of congestive heart failure"),
        Code("161445009", "SCT", "History of Diabetes"),
        Code("414417004", "SCT", "History of renal failure"),
        Code("414415007", "SCT", "History of chronic lung disease"),
        Code("308064009", "SCT", "History of cerebrovascular disease"),
        Code("400047006", "SCT", "Peripheral vascular disease"),
        Code("399211009", "SCT", "History of myocardial infarction"),
        Code("161501007", "SCT", "History of Hypertension"),
        Code("414416008", "SCT", "History of hypercholesterolemia"),
        Code("44808001", "SCT", "Arrhythmia"),
        Code("165816005", "SCT", "HIV Positive"),
        Code("C0456029", "UMLS", "Infant of mother with gestational diabetes"),
        Code("444161008", "SCT", "Insulin dependent mother (IDM)"),
    ),
)

CID_3757: Final = ContextGroup(
    3757,
    "Cardiac Diagnostic Procedure",
    (
        Code("35621002", "SCT", "Cardiac blood pool imaging (nuclear)"),
        Code("418903008", "SCT", "Cardiac cath coronary angiogram and left ventriculogram"),
        Code("41976001", "SCT", "Cardiac catheterization"),
        Code("419416005", "SCT", "Cardiac catheterization coronary angiogram"),
        Code("241547009", "SCT", "Cardiac CT"),
        Code("426005005", "SCT", "Cardiac CT for calcium scoring"),
        Code("241620005", "SCT", "Cardiac MRI"),
        Code("431609005", "SCT", "Cardiac MRI stress"),
        Code("419545005", "SCT", "CT angiography of coronary arteries"),
        Code("40701008", "SCT", "Echocardiography"),
        Code("433233004", "SCT", "Exercise Stress echocardiography"),
        Code("165079009", "SCT", "Exercise Tolerance Test"),
        Code("241663008", "SCT", "Magnetic resonance angiography"),
        Code("108294005", "SCT", "Nuclear medicine cardiovascular study"),
        Code("35202002", "SCT", "Perfusion imaging (nuclear)"),
        Code("241439007", "SCT", "PET heart study"),
        Code("428813002", "SCT", "Pharmacologic and exercise stress test"),
        Code("424064009", "SCT", "Pharmacological stress test"),
        Code("426940008", "SCT", "Radionuclide angiocardiography"),
        Code("252432008", "SCT", "Radionuclide myocardial perfusion study"),
        Code("105371005", "SCT", "SPECT"),
        Code("428685003", "SCT", "Stress test using cardiac pacing"),
        Code("105376000", "SCT", "Transesophageal echocardiography"),
        Code("433236007", "SCT", "Transthoracic echocardiography"),
    ),
)

CID_3758: Final = ContextGroup(
    3758,
    "Cardiovascular Family History",
    (
        Code("266894000", "SCT", "Family history of cardiovascular disease"),
        Code("160303001", "SCT", "Family history of diabetes mellitus"),
        Code("266897007", "SCT", "Family history of myocardial infarction"),
        Code("430091005", "SCT", "Family history of coronary arteriosclerosis"),
        Code("160274005", "SCT", "No family history of diabetes"),
        Code("160270001", "SCT", "No family history of cardiovascular disease"),
        Code("407559004", "SCT", "Family history unknown"),
    ),
)

CID_3769: Final = ContextGroup(
    3769,
    "Concern Type",
    (
        Code("1269496002", "SCT", "Complaint"),
        Code("64572001", "SCT", "Disease"),
        Code("404684003", "SCT", "Finding"),
        Code("418799008", "SCT", "Finding reported by patient/informant"),
        Code("248536006", "SCT", "Functional performance and activity"),
        Code("55607006", "SCT", "Problem"),
    ),
)

CID_3770: Final = ContextGroup(
    3770,
    "Problem Status",
    (
        Code("394774009", "SCT", "Active problem"),
        Code("90734009", "SCT", "Chronic"),
        Code("7087005", "SCT", "Intermittent"),
        Code("255227004", "SCT", "Recurrent"),
        Code("415684004", "SCT", "Suspected"),
        Code("394775005", "SCT", "Inactive problem"),
        Code("413322009", "SCT", "Problem resolved"),
        Code("410516002", "SCT", "Known absent"),
        Code("1194003", "SCT", "Well controlled"),
    ),
)

CID_3773: Final = ContextGroup(
    3773,
    "Use Status",
    (
        Code("385656004", "SCT", "Ended"),
        Code("385655000", "SCT", "Suspended"),
        Code("385651009", "SCT", "In progress"),
    ),
)

CID_3777: Final = ContextGroup(
    3777,
    "Implanted Device",
    (
        Code("14106009", "SCT", "Cardiac pacemaker"),
        Code("72506001", "SCT", "Implantable defibrillator"),
        Code("360066001", "SCT", "Left ventricular assist device"),
        Code("69805005", "SCT", "Insulin pump"),
    ),
)

CID_3778: Final = ContextGroup(
    3778,
    "Stage",
    (
        Code("261613009", "SCT", "Stage 0"),
        Code("258215001", "SCT", "Stage 1"),
        Code("258219007", "SCT", "Stage 2"),
        Code("258224005", "SCT", "Stage 3"),
        Code("258228008", "SCT", "Stage 4"),
        Code("261617005", "SCT", "Stage 5"),
    ),
)

# includes CID 6019 (flattened)
CID_6018: Final = ContextGroup(
    6018,
    "Clockface Location or Region",
    (
        Code("129772004", "SCT", "1 o'clock position"),
        Code("129773009", "SCT", "2 o'clock position"),
        Code("129774003", "SCT", "3 o'clock position"),
        Code("129775002", "SCT", "4 o'clock position"),
        Code("129776001", "SCT", "5 o'clock position"),
        Code("129777005", "SCT", "6 o'clock position"),
        Code("129778000", "SCT", "7 o'clock position"),
        Code("129779008", "SCT", "8 o'clock position"),
        Code("129780006", "SCT", "9 o'clock position"),
        Code("129781005", "SCT", "10 o'clock position"),
        Code("129782003", "SCT", "11 o'clock position"),
        Code("129783008", "SCT", "12 o'clock position"),
        Code("129784002", "SCT", "Subareolar region"),
        Code("129785001", "SCT", "Axillary tail region"),
        Code("129786000", "SCT", "Central region of breast"),
        Code("129791004", "SCT", "Axilla region"),
        Code("78904004", "SCT", "Chest wall"),
    ),
)

# includes CID 6021 (flattened)
CID_6020: Final = ContextGroup(
    6020,
    "Quadrant Location",
    (
        Code("76365002", "SCT", "Upper outer quadrant of breast"),
        Code("77831004", "SCT", "Upper inner quadrant of breast"),
        Code("33564002", "SCT", "Lower outer quadrant of breast"),
        Code("19100000", "SCT", "Lower inner quadrant of breast"),
    ),
)

# includes CID 6023 (flattened)
CID_6022: Final = ContextGroup(
    6022,
    "Side",
    (
        Code("80248007", "SCT", "Left breast"),
        Code("73056007", "SCT", "Right breast"),
        Code("63762007", "SCT", "Both breasts"),
    ),
)

CID_6055: Final = ContextGroup(
    6055,
    "Breast Clinical Finding or Indicated Problem",
    (
        Code("268951004", "SCT", "O/E - Breast lump palpated"),
        Code("290113009", "SCT", "Bloody nipple discharge"),
        Code("111478", "DCM", "Non-bloody discharge (from nipple)"),
        Code("111479", "DCM", "Difficult physical/clinical examination"),
        Code("271989003", "SCT", "Disorder of breast implant"),
        Code("129797000", "SCT", "Skin thickening of breast"),
        Code("129796009", "SCT", "Skin retraction of breast"),
        Code("87386002", "SCT", "Peau d'orange surface of breast"),
        Code("290119008", "SCT", "Nipple problem"),
        Code("164150006", "SCT", "O/E - axillary lymphadenopathy"),
        Code("53430007", "SCT", "Breast pain"),
        Code("111480", "DCM", "Cancer elsewhere"),
        Code("89164003", "SCT", "Breast lump"),
        Code("290069002", "SCT", "Discoloration of skin of breast"),
        Code("129748009", "SCT", "Radiographic calcification finding"),
        Code("111126", "DCM", "Image detected mass"),
        Code("162164007", "SCT", "Nipple discharge symptom"),
        Code("247441003", "SCT", "Erythema"),
        Code("274303007", "SCT", "O/E - lymphadenopathy"),
        Code("255052006", "SCT", "Disseminated malignancy of unknown primary"),
    ),
)

CID_6080: Final = ContextGroup(
    6080,
    "Gynecological Hormone",
    (
        Code("108899006", "SCT", "Contraceptives"),
        Code("61946003", "SCT", "Estrogen product"),
        Code("50318003", "SCT", "Progesterone product"),
        Code("75959001", "SCT", "Tamoxifen"),
        Code("111542", "DCM", "Unspecified gynecological hormone"),
        Code("109029006", "SCT", "Raloxifene"),
        Code("386910003", "SCT", "Anastrozole"),
    ),
)

CID_6081: Final = ContextGroup(
    6081,
    "Breast Cancer Risk Factor",
    (
        Code("111550", "DCM", "Personal breast cancer history"),
        Code("111551", "DCM", "History of endometrial cancer"),
        Code("111552", "DCM", "History of ovarian cancer"),
        Code("111553", "DCM", "History of high risk lesion on previous biopsy"),
        Code("111554", "DCM", "Post menopausal patient"),
        Code("102877006", "SCT", "Nulliparous"),
        Code("111555", "DCM", "Late child bearing (after 30)"),
        Code("111556", "DCM", "BRCA1 breast cancer gene"),
        Code("111557", "DCM", "BRCA2 breast cancer gene"),
        Code("111558", "DCM", "BRCA3 breast cancer gene"),
        Code("429740004", "SCT", "Family history of breast cancer"),
        Code("111559", "DCM", "Weak family history of breast cancer"),
        Code("111560", "DCM", "Intermediate family history of breast cancer"),
        Code("111561", "DCM", "Very strong family history of breast cancer"),
        Code("111562", "DCM", "Family history of prostate cancer"),
        Code("111563", "DCM", "Family history unknown"),
        Code("313376005", "SCT", "No family history of breast carcinoma"),
    ),
)

# includes CID 6050, 6084, 6085 (flattened)
CID_6083: Final = ContextGroup(
    6083,
    "Procedures for Breast",
    (
        Code("111564", "DCM", "Nipple discharge cytology"),
        Code("111408", "DCM", "Film Screen Mammography"),
        Code("47079000", "SCT", "Ultrasonography of breast"),
        Code("241615005", "SCT", "MRI of breast"),
        Code("237380007", "SCT", "Pre-biopsy localization of breast lesion"),
        Code("387736007", "SCT", "Fine needle aspiration of breast"),
        Code("287572003", "SCT", "Diagnostic aspiration of breast cyst"),
        Code("44578009", "SCT", "Core needle biopsy of breast"),
        Code("274331003", "SCT", "Breast - surgical biopsy"),
        Code("18102001", "SCT", "Mammary ductogram"),
        Code("241539009", "SCT", "CT of breast"),
        Code("66377006", "SCT", "Radionuclide localization of tumor, limited area"),
        Code("80865008", "SCT", "Specimen radiography of breast"),
        Code("46662001", "SCT", "Examination of breast"),
        Code("111410", "DCM", "Surgical consult"),
        Code("111411", "DCM", "Mammography CAD"),
        Code("396487001", "SCT", "Sentinel lymph node biopsy"),
        Code("169167001", "SCT", "Radioisotope scan of lymphatic system"),
        Code("111123", "DCM", "Marker placement"),
        Code("45211000", "SCT", "Insertion of catheter"),
        Code("36626-0", "LN", "breast - bilateral mammogram"),
        Code("30795-9", "LN", "breast - bilateral mr"),
        Code("36150-1", "LN", "breast - bilateral mr w contrast iv"),
        Code("36277-2", "LN", "breast - bilateral mr wo and w contrast iv"),
        Code("46342-2", "LN", "breast ffd mammogram"),
        Code("36627-8", "LN", "breast - left mammogram"),
        Code("35954-7", "LN", "breast - left mr"),
        Code("36151-9", "LN", "breast - left mr w contrast iv"),
        Code("36278-0", "LN", "breast - left mr wo and w contrast iv"),
        Code("36149-3", "LN", "breast mr w contrast iv"),
        Code("36276-4", "LN", "breast mr wo and w contrast iv"),
        Code("37774-7", "LN", "breast - right mammogram"),
        Code("35955-4", "LN", "breast - right mr"),
        Code("36152-7", "LN", "breast - right mr w contrast iv"),
        Code("36279-8", "LN", "breast - right mr wo and w contrast iv"),
        Code("46339-8", "LN", "breast - unilateral mammogram"),
        Code("46299-4", "LN", "breast - unilateral mr"),
        Code("46323-2", "LN", "breast - unilateral mr w contrast iv"),
        Code("43528-9", "LN", "breast - unilateral mr wo and w contrast iv"),
        Code("46333-1", "LN", "breast - unilateral mr wo contrast"),
        Code("46305-9", "LN", "whole body ct"),
        Code("44139-4", "LN", "whole body pt w rnc iv"),
        Code("302343007", "SCT", "Breast prosthesis insertion"),
        Code("59214008", "SCT", "Reduction mammoplasty"),
        Code("33496007", "SCT", "Breast reconstruction"),
        Code("27315000", "SCT", "Removal of breast implant"),
        Code("367336001", "SCT", "Chemotherapy"),
        Code("108290001", "SCT", "Radiation therapy"),
        Code("169413002", "SCT", "Hormone therapy"),
        Code("23719005", "SCT", "Bone marrow transplant"),
    ),
)

CID_6096: Final = ContextGroup(
    6096,
    "Pregnancy Status",
    (
        Code("60001007", "SCT", "not pregnant"),
        Code("146799005", "SCT", "possible pregnancy"),
        Code("77386006", "SCT", "patient currently pregnant"),
        Code("261665006", "SCT", "Unknown"),
    ),
)

CID_7451: Final = ContextGroup(
    7451,
    "Family Member",
    (
        Code("65656005", "SCT", "Natural mother"),
        Code("9947008", "SCT", "Natural father"),
        Code("73678001", "SCT", "Natural sister"),
        Code("60614009", "SCT", "Natural brother"),
        Code("25211005", "SCT", "Aunt"),
        Code("38048003", "SCT", "Uncle"),
        Code("2272004", "SCT", "Half-sister"),
        Code("45929001", "SCT", "Half-brother"),
        Code("17945006", "SCT", "Natural grand-mother"),
        Code("62296006", "SCT", "Natural grand-father"),
        Code("83420006", "SCT", "Natural daughter"),
        Code("113160008", "SCT", "Natural son"),
        Code("270002", "SCT", "Female first cousin"),
        Code("11993008", "SCT", "Male first cousin"),
    ),
)

CID_12003: Final = ContextGroup(
    12003,
    "OB-GYN Date",
    (
        Code("11778-8", "LN", "EDD"),
        Code("11779-6", "LN", "EDD from LMP"),
        Code("11781-2", "LN", "EDD from average ultrasound age"),
        Code("11780-4", "LN", "EDD from ovulation date"),
        Code("8665-2", "LN", "LMP"),
        Code("33066-2", "LN", "Estimated LMP by EDD"),
        Code("11976-8", "LN", "Ovulation date"),
        Code("33067-0", "LN", "Conception Date"),
    ),
)
