"""Coded concepts the RPI template builders emit, as named constants.

Source: DICOM PS3.16 2024c template tables as transcribed in the implementation digest
``shared/spec/rpi-standard.md`` §2.2-2.5 and §2.9 (value, scheme and meaning exactly as the
table row that uses them). Where one code appears with two spellings in different templates,
each spelling has its own constant, named after the template. Two concepts are not in the
digest and come from pydicom 3.0.2 (``codes.CID3500`` / ``codes.CID3526``, the context groups
TID 3114 names); they are marked below. A generator is a later issue.
"""

from __future__ import annotations

from typing import Final

from rpiq.domain import Code

# --- Root concepts (TID 9007, 9000, 3802 row 1) --------------------------------------------------
RELEVANT_PATIENT_INFORMATION: Final = Code("111517", "DCM", "Relevant Patient Information")
RELEVANT_PATIENT_INFORMATION_FOR_BREAST_IMAGING: Final = Code(
    "111511", "DCM", "Relevant Patient Information for Breast Imaging"
)
HISTORY: Final = Code("11329-0", "LN", "History")

# --- TID 1204 Language of Content Item and Descendants -------------------------------------------
LANGUAGE_OF_CONTENT_ITEM_AND_DESCENDANTS: Final = Code(
    "121049", "DCM", "Language of Content Item and Descendants"
)
ENGLISH_UNITED_STATES: Final = Code("en-US", "RFC5646", "English (United States)")

# --- UCUM units used by UNITS = EV (...) constraints ---------------------------------------------
YEAR: Final = Code("a", "UCUM", "Year")
NO_UNITS: Final = Code("1", "UCUM", "no units")
DAY: Final = Code("d", "UCUM", "day")
BEATS_PER_MINUTE: Final = Code("{H.B.}/min", "UCUM", "BPM")
DEGREES_CELSIUS: Final = Code("Cel", "UCUM", "C")
PERCENT: Final = Code("%", "UCUM", "%")
BREATHS_PER_MINUTE: Final = Code("/min", "UCUM", "breaths/min")
#: CID 3500 "Pressure Unit" member; meaning as pydicom 3.0.2 ``codes.CID3500.MillimetersHg``.
MILLIMETERS_HG: Final = Code("mm[Hg]", "UCUM", "mmHg")

# --- TID 9001 Gynecological History --------------------------------------------------------------
GYNECOLOGICAL_HISTORY: Final = Code("267011001", "SCT", "Gynecological History")
LAST_MENSTRUAL_PERIOD: Final = Code("8665-2", "LN", "Last menstrual period")
AGE_WHEN_FIRST_MENSTRUAL_PERIOD_OCCURRED: Final = Code(
    "111518", "DCM", "Age when first menstrual period occurred"
)
AGE_AT_FIRST_FULL_TERM_PREGNANCY: Final = Code("111519", "DCM", "Age at First Full Term Pregnancy")
PARA: Final = Code("11977-6", "LN", "Para")
TERM: Final = Code("11639-2", "LN", "Term")
PRETERM: Final = Code("11637-6", "LN", "Preterm")
LIVE_BIRTHS: Final = Code("11636-8", "LN", "Live Births")
LBW_OR_IUGR: Final = Code("111593", "DCM", "LBW or IUGR")
GRAVIDA: Final = Code("11996-6", "LN", "Gravida")
ABORTA: Final = Code("11612-9", "LN", "Aborta")
ECTOPIC_PREGNANCIES: Final = Code("33065-4", "LN", "Ectopic Pregnancies")
AGE_AT_MENOPAUSE: Final = Code("111520", "DCM", "Age at Menopause")
AGE_WHEN_HYSTERECTOMY_PERFORMED: Final = Code("111521", "DCM", "Age when hysterectomy performed")
AGE_WHEN_LEFT_OVARY_REMOVED: Final = Code("111522", "DCM", "Age when left ovary removed")
AGE_WHEN_RIGHT_OVARY_REMOVED: Final = Code("111523", "DCM", "Age when right ovary removed")
PREGNANCY_OBSERVABLE: Final = Code("364320009", "SCT", "Pregnancy observable")

