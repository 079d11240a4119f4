"""Reading and validating a C-FIND request identifier (PS3.4 Q.2.1.1.3.1, Tables Q.4-1 and Q.4-2).

The request may be a lazily decoded pydicom Dataset: any exception while reading an attribute
we need becomes :class:`InvalidIdentifier` ("identifier cannot be decoded", A900). Attributes we
do not need (return keys) are never decoded, so a broken Patient's Name cannot fail a query.

Decisions (the Conformance Statement repeats them):

1. **Padding.** Patient ID and Issuer of Patient ID are LO. PS3.5 Table 6.2-1 defines LO as "a
   character string that may be padded with leading and/or trailing spaces", so leading and
   trailing SPACE (20H) characters are padding and are removed; so is trailing NUL (00H), which
   pydicom's decoder already strips from values read off the wire (in-memory and wire requests
   then behave alike). What remains is compared by Single Value Matching (PS3.4 C.2.2.2.1):
   exactly and case-sensitively. Nothing else is folded: inner spaces, case, accents and
   Unicode normal form are all significant.
2. **Patient ID** (Matching Key Type R, "shall be present"): missing, zero length (or padding
   only), more than one value, a wild card ``*``/``?`` (C.2.2.2.1 excludes wild cards from Single
   Value Matching), or a control character (not allowed in LO) → A900, Offending Element
   (0010,0020).
3. **Issuer of Patient ID**: absent → no constraint, not returned; zero length → Universal
   Matching (C.2.2.2.3), returned as a return key; a value → exact match on it too. Wild cards,
   several values or control characters → A900, Offending Element (0010,0021).
4. **Content Template Sequence** (Table Q.4-2): absent, or present with zero items → the SOP
   class's default root (tolerant decoding: the meaning "no template named" is clear); the
   response then carries the default root's item. A malformed item list violates Table Q.4-2
   (Type 1 attributes) and is answered A900 with Offending Element (0040,A504): more than one
   item, or an item without a Mapping Resource or Template Identifier value. A well-formed item
   naming a template this SOP class does not offer here is answered C200 ("Unable to support
   requested template"): a Mapping Resource other than ``DCMR`` (or a Mapping Resource UID other
   than DCMR's), or a Template Identifier not among the SOP class's roots. The digest (§1.9)
   suggests A900 for a Mapping Resource other than DCMR; we read such an item as a request for a
   template we do not support (the issue's "anything else → C200").
5. **Concept Name Code Sequence / Content Sequence** "shall always be sent zero length"
   (Q.4.3.1.2.1): one or more items → A900 with that Offending Element.
6. **Return keys** (Matching Key Type "-": Patient's Name, Birth Date, Sex, Observation
   DateTime, Value Type, ...): a value sent in the request is ignored, never used to filter, and
   the stored value is returned (digest §1.7, the tolerant reading).
7. **Specific Character Set**: the request is decoded with its own Specific Character Set. A
   value pydicom does not know exactly (e.g. a misspelling it would guess at) → A900, Offending
   Element (0008,0005): guessing the character set of a Patient ID risks answering for the
   wrong patient.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pydicom.charset import python_encoding
from pydicom.datadict import keyword_for_tag
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence
from pydicom.tag import Tag

from rpiq.errors import InvalidIdentifier, QueryError, TemplateNotSupported
from rpiq.service.status import MAPPING_RESOURCE_DCMR, MAPPING_RESOURCE_DCMR_UID, SOPClass

SPECIFIC_CHARACTER_SET = 0x00080005
MAPPING_RESOURCE = 0x00080105
MAPPING_RESOURCE_UID = 0x00080118
PATIENT_ID = 0x00100020
ISSUER_OF_PATIENT_ID = 0x00100021
CONCEPT_NAME_CODE_SEQUENCE = 0x0040A043
CONTENT_TEMPLATE_SEQUENCE = 0x0040A504
CONTENT_SEQUENCE = 0x0040A730
TEMPLATE_IDENTIFIER = 0x0040DB00

_WILD_CARDS = frozenset("*?")
_REPLACEMENT_CHARACTER = "\ufffd"
"""What pydicom puts in place of bytes invalid in the declared character set."""


@dataclass(frozen=True)
class TemplateRequest:
    """The Content Template Sequence item to answer with (requested, or the default root)."""

    MappingResource: str
    TemplateIdentifier: str
    MappingResourceUID: str | None = None

    def to_item(self) -> Dataset:
        """The item for the response's Content Template Sequence, as the request gave it."""
        item = Dataset()
        item.add(DataElement(MAPPING_RESOURCE, "CS", self.MappingResource))
        if self.MappingResourceUID is not None:
            item.add(DataElement(MAPPING_RESOURCE_UID, "UI", self.MappingResourceUID))
        item.add(DataElement(TEMPLATE_IDENTIFIER, "CS", self.TemplateIdentifier))
        return item


