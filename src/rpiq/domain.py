"""Plain, typed patient data: identifiers, demographics and clinical facts.

This is the innermost layer (see ``../shared/guides/engineering.md``): standard library only,
no I/O. Everything else (templates, store, ingest) speaks these types.

Dates and times are kept as strings in DICOM form, because sources are often partial
(FHIR ``1973`` or ``1973-11``) and DICOM DA/DT allow the same precision:

- a *date* is ``YYYY``, ``YYYYMM`` or ``YYYYMMDD`` (DICOM DA is strictly ``YYYYMMDD``; the
  template layer decides how to render a partial date);
- a *datetime* is a DICOM DT prefix: ``YYYY[MM[DD[HH[MM[SS[.FFFFFF]]]]]]`` with an optional
  ``&ZZXX`` offset.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

_DT_PATTERN = re.compile(
    r"^\d{4}(\d{2}(\d{2}(\d{2}(\d{2}(\d{2}(\.\d{1,6})?)?)?)?)?)?([+-]\d{4})?\Z", re.ASCII
)
_SEX_VALUES = frozenset({"M", "F", "O"})


class DomainError(ValueError):
    """A value that violates the domain model (raised at construction time)."""


def check_datetime(value: str | None, what: str) -> None:
    """Raise :class:`DomainError` unless ``value`` is ``None`` or a DICOM DT prefix."""
    if value is not None and not _DT_PATTERN.match(value):
        raise DomainError(f"{what}: {value!r} is not a DICOM date/time (YYYY[MM[DD[HHMMSS]]])")


@dataclass(frozen=True, slots=True)
class Code:
    """A coded concept: (Code Value, Coding Scheme Designator, Code Meaning).

    Equality and hashing use value and scheme only, as PS3.16 6.1.8 requires
    ("irrespective of the string value of Code Meaning").
    """

    value: str
    scheme: str
    meaning: str = field(compare=False)
    scheme_version: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not self.value or not self.scheme:
            raise DomainError(f"code needs a value and a scheme: {self!r}")
        if not self.meaning:
            raise DomainError(f"code ({self.value}, {self.scheme}) has no meaning")

    def __str__(self) -> str:
        return f'({self.value}, {self.scheme}, "{self.meaning}")'


UNIVERSAL_ENTITY_ID_TYPES = frozenset({"DNS", "EUI64", "ISO", "URI", "UUID", "X400", "X500"})
"""Enumerated values of Universal Entity ID Type (0040,0033)."""
_ENTITY_TYPES = UNIVERSAL_ENTITY_ID_TYPES


@dataclass(frozen=True, slots=True)
class PatientIdentifier:
    """One (Issuer of Patient ID, Patient ID) key. An empty issuer means "no issuer known".

    ``UniversalEntityID`` and ``UniversalEntityIDType`` are the Issuer of Patient ID Qualifiers
    (0010,0024) of the issuer (e.g. an OID with type ``ISO``, or a URI too long for the LO
    issuer). They describe the issuer; they are not part of the key (``compare=False``).
    """

    PatientID: str
    IssuerOfPatientID: str = ""
    UniversalEntityID: str = field(default="", compare=False)
    UniversalEntityIDType: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.PatientID.strip():
            raise DomainError("Patient ID is empty")
        if len(self.PatientID) > 64 or len(self.IssuerOfPatientID) > 64:
            raise DomainError(f"Patient ID or issuer longer than 64 characters (LO): {self!r}")
        if "\\" in self.PatientID or "\\" in self.IssuerOfPatientID:
            raise DomainError(f"backslash is not allowed in an LO value: {self!r}")
        kind = self.UniversalEntityIDType
        if bool(self.UniversalEntityID) != bool(kind) or (kind and kind not in _ENTITY_TYPES):
            raise DomainError(
                f"Universal Entity ID needs a type ({', '.join(sorted(_ENTITY_TYPES))}) and "
                f"the type an ID: {self!r}"
            )


@dataclass(frozen=True, slots=True)
class PersonName:
    """A DICOM PN value: up to three component groups (alphabetic, ideographic, phonetic).

    Each group is ``Family^Given^Middle^Prefix^Suffix``. The repertoire is whatever the
    characters need; the encode layer picks the Specific Character Set.
    """

    alphabetic: str
    ideographic: str = ""
    phonetic: str = ""

    def to_dicom(self) -> str:
        groups = [self.alphabetic, self.ideographic, self.phonetic]
        while groups and not groups[-1]:
            groups.pop()
        return "=".join(groups)

    @classmethod
    def from_dicom(cls, value: str) -> PersonName:
        parts = [*value.split("="), "", "", ""][:3]
        return cls(parts[0], parts[1], parts[2])


@dataclass(frozen=True, slots=True)
class Quantity:
    """A numeric value with its UCUM unit."""

    value: float
    unit: Code


class FactKind(StrEnum):
    """The kinds of relevant patient information (engineering guide, *domain*)."""

    PROBLEM = "problem"
    ALLERGY = "allergy"
    MEDICATION = "medication"
    SUBSTANCE_USE = "substance-use"
    ENVIRONMENTAL_EXPOSURE = "environmental-exposure"
    PROCEDURE = "procedure"
    RISK_FACTOR = "risk-factor"
    FAMILY_HISTORY = "family-history"
    GYNECOLOGICAL = "gynecological"
    OBSTETRIC = "obstetric"
    VITAL_SIGN = "vital-sign"
    MEASUREMENT = "measurement"
    SOCIAL_HISTORY = "social-history"
    DEVICE = "device"
    PREVIOUS_REPORT = "previous-report"


class FactStatus(StrEnum):
    """Normalised clinical status of a fact, independent of the source vocabulary."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    RESOLVED = "resolved"
    COMPLETED = "completed"
    STOPPED = "stopped"
    ON_HOLD = "on-hold"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class ClinicalFact:
    """One piece of relevant patient information.

    ``code`` says *what* the fact is about: the problem, the drug, the procedure, the
    observation's concept (e.g. LOINC 11996-6 Gravida, SCT 72166-2 Tobacco smoking status).
    An observation's value is ``value_code`` (coded) or ``quantity`` (numeric) or ``text``.
    ``relative`` is the family member for family history (CID 7451 when codable).
    ``source`` identifies where the fact came from (e.g. ``Condition/123``) for provenance.
    """

    kind: FactKind
    code: Code
    status: FactStatus = FactStatus.UNKNOWN
    value_code: Code | None = None
    quantity: Quantity | None = None
    text: str | None = None
    started: str | None = None
    ended: str | None = None
    recorded: str | None = None
    laterality: Code | None = None
    body_site: Code | None = None
    severity: Code | None = None
    relative: Code | None = None
    category: Code | None = None
    source: str | None = None

    def __post_init__(self) -> None:
        # The messages are built only when a check fails (a hot spot of large imports).
        match = _DT_PATTERN.match
        started, ended, recorded = self.started, self.ended, self.recorded
        if not (
            (started is None or match(started))
            and (ended is None or match(ended))
            and (recorded is None or match(recorded))
        ):
            what = f"{self.kind} {self.code.value}"
            check_datetime(started, f"{what} start")
            check_datetime(ended, f"{what} end")
            check_datetime(recorded, f"{what} recorded")
        if self.kind is FactKind.FAMILY_HISTORY and self.relative is None:
            raise DomainError(f"family history {self.code} names no relative")


