"""Small conforming content trees written by hand from the digest's tables (§2.2-2.5),
independently of the builders and of ``rpiq.templates._codes``; the rule tests break them."""

from __future__ import annotations

from rpiq.domain import Code
from rpiq.templates.content import ContentItem, NumericValue, RelationshipType, ValueType

CONTAINS = RelationshipType.CONTAINS
HAS_PROPERTIES = RelationshipType.HAS_PROPERTIES
HAS_OBS_CONTEXT = RelationshipType.HAS_OBS_CONTEXT
HAS_CONCEPT_MOD = RelationshipType.HAS_CONCEPT_MOD
INFERRED_FROM = RelationshipType.INFERRED_FROM

# Concept names (digest §2.2-2.5, value/scheme/meaning as the rows give them)
RELEVANT_PATIENT_INFORMATION = Code("111517", "DCM", "Relevant Patient Information")
BREAST_RPI = Code("111511", "DCM", "Relevant Patient Information for Breast Imaging")
LANGUAGE = Code("121049", "DCM", "Language of Content Item and Descendants")
COUNTRY_OF_LANGUAGE = Code("121046", "DCM", "Country of Language")
GYNECOLOGICAL_HISTORY = Code("267011001", "SCT", "Gynecological History")
LMP = Code("8665-2", "LN", "Last menstrual period")
AGE_AT_MENARCHE = Code("111518", "DCM", "Age when first menstrual period occurred")
PARA = Code("11977-6", "LN", "Para")
PREVIOUS_PROCEDURES = Code("111513", "DCM", "Relevant Previous Procedures")
PREVIOUS_PROCEDURE = Code("111531", "DCM", "Previous Procedure")
LATERALITY = Code("272741003", "SCT", "Laterality")
PROCEDURE_DATETIME = Code("122146", "DCM", "Procedure DateTime")
ESTIMATED_TIMEFRAME = Code("111395", "DCM", "Estimated Timeframe")
PROBLEM_LIST = Code("11450-4", "LN", "Problem List")
INDICATED_PROBLEM = Code("111533", "DCM", "Indicated Problem")
PROBLEM_OBSERVED = Code("111535", "DCM", "DateTime problem observed")
RISK_FACTORS = Code("111515", "DCM", "Relevant Risk Factors")
RISK_FACTOR = Code("80943009", "SCT", "Risk factor")
GESTATIONAL_AGE = Code("18185-9", "LN", "Gestational Age")
HISTORY = Code("11329-0", "LN", "History")
FAMILY_HISTORY_SECTION = Code("10157-6", "LN", "History of Family Member Diseases")
FAMILY_HISTORY_OF = Code("416471007", "SCT", "Family history of clinical finding")
SUBJECT_RELATIONSHIP = Code("408732007", "SCT", "Subject relationship")
PATIENT_STATUS = Code("121123", "DCM", "Patient Status or Event")
SYSTOLIC = Code("271649006", "SCT", "Systolic blood pressure")

# Values
ENGLISH = Code("en-US", "RFC5646", "English (United States)")
YEAR = Code("a", "UCUM", "Year")
MONTH = Code("mo", "UCUM", "month")
NO_UNITS = Code("1", "UCUM", "no units")
DAY = Code("d", "UCUM", "day")
MM_HG = Code("mm[Hg]", "UCUM", "mmHg")
CORE_BIOPSY = Code("44578009", "SCT", "Core needle biopsy of breast")
LEFT_BREAST = Code("80248007", "SCT", "Left breast")
LEFT = Code("7771000", "SCT", "Left")
MORE_THAN_A_YEAR = Code("111398", "DCM", "> 1 year ago")
PHARYNGITIS = Code("195662009", "SCT", "Acute viral pharyngitis")
BREAST_LUMP = Code("89164003", "SCT", "Breast lump")
PREMATURE_DELIVERY = Code("161765003", "SCT", "History of - premature delivery")
LATEX_ALLERGY = Code("300916003", "SCT", "Latex allergy")
FAMILY_HISTORY_OF_MI = Code("266897007", "SCT", "Family history of myocardial infarction")
NATURAL_MOTHER = Code("65656005", "SCT", "Natural mother")
VITAL_SIGNS = Code("61746007", "SCT", "Observation of Vital Signs")


def root(concept: Code, template_id: str, *children: ContentItem) -> ContentItem:
    """A response root: no relationship, the template identifier, SEPARATE."""
    return ContentItem(
        ValueType.CONTAINER, concept, None, template_id=template_id, children=children
    )


