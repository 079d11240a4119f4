"""Validate an RPI C-FIND response identifier (or an SR document) against its root template.

:func:`validate_identifier` checks the top-level rules of a Pending response's identifier
(PS3.4 Q.2.1.1.3.2, Q.4.3.1.2.1; digest §5 "SCP response"): Value Type CONTAINER, one Concept
Name Code Sequence item, one Content Template Sequence item with Mapping Resource DCMR and the
Template Identifier, then decodes the content tree (:mod:`rpiq.encode.content_tree`) and runs
:func:`rpiq.templates.validate.validate` on it as the root.

The template is the one given, else the Content Template Sequence's, else (an SR document
without one) the root template whose row 1 concept name the root carries.
"""

from __future__ import annotations

from pydicom.dataset import Dataset

from rpiq.domain import Code
from rpiq.encode.content_tree import decode_tree
from rpiq.templates._rules import Finding
from rpiq.templates._template_rows import TEMPLATES
from rpiq.templates.validate import validate

ROOT_TEMPLATE_IDS = ("9007", "9000", "9001", "9002", "9003", "9004", "9005", "9006", "3802")
"""The RPI root templates (PS3.16 Annex K, PS3.4 Table Q.4-3)."""


def validate_identifier(ds: Dataset, template_id: str | None = None) -> list[Finding]:
    """Every finding for response identifier ``ds``, validated as ``template_id`` (default: the
    template its Content Template Sequence names)."""
    return _validate(ds, template_id, identifier=True)


def validate_sr_document(ds: Dataset, template_id: str | None = None) -> list[Finding]:
    """The same for an SR document whose root content item is an RPI root (e.g. a response
    wrapped in a Comprehensive SR): Content Template Sequence is then optional at the root."""
    return _validate(ds, template_id, identifier=False)


def is_sr_document(ds: Dataset) -> bool:
    """Whether ``ds`` is a composite instance (has SOP Class UID), not a bare identifier."""
    return "SOPClassUID" in ds


def _validate(ds: Dataset, template_id: str | None, *, identifier: bool) -> list[Finding]:
    findings = _top_level(ds, identifier=identifier)
    named = _named_template(ds)
    if template_id is not None and named is not None and named != template_id:
        message = f"Content Template Sequence names TID {named}; validated as TID {template_id}"
        findings.append(Finding("1", "", "error", message))
    decoded = decode_tree(ds)
    chosen = template_id or named or template_for_concept(decoded.root.concept_name)
    if chosen is None:
        message = "no template to validate against: no Content Template Sequence and no RPI "
        message += "root template has this root concept name"
        return [*findings, *decoded.findings, Finding("1", "", "error", message)]
    result = [*findings, *decoded.findings, *validate(decoded.root, chosen, as_root=True)]
    return sorted(dict.fromkeys(result), key=lambda f: tuple(int(p) for p in f.path.split(".")))


def template_for_concept(concept: Code | None) -> str | None:
    """The RPI root template whose row 1 concept name is ``concept`` (EV), if exactly one."""
    found = []
    for tid in ROOT_TEMPLATE_IDS:
        terms = TEMPLATES[tid].rows[0].concept.terms
        codes = [term.code for term in terms if term.code is not None]
        if any(code == concept for code in codes):
            found.append(tid)
    return found[0] if len(found) == 1 else None


def _named_template(ds: Dataset) -> str | None:
    items = ds.get("ContentTemplateSequence") or []
    if len(items) != 1:
        return None
    identifier = items[0].get("TemplateIdentifier")
    return str(identifier) if identifier else None


def _top_level(ds: Dataset, *, identifier: bool) -> list[Finding]:
    """The identifier-level rules (Table Q.4-1, Q.4.3.1.2.1); Mapping Resource is checked by
    the decoder with every Content Template Sequence."""
    found: list[Finding] = []

    def error(message: str) -> None:
        found.append(Finding("1", "", "error", message))

    if ds.get("ValueType") != "CONTAINER":
        error(f"Value Type {ds.get('ValueType')!r}: the response root is a CONTAINER")
    names = ds.get("ConceptNameCodeSequence") or []
    if len(names) != 1:
        error(f"Concept Name Code Sequence has {len(names)} items; one is required")
    templates = ds.get("ContentTemplateSequence") or []
    if len(templates) != 1 and (identifier or templates):
        error(f"Content Template Sequence has {len(templates)} items; one is required")
    elif templates and not templates[0].get("TemplateIdentifier"):
        error("Content Template Sequence has no Template Identifier")
    if identifier and "ContinuityOfContent" in ds:
        message = "Continuity Of Content at the top level of an identifier (not a return key)"
        found.append(Finding("1", "", "warning", message))
    return found
