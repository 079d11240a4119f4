"""The rows of TID 9001-9006 and TID 3114 beyond the first cut, each from the facts that fill
it (docs/templates.md, docs/clinical-mapping.md)."""

from __future__ import annotations

from tpl_check import errors, warnings
from tpl_patients import (
    AUNT,
    LEFT,
    NATURAL_MOTHER,
    PER_MINUTE,
    YEAR,
    fact,
    patient,
    vital,
)
from tpl_shape import child, concepts, shape

from rpiq.domain import ClinicalFact, Code, FactKind, FactStatus, Patient, Quantity
from rpiq.templates.content import ContentItem
from rpiq.templates.roots import build_root

C, HP, HOC, HCM, IF = (
    "CONTAINS", "HAS PROPERTIES", "HAS OBS CONTEXT", "HAS CONCEPT MOD", "INFERRED FROM"
)  # fmt: skip
F, P = FactKind, FactStatus
RIGHT = Code("24028007", "SCT", "Right")
YES = Code("373066001", "SCT", "Yes")


def _root(template_id: str, *facts: ClinicalFact, birth_date: str = "19541106") -> ContentItem:
    subject = Patient(
        identifiers=patient().identifiers, birth_date=birth_date, sex="F", facts=facts
    )
    root = build_root(template_id, subject)
    assert errors(root, template_id) == []
    return root


def test_tid_9002_classification_brand_usage_and_ongoing() -> None:
    root = _root(
        "9002",
        fact(F.MEDICATION, "200033", "RXNORM", "carvedilol 25 MG Oral Tablet", status=P.ACTIVE),
        fact(F.MEDICATION, "861004", "RXNORM", "metformin 1000 MG Oral Tablet [Glucophage]",
             status=P.STOPPED, ended="2020"),
        fact(F.MEDICATION, "617310", "RXNORM", "atorvastatin 20 MG Oral Tablet",
             quantity=Quantity(20, Code("mg/d", "UCUM", "mg/d"))),
        fact(F.MEDICATION, "617311", "RXNORM", "x 5 MG",
             quantity=Quantity(5, Code("mg", "UCUM", "mg"))),
    )  # fmt: skip
    assert shape(root)[4] == (
        (C, "CODE", "111516", "200033", (
            (HCM, "CODE", "278201002", "33252009", ()),  # Classification: beta blocker
            (HP, "CODE", "111528", "373066001", ()),
        )),
        (C, "CODE", "111516", "861004", (
            (HP, "DATETIME", "111527", "2020", ()),
            (HP, "CODE", "111528", "373067005", ()),
            (HP, "TEXT", "111529", "Glucophage", ()),  # Brand Name
        )),
        (C, "CODE", "111516", "617310", (
            (HCM, "CODE", "278201002", "96302009", ()),  # statins
            (HP, "NUM", "260911001", ("20", "mg/d"), ()),  # Dosage: quantity per time
        )),
        (C, "CODE", "111516", "617311", ()),  # 5 mg is no quantity per time: not row 12
    )  # fmt: skip


def test_tid_9007_substances_with_relative_amount_and_frequency() -> None:
    high, frequent = Code("111575", "DCM", "High"), Code("70232002", "SCT", "Frequent")
    root = _root(
        "9007",
        fact(F.SUBSTANCE_USE, "419442005", "SCT", "Ethyl alcohol", value_code=high),
        fact(F.SUBSTANCE_USE, "255641001", "SCT", "Caffeine", value_code=frequent,
             quantity=Quantity(3, Code("{cups}/d", "UCUM", "{cups}/d"))),
        fact(F.ENVIRONMENTAL_EXPOSURE, "3311006", "SCT", "Asbestos", status=P.COMPLETED),
    )  # fmt: skip
    assert shape(child(root, "111545"))[4] == (
        (C, "CODE", "111546", "419442005", ((HP, "CODE", "111583", "111575", ()),)),
        (C, "CODE", "111546", "255641001", (
            (HP, "NUM", "111580", ("3", "{cups}/d"), ()),  # Volume of use
            (HP, "CODE", "111586", "70232002", ()),  # Relative frequency of use
        )),
    )  # fmt: skip
    assert shape(child(root, "111547"))[4] == (
        (C, "CODE", "111548", "3311006", ((HP, "CODE", "111528", "373067005", ()),)),
    )