# --- TID 9002 Medication, Substance, Environmental Exposure (parameters from TID 9007/9000) ------
HISTORY_OF_MEDICATION_USE: Final = Code("10160-0", "LN", "History Of Medication Use")
MEDICATION_TYPE: Final = Code("111516", "DCM", "Medication Type")
SUBSTANCE_USE_HISTORY: Final = Code("111545", "DCM", "Substance Use History")
USED_SUBSTANCE_TYPE: Final = Code("111546", "DCM", "Used Substance Type")
ENVIRONMENTAL_EXPOSURE_HISTORY: Final = Code("111547", "DCM", "Environmental Exposure History")
ENVIRONMENTAL_FACTOR: Final = Code("111548", "DCM", "Environmental Factor")
DATETIME_STARTED: Final = Code("111526", "DCM", "DateTime Started")
DATETIME_ENDED: Final = Code("111527", "DCM", "DateTime Ended")
ONGOING: Final = Code("111528", "DCM", "Ongoing")
YES: Final = Code("373066001", "SCT", "Yes")
NO: Final = Code("373067005", "SCT", "No")

# --- TID 9003 Previous Procedure -----------------------------------------------------------------
RELEVANT_PREVIOUS_PROCEDURES: Final = Code("111513", "DCM", "Relevant Previous Procedures")
PREVIOUS_PROCEDURE: Final = Code("111531", "DCM", "Previous Procedure")
LATERALITY: Final = Code("272741003", "SCT", "Laterality")
PROCEDURE_DATETIME: Final = Code("122146", "DCM", "Procedure DateTime")

# --- TID 9004 Indicated Problem ------------------------------------------------------------------
PROBLEM_LIST: Final = Code("11450-4", "LN", "Problem List")
INDICATED_PROBLEM: Final = Code("111533", "DCM", "Indicated Problem")
DATETIME_PROBLEM_OBSERVED: Final = Code("111535", "DCM", "DateTime problem observed")
FINDING_SITE: Final = Code("363698007", "SCT", "Finding site")

# --- TID 9005 Risk Factor ------------------------------------------------------------------------
RELEVANT_RISK_FACTORS: Final = Code("111515", "DCM", "Relevant Risk Factors")
RISK_FACTOR: Final = Code("80943009", "SCT", "Risk factor")
RISK_FACTOR_MODIFIER: Final = Code("111530", "DCM", "Risk Factor modifier")
FAMILY_HISTORY_OF: Final = Code("57177007", "SCT", "Family history of")
FAMILY_MEMBER_WITH_RISK_FACTOR: Final = Code("111537", "DCM", "Family Member with Risk Factor")

# --- TID 9006 Obstetric History ------------------------------------------------------------------
OBSTETRIC_HISTORY: Final = Code("248983002", "SCT", "Obstetric History")
GESTATIONAL_AGE: Final = Code("18185-9", "LN", "Gestational Age")

# --- TID 3114 Patient Assessment and the TID 300 measurements it names ---------------------------
PATIENT_STATUS_OR_EVENT: Final = Code("121123", "DCM", "Patient Status or Event")
PATIENT_ASSESSMENT_PERFORMED: Final = Code("121165", "DCM", "Patient Assessment Performed")
OBSERVATION_OF_VITAL_SIGNS: Final = Code("61746007", "SCT", "Observation of Vital Signs")
SYSTOLIC_BLOOD_PRESSURE: Final = Code("271649006", "SCT", "Systolic blood pressure")
DIASTOLIC_BLOOD_PRESSURE: Final = Code("271650006", "SCT", "Diastolic blood pressure")
HEART_RATE: Final = Code("8867-4", "LN", "Heart rate")
BODY_TEMPERATURE: Final = Code("8310-5", "LN", "Body temperature")
RESPIRATION_RATE: Final = Code("86290005", "SCT", "Respiration rate")
#: CID 3526 "Blood Gas Saturation" member; meaning as pydicom 3.0.2
#: ``codes.CID3526.ArterialOxygenSaturation``.
ARTERIAL_OXYGEN_SATURATION: Final = Code("2708-6", "LN", "Arterial Oxygen saturation")

