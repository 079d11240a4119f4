"""The sections of TID 3802 after its Problem List: rows 12-37 (digest §2.4.1).

Each function returns a section's children in table order; ``tid3802`` wraps them in the
section container and leaves an empty section out. ``full`` is True for TID 3802 as the Cardiac
SOP Class's root and False inside TID 9007, where the general rows already hold the patient's
other medications and family history (see ``tid3802``).
"""

from __future__ import annotations

from rpiq.domain import ClinicalFact, Code, FactKind, Patient
from rpiq.templates import _codes as dcm
from rpiq.templates._cardiac_maps import (
    CARDIAC_DIAGNOSTICS,
    CARDIAC_SURGERY,
    DRUG_MISUSE,
    FAMILY_HISTORY_BY_CONDITION,
    IMPLANTED_DEVICES,
    LIPID_SOURCES,
    LIPID_UNITS,
    PROBLEM_ROWS,
    SOCIAL_HISTORY_CONCEPT,
    USE_STATUS_BY_FACT_STATUS,
)
from rpiq.templates._cids import CID_3758, CID_7451
from rpiq.templates._drug_classes import (
    ANTIARRHYTHMIC_AGENTS,
    ANTILIPEMIC_AGENTS,
    DIABETIC_THERAPY,
    HYPERTENSION_THERAPY,
    DrugClass,
    classes_of,
)
from rpiq.templates._general import names_substance
from rpiq.templates._items import CONTAINS, HAS_PROPERTIES, code_item, num_item, row, text_item
from rpiq.templates._smoking import (
    SMOKING_KINDS,
    is_smoking_status,
    smoking_history,
    smoking_value,
)
from rpiq.templates._values import format_ds, latest, observed_at
from rpiq.templates.content import ContentItem
from rpiq.templates.tid3830 import Tid3830, Tid3831

TEMPLATE_ID = "3802"
CARDIOVASCULAR_DRUG_TABLES = (HYPERTENSION_THERAPY, ANTILIPEMIC_AGENTS, ANTIARRHYTHMIC_AGENTS)

DIABETES_ROW = next(spec for spec in PROBLEM_ROWS if spec.row == 6)
SURGERY = Tid3830(ProcType=dcm.SURGICAL_PROCEDURE, Procedure=CARDIAC_SURGERY)  # row 19
DIAGNOSTICS = Tid3830(ProcType=dcm.DIAGNOSTIC_INTENT, Procedure=CARDIAC_DIAGNOSTICS)  # row 22
DEVICES = Tid3831(Device=IMPLANTED_DEVICES)  # row 37


def described(fact: ClinicalFact) -> str:
    """A fact's value as text: its coded value's meaning, its quantity, its note or its code's
    meaning (the first that exists)."""
    if fact.value_code is not None:
        return fact.value_code.meaning
    if fact.quantity is not None:
        number = format_ds(fact.quantity.value) or str(fact.quantity.value)
        return f"{number} {fact.quantity.unit.value}"
    return fact.text or fact.code.meaning


def _social_observations(patient: Patient) -> list[ClinicalFact]:
    """Social-history observations no coded row takes: the smoking status answers outside CID
    3724, and substance-use / social-history facts that carry a value (not a substance)."""
    found = []
    for fact in patient.facts_of(FactKind.SOCIAL_HISTORY, FactKind.SUBSTANCE_USE):
        if is_smoking_status(fact):
            if fact.value_code is not None and smoking_value(fact.value_code) is None:
                found.append(fact)
        elif fact.kind is FactKind.SOCIAL_HISTORY or not names_substance(fact):
            found.append(fact)
    return [fact for fact in found if fact.code not in DRUG_MISUSE]


def social_history(patient: Patient) -> list[ContentItem]:
    """Rows 14 (other social history as TEXT, concept from CID 3774 or the observation's own),
    15 (Tobacco Smoking Behavior, CID 3724) and 16 (Drug misuse behavior)."""
    texts = dict.fromkeys(
        (SOCIAL_HISTORY_CONCEPT.get(fact.code, fact.code), described(fact))
        for fact in _social_observations(patient)
    )
    found = [text_item(CONTAINS, c, text, row=row(TEMPLATE_ID, 14)) for c, text in texts]
    smoking = smoking_history(patient)
    if smoking is not None:
        found.append(
            code_item(CONTAINS, dcm.TOBACCO_SMOKING_BEHAVIOR, smoking, row=row(TEMPLATE_ID, 15))
        )
    misuse = latest(
        fact
        for fact in patient.facts_of(FactKind.PROBLEM, *SMOKING_KINDS)
        if fact.code in DRUG_MISUSE
    )
    if misuse is not None:
        found.append(
            code_item(CONTAINS, dcm.DRUG_MISUSE_BEHAVIOR, misuse.code, row=row(TEMPLATE_ID, 16))
        )
    return found


def surgical_history(patient: Patient) -> list[ContentItem | None]:
    """Row 19: cardiovascular surgery (CID 3721) as TID 3830."""
    return [
        SURGERY.build(fact, row(TEMPLATE_ID, 19)) for fact in patient.facts_of(FactKind.PROCEDURE)
    ]