@dataclass(frozen=True)
class QueryRequest:
    """A validated request.

    ``IssuerOfPatientID`` is the issuer to match, ``None`` when the request leaves it open
    (absent or zero length). ``requested`` holds the keywords of every top-level attribute of
    the request in tag order (return keys included; private and unknown tags left out).
    """

    sop_class: SOPClass
    PatientID: str
    IssuerOfPatientID: str | None
    template: TemplateRequest
    requested: tuple[str, ...]


def parse_request(sop_class: SOPClass, request: Dataset) -> QueryRequest:
    """Validate ``request`` for ``sop_class``; raise InvalidIdentifier (A900) or
    TemplateNotSupported (C200) as the module docstring describes."""
    try:
        return _parse(sop_class, request)
    except QueryError:
        raise
    except Exception as exc:
        raise InvalidIdentifier(f"identifier cannot be decoded: {type(exc).__name__}") from exc


def _parse(sop_class: SOPClass, request: Dataset) -> QueryRequest:
    _check_character_set(request)
    PatientID = _patient_id(request)
    IssuerOfPatientID = _issuer(request)
    for tag, name in (
        (CONCEPT_NAME_CODE_SEQUENCE, "Concept Name Code Sequence"),
        (CONTENT_SEQUENCE, "Content Sequence"),
    ):
        if _items(request, tag, name):
            raise InvalidIdentifier(f"{name} {_tag_text(tag)} must be zero length", (tag,))
    return QueryRequest(
        sop_class=sop_class,
        PatientID=PatientID,
        IssuerOfPatientID=IssuerOfPatientID or None,
        template=_template(sop_class, request),
        requested=_requested_keywords(request),
    )


def _tag_text(tag: int) -> str:
    return f"({tag >> 16:04X},{tag & 0xFFFF:04X})"


def _element(dataset: Dataset, tag: int, name: str) -> DataElement | None:
    """The decoded element, ``None`` if absent; a decoding failure is A900."""
    if tag not in dataset:
        return None
    try:
        return dataset[tag]
    except Exception as exc:
        raise InvalidIdentifier(
            f"identifier cannot be decoded: {name} ({type(exc).__name__})", (tag,)
        ) from exc


def _single_text(dataset: Dataset, tag: int, name: str, offending: int) -> str | None:
    """A single text value with its padding removed; ``None`` if absent, ``""`` if empty."""
    element = _element(dataset, tag, name)
    if element is None:
        return None
    value = element.value
    if value is None or (isinstance(value, bytes | str) and len(value) == 0):
        return ""
    if isinstance(value, MultiValue | list):
        raise InvalidIdentifier(f"{name} must be a single value", (offending,))
    if not isinstance(value, str):
        raise InvalidIdentifier(f"{name} is not a text value (VR {element.VR})", (offending,))
    text = value.rstrip("\0").strip(" ")
    if _REPLACEMENT_CHARACTER in text:
        raise InvalidIdentifier(
            f"identifier cannot be decoded: {name} is not valid in its character set",
            (offending,),
        )
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in text):
        raise InvalidIdentifier(f"{name} contains control characters", (offending,))
    return text


def _check_character_set(request: Dataset) -> None:
    element = _element(request, SPECIFIC_CHARACTER_SET, "Specific Character Set")
    if element is None or element.VM == 0:
        return
    values = list(element.value) if isinstance(element.value, MultiValue) else [element.value]
    for index, value in enumerate(values):
        term = value.strip(" ") if isinstance(value, str) else value
        known = isinstance(term, str) and term in python_encoding and (term or index == 0)
        if not known:
            raise InvalidIdentifier(
                "Specific Character Set value not supported", (SPECIFIC_CHARACTER_SET,)
            )