# --- TID 3802 Cardiovascular Patient History -----------------------------------------------------
SOCIAL_HISTORY: Final = Code("29762-2", "LN", "Social History")
TOBACCO_SMOKING_BEHAVIOR: Final = Code("365981007", "SCT", "Tobacco Smoking Behavior")
PAST_SURGICAL_HISTORY: Final = Code("10167-5", "LN", "Past Surgical History")
RELEVANT_DIAGNOSTIC_TESTS_AND_OR_LABORATORY_DATA: Final = Code(
    "30954-2", "LN", "Relevant Diagnostic Tests and/or Laboratory Data"
)
HISTORY_OF_MEDICATION_USE_3802: Final = Code("10160-0", "LN", "History of Medication Use")
STATUS: Final = Code("33999-4", "LN", "Status")
HISTORY_OF_FAMILY_MEMBER_DISEASES: Final = Code(
    "10157-6", "LN", "History of Family Member Diseases"
)
FAMILY_HISTORY_OF_CLINICAL_FINDING: Final = Code(
    "416471007", "SCT", "Family history of clinical finding"
)
SUBJECT_RELATIONSHIP: Final = Code("408732007", "SCT", "Subject relationship")
HISTORY_OF_MEDICAL_DEVICE_USE: Final = Code("46264-8", "LN", "History of medical device use")
# $Problem Enumerated Values of TID 3802 rows 6-11
HISTORY_OF_DIABETES_MELLITUS: Final = Code("161445009", "SCT", "History of Diabetes mellitus")
HISTORY_OF_HYPERTENSION: Final = Code("161501007", "SCT", "History of Hypertension")
HISTORY_OF_HYPERCHOLESTEROLEMIA: Final = Code("414416008", "SCT", "History of Hypercholesterolemia")
ARRHYTHMIA: Final = Code("44808001", "SCT", "Arrhythmia")
HISTORY_OF_MYOCARDIAL_INFARCTION: Final = Code(
    "399211009", "SCT", "History of Myocardial infarction"
)
# CID 3724 Smoking History members (TID 3802 row 15; TID 9005 via TID 9007)
NO_HISTORY_OF_SMOKING: Final = Code("266919005", "SCT", "No History of Smoking")
CURRENT_SMOKER: Final = Code("77176002", "SCT", "Current Smoker")
FORMER_SMOKER: Final = Code("8517006", "SCT", "Former Smoker")
HISTORY_OF_KIDNEY_DISEASE: Final = Code("275552000", "SCT", "History of Kidney disease")
TYPE_OF_MYOCARDIAL_INFARCTION: Final = Code("122170", "DCM", "Type of Myocardial Infarction")
# CID 3756 Cardiac Patient Risk Factor members used as mapping targets (TID 3802 row 5)
HISTORY_OF_CONGESTIVE_HEART_FAILURE: Final = Code(
    "161505003", "SCT", "History of congestive heart failure"
)
HISTORY_OF_CEREBROVASCULAR_DISEASE: Final = Code(
    "308064009", "SCT", "History of cerebrovascular disease"
)
HISTORY_OF_CHRONIC_LUNG_DISEASE: Final = Code("414415007", "SCT", "History of chronic lung disease")
# CID 3769 Concern Type members used as TEXT concept names (TID 3802 row 4)
PROBLEM: Final = Code("55607006", "SCT", "Problem")
FINDING: Final = Code("404684003", "SCT", "Finding")
# CID 3758 Cardiovascular Family History members used as mapping targets (TID 3802 row 33)
FAMILY_HISTORY_OF_CARDIOVASCULAR_DISEASE: Final = Code(
    "266894000", "SCT", "Family history of cardiovascular disease"
)
FAMILY_HISTORY_OF_DIABETES_MELLITUS: Final = Code(
    "160303001", "SCT", "Family history of diabetes mellitus"
)
FAMILY_HISTORY_OF_MYOCARDIAL_INFARCTION: Final = Code(
    "266897007", "SCT", "Family history of myocardial infarction"
)
FAMILY_HISTORY_OF_CORONARY_ARTERIOSCLEROSIS: Final = Code(
    "430091005", "SCT", "Family history of coronary arteriosclerosis"
)
# CID 3778 Stage members (TID 3829 row 10 via TID 3802 row 11)
STAGE_1: Final = Code("258215001", "SCT", "Stage 1")
STAGE_2: Final = Code("258219007", "SCT", "Stage 2")
STAGE_3: Final = Code("258224005", "SCT", "Stage 3")
STAGE_4: Final = Code("258228008", "SCT", "Stage 4")
STAGE_5: Final = Code("261617005", "SCT", "Stage 5")