def container(concept: Code, *children: ContentItem, template_id: str | None = None) -> ContentItem:
    return ContentItem(
        ValueType.CONTAINER, concept, CONTAINS, template_id=template_id, children=children
    )


def code(
    relationship: RelationshipType, concept: Code, value: Code, *children: ContentItem
) -> ContentItem:
    return ContentItem(ValueType.CODE, concept, relationship, code_value=value, children=children)


def num(relationship: RelationshipType, concept: Code, value: str, units: Code) -> ContentItem:
    return ContentItem(ValueType.NUM, concept, relationship, numeric=NumericValue(value, units))


def date(relationship: RelationshipType, concept: Code, value: str) -> ContentItem:
    return ContentItem(ValueType.DATE, concept, relationship, date=value)


def datetime(relationship: RelationshipType, concept: Code, value: str) -> ContentItem:
    return ContentItem(ValueType.DATETIME, concept, relationship, datetime=value)


def language() -> ContentItem:
    """TID 1204 row 1 as TID 9000 row 2 / TID 9007 row 2 include it."""
    return code(HAS_CONCEPT_MOD, LANGUAGE, ENGLISH)


def lmp() -> ContentItem:
    return date(CONTAINS, LMP, "20240115")


def menarche(units: Code = YEAR) -> ContentItem:
    return num(CONTAINS, AGE_AT_MENARCHE, "12", units)


def para() -> ContentItem:
    return num(CONTAINS, PARA, "2", NO_UNITS)


def gynecological_history(*children: ContentItem) -> ContentItem:
    """TID 9001 as the root: rows 3, 4, 6 unless other children are given."""
    return root(GYNECOLOGICAL_HISTORY, "9001", *(children or (lmp(), menarche(), para())))


def problem(*children: ContentItem, value: Code = PHARYNGITIS) -> ContentItem:
    """TID 9004 row 2 with row 4 below it."""
    observed = datetime(HAS_OBS_CONTEXT, PROBLEM_OBSERVED, "20190304")
    return code(CONTAINS, INDICATED_PROBLEM, value, *(children or (observed,)))


def problem_list(*problems: ContentItem) -> ContentItem:
    return root(PROBLEM_LIST, "9004", *(problems or (problem(),)))


def breast_procedure(*properties: ContentItem, laterality: Code = LEFT_BREAST) -> ContentItem:
    """TID 9003 row 2 with rows 6 and 7, as TID 9000 row 6 parameterizes it."""
    side = code(HAS_PROPERTIES, LATERALITY, laterality)
    when = datetime(HAS_PROPERTIES, PROCEDURE_DATETIME, "20200101")
    return code(CONTAINS, PREVIOUS_PROCEDURE, CORE_BIOPSY, *(properties or (side, when)))


def breast_rpi(*children: ContentItem) -> ContentItem:
    """TID 9000: language (row 2) and previous procedures (row 6)."""
    procedures = container(PREVIOUS_PROCEDURES, breast_procedure(), template_id="9003")
    return root(BREAST_RPI, "9000", *(children or (language(), procedures)))


def risk_factors(*factors: ContentItem) -> ContentItem:
    """TID 9005: a premature delivery history with its gestational age (row 4)."""
    age = num(HAS_PROPERTIES, GESTATIONAL_AGE, "32", Code("wk", "UCUM", "week"))
    default = code(CONTAINS, RISK_FACTOR, PREMATURE_DELIVERY, age)
    return root(RISK_FACTORS, "9005", *(factors or (default,)))


def family_history(*relations: ContentItem) -> ContentItem:
    """TID 3802 rows 31, 33, 34."""
    relation = code(HAS_PROPERTIES, SUBJECT_RELATIONSHIP, NATURAL_MOTHER)
    finding = code(CONTAINS, FAMILY_HISTORY_OF, FAMILY_HISTORY_OF_MI, *(relations or (relation,)))
    return root(HISTORY, "3802", container(FAMILY_HISTORY_SECTION, finding))


def general_rpi(*children: ContentItem) -> ContentItem:
    """TID 9007 with the language (row 2) and a problem list (row 8)."""
    problems = container(PROBLEM_LIST, problem(), template_id="9004")
    return root(RELEVANT_PATIENT_INFORMATION, "9007", *(children or (language(), problems)))
