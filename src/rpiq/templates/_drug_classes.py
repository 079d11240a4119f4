"""Drug classes of RxNorm drugs, for the therapy rows of TID 3802 / TID 3829 and the
Classification row of TID 9002 (mapping table: ``docs/clinical-mapping.md`` §Medications).

RxNorm names clinical drugs after their ingredients ("carvedilol 25 MG Oral Tablet",
"lisinopril 10 MG / hydrochlorothiazide 12.5 MG Oral Tablet", "24 HR metformin hydrochloride
500 MG Extended Release Oral Tablet"), so the ingredient is a whole word of the drug's name.
A drug belongs to a class when one of its words is an ingredient listed for that class below;
a combination product belongs to every class of its ingredients. Only codes of scheme RXNORM are
classified (another vocabulary's display is not a normalised name). Branded drug names that
hide the ingredient ("Verzenio 100 MG Oral Tablet") are not classified: nothing is guessed.

Every ingredient listed is a member of its class by its pharmacology (WHO ATC level 3/4 group of
the same name; for CID 3762, the Vaughan Williams class).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rpiq.domain import Code
from rpiq.templates import _codes as dcm

RXNORM = "RXNORM"
_WORD = re.compile(r"[a-z]+")
_BRAND = re.compile(r"\[([^\[\]]+)\]\s*$")


@dataclass(frozen=True)
class DrugClass:
    """A context group member (the class) and the ingredients that belong to it."""

    code: Code
    ingredients: frozenset[str]


def _drug_class(code: Code, *ingredients: str) -> DrugClass:
    return DrugClass(code, frozenset(ingredients))


BETA_BLOCKERS = (
    "carvedilol", "metoprolol", "atenolol", "bisoprolol", "propranolol", "nebivolol",
    "labetalol", "nadolol",
)  # fmt: skip

HYPERTENSION_THERAPY: tuple[DrugClass, ...] = (
    _drug_class(dcm.BETA_BLOCKER, *BETA_BLOCKERS),
    _drug_class(
        dcm.CALCIUM_CHANNEL_BLOCKER,
        "amlodipine", "nifedipine", "felodipine", "diltiazem", "verapamil", "nicardipine",
    ),
    _drug_class(dcm.NITRATE_VASODILATOR, "nitroglycerin", "isosorbide"),
    _drug_class(
        dcm.ACE_INHIBITOR,
        "lisinopril", "captopril", "enalapril", "ramipril", "benazepril", "quinapril",
        "perindopril", "fosinopril", "trandolapril",
    ),
    _drug_class(
        dcm.ANGIOTENSIN_II_RECEPTOR_ANTAGONIST,
        "losartan", "valsartan", "irbesartan", "candesartan", "olmesartan", "telmisartan",
    ),
    _drug_class(
        dcm.DIURETIC,
        "furosemide", "hydrochlorothiazide", "chlorthalidone", "bumetanide", "torsemide",
        "indapamide", "spironolactone",
    ),
)  # fmt: skip
"""CID 3760 Hypertension Therapy (TID 3802 row 7 $Therapy)."""

ANTILIPEMIC_AGENTS: tuple[DrugClass, ...] = (
    _drug_class(
        dcm.STATINS,
        "atorvastatin", "simvastatin", "rosuvastatin", "pravastatin", "lovastatin",
        "fluvastatin", "pitavastatin",
    ),
    _drug_class(dcm.FIBRATE, "fenofibrate", "gemfibrozil", "bezafibrate"),
    _drug_class(dcm.BILE_ACID_SEQUESTRANT, "cholestyramine", "colesevelam", "colestipol"),
)  # fmt: skip
"""CID 3761 Antilipemic Agent (TID 3802 row 8 $Therapy)."""

ANTIARRHYTHMIC_AGENTS: tuple[DrugClass, ...] = (
    _drug_class(
        dcm.CLASS_I_ANTIARRHYTHMIC_AGENT,
        "flecainide", "propafenone", "quinidine", "procainamide", "disopyramide", "mexiletine",
    ),
    _drug_class(dcm.CLASS_II_ANTIARRHYTHMIC_AGENT, *BETA_BLOCKERS),
    _drug_class(
        dcm.CLASS_III_ANTIARRHYTHMIC_AGENT,
        "amiodarone", "sotalol", "dofetilide", "dronedarone", "ibutilide",
    ),
    _drug_class(dcm.CLASS_IV_ANTIARRHYTHMIC_AGENT, "verapamil", "diltiazem"),
)  # fmt: skip
"""CID 3762 Antiarrhythmic Agent (TID 3802 row 9 $Therapy)."""

DIABETIC_THERAPY: tuple[DrugClass, ...] = (
    _drug_class(
        dcm.DIABETIC_ON_ORAL_TREATMENT,
        "metformin", "glipizide", "glyburide", "glimepiride", "gliclazide", "sitagliptin",
        "saxagliptin", "linagliptin", "alogliptin", "pioglitazone", "canagliflozin",
        "dapagliflozin", "empagliflozin", "repaglinide", "nateglinide", "acarbose",
    ),
    _drug_class(dcm.DIABETIC_ON_INSULIN, "insulin"),
)  # fmt: skip
"""CID 3722 Diabetic Therapy (TID 3802 row 6 $Therapy): what the patient's drugs say about
how the diabetes is treated (oral agents, insulin)."""

CLASSIFICATION_TABLES: tuple[tuple[DrugClass, ...], ...] = (
    HYPERTENSION_THERAPY,
    ANTILIPEMIC_AGENTS,
    ANTIARRHYTHMIC_AGENTS[0:1] + ANTIARRHYTHMIC_AGENTS[2:3],  # class I and III; II/IV above
)
"""Drug classes used as TID 9002 row 3 "Classification" (any code under TID 9007)."""


def ingredients(drug: Code) -> frozenset[str]:
    """The lower-case words of an RxNorm drug's name (empty for any other scheme)."""
    if drug.scheme != RXNORM:
        return frozenset()
    return frozenset(_WORD.findall(drug.meaning.lower()))


def classes_of(drug: Code, table: tuple[DrugClass, ...]) -> tuple[Code, ...]:
    """The classes of ``table`` the drug belongs to, in table order."""
    words = ingredients(drug)
    return tuple(entry.code for entry in table if entry.ingredients & words)


def classification(drug: Code) -> Code | None:
    """The drug's class for TID 9002 row 3, or ``None`` when it is not one listed here."""
    for table in CLASSIFICATION_TABLES:
        found = classes_of(drug, table)
        if found:
            return found[0]
    return None


def brand_name(drug: Code) -> str | None:
    """The brand an RxNorm branded drug names in brackets (``... [Glucophage XR]``), if any."""
    if drug.scheme != RXNORM:
        return None
    found = _BRAND.search(drug.meaning)
    return found.group(1).strip() if found else None
