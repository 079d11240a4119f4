"""What the standard says about RPI answers, as the checks need it (PS3.4-2024c Annex Q,
PS3.16-2024c Annex K and the root templates' first rows; digest §1 and §2).

Written out here, apart from rpiq's own template builders, so that the tester judges any SCP,
ours included, against the standard's text rather than against our implementation.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from rpiq.net.sop_names import SopName

SPECIFIC_CHARACTER_SET = 0x00080005
PATIENT_ID = 0x00100020

ROOT_ORDER: Final = ("9007", "9000", "9001", "9002", "9003", "9004", "9005", "9006", "3802")
"""PS3.16 Annex K, in the order the report lists them."""

ALLOWED_ROOTS: Final[Mapping[SopName, tuple[str, ...]]] = MappingProxyType(
    {
        "general": ROOT_ORDER,  # Table Q.4-3: TID 9007 "or from the list in PS3.16"
        "breast": ("9000",),
        "cardiac": ("3802",),
    }
)

DEFAULT_ROOT: Final[Mapping[SopName, str]] = MappingProxyType(
    {"general": "9007", "breast": "9000", "cardiac": "3802"}
)

BOGUS_TEMPLATE = "99999"
"""A Template Identifier that names no PS3.16 template."""

REFUSED_TEMPLATES: Final[Mapping[SopName, tuple[str, ...]]] = MappingProxyType(
    {
        # The General list is extensible (note under Table Q.4-3): only a bogus TID must fail.
        "general": (BOGUS_TEMPLATE,),
        "breast": ("3802", "9007", BOGUS_TEMPLATE),
        "cardiac": ("9000", "9007", BOGUS_TEMPLATE),
    }
)
"""Templates a SOP class does not allow: the answer must be C200."""

FIRST_ROW_CONCEPTS: Final[Mapping[str, frozenset[tuple[str, str]]]] = MappingProxyType(
    {
        "9007": frozenset({("111517", "DCM")}),  # Relevant Patient Information
        "9000": frozenset({("111511", "DCM")}),  # ... for Breast Imaging
        "9001": frozenset({("267011001", "SCT")}),  # Gynecological History
        # TID 9002 row 1 is $ContainerConcept: the values TID 9007 rows 4-6 bind it to.
        "9002": frozenset({("10160-0", "LN"), ("111545", "DCM"), ("111547", "DCM")}),
        "9003": frozenset({("111513", "DCM")}),  # Relevant Previous Procedures
        "9004": frozenset({("11450-4", "LN")}),  # Problem List
        "9005": frozenset({("111515", "DCM")}),  # Relevant Risk Factors
        "9006": frozenset({("248983002", "SCT")}),  # Obstetric History
        "3802": frozenset({("11329-0", "LN")}),  # History
    }
)
"""Concept Name of each root template's first row (Code Value, Coding Scheme Designator):
the response's Concept Name Code Sequence must be one of these (Q.4.3.1.2.1). Every first
row is a CONTAINER."""

ROOT_CONCEPT_MEANING: Final[Mapping[SopName, tuple[str, str, str]]] = MappingProxyType(
    {
        "general": ("111517", "DCM", "Relevant Patient Information"),
        "breast": ("111511", "DCM", "Relevant Patient Information for Breast Imaging"),
        "cardiac": ("11329-0", "LN", "History"),
    }
)
"""The default root's concept, put into a request's Concept Name Code Sequence to see it
refused (Q.4.3.1.2.1: that sequence "shall always be sent zero length")."""

RETURN_KEY_TYPES: Final[Mapping[str, int]] = MappingProxyType(
    {
        "PatientName": 1,
        "PatientID": 1,
        "IssuerOfPatientID": 2,
        "PatientBirthDate": 2,
        "PatientSex": 2,
        "ObservationDateTime": 1,
        "ValueType": 1,
        "ConceptNameCodeSequence": 1,
        "ContentSequence": 2,
        "ContentTemplateSequence": 1,
    }
)
"""Return Key Types of Tables Q.4-1 and Q.4-2: requested, a Type 1 key comes back with a
value, a Type 2 key comes back (possibly zero length)."""

SPECIFIED_IN_RESPONSE: Final = frozenset(
    {
        "SpecificCharacterSet",
        "ContentTemplateSequence",
        "ConceptNameCodeSequence",
        "ValueType",
        "ContentSequence",
    }
)
"""Attributes Q.2.1.1.3.2 specifies for the response whether or not they were requested."""