# --- TID 3829 Problem Properties -----------------------------------------------------------------
CONCERN: Final = Code("121430", "DCM", "Concern")
DATETIME_CONCERN_NOTED: Final = Code("121431", "DCM", "DateTime Concern Noted")
DATETIME_PROBLEM_RESOLVED: Final = Code("121433", "DCM", "DateTime Problem Resolved")
SEVERITY: Final = Code("246112005", "SCT", "Severity")
STAGE: Final = Code("258214002", "SCT", "Stage")
# CID 3770 Problem Status members
ACTIVE_PROBLEM: Final = Code("394774009", "SCT", "Active problem")
INACTIVE_PROBLEM: Final = Code("394775005", "SCT", "Inactive problem")
PROBLEM_RESOLVED: Final = Code("413322009", "SCT", "Problem resolved")
# CID 3773 Use Status members
ENDED: Final = Code("385656004", "SCT", "Ended")
SUSPENDED: Final = Code("385655000", "SCT", "Suspended")
IN_PROGRESS: Final = Code("385651009", "SCT", "In progress")

# --- TID 3830 Procedure Properties / TID 3831 Medical Device Use ---------------------------------
SURGICAL_PROCEDURE: Final = Code("387713003", "SCT", "Surgical Procedure")
DIAGNOSTIC_INTENT: Final = Code("261004008", "SCT", "Diagnostic intent")
MEDICAL_DEVICE_USED: Final = Code("121436", "DCM", "Medical Device Used")

# --- TID 9000 value mapping targets (CID 6080, CID 6081) -----------------------------------------
CONTRACEPTIVES: Final = Code("108899006", "SCT", "Contraceptives")
TAMOXIFEN: Final = Code("75959001", "SCT", "Tamoxifen")
ANASTROZOLE: Final = Code("386910003", "SCT", "Anastrozole")
PERSONAL_BREAST_CANCER_HISTORY: Final = Code("111550", "DCM", "Personal breast cancer history")
# CID 6023 Side from BI-RADS members ($LateralityValue = DCID 6022 in TID 9000)
LEFT_BREAST: Final = Code("80248007", "SCT", "Left breast")
RIGHT_BREAST: Final = Code("73056007", "SCT", "Right breast")
BOTH_BREASTS: Final = Code("63762007", "SCT", "Both breasts")
FAMILY_HISTORY_OF_BREAST_CANCER: Final = Code("429740004", "SCT", "Family history of breast cancer")