def test_tid_9003_merges_repeated_procedures_and_counts_them() -> None:
    root = _root(
        "9003",
        fact(F.PROCEDURE, "410006001", "SCT", "Digital examination of rectum", started="2019"),
        fact(F.PROCEDURE, "410006001", "SCT", "Digital examination of rectum", started="20210302"),
        fact(F.PROCEDURE, "410006001", "SCT", "Digital examination of rectum"),
        fact(F.PROCEDURE, "65575008", "SCT", "Biopsy of prostate", laterality=LEFT),
        fact(F.PROCEDURE, "65575008", "SCT", "Biopsy of prostate", laterality=RIGHT),
    )
    assert shape(root)[4] == (
        (C, "CODE", "111531", "410006001", (
            (HP, "DATETIME", "122146", "20210302", ()),
            (HP, "NUM", "246432004", ("3", "1"), ()),
        )),
        (C, "CODE", "111531", "65575008", ((HP, "CODE", "272741003", "7771000", ()),)),
        (C, "CODE", "111531", "65575008", ((HP, "CODE", "272741003", "24028007", ()),)),
    )  # fmt: skip


def test_tid_9004_comment_status_and_resolution() -> None:
    root = _root(
        "9004",
        fact(F.PROBLEM, "195662009", "SCT", "Acute viral pharyngitis", status=P.RESOLVED,
             started="20190304", ended="20190320", text="treated symptomatically"),
        fact(F.PROBLEM, "38341003", "SCT", "Hypertensive disorder", recorded="2001"),
    )  # fmt: skip
    assert shape(root)[4] == (
        (C, "CODE", "111533", "195662009", (
            (HOC, "DATETIME", "111535", "20190304", ()),
            (HP, "TEXT", "121106", "treated symptomatically", ()),  # row 10
            (HP, "CODE", "33999-4", "413322009", ()),  # extension: Status (CID 3770)
            (HP, "DATETIME", "121433", "20190320", ()),  # extension: DateTime Problem Resolved
        )),
        (C, "CODE", "111533", "38341003", ((HOC, "DATETIME", "111535", "2001", ()),)),
    )  # fmt: skip
    assert [item.row for item in root.children[0].children][2:] == [
        "TID 9004 extension: Status",
        "TID 9004 extension: DateTime Problem Resolved",
    ]
    assert len(warnings(root, "9004")) == 2  # the validator sees the two extensions


def test_tid_9005_comments_age_at_occurrence_and_side_of_family() -> None:
    maternal = Code("111541", "DCM", "Maternal")
    root = _root(
        "9005",
        fact(F.ALLERGY, "91936005", "SCT", "Allergy to penicillin",
             text="reaction: Anaphylaxis; criticality: high"),
        fact(F.FAMILY_HISTORY, "254837009", "SCT", "Breast cancer", relative=AUNT,
             quantity=Quantity(58, Code("a", "UCUM", "years")), category=maternal,
             text="onset at age 58 years"),
        fact(F.FAMILY_HISTORY, "254837009", "SCT", "Breast cancer", relative=NATURAL_MOTHER,
             quantity=Quantity(3, Code("mo", "UCUM", "months"))),
    )  # fmt: skip
    assert shape(root)[4] == (
        (C, "CODE", "80943009", "91936005", (
            (HP, "TEXT", "121106", "reaction: Anaphylaxis; criticality: high", ()),
        )),
        (C, "CODE", "80943009", "254837009", (
            (HCM, "CODE", "111530", "57177007", ()),
            (HP, "TEXT", "121106", "Aunt: onset at age 58 years", ()),
            (IF, "CODE", "111537", "25211005", (
                (HP, "NUM", "111538", ("58", "a"), ()),  # Age at Occurrence, years
                (HCM, "CODE", "111540", "111541", ()),  # Side of Family, CID 6097
            )),
            (IF, "CODE", "111537", "65656005", ()),  # an age in months is no age in years
        )),
    )  # fmt: skip


