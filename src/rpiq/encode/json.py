"""DICOM JSON (PS3.18 F.2) for printing identifiers.

Written here rather than with ``Dataset.to_json_dict`` because pydicom 3.0.2 differs from F.2 in
ways that matter for a printed answer (digest §4): it keeps insertion order instead of sorting
the tags, gives an empty sequence ``"Value": []`` instead of no ``"Value"`` (F.2.5), and turns
DS/IS into numbers, losing their textual form. Here:

- property names are the 8-digit uppercase hex tags, ascending at every level; group length
  elements (gggg,0000) are left out (F.2.2);
- an attribute with no value has only ``"vr"``; an empty value inside a multi-valued attribute
  is ``null`` (F.2.5);
- PN values are objects with ``Alphabetic`` / ``Ideographic`` / ``Phonetic`` (empty groups
  left out); SQ values are arrays of objects; AT is 8 hex digits;
- DS and IS stay strings (F.2.3 allows a Number or a String; a string keeps the exact text);
  FL, FD, SL, SS, UL, US, SV, UV are numbers; binary VRs are ``InlineBinary`` base64.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence
from pydicom.valuerep import PersonName

_NUMBER_VRS = frozenset({"FL", "FD", "SL", "SS", "UL", "US", "SV", "UV"})
_BINARY_VRS = frozenset({"OB", "OD", "OF", "OL", "OV", "OW", "UN"})


def to_dicom_json(ds: Dataset, indent: int | None = 2) -> str:
    """``ds`` as a DICOM JSON object (one data set; wrap several in a list yourself)."""
    return json.dumps(dicom_json_object(ds), indent=indent, ensure_ascii=False)


def dicom_json_object(ds: Dataset) -> dict[str, Any]:
    """``ds`` as the JSON-ready dict of PS3.18 F.2, tags in ascending order."""
    result: dict[str, Any] = {}
    for tag in sorted(ds.keys()):
        if tag.element == 0:
            continue
        result[f"{tag:08X}"] = _attribute(ds[tag])
    return result


def _attribute(element: DataElement) -> dict[str, Any]:
    VR = element.VR
    attribute: dict[str, Any] = {"vr": VR}
    value = element.value
    if VR == "SQ":
        items = value if isinstance(value, Sequence) else []
        if items:
            attribute["Value"] = [dicom_json_object(item) for item in items]
        return attribute
    if value is None or (isinstance(value, str | bytes) and not value):
        return attribute
    if VR in _BINARY_VRS:
        attribute["InlineBinary"] = base64.b64encode(bytes(value)).decode("ascii")
        return attribute
    values = list(value) if isinstance(value, MultiValue | list | tuple) else [value]
    if values:
        attribute["Value"] = [_value(VR, single) for single in values]
    return attribute


def _value(VR: str, value: Any) -> Any:
    if value is None or value == "":
        return None
    if VR == "PN":
        return _person_name(value)
    if VR == "AT":
        return f"{int(value):08X}"
    if VR in _NUMBER_VRS:
        return value
    return str(value)


def _person_name(value: Any) -> dict[str, str]:
    name = value if isinstance(value, PersonName) else PersonName(str(value))
    groups = [*str(name).split("="), "", "", ""][:3]
    return {
        label: group
        for label, group in zip(("Alphabetic", "Ideographic", "Phonetic"), groups, strict=True)
        if group
    }