# --- TID 9002 rows 3-17 --------------------------------------------------------------------------
CLASSIFICATION: Final = Code("278201002", "SCT", "Classification")
BRAND_NAME: Final = Code("111529", "DCM", "Brand Name")
# CID 6092 Usage/Exposure Qualitative Concept (row 12 concept names)
DOSAGE: Final = Code("260911001", "SCT", "Dosage")
RATE_OF_EXPOSURE: Final = Code("111579", "DCM", "Rate of exposure")
VOLUME_OF_USE: Final = Code("111580", "DCM", "Volume of use")
# CID 6093 / CID 6094 (rows 13 and 14 concept names, matched pairwise per the table's note)
RELATIVE_DOSE_AMOUNT: Final = Code("111581", "DCM", "Relative dose amount")
RELATIVE_AMOUNT_OF_EXPOSURE: Final = Code("111582", "DCM", "Relative amount of exposure")
RELATIVE_AMOUNT_OF_USE: Final = Code("111583", "DCM", "Relative amount of use")
RELATIVE_DOSE_FREQUENCY: Final = Code("111584", "DCM", "Relative dose frequency")
RELATIVE_FREQUENCY_OF_EXPOSURE: Final = Code("111585", "DCM", "Relative frequency of exposure")
RELATIVE_FREQUENCY_OF_USE: Final = Code("111586", "DCM", "Relative frequency of use")

# --- TID 9003 rows 3-12 --------------------------------------------------------------------------
PROCEDURE_MODIFIER: Final = Code("111464", "DCM", "Procedure Modifier")
NUMBER_OF_OCCURRENCES: Final = Code("246432004", "SCT", "Number of occurrences")
# CID 6061 Breast Imaging Procedure Modifier members (TID 9000 $ProcedureModifier, DCID 6058)
SCREENING: Final = Code("360156006", "SCT", "Screening")
DIAGNOSTIC: Final = Code("261004008", "SCT", "Diagnostic")
# CID 6050 members used as mapping targets (TID 9000 $ProcedureList, DCID 6083)
BREAST_BILATERAL_MAMMOGRAM: Final = Code("36626-0", "LN", "breast - bilateral mammogram")
BREAST_LEFT_MAMMOGRAM: Final = Code("36627-8", "LN", "breast - left mammogram")
BREAST_RIGHT_MAMMOGRAM: Final = Code("37774-7", "LN", "breast - right mammogram")
ULTRASONOGRAPHY_OF_BREAST: Final = Code("47079000", "SCT", "Ultrasonography of breast")

# --- TID 9004 rows 7-10 and the shared Comment ---------------------------------------------------
COMMENT: Final = Code("121106", "DCM", "Comment")

# --- TID 9005 rows 6-12 --------------------------------------------------------------------------
AGE_AT_OCCURRENCE: Final = Code("111538", "DCM", "Age at Occurrence")
SIDE_OF_FAMILY: Final = Code("111540", "DCM", "Side of Family")
# CID 6081 members derived from other facts (TID 9000 row 8; TID 9007 row 9 via BCID 6087)
POST_MENOPAUSAL_PATIENT: Final = Code("111554", "DCM", "Post menopausal patient")
NULLIPAROUS: Final = Code("102877006", "SCT", "Nulliparous")
LATE_CHILD_BEARING_AFTER_30: Final = Code("111555", "DCM", "Late child bearing (after 30)")
FAMILY_HISTORY_OF_PROSTATE_CANCER: Final = Code(
    "111562", "DCM", "Family history of prostate cancer"
)

# --- TID 9001 rows 16, 19, 20, 22 ----------------------------------------------------------------
EXTENT: Final = Code("255590007", "SCT", "Extent")
COMPLETE: Final = Code("255594003", "SCT", "Complete")
PARTIAL: Final = Code("255609007", "SCT", "Partial")
BREAST_FEEDING_HISTORY: Final = Code("111543", "DCM", "Breast feeding history")
AVERAGE_BREAST_FEEDING_PERIOD: Final = Code("111544", "DCM", "Average breast feeding period")
MENSTRUAL_CYCLE_PHASE: Final = Code("111391", "DCM", "Menstrual Cycle Phase")
WEEK: Final = Code("wk", "UCUM", "Week")

# --- TID 3114 row 9 ------------------------------------------------------------------------------
PAIN_SCORE: Final = Code("225908003", "SCT", "Pain Score")