def test_tid_9001_every_row_the_facts_fill() -> None:
    gyn = F.GYNECOLOGICAL
    root = _root(
        "9001",
        fact(gyn, "111520", "DCM", "Age at Menopause", quantity=Quantity(50, YEAR)),
        fact(F.PROCEDURE, "116140006", "SCT", "Total hysterectomy", started="20040517"),
        fact(F.PROCEDURE, "83152002", "SCT", "Oophorectomy", laterality=LEFT, started="20100301"),
        fact(F.PROCEDURE, "83152002", "SCT", "Oophorectomy", started="20120301"),  # no side
        fact(gyn, "111543", "DCM", "Breast feeding history", value_code=YES),
        fact(gyn, "111544", "DCM", "Average breast feeding period",
             quantity=Quantity(26, Code("wk", "UCUM", "wk"))),
        fact(gyn, "82810-3", "LN", "Pregnancy status",
             value_code=Code("60001007", "SCT", "not pregnant")),
        fact(gyn, "111391", "DCM", "Menstrual Cycle Phase",
             value_code=Code("111393", "DCM", "2nd week")),
    )  # fmt: skip
    assert shape(root)[4] == (
        (C, "NUM", "111520", ("50", "a"), ()),
        (C, "NUM", "111521", ("49", "a"), (  # born 1954-11-06, operated 2004-05-17
            (HCM, "CODE", "255590007", "255594003", ()),  # Extent: Complete
        )),
        (C, "NUM", "111522", ("55", "a"), ()),  # the left ovary
        (C, "CODE", "111543", "373066001", ((HP, "NUM", "111544", ("26", "wk"), ()),)),
        (C, "CODE", "364320009", "60001007", ()),
        (C, "CODE", "111391", "111393", ()),
    )  # fmt: skip


def test_tid_9001_ages_need_full_dates_and_a_stated_age_wins() -> None:
    root = _root(
        "9001",
        fact(F.PROCEDURE, "236886002", "SCT", "Hysterectomy", started="2004"),
        fact(F.PROCEDURE, "29827000", "SCT", "Bilateral salpingo-oophorectomy", started="20100301"),
        fact(F.GYNECOLOGICAL, "111523", "DCM", "Age when right ovary removed",
             quantity=Quantity(40, YEAR)),
        birth_date="1954",
    )  # fmt: skip
    assert shape(root)[4] == ((C, "NUM", "111523", ("40", "a"), ()),)


def test_tid_9006_comments_of_the_facts_it_shows() -> None:
    root = _root(
        "9006",
        fact(F.OBSTETRIC, "11778-8", "LN", "EDD", started="20251013", text="by ultrasound"),
        fact(F.OBSTETRIC, "11779-6", "LN", "EDD from LMP", started="2025", text="not shown"),
    )
    assert shape(root)[4] == (
        (C, "DATE", "11778-8", "20251013", ()),
        (C, "TEXT", "121106", "by ultrasound", ()),
    )


def test_tid_3114_pain_score_added_measurements_and_unconvertible_units() -> None:
    score = Code("{score}", "UCUM", "{score}")
    root = _root(
        "9007",
        vital("72514-3", "Pain severity - 0-10 verbal numeric rating", 0, score, "2024"),
        vital("8302-2", "Body Height", 164.3, Code("cm", "UCUM", "cm"), "2023"),
        vital("8302-2", "Body Height", 165.1, Code("cm", "UCUM", "cm"), "2024"),
        vital("8867-4", "Heart rate", 1.2, Code("Hz", "UCUM", "Hz"), "2024"),
        vital("8867-4", "Heart rate", 70, PER_MINUTE, "2020"),
    )
    assessment = child(root, "121123")
    assert shape(assessment)[4] == (
        (HP, "NUM", "225908003", ("0", "{score}"), ()),  # row 9 keeps the 0-10 scale's unit
        (HP, "TEXT", "8867-4", "1.2 Hz", ()),  # the latest heart rate, in no row's unit
        (HP, "NUM", "8302-2", ("165.1", "cm"), ()),
    )
    assert [item.row for item in assessment.children] == [
        "TID 3114 row 9 > TID 300 row 1",
        "TID 3114 row 15",
        "TID 3114 extension: measurement > TID 300 row 1",
    ]


def test_concepts_of_a_sub_template_root_for_a_cardiac_patient() -> None:
    root = _root("9004", fact(F.PROBLEM, "22298006", "SCT", "Myocardial infarction"))
    assert concepts(root) == ["111533"]
