"""The Patient module of one DICOM instance -> a :class:`~rpiq.domain.Patient` (no facts).

Read (PS3.3 C.7.1.1 Patient Module, C.2.2/C.2.3 where an instance carries them):

- Patient ID (0010,0020), Issuer of Patient ID (0010,0021) and the Issuer of Patient ID
  Qualifiers Sequence (0010,0024): its Universal Entity ID (0040,0032) and Universal Entity ID
  Type (0040,0033) describe the issuer (kept on the identifier, not part of the key);
- Other Patient IDs Sequence (0010,1002): each item's Patient ID, Issuer and qualifiers become
  further identifiers of the record (items without a Patient ID, or repeating the primary
  identifier, are dropped with a note);
- Patient's Name with its three component groups, decoded by pydicom with the instance's
  Specific Character Set; Patient's Birth Date (a valid DA) and Patient's Sex (M, F, O);
- the string-valued Patient Identification / Demographic attributes listed in
  :data:`OTHER_PATIENT_KEYWORDS`, as ``Patient.other_attributes``.

An instance without a usable Patient ID raises :class:`~rpiq.errors.ImportRefused`; an invalid
birth date, sex or qualifier is dropped with a note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from pydicom.dataset import Dataset
from pydicom.multival import MultiValue

from rpiq.domain import UNIVERSAL_ENTITY_ID_TYPES, DomainError, PatientIdentifier, PersonName
from rpiq.errors import ImportRefused

OTHER_PATIENT_KEYWORDS = (
    "OtherPatientNames",
    "PatientBirthName",
    "PatientMotherBirthName",
    "PatientAge",
    "PatientSize",
    "PatientWeight",
    "EthnicGroup",
    "Occupation",
    "PatientComments",
    "PatientBirthTime",
    "PatientReligiousPreference",
    "ResponsiblePerson",
    "ResponsibleOrganization",
)
"""Further Patient module attributes kept as text (the query service returns those asked)."""
PATIENT_KEYWORDS = (
    "PatientName",
    "PatientID",
    "IssuerOfPatientID",
    "IssuerOfPatientIDQualifiersSequence",
    "OtherPatientIDsSequence",
    "PatientBirthDate",
    "PatientSex",
    *OTHER_PATIENT_KEYWORDS,
)
"""Every attribute :func:`read_demographics` reads."""
_DA_PATTERN = re.compile(r"^\d{8}$")
_SEX_VALUES = frozenset({"M", "F", "O"})


@dataclass(frozen=True)
class Demographics:
    """The Patient module of one instance; ``notes`` say what was dropped while reading."""

    identifiers: tuple[PatientIdentifier, ...]
    name: PersonName | None
    birth_date: str | None
    sex: str | None
    other_attributes: tuple[tuple[str, str], ...]
    notes: tuple[str, ...] = ()

    @property
    def identifier(self) -> PatientIdentifier:
        """The primary identifier (Patient ID, Issuer of Patient ID)."""
        return self.identifiers[0]

    def conflicts(self, other: Demographics) -> list[str]:
        """The attributes both instances give but with different values (a value one of them
        lacks is no conflict)."""
        found: list[str] = []
        pairs = (
            ("Patient's Name", _name_text(self.name), _name_text(other.name)),
            ("Patient's Birth Date", self.birth_date, other.birth_date),
            ("Patient's Sex", self.sex, other.sex),
            ("Universal Entity ID", self.identifier.UniversalEntityID or None,
             other.identifier.UniversalEntityID or None),
        )  # fmt: skip
        for label, mine, theirs in pairs:
            if mine and theirs and mine != theirs:
                found.append(f"{label} {theirs!r} differs from {mine!r}")
        return found


def read_demographics(dataset: Dataset, location: str) -> Demographics:
    """The Patient module of ``dataset`` (module docstring); ``location`` names it in errors."""
    notes: list[str] = []
    primary = _identifier(dataset, location, notes, primary=True)
    if primary is None:
        raise ImportRefused(location, "no Patient ID (0010,0020)")
    identifiers = [primary]
    for index, item in enumerate(_sequence(dataset, "OtherPatientIDsSequence"), start=1):
        other = _identifier(item, f"Other Patient IDs Sequence item {index}", notes)
        if other is not None and other not in identifiers:
            identifiers.append(other)
    return Demographics(
        identifiers=tuple(identifiers),
        name=person_name(dataset),
        birth_date=_birth_date(dataset, notes),
        sex=_sex(dataset, notes),
        other_attributes=_other_attributes(dataset),
        notes=tuple(notes),
    )


def _identifier(
    dataset: Dataset, where: str, notes: list[str], *, primary: bool = False
) -> PatientIdentifier | None:
    PatientID = text_of(dataset, "PatientID").strip()
    if not PatientID:
        if not primary:
            notes.append(f"{where}: no Patient ID, dropped")
        return None
    IssuerOfPatientID = text_of(dataset, "IssuerOfPatientID").strip()
    UniversalEntityID, UniversalEntityIDType = _qualifiers(dataset, notes)
    try:
        return PatientIdentifier(
            PatientID, IssuerOfPatientID, UniversalEntityID, UniversalEntityIDType
        )
    except DomainError as exc:
        if primary:
            raise ImportRefused(where, str(exc)) from exc
        notes.append(f"{where}: {exc}, dropped")
        return None


def _qualifiers(dataset: Dataset, notes: list[str]) -> tuple[str, str]:
    """Universal Entity ID and its type from Issuer of Patient ID Qualifiers Sequence."""
    items = _sequence(dataset, "IssuerOfPatientIDQualifiersSequence")
    if not items:
        return "", ""
    UniversalEntityID = text_of(items[0], "UniversalEntityID").strip()
    UniversalEntityIDType = text_of(items[0], "UniversalEntityIDType").strip().upper()
    if not UniversalEntityID and not UniversalEntityIDType:
        return "", ""
    if not UniversalEntityID or UniversalEntityIDType not in UNIVERSAL_ENTITY_ID_TYPES:
        notes.append(
            f"invalid Issuer of Patient ID Qualifiers (Universal Entity ID "
            f"{UniversalEntityID!r}, type {UniversalEntityIDType!r}) dropped"
        )
        return "", ""
    return UniversalEntityID, UniversalEntityIDType


def _sequence(dataset: Dataset, keyword: str) -> list[Dataset]:
    value = dataset.get(keyword)
    return list(value) if value else []


def text_of(dataset: Dataset, keyword: str) -> str:
    """The element's value as text (``""`` when absent or empty; several values joined by
    a backslash, as DICOM writes them)."""
    element = dataset.get(keyword)
    if element is None:
        return ""
    if isinstance(element, MultiValue):
        return "\\".join(str(part) for part in element)
    return str(element)


def person_name(dataset: Dataset, keyword: str = "PatientName") -> PersonName | None:
    """The three component groups of a PN element, as pydicom decoded them."""
    value = dataset.get(keyword)
    if value is None or not hasattr(value, "components"):
        return None
    groups = [*value.components, "", ""][:3]
    if not any(groups):
        return None
    return PersonName(groups[0], groups[1], groups[2])


def _name_text(name: PersonName | None) -> str | None:
    return name.to_dicom() if name is not None else None


def _birth_date(dataset: Dataset, notes: list[str]) -> str | None:
    value = text_of(dataset, "PatientBirthDate").strip()
    if not value:
        return None
    if _DA_PATTERN.match(value):
        try:
            date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError:
            pass
        else:
            return value
    notes.append(f"invalid Patient's Birth Date {value!r} dropped")
    return None


def _sex(dataset: Dataset, notes: list[str]) -> str | None:
    value = text_of(dataset, "PatientSex").strip().upper()
    if not value:
        return None
    if value in _SEX_VALUES:
        return value
    notes.append(f"invalid Patient's Sex {value!r} dropped")
    return None


def _other_attributes(dataset: Dataset) -> tuple[tuple[str, str], ...]:
    found: list[tuple[str, str]] = []
    for keyword in OTHER_PATIENT_KEYWORDS:
        value = text_of(dataset, keyword).strip()
        if value:
            found.append((keyword, value))
    return tuple(found)
