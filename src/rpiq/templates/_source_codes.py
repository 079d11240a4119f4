"""Source-side codes the template builders recognise in domain facts (FHIR/US Core vocabulary).

These are *inputs*: LOINC observation codes, SNOMED CT conditions and RxNorm drugs as the
importer stores them (schemes ``LN``, ``SCT``, ``RXNORM``, units ``UCUM``). The mapping tables
that turn them into template concepts live in ``tid3114.py``, ``tid9001.py``,
``_breast_maps.py``, ``_cardiac_maps.py`` and ``_prostate_maps.py``; every entry there is an
identity or a documented is-a generalisation (``docs/clinical-mapping.md``).
Meanings are the source terminology's display names (for readers; matching ignores them).
"""

from __future__ import annotations

from typing import Final

from rpiq.domain import Code

# --- LOINC observations (FHIR vital signs profile, US Core) ----------------------------------
LN_SYSTOLIC_BLOOD_PRESSURE: Final = Code("8480-6", "LN", "Systolic blood pressure")
LN_DIASTOLIC_BLOOD_PRESSURE: Final = Code("8462-4", "LN", "Diastolic blood pressure")
LN_HEART_RATE: Final = Code("8867-4", "LN", "Heart rate")
LN_BODY_TEMPERATURE: Final = Code("8310-5", "LN", "Body temperature")
LN_RESPIRATORY_RATE: Final = Code("9279-1", "LN", "Respiratory rate")
LN_OXYGEN_SATURATION_ARTERIAL: Final = Code("2708-6", "LN", "Oxygen saturation in Arterial blood")
LN_OXYGEN_SATURATION_PULSE_OXIMETRY: Final = Code(
    "59408-5", "LN", "Oxygen saturation in Arterial blood by Pulse oximetry"
)
LN_TOBACCO_SMOKING_STATUS: Final = Code("72166-2", "LN", "Tobacco smoking status")
LN_PREGNANCY_STATUS: Final = Code("82810-3", "LN", "Pregnancy status")
LN_AGE_AT_MENARCHE: Final = Code("42798-9", "LN", "Age at menarche")
LN_AGE_AT_MENOPAUSE: Final = Code("42802-9", "LN", "Age at menopause")
LN_PAIN_SEVERITY_0_10: Final = Code(
    "72514-3", "LN", "Pain severity - 0-10 verbal numeric rating [Score] - Reported"
)
# laboratory (TID 3802 rows 23/24; the importer keeps them only once it imports these codes)
LN_HDL_CHOLESTEROL: Final = Code(
    "2085-9", "LN", "Cholesterol in HDL [Mass/volume] in Serum or Plasma"
)
LN_LDL_CHOLESTEROL: Final = Code(
    "2089-1", "LN", "Cholesterol in LDL [Mass/volume] in Serum or Plasma"
)
LN_LDL_CHOLESTEROL_DIRECT: Final = Code(
    "18262-6", "LN", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay"
)
LN_LDL_CHOLESTEROL_CALCULATED: Final = Code(
    "13457-7", "LN", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by calculation"
)

# --- UCUM units as sources send them ---------------------------------------------------------
UCUM_MM_HG: Final = Code("mm[Hg]", "UCUM", "mm[Hg]")
UCUM_PER_MINUTE: Final = Code("/min", "UCUM", "/min")
UCUM_BEATS_PER_MINUTE: Final = Code("{beats}/min", "UCUM", "{beats}/min")
UCUM_HEART_BEATS_PER_MINUTE: Final = Code("{H.B.}/min", "UCUM", "{H.B.}/min")
UCUM_BREATHS_PER_MINUTE: Final = Code("{breaths}/min", "UCUM", "{breaths}/min")
UCUM_CELSIUS: Final = Code("Cel", "UCUM", "Cel")
UCUM_FAHRENHEIT: Final = Code("[degF]", "UCUM", "[degF]")
UCUM_MG_PER_DL: Final = Code("mg/dL", "UCUM", "mg/dL")
UCUM_MG_PER_DL_LOWER: Final = Code("mg/dl", "UCUM", "mg/dl")
UCUM_PERCENT: Final = Code("%", "UCUM", "%")
UCUM_UNITY: Final = Code("1", "UCUM", "1")
UCUM_COUNT: Final = Code("{#}", "UCUM", "{#}")
UCUM_YEAR: Final = Code("a", "UCUM", "a")
UCUM_DAY: Final = Code("d", "UCUM", "d")
UCUM_WEEK: Final = Code("wk", "UCUM", "wk")

# --- SNOMED CT laterality qualifiers (CID 244, as the importer stores them) -------------------
SCT_LEFT: Final = Code("7771000", "SCT", "Left")
SCT_RIGHT: Final = Code("24028007", "SCT", "Right")
SCT_BILATERAL: Final = Code("51440002", "SCT", "Bilateral")

# --- SNOMED CT smoking status values (US Core) -------------------------------------------------
SCT_SMOKES_TOBACCO_DAILY: Final = Code("449868002", "SCT", "Smokes tobacco daily")

