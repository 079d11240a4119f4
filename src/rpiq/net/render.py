"""A response identifier as text for people: the return keys, then the content tree.

::

    PatientName: Doe^Jane
    PatientID: MR975311
    ContentTemplate: DCMR 9000
    1 CONTAINER (111511, DCM, "Relevant Patient Information for Breast Imaging")
      1.2 CONTAINS NUM (121033, DCM, "Subject Age") = 48 (a, UCUM, "Year")
      1.4 CONTAINS CONTAINER (111513, DCM, "Relevant Previous Procedures")
        1.4.1 CONTAINS CODE (111531, DCM, "Previous Procedure") = (287572003, SCT, "...")
"""

from __future__ import annotations

from collections.abc import Callable

from pydicom.dataset import Dataset
from pydicom.multival import MultiValue

INDENT = "  "
# Top-level attributes shown by the tree rather than as return keys.
TREE_KEYWORDS = frozenset(
    {"ValueType", "ConceptNameCodeSequence", "ContentSequence", "ContentTemplateSequence"}
)


def render_identifier(identifier: Dataset) -> list[str]:
    """The lines for one response identifier."""
    lines = [_key_line(identifier, keyword) for keyword in _return_keys(identifier)]
    lines.extend(_template_lines(identifier))
    if "ValueType" in identifier or "ContentSequence" in identifier:
        lines.append(_item_line("1", identifier, root=True))
        lines.extend(_tree_lines(identifier, "1", 1))
    return lines


def _return_keys(identifier: Dataset) -> list[str]:
    keywords = (element.keyword for element in identifier)
    return [keyword for keyword in keywords if keyword and keyword not in TREE_KEYWORDS]


def _key_line(identifier: Dataset, keyword: str) -> str:
    value = identifier.get(keyword)
    if value is None or value == "":
        return f"{keyword}: (empty)"
    if isinstance(value, list | tuple | MultiValue):
        return f"{keyword}: " + "\\".join(str(part) for part in value)
    return f"{keyword}: {value}"


def _template_lines(identifier: Dataset) -> list[str]:
    items = identifier.get("ContentTemplateSequence") or []
    return [
        f"ContentTemplate: {item.get('MappingResource', '?')} {item.get('TemplateIdentifier', '?')}"
        for item in items
    ]


def _tree_lines(item: Dataset, path: str, depth: int) -> list[str]:
    lines: list[str] = []
    for index, child in enumerate(item.get("ContentSequence") or [], start=1):
        child_path = f"{path}.{index}"
        lines.append(INDENT * depth + _item_line(child_path, child, root=False))
        lines.extend(_tree_lines(child, child_path, depth + 1))
    return lines


def _item_line(path: str, item: Dataset, *, root: bool) -> str:
    value_type = str(item.get("ValueType") or "?")
    parts = [path]
    if not root:
        parts.append(str(item.get("RelationshipType") or "?"))
    parts.append(value_type)
    names = item.get("ConceptNameCodeSequence") or []
    if names:
        parts.append(format_code(names[0]))
    line = " ".join(parts)
    value = _VALUE_RENDERERS.get(value_type)
    return f"{line} = {value(item)}" if value is not None else line


def format_code(code: Dataset) -> str:
    """``(value, scheme, "meaning")``; Long Code Value or URN Code Value when no Code Value."""
    value = code.get("CodeValue") or code.get("LongCodeValue") or code.get("URNCodeValue") or "?"
    scheme = code.get("CodingSchemeDesignator") or "?"
    version = code.get("CodingSchemeVersion")
    scheme_text = f"{scheme} [{version}]" if version else str(scheme)
    return f'({value}, {scheme_text}, "{code.get("CodeMeaning", "")}")'


def _first_code(item: Dataset, keyword: str) -> str:
    codes = item.get(keyword) or []
    return format_code(codes[0]) if codes else "(no value)"


def _numeric(item: Dataset) -> str:
    measured = item.get("MeasuredValueSequence") or []
    if not measured:
        qualifier = item.get("NumericValueQualifierCodeSequence") or []
        return format_code(qualifier[0]) if qualifier else "(no value)"
    value = measured[0]
    units = value.get("MeasurementUnitsCodeSequence") or []
    number = value.get("NumericValue", "?")
    return f"{number} {format_code(units[0])}" if units else str(number)


def _composite(item: Dataset) -> str:
    references = item.get("ReferencedSOPSequence") or []
    if not references:
        return "(no value)"
    reference = references[0]
    return f"({reference.ReferencedSOPClassUID}, {reference.ReferencedSOPInstanceUID})"


def _attribute(keyword: str, quoted: bool = False) -> Callable[[Dataset], str]:
    def render(item: Dataset) -> str:
        value = item.get(keyword)
        if value is None or value == "":
            return "(no value)"
        return f'"{value}"' if quoted else str(value)

    return render


_VALUE_RENDERERS: dict[str, Callable[[Dataset], str]] = {
    "CODE": lambda item: _first_code(item, "ConceptCodeSequence"),
    "NUM": _numeric,
    "TEXT": _attribute("TextValue", quoted=True),
    "DATE": _attribute("Date"),
    "TIME": _attribute("Time"),
    "DATETIME": _attribute("DateTime"),
    "PNAME": _attribute("PersonName"),
    "UIDREF": _attribute("UID"),
    "COMPOSITE": _composite,
}
