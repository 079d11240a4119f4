"""The RPI root templates (PS3.16 Annex K) by Template Identifier.

INTERFACE (used by rpiq.service): ``ROOT_TEMPLATES`` maps a Template Identifier string
("9007", "9000", "9001" … "9006", "3802") to a :class:`RootTemplate`; ``build_root`` builds the
content tree for a patient. The returned root has ``relationship=None``, value type CONTAINER,
the template's first-row concept name, and ``template_id`` set.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from rpiq.domain import Code, Patient
from rpiq.templates.content import ContentItem


@dataclass(frozen=True)
class RootTemplate:
    template_id: str
    concept_name: Code
    build: Callable[[Patient], ContentItem]


ROOT_TEMPLATES: Mapping[str, RootTemplate] = {}


def build_root(template_id: str, patient: Patient) -> ContentItem:
    """The content tree of ``template_id`` for ``patient`` (KeyError if not a root here)."""
    return ROOT_TEMPLATES[template_id].build(patient)