# --- SNOMED CT conditions ----------------------------------------------------------------------
SCT_MALIGNANT_NEOPLASM_OF_BREAST: Final = Code("254837009", "SCT", "Malignant neoplasm of breast")
SCT_CONGESTIVE_HEART_FAILURE: Final = Code("42343007", "SCT", "Congestive heart failure")
SCT_CHRONIC_CONGESTIVE_HEART_FAILURE: Final = Code(
    "88805009", "SCT", "Chronic congestive heart failure"
)
SCT_DIABETES_MELLITUS: Final = Code("73211009", "SCT", "Diabetes mellitus")
SCT_DIABETES_MELLITUS_TYPE_1: Final = Code("46635009", "SCT", "Diabetes mellitus type 1")
SCT_DIABETES_MELLITUS_TYPE_2: Final = Code("44054006", "SCT", "Diabetes mellitus type 2")
SCT_HYPERTENSIVE_DISORDER: Final = Code("38341003", "SCT", "Hypertensive disorder")
SCT_ESSENTIAL_HYPERTENSION: Final = Code("59621000", "SCT", "Essential hypertension")
SCT_HYPERCHOLESTEROLEMIA: Final = Code("13644009", "SCT", "Hypercholesterolemia")
SCT_ATRIAL_FIBRILLATION: Final = Code("49436004", "SCT", "Atrial fibrillation")
SCT_MYOCARDIAL_INFARCTION: Final = Code("22298006", "SCT", "Myocardial infarction")
SCT_STEMI: Final = Code("401303003", "SCT", "Acute ST segment elevation myocardial infarction")
SCT_NSTEMI: Final = Code("401314000", "SCT", "Acute non-ST segment elevation MI")
SCT_CHRONIC_KIDNEY_DISEASE: Final = Code("709044004", "SCT", "Chronic kidney disease")
SCT_CKD_STAGE_1: Final = Code("431855005", "SCT", "Chronic kidney disease stage 1")
SCT_CKD_STAGE_2: Final = Code("431856006", "SCT", "Chronic kidney disease stage 2")
SCT_CKD_STAGE_3: Final = Code("433144002", "SCT", "Chronic kidney disease stage 3")
SCT_CKD_STAGE_4: Final = Code("431857002", "SCT", "Chronic kidney disease stage 4")
SCT_CKD_STAGE_5: Final = Code("433146000", "SCT", "Chronic kidney disease stage 5")
SCT_CEREBROVASCULAR_ACCIDENT: Final = Code("230690007", "SCT", "Cerebrovascular accident")
SCT_COPD: Final = Code("13645005", "SCT", "Chronic obstructive lung disease")
SCT_CORONARY_ARTERIOSCLEROSIS: Final = Code("53741008", "SCT", "Coronary arteriosclerosis")
SCT_CARDIOVASCULAR_DISORDER: Final = Code("49601007", "SCT", "Disorder of cardiovascular system")

# --- SNOMED CT breast procedures (TID 9000 row 6) ------------------------------------------------
SCT_MAMMOGRAPHY: Final = Code("71651007", "SCT", "Mammography")
SCT_MAMMOGRAM_SYMPTOMATIC: Final = Code("241055006", "SCT", "Mammogram - symptomatic")
SCT_SCREENING_MAMMOGRAPHY: Final = Code("24623002", "SCT", "Screening mammography")
SCT_MAMMOGRAPHY_OF_BILATERAL_BREASTS: Final = Code(
    "43204002", "SCT", "Mammography of bilateral breasts"
)
SCT_ULTRASONOGRAPHY_OF_BILATERAL_BREASTS: Final = Code(
    "1571000087109", "SCT", "Ultrasonography of bilateral breasts"
)

# --- SNOMED CT prostate conditions (TID 4301; CID 6081 family history) --------------------------
SCT_PROSTATE_CANCER: Final = Code("254900004", "SCT", "Carcinoma of prostate")
SCT_MALIGNANT_TUMOR_OF_PROSTATE: Final = Code("399068003", "SCT", "Malignant tumor of prostate")
SCT_NEOPLASM_OF_PROSTATE: Final = Code("126906006", "SCT", "Neoplasm of prostate")
SCT_METASTASIS_FROM_PROSTATE: Final = Code(
    "314994000", "SCT", "Metastasis from malignant tumor of prostate"
)
SCT_BIOPSY_OF_PROSTATE: Final = Code("65575008", "SCT", "Biopsy of prostate")

# --- SNOMED CT gynecological procedures (TID 9001 rows 15-18) ---------------------------------
SCT_HYSTERECTOMY: Final = Code("236886002", "SCT", "Hysterectomy")
SCT_TOTAL_HYSTERECTOMY: Final = Code("116140006", "SCT", "Total hysterectomy")
SCT_OOPHORECTOMY: Final = Code("83152002", "SCT", "Oophorectomy")
SCT_BILATERAL_SALPINGO_OOPHORECTOMY: Final = Code(
    "29827000", "SCT", "Bilateral salpingectomy with oophorectomy"
)

# --- RxNorm (ingredients and the clinical drugs seen in the demo data) -------------------------
RXNORM_TAMOXIFEN: Final = Code("10324", "RXNORM", "tamoxifen")
RXNORM_TAMOXIFEN_10_MG_ORAL_TABLET: Final = Code("198240", "RXNORM", "Tamoxifen 10 MG Oral Tablet")
RXNORM_ANASTROZOLE: Final = Code("84857", "RXNORM", "anastrozole")
RXNORM_ANASTROZOLE_1_MG_ORAL_TABLET: Final = Code(
    "199224", "RXNORM", "anastrozole 1 MG Oral Tablet"
)
RXNORM_TRINESSA_28_DAY_PACK: Final = Code("751905", "RXNORM", "Trinessa 28 Day Pack")
RXNORM_ERRIN_28_DAY_PACK: Final = Code("831533", "RXNORM", "Errin 28 Day Pack")
RXNORM_SEASONIQUE_91_DAY_PACK: Final = Code("749762", "RXNORM", "Seasonique 91 Day Pack")
RXNORM_NATAZIA_28_DAY_PACK: Final = Code("978950", "RXNORM", "Natazia 28 Day Pack")
RXNORM_CAMILA_28_DAY_PACK: Final = Code("748962", "RXNORM", "Camila 28 Day Pack")