def _check_match_value(value: str, name: str, tag: int) -> None:
    if _WILD_CARDS.intersection(value):
        raise InvalidIdentifier(f"{name} must not contain wild cards (* or ?)", (tag,))


def _patient_id(request: Dataset) -> str:
    PatientID = _single_text(request, PATIENT_ID, "Patient ID", PATIENT_ID)
    if PatientID is None:
        raise InvalidIdentifier("Patient ID (0010,0020) is required", (PATIENT_ID,))
    if not PatientID:
        raise InvalidIdentifier("Patient ID (0010,0020) must not be empty", (PATIENT_ID,))
    _check_match_value(PatientID, "Patient ID", PATIENT_ID)
    return PatientID


def _issuer(request: Dataset) -> str | None:
    name = "Issuer of Patient ID"
    issuer = _single_text(request, ISSUER_OF_PATIENT_ID, name, ISSUER_OF_PATIENT_ID)
    if issuer:
        _check_match_value(issuer, name, ISSUER_OF_PATIENT_ID)
    return issuer


def _items(dataset: Dataset, tag: int, name: str) -> Sequence | None:
    """The items of a sequence attribute; ``None`` if absent. Not a sequence → A900."""
    element = _element(dataset, tag, name)
    if element is None:
        return None
    if element.value is None or element.value in (b"", ""):
        return Sequence()
    if not isinstance(element.value, Sequence):
        raise InvalidIdentifier(f"{name} is not a sequence (VR {element.VR})", (tag,))
    return element.value


def _template(sop_class: SOPClass, request: Dataset) -> TemplateRequest:
    """The requested root template, checked against the SOP class (decision 4)."""
    items = _items(request, CONTENT_TEMPLATE_SEQUENCE, "Content Template Sequence")
    if not items:
        return TemplateRequest(MAPPING_RESOURCE_DCMR, sop_class.default_root)
    if len(items) != 1:
        raise InvalidIdentifier(
            "Content Template Sequence must have exactly one item", (CONTENT_TEMPLATE_SEQUENCE,)
        )
    item = items[0]
    resource = _required_item_text(item, MAPPING_RESOURCE, "Mapping Resource")
    TemplateIdentifier = _required_item_text(item, TEMPLATE_IDENTIFIER, "Template Identifier")
    resource_uid = _single_text(
        item, MAPPING_RESOURCE_UID, "Mapping Resource UID", CONTENT_TEMPLATE_SEQUENCE
    )
    if resource != MAPPING_RESOURCE_DCMR or resource_uid not in (
        None,
        "",
        MAPPING_RESOURCE_DCMR_UID,
    ):
        raise TemplateNotSupported(f"Mapping Resource {resource} is not supported (only DCMR)")
    if TemplateIdentifier not in sop_class.allowed_roots:
        raise TemplateNotSupported(
            f"TID {TemplateIdentifier} is not a root template of this SOP Class"
        )
    return TemplateRequest(resource, TemplateIdentifier, resource_uid or None)


def _required_item_text(item: Dataset, tag: int, name: str) -> str:
    value = _single_text(item, tag, name, CONTENT_TEMPLATE_SEQUENCE)
    if not value:
        raise InvalidIdentifier(
            f"Content Template Sequence item needs a {name}", (CONTENT_TEMPLATE_SEQUENCE,)
        )
    return value


def _requested_keywords(request: Dataset) -> tuple[str, ...]:
    return _keywords_of(tuple(sorted(request.keys())))


@lru_cache(maxsize=1024)
def _keywords_of(tags: tuple[int, ...]) -> tuple[str, ...]:
    """The keywords of ``tags`` (sorted), private and unknown tags left out. Cached: the
    requests of one modality carry the same tags query after query."""
    keywords: list[str] = []
    for tag in tags:
        keyword = keyword_for_tag(tag)
        if keyword and not Tag(tag).is_private:
            keywords.append(keyword)
    return tuple(keywords)
