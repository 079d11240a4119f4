"""FHIR Patient -> the Patient module part of a domain :class:`~rpiq.domain.Patient`.

Identifiers (``Patient.identifier``) become (Issuer of Patient ID, Patient ID) keys, all of them.
An identifier whose ``system`` is in the issuer map (:class:`rpiq.config.IssuerMapping`,
``rpiq import fhir --issuer-map FILE``) gets the mapped issuer; otherwise the issuer follows
:class:`rpiq.config.IssuerRule`: by default ``assigner.display`` when present, else the
identifier's ``system``. The Issuer of Patient ID Qualifiers come from the map entry when it
gives them, else from the system (:func:`issuer_qualifiers`): an OID is an ``ISO`` Universal
Entity ID, and a URI the issuer does not carry verbatim (shortened, or an assigner name used
instead) is kept whole as a ``URI`` one. An issuer longer than 64 characters (LO) is shortened
deterministically: first the URI scheme (``https://``) is dropped; if still too long, it becomes
its first 55 characters, ``~`` and the first 8 hex digits of the SHA-256 of the full value.
An identifier without a value, or whose value is not a valid LO (over 64 characters or with a
backslash), is skipped and counted.

The name is the ``official`` HumanName, else ``usual``, else the first one that is not ``old``
or ``maiden``, as ``Family^Given^Middle^Prefix^Suffix`` (further given names are the middle
name). Names marked with the ``iso21090-EN-representation`` extension fill the ideographic
(``IDE``) and phonetic (``SYL``) component groups; ``ABC`` or no mark is alphabetic.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter

from rpiq.config import ImportSettings, IssuerRule
from rpiq.domain import DomainError, PatientIdentifier, PersonName
from rpiq.ingest.fhir_codes import REPRESENTATION_EXTENSION
from rpiq.ingest.fhir_values import (
    FhirFormatError,
    JSONObject,
    dicom_date,
    dicom_datetime,
    get_object,
    get_objects,
    get_str,
    get_strs,
)

LO_LENGTH = 64
_OID = re.compile(r"^[0-2](\.(0|[1-9][0-9]*))+$")
_UUID = re.compile(r"^[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}$")
_URI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
_SEX_BY_GENDER = {"male": "M", "female": "F", "other": "O"}
_NAME_USE_PREFERENCE = ("official", "usual")
_UNWANTED_NAME_USES = frozenset({"old", "maiden"})
_PN_DELIMITERS = re.compile(r"[\^=\\]")


def patient_identifiers(
    resource: JSONObject, settings: ImportSettings, skipped: Counter[str]
) -> tuple[PatientIdentifier, ...]:
    """Every usable Patient.identifier as a key, in source order, without duplicates."""
    keys: list[PatientIdentifier] = []
    for identifier in get_objects(resource, "identifier"):
        PatientID = get_str(identifier, "value")
        if PatientID is None:
            skipped["Patient.identifier (no value)"] += 1
            continue
        try:
            key = identifier_key(PatientID, identifier, settings)
        except DomainError:
            skipped["Patient.identifier (not a valid LO value)"] += 1
            continue
        if key not in keys:
            keys.append(key)
    if not keys:
        raise FhirFormatError("no usable identifier (Patient.identifier with a value)")
    return tuple(keys)


def identifier_key(
    PatientID: str, identifier: JSONObject, settings: ImportSettings
) -> PatientIdentifier:
    """One Patient.identifier as a key: the issuer map entry of its system when there is one,
    else the issuer rule; qualifiers from the map entry, else from the system."""
    system = get_str(identifier, "system")
    mapping = settings.mapping_for(system)
    if mapping is None:
        IssuerOfPatientID = issuer_of(identifier, settings.issuer_rule)
    else:
        IssuerOfPatientID = mapping.IssuerOfPatientID
    if mapping is not None and mapping.UniversalEntityID:
        qualifiers = (mapping.UniversalEntityID, mapping.UniversalEntityIDType)
    else:
        qualifiers = issuer_qualifiers(system, IssuerOfPatientID)
    return PatientIdentifier(PatientID, IssuerOfPatientID, *qualifiers)


def issuer_qualifiers(system: str | None, IssuerOfPatientID: str) -> tuple[str, str]:
    """(Universal Entity ID, Universal Entity ID Type) derived from an identifier system:
    ``urn:oid:X`` -> (X, ISO); ``urn:uuid:X`` -> (X, UUID); any other URI -> (the URI, URI)
    unless the issuer is that URI verbatim; no system, or not a URI -> none."""
    if system is None:
        return "", ""
    lowered = system.lower()
    if lowered.startswith("urn:oid:") and _OID.match(system[8:]):
        return system[8:], "ISO"
    if lowered.startswith("urn:uuid:") and _UUID.match(system[9:]):
        return system[9:].lower(), "UUID"
    if _URI_SCHEME.match(system) and system != IssuerOfPatientID:
        return system, "URI"
    return "", ""


def issuer_of(identifier: JSONObject, rule: IssuerRule) -> str:
    """The Issuer of Patient ID for one Patient.identifier under ``rule`` (module docstring)."""
    assigner = get_object(identifier, "assigner")
    display = get_str(assigner, "display") if assigner is not None else None
    system = get_str(identifier, "system")
    if rule is IssuerRule.SYSTEM:
        issuer = system
    elif rule is IssuerRule.ASSIGNER:
        issuer = display
    else:
        issuer = display or system
    return shorten_issuer(issuer or "")


def shorten_issuer(issuer: str) -> str:
    """``issuer`` fitted into 64 characters (LO), deterministically (module docstring)."""
    if len(issuer) <= LO_LENGTH:
        return issuer
    without_scheme = re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://", "", issuer)
    if len(without_scheme) <= LO_LENGTH:
        return without_scheme
    digest = hashlib.sha256(issuer.encode("utf-8")).hexdigest()[:8]
    return f"{without_scheme[:55]}~{digest}"


def patient_name(resource: JSONObject) -> PersonName | None:
    """Patient.name as a DICOM PN with up to three component groups."""
    names = [name for name in get_objects(resource, "name") if _name_components(name)]
    if not names:
        return None
    chosen = _preferred_names(names)
    groups = {"ABC": "", "IDE": "", "SYL": ""}
    for name in chosen:
        representation = _representation(name)
        if not groups[representation]:
            groups[representation] = _name_components(name)
    if not groups["ABC"] and not groups["IDE"] and not groups["SYL"]:
        return None
    return PersonName(groups["ABC"], groups["IDE"], groups["SYL"])


def _preferred_names(names: list[JSONObject]) -> list[JSONObject]:
    for use in _NAME_USE_PREFERENCE:
        chosen = [name for name in names if get_str(name, "use") == use]
        if chosen:
            return chosen
    wanted = [name for name in names if get_str(name, "use") not in _UNWANTED_NAME_USES]
    return wanted or names[:1]


def _representation(name: JSONObject) -> str:
    for extension in get_objects(name, "extension"):
        if get_str(extension, "url") == REPRESENTATION_EXTENSION:
            code = get_str(extension, "valueCode")
            if code in ("IDE", "SYL"):
                return code
    return "ABC"


def _name_components(name: JSONObject) -> str:
    """``Family^Given^Middle^Prefix^Suffix`` without trailing empty components."""
    given = get_strs(name, "given")
    family = get_str(name, "family")
    if family is None and not given:
        text = get_str(name, "text")
        return _clean(text) if text else ""
    components = [
        _clean(family or ""),
        _clean(given[0]) if given else "",
        _clean(" ".join(given[1:])),
        _clean(" ".join(get_strs(name, "prefix"))),
        _clean(" ".join(get_strs(name, "suffix"))),
    ]
    while components and not components[-1]:
        components.pop()
    return "^".join(components)


def _clean(component: str) -> str:
    """A name part without PN delimiters (``^``, ``=``, ``\\``)."""
    if "^" not in component and "=" not in component and "\\" not in component:
        return component.strip()
    return _PN_DELIMITERS.sub(" ", component).strip()


def patient_sex(resource: JSONObject) -> str | None:
    """Patient.gender as Patient's Sex: male/female/other -> M/F/O; unknown or absent -> None."""
    return _SEX_BY_GENDER.get(get_str(resource, "gender") or "")


def patient_birth_date(resource: JSONObject) -> str | None:
    """Patient.birthDate as a (possibly partial) DICOM date."""
    return dicom_date(get_str(resource, "birthDate"))


def patient_deceased(resource: JSONObject) -> str | None:
    """Patient.deceasedDateTime as a DICOM date/time (``deceasedBoolean`` carries no date)."""
    return dicom_datetime(get_str(resource, "deceasedDateTime"))