@dataclass(frozen=True, slots=True)
class Patient:
    """A patient: identifiers, Patient module demographics and clinical facts.

    ``other_attributes`` holds further Patient Identification / Demographic module attributes
    by DICOM keyword (e.g. ``EthnicGroup``, ``PatientComments``) as their string values.
    ``source`` is the stable key of the record in its source (e.g. ``fhir:Patient/abc``);
    re-importing the same source replaces the record instead of adding a second one.
    """

    identifiers: tuple[PatientIdentifier, ...]
    name: PersonName | None = None
    birth_date: str | None = None
    sex: str | None = None
    other_attributes: tuple[tuple[str, str], ...] = ()
    facts: tuple[ClinicalFact, ...] = ()
    deceased: str | None = None
    source: str | None = None

    def __post_init__(self) -> None:
        if not self.identifiers:
            raise DomainError("a patient needs at least one identifier")
        if len(set(self.identifiers)) != len(self.identifiers):
            raise DomainError(f"duplicate identifiers: {self.identifiers!r}")
        if self.sex is not None and self.sex not in _SEX_VALUES:
            raise DomainError(f"Patient's Sex {self.sex!r} is not M, F or O")
        check_datetime(self.birth_date, "birth date")
        check_datetime(self.deceased, "deceased date")

    def facts_of(self, *kinds: FactKind) -> tuple[ClinicalFact, ...]:
        """The facts of the given kinds, in stored order."""
        return tuple(fact for fact in self.facts if fact.kind in kinds)

    def has_identifier(self, PatientID: str, IssuerOfPatientID: str | None) -> bool:
        """Single Value Matching against every identifier (issuer ``None`` matches any)."""
        return any(
            ident.PatientID == PatientID
            and (IssuerOfPatientID is None or ident.IssuerOfPatientID == IssuerOfPatientID)
            for ident in self.identifiers
        )