# --- TID 3802 rows 13-16, 23-24, 29 and TID 3829 rows 3, 11-14 -----------------------------------
SOCIAL_HISTORY_TEXT: Final = Code("160476009", "SCT", "Social History")
DRUG_MISUSE_BEHAVIOR: Final = Code("228366006", "SCT", "Drug misuse behavior")
COCAINE_ABUSE: Final = Code("78267003", "SCT", "Cocaine Abuse")
ALCOHOL_CONSUMPTION: Final = Code("897148007", "SCT", "Alcohol consumption")
CHOLESTEROL_IN_HDL: Final = Code("2086-7", "LN", "Cholesterol.in HDL")
CHOLESTEROL_IN_LDL: Final = Code("2089-1", "LN", "Cholesterol.in LDL")
MG_PER_DL: Final = Code("mg/dl", "UCUM", "mg/dl")
THERAPY: Final = Code("277132007", "SCT", "Therapy")
# CID 3722 Diabetic Therapy (row 6 $Therapy)
DIABETIC_ON_ORAL_TREATMENT: Final = Code("170746002", "SCT", "Diabetic on Oral Treatment")
DIABETIC_ON_INSULIN: Final = Code("170747006", "SCT", "Diabetic on Insulin")
# CID 3760 Hypertension Therapy (row 7 $Therapy)
BETA_BLOCKER: Final = Code("33252009", "SCT", "Beta blocker")
CALCIUM_CHANNEL_BLOCKER: Final = Code("48698004", "SCT", "Calcium channel blocker")
NITRATE_VASODILATOR: Final = Code("372700007", "SCT", "Nitrate vasodilator")
ACE_INHIBITOR: Final = Code("41549009", "SCT", "ACE inhibitor")
ANGIOTENSIN_II_RECEPTOR_ANTAGONIST: Final = Code(
    "96308008", "SCT", "Angiotensin II receptor antagonist"
)
DIURETIC: Final = Code("30492008", "SCT", "Diuretic")
# CID 3761 Antilipemic Agent (row 8 $Therapy)
STATINS: Final = Code("96302009", "SCT", "Statins")
FIBRATE: Final = Code("C98150", "NCIt", "Fibrate")
BILE_ACID_SEQUESTRANT: Final = Code("372872006", "SCT", "Bile acid sequestrant")
# CID 3762 Antiarrhythmic Agent (row 9 $Therapy)
CLASS_I_ANTIARRHYTHMIC_AGENT: Final = Code("373260001", "SCT", "class I antiarrhythmic agent")
CLASS_II_ANTIARRHYTHMIC_AGENT: Final = Code("373278006", "SCT", "class II antiarrhythmic agent")
CLASS_III_ANTIARRHYTHMIC_AGENT: Final = Code("372855004", "SCT", "class III antiarrhythmic agent")
CLASS_IV_ANTIARRHYTHMIC_AGENT: Final = Code("372693007", "SCT", "class IV antiarrhythmic agent")
# CID 3764 Myocardial Infarction Therapy (row 10 $Therapy)
PERCUTANEOUS_CORONARY_INTERVENTION: Final = Code(
    "415070008", "SCT", "Percutaneous coronary intervention"
)
INSERTION_OF_CORONARY_ARTERY_STENT: Final = Code(
    "36969009", "SCT", "Insertion of coronary artery stent"
)
CORONARY_ARTERY_BYPASS_GRAFT: Final = Code("232717009", "SCT", "Coronary artery bypass graft")
THROMBOLYTIC_THERAPY: Final = Code("426347000", "SCT", "Thrombolytic therapy")

# --- TID 351 Previous Reports and TID 4301 Genitourinary Patient History -------------------------
PREVIOUS_REPORTS: Final = Code("111549", "DCM", "Previous Reports")
GENITOURINARY_HISTORY: Final = Code("130548", "DCM", "Genitourinary History")
DOCUMENT_TITLE: Final = Code("121144", "DCM", "Document Title")