def _lipid(number: int, target: Code, patient: Patient) -> ContentItem | None:
    chosen = latest(
        fact
        for fact in patient.facts_of(FactKind.MEASUREMENT, FactKind.VITAL_SIGN)
        if LIPID_SOURCES.get(fact.code) == target and fact.quantity is not None
    )
    if chosen is None or chosen.quantity is None or chosen.quantity.unit not in LIPID_UNITS:
        return None
    value = format_ds(chosen.quantity.value)
    if value is None:
        return None
    return num_item(
        CONTAINS,
        chosen.code,  # the row's concept name is a Defined Term: the observation's own LOINC
        value,
        dcm.MG_PER_DL,
        row=row(TEMPLATE_ID, number),
        observation_datetime=observed_at(chosen),
    )


def diagnostic_tests(patient: Patient) -> list[ContentItem | None]:
    """Row 22 (cardiac diagnostic procedures, CID 3757 and its extension, as TID 3830), rows
    23/24 (the latest HDL / LDL cholesterol in mg/dl)."""
    found = [
        DIAGNOSTICS.build(fact, row(TEMPLATE_ID, 22))
        for fact in patient.facts_of(FactKind.PROCEDURE)
    ]
    found.append(_lipid(23, dcm.CHOLESTEROL_IN_HDL, patient))
    found.append(_lipid(24, dcm.CHOLESTEROL_IN_LDL, patient))
    return found


def cardiac_drug_tables(patient: Patient) -> tuple[tuple[DrugClass, ...], ...]:
    """The drug classes of the cardiac history: the cardiovascular ones (CID 3760, 3761, 3762)
    and, for a patient with diabetes (row 6), the antidiabetics behind its CID 3722 therapy."""
    diabetic = any(DIABETES_ROW.matches(fact.code) for fact in patient.facts_of(FactKind.PROBLEM))
    return CARDIOVASCULAR_DRUG_TABLES + ((DIABETIC_THERAPY,) if diabetic else ())


def medications(patient: Patient, full: bool) -> list[ContentItem]:
    """Row 28 (Medication Type, any code) with row 30 (Status, CID 3773): every medication, or
    only those of :func:`cardiac_drug_tables` inside TID 9007."""
    tables = cardiac_drug_tables(patient)
    found = []
    for fact in patient.facts_of(FactKind.MEDICATION):
        if not full and not any(classes_of(fact.code, table) for table in tables):
            continue
        status = USE_STATUS_BY_FACT_STATUS.get(fact.status)
        properties = (
            (code_item(HAS_PROPERTIES, dcm.STATUS, status, row=row(TEMPLATE_ID, 30)),)
            if status is not None
            else ()
        )
        found.append(
            code_item(
                CONTAINS,
                dcm.MEDICATION_TYPE,
                fact.code,
                row=row(TEMPLATE_ID, 28),
                children=properties,
            )
        )
    return found


def _cardiovascular(fact: ClinicalFact) -> tuple[Code, Code] | None:
    finding = CID_3758.canonical(FAMILY_HISTORY_BY_CONDITION.get(fact.code, fact.code))
    relative = CID_7451.canonical(fact.relative) if fact.relative is not None else None
    return (finding, relative) if finding is not None and relative is not None else None


def family_history(patient: Patient, full: bool) -> list[ContentItem]:
    """Row 32 (other family history as TEXT "relative: condition", root only) and rows 33-34
    (CID 3758 findings with a CID 7451 relative, each pair once)."""
    facts = patient.facts_of(FactKind.FAMILY_HISTORY)
    others = dict.fromkeys(
        f"{fact.relative.meaning if fact.relative else 'relative'}: {fact.code.meaning}"
        for fact in facts
        if _cardiovascular(fact) is None
    )
    found = [text_item(CONTAINS, dcm.HISTORY, text, row=row(TEMPLATE_ID, 32)) for text in others]
    pairs = dict.fromkeys(pair for pair in map(_cardiovascular, facts) if pair is not None)
    found = found if full else []
    found.extend(
        code_item(
            CONTAINS,
            dcm.FAMILY_HISTORY_OF_CLINICAL_FINDING,
            finding,
            row=row(TEMPLATE_ID, 33),
            children=(
                code_item(
                    HAS_PROPERTIES, dcm.SUBJECT_RELATIONSHIP, relative, row=row(TEMPLATE_ID, 34)
                ),
            ),
        )
        for finding, relative in pairs
    )
    return found


def device_history(patient: Patient) -> list[ContentItem | None]:
    """Row 36 (devices that are not implanted cardiac devices, as one TEXT) and row 37
    (implanted devices, CID 3777 and its extension, as TID 3831)."""
    devices = patient.facts_of(FactKind.DEVICE)
    others = dict.fromkeys(
        fact.code.meaning for fact in devices if IMPLANTED_DEVICES.canonical(fact.code) is None
    )
    found: list[ContentItem | None] = []
    if others:
        found.append(text_item(CONTAINS, dcm.HISTORY, "; ".join(others), row=row(TEMPLATE_ID, 36)))
    found.extend(DEVICES.build(fact, row(TEMPLATE_ID, 37)) for fact in devices)
    return found
