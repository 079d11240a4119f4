"""Synthetic patients for benchmarks (``rpiq synth``), deterministic by seed.

Each synthetic patient follows one of the eight demo patients (:mod:`rpiq.ingest.demo`), in
equal shares, with the same codes, resource shapes and kinds of history, and its own dates,
name, sex and choices within the archetype:

==============  ========================================================================
archetype       what the patient gets (probabilities per patient)
==============  ========================================================================
breast          woman born 1940-1975: breast lump (70 %), mammography, core biopsy, breast
                cancer (left or right breast), lumpectomy, radiotherapy (60 %), tamoxifen
                (70 %), mother with breast cancer (40 %), gravida/para, age at menopause
cardiac         man (70 %) or woman born 1935-1965: hypertension, type 2 diabetes (60 %),
                myocardial infarction with history and CABG (50 %), heart failure (60 %), one
                or two echocardiographies, two to four of the demo's drugs, smoking status,
                father or mother with MI (50 %), blood pressure and heart rate
allergy         born 1950-2005: one to three of the demo's allergies
obstetric       woman born 1985-2005: pregnancy, pregnancy status, gravida/para, last
                menstrual period, estimated delivery date, folic acid
empty           no clinical history
international   Japanese name in three representations (alphabetic, ideographic,
                phonetic): asthma
hypertension    man born 1940-1985: hypertension, blood pressure (50 %)
migraine        woman born 1960-2000: migraine
==============  ========================================================================

A patient is a list of FHIR R4 resources as a Bulk Data export holds them (``Patient`` first,
references ``Patient/<id>``). Identifiers are unique per (seed, index) under the synthetic
issuer :data:`SYNTH_ISSUER`: Patient ID ``SYN<seed>-<index>``. Each patient draws from its own
random generator seeded by (seed, index), so patient *n* is the same whatever the count.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from rpiq.ingest import demo_fhir
from rpiq.ingest.demo import BREAST_CANCER, ESSENTIAL_HYPERTENSION, MYOCARDIAL_INFARCTION
from rpiq.ingest.demo_fhir import (
    V2_IDENTIFIER_TYPE,
    V3_ROLE_CODE,
    human_name,
    quantity,
    years,
)
from rpiq.ingest.fhir_values import JSONObject

# The demo's CodeableConcept builders, each concept built once and shared (never mutated):
# building them was a third of the generation time.
concept = functools.cache(demo_fhir.concept)
sct = functools.cache(demo_fhir.sct)
loinc = functools.cache(demo_fhir.loinc)
rxnorm = functools.cache(demo_fhir.rxnorm)

SYNTH_ISSUER = "RPIQ-SYNTH"
SYNTH_SYSTEM = "https://rpiq.example.org/synth/patient-id"
LAST_DAY = date(2025, 6, 30)
"""No synthetic event is later than this (the output does not depend on today's date)."""

_SEED_STRIDE = 1_000_003
_FAMILY = ("Harper", "Morgan", "Santos", "Okafor", "Lindgren", "Fischer", "Novak", "Rossi",
           "Nguyen", "Kowalski", "Haddad", "Moreau", "Silva", "Jensen", "Murphy", "Schmidt",
           "Dubois", "Kim", "Costa", "Ivanova", "Berg", "Mensah", "Patel", "Garcia")  # fmt: skip
_GIVEN_F = ("Eleanor", "Ana", "Grace", "Anna", "Maria", "Sofia", "Emma", "Olivia", "Chloe",
            "Ines", "Lena", "Amara", "Yara", "Nora", "Clara", "Julia")  # fmt: skip
_GIVEN_M = ("Richard", "Erik", "Thomas", "Lucas", "Omar", "David", "Jonas", "Mateo", "Samuel",
            "Noah", "Felix", "Kofi", "Ivan", "Hugo", "Leon", "Adam")  # fmt: skip
_JAPANESE = (
    (("Ōtsuka", "Chiyoko"), ("大塚", "千代子"), ("おおつか", "ちよこ")),
    (("Yamada", "Tarō"), ("山田", "太郎"), ("やまだ", "たろう")),
    (("Suzuki", "Hanako"), ("鈴木", "花子"), ("すずき", "はなこ")),
    (("Tanaka", "Kenji"), ("田中", "健二"), ("たなか", "けんじ")),
)
_DRUGS = (
    ("200033", "carvedilol 25 MG Oral Tablet"),
    ("314077", "lisinopril 20 MG Oral Tablet"),
    ("617310", "atorvastatin 20 MG Oral Tablet"),
    ("860975", "24 HR metformin hydrochloride 500 MG Extended Release Oral Tablet"),
)
_ALLERGIES = (
    ("293637006", "Allergy to contrast media (finding)", "medication", "high",
     sct("126485001", "Urticaria (disorder)"), "moderate"),
    ("91936005", "Allergy to penicillin (finding)", "medication", "high",
     sct("39579001", "Anaphylaxis (disorder)"), "severe"),
    ("300916003", "Latex allergy (finding)", "environment", "low",
     {"text": "Contact dermatitis"}, "mild"),
)  # fmt: skip
_SMOKING = (
    ("8517006", "Ex-smoker (finding)"),
    ("266919005", "Never smoked tobacco (finding)"),
    ("77176002", "Smoker (finding)"),
)
_BREASTS = (sct("80248007", "Left breast structure"), sct("73056007", "Right breast structure"))
_FAMILY_ROLES = (("FTH", "father"), ("MTH", "mother"))


_status = demo_fhir.status_concept


@dataclass
class SynthPatient:
    """One synthetic patient as FHIR resources (``resources[0]`` is the Patient)."""

    index: int
    archetype: str
    PatientID: str
    resources: list[JSONObject] = field(default_factory=list)

    @property
    def patient_id(self) -> str:
        """The FHIR id of the Patient resource."""
        return str(self.resources[0]["id"])


class _Builder(demo_fhir.ClinicalResourceWriter):
    """Adds the demo's resource shapes to one synthetic patient (:mod:`demo_fhir` builders)."""

    def __init__(self, rng: random.Random, patient: SynthPatient, birth: date) -> None:
        self.rng = rng
        self.patient = patient
        self.birth = birth
        self.subject = {"reference": f"Patient/{patient.patient_id}"}

    def day(self, low_age: int, high_age: int) -> str:
        """A date at an age between the two (in years), never after :data:`LAST_DAY`."""
        first = self.birth + timedelta(days=365 * low_age)
        last = min(self.birth + timedelta(days=365 * high_age), LAST_DAY)
        if last <= first:
            return min(first, LAST_DAY).isoformat()
        return (first + timedelta(days=self.rng.randrange((last - first).days))).isoformat()

    def later(self, when: str, low_days: int, high_days: int) -> str:
        moved = date.fromisoformat(when) + timedelta(days=self.rng.randint(low_days, high_days))
        return min(moved, LAST_DAY).isoformat()

    def add(self, resource_type: str, **fields: object) -> None:
        resources = self.patient.resources
        resource: JSONObject = {
            "resourceType": resource_type,
            "id": f"{self.patient.patient_id}-{len(resources):02d}",
        }
        resource.update(fields)
        resources.append(resource)

    def medication_request(self, code: JSONObject, authored: str) -> None:
        self.add(
            "MedicationRequest",
            status="active",
            intent="order",
            medicationCodeableConcept=code,
            subject=self.subject,
            authoredOn=authored,
            dosageInstruction=[{"text": "1 tablet orally as directed"}],
        )

    def count(self, code: str, display: str, value: int, effective: str) -> None:
        self.observation(
            "social-history", loinc(code, display), effective, valueQuantity=quantity(value, "1")
        )

    def blood_pressure(self, effective: str) -> None:
        systolic, diastolic = self.rng.randint(105, 175), self.rng.randint(60, 100)
        self.observation(
            "vital-signs",
            loinc("85354-9", "Blood pressure panel with all children optional"),
            effective,
            component=[
                {
                    "code": loinc("8480-6", "Systolic blood pressure"),
                    "valueQuantity": quantity(systolic, "mm[Hg]"),
                },
                {
                    "code": loinc("8462-4", "Diastolic blood pressure"),
                    "valueQuantity": quantity(diastolic, "mm[Hg]"),
                },
            ],
        )

    def family_history(self, role: tuple[str, str], condition: JSONObject, when: str) -> None:
        self.add(
            "FamilyMemberHistory",
            status="completed",
            patient=self.subject,
            date=when,
            relationship=concept(V3_ROLE_CODE, role[0], role[1]),
            condition=[{"code": condition, "onsetAge": years(self.rng.randint(45, 80))}],
        )


def _breast(b: _Builder) -> None:
    side = b.rng.choice(_BREASTS)
    found = b.day(40, 70)
    if b.rng.random() < 0.7:
        b.condition(
            sct("89164003", "Breast lump (finding)"),
            found,
            abatement=b.later(found, 30, 60),
            body_site=side,
        )
    b.procedure(sct("71651007", "Mammography (procedure)"), b.later(found, 3, 10))
    b.procedure(
        sct("44578009", "Core needle biopsy of breast (procedure)"), b.later(found, 10, 20), side
    )
    diagnosed = b.later(found, 20, 30)
    b.condition(BREAST_CANCER, diagnosed, body_site=side)
    surgery = b.later(diagnosed, 14, 40)
    b.procedure(sct("392021009", "Lumpectomy of breast (procedure)"), surgery, side)
    if b.rng.random() < 0.6:
        b.procedure(
            sct("108290001", "Radiation oncology AND/OR radiotherapy (procedure)"),
            b.later(surgery, 30, 60),
        )
    if b.rng.random() < 0.7:
        b.medication_statement(
            rxnorm("198240", "Tamoxifen 10 MG Oral Tablet"),
            b.later(surgery, 20, 40),
            "2 tablets (20 mg) orally once daily",
        )
    if b.rng.random() < 0.4:
        b.family_history(("MTH", "mother"), BREAST_CANCER, diagnosed)
    gravida = b.rng.randint(0, 4)
    b.count("11996-6", "Gravida", gravida, diagnosed)
    b.count("11977-6", "Para", b.rng.randint(0, gravida), diagnosed)
    b.observation(
        "social-history",
        loinc("42802-9", "Age at menopause"),
        diagnosed,
        valueQuantity=years(b.rng.randint(45, 55)),
    )


def _cardiac(b: _Builder) -> None:
    hypertension = b.day(35, 55)
    b.condition(ESSENTIAL_HYPERTENSION, hypertension)
    if b.rng.random() < 0.6:
        b.condition(sct("44054006", "Diabetes mellitus type 2 (disorder)"), b.day(40, 65))
    if b.rng.random() < 0.5:
        infarction = b.day(50, 75)
        b.condition(MYOCARDIAL_INFARCTION, infarction, abatement=b.later(infarction, 25, 35))
        b.condition(sct("399211009", "History of myocardial infarction (situation)"), infarction)
        b.procedure(
            sct("232717009", "Coronary artery bypass grafting (procedure)"),
            b.later(infarction, 7, 20),
        )
    if b.rng.random() < 0.6:
        b.condition(sct("88805009", "Chronic congestive heart failure (disorder)"), b.day(55, 80))
    for _ in range(b.rng.randint(1, 2)):
        b.procedure(sct("40701008", "Echocardiography (procedure)"), b.day(50, 85))
    for code, display in b.rng.sample(_DRUGS, b.rng.randint(2, 4)):
        b.medication_request(rxnorm(code, display), b.later(hypertension, 0, 7000))
    visit = b.day(60, 90)
    smoking = b.rng.choice(_SMOKING)
    b.observation(
        "social-history",
        loinc("72166-2", "Tobacco smoking status"),
        visit,
        valueCodeableConcept=sct(*smoking),
    )
    if b.rng.random() < 0.5:
        b.family_history(b.rng.choice(_FAMILY_ROLES), MYOCARDIAL_INFARCTION, visit)
    b.blood_pressure(visit)
    b.observation(
        "vital-signs",
        loinc("8867-4", "Heart rate"),
        visit,
        valueQuantity=quantity(b.rng.randint(50, 100), "/min"),
    )


def _allergy(b: _Builder) -> None:
    for row in b.rng.sample(_ALLERGIES, b.rng.randint(1, 3)):
        code, display, category, criticality, reaction, severity = row
        b.allergy(
            sct(code, display),
            recorded=b.day(5, 40),
            category=category,
            criticality=criticality,
            reaction=reaction,
            severity=severity,
        )


def _obstetric(b: _Builder) -> None:
    period = b.day(20, 38)
    b.condition(sct("72892002", "Normal pregnancy (finding)"), b.later(period, 30, 40))
    visit = b.later(period, 50, 60)
    b.observation(
        "social-history",
        loinc("82810-3", "Pregnancy status"),
        visit,
        valueCodeableConcept=loinc("LA15173-0", "Pregnant"),
    )
    gravida = b.rng.randint(1, 4)
    b.count("11996-6", "Gravida", gravida, visit)
    b.count("11977-6", "Para", b.rng.randint(0, gravida - 1), visit)
    b.observation(
        "social-history",
        loinc("8665-2", "Last menstrual period start date"),
        visit,
        valueDateTime=period,
    )
    due = (date.fromisoformat(period) + timedelta(days=280)).isoformat()
    b.observation(
        "social-history", loinc("11778-8", "Delivery date Estimated"), visit, valueDateTime=due
    )
    b.medication_statement(
        rxnorm("198640", "folic acid 0.4 MG Oral Tablet"),
        b.later(period, 30, 40),
        "prenatal vitamin: 1 tablet orally once daily",
    )


def _empty(b: _Builder) -> None:
    del b


def _international(b: _Builder) -> None:
    b.condition(sct("195967001", "Asthma (disorder)"), b.day(5, 30))


def _hypertension(b: _Builder) -> None:
    b.condition(ESSENTIAL_HYPERTENSION, b.day(30, 60))
    if b.rng.random() < 0.5:
        b.blood_pressure(b.day(40, 80))


def _migraine(b: _Builder) -> None:
    b.condition(sct("37796009", "Migraine (disorder)"), b.day(12, 30))


@dataclass(frozen=True)
class _Archetype:
    """A demo patient as a pattern: name, share of women, birth years, history."""

    name: str
    female: float
    born: tuple[int, int]
    history: Callable[[_Builder], None]


ARCHETYPES = (
    _Archetype("breast", 1.0, (1940, 1975), _breast),
    _Archetype("cardiac", 0.3, (1935, 1965), _cardiac),
    _Archetype("allergy", 0.5, (1950, 2005), _allergy),
    _Archetype("obstetric", 1.0, (1985, 2005), _obstetric),
    _Archetype("empty", 0.5, (1940, 2010), _empty),
    _Archetype("international", 0.5, (1940, 2000), _international),
    _Archetype("hypertension", 0.0, (1940, 1985), _hypertension),
    _Archetype("migraine", 1.0, (1960, 2000), _migraine),
)
"""The demo's eight patients as archetypes, drawn in equal shares."""


def synth_patient(seed: int, index: int) -> SynthPatient:
    """Synthetic patient number ``index`` (from 0) of ``seed`` (module docstring)."""
    rng = random.Random(seed * _SEED_STRIDE + index)  # noqa: S311 - test data, not secrets
    archetype = rng.choice(ARCHETYPES)
    female = rng.random() < archetype.female
    birth = date(rng.randint(*archetype.born), 1, 1) + timedelta(days=rng.randrange(365))
    PatientID = f"SYN{seed}-{index:07d}"
    patient = SynthPatient(index, archetype.name, PatientID)
    resource = _patient_resource(rng, archetype, PatientID, female, birth)
    resource["id"] = f"synth-{seed}-{index:07d}"
    patient.resources.append(resource)
    archetype.history(_Builder(rng, patient, birth))
    return patient


def _patient_resource(
    rng: random.Random, archetype: _Archetype, PatientID: str, female: bool, birth: date
) -> JSONObject:
    """The Patient resource (its ``id`` is set by the caller)."""
    if archetype.name == "international":
        alphabetic, ideographic, phonetic = rng.choice(_JAPANESE)
        names = [
            human_name(*alphabetic),
            human_name(*ideographic, "IDE"),
            human_name(*phonetic, "SYL"),
        ]
    else:
        given = rng.choice(_GIVEN_F if female else _GIVEN_M)
        names = [human_name(rng.choice(_FAMILY), given)]
    identifier = {
        "use": "usual",
        "type": concept(V2_IDENTIFIER_TYPE, "MR", "Medical record number"),
        "system": SYNTH_SYSTEM,
        "value": PatientID,
        "assigner": {"display": SYNTH_ISSUER},
    }
    return {
        "resourceType": "Patient",
        "identifier": [identifier],
        "name": names,
        "gender": "female" if female else "male",
        "birthDate": birth.isoformat(),
    }
