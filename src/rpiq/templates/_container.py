"""The shape shared by every template whose row 1 is a CONTAINER (TID 9001-9006, 3802 ...).

A subclass supplies the row-1 concept name and the child rows; this base decides when the
container is emitted:

- nested (``build``): only when it has children, because an empty container says nothing and,
  for TID 9002-9005, would violate their M 1-n row 2;
- as the response root (``build_root``): always, with no Relationship Type and the requested
  Template Identifier, even when no child can be filled (the service still answers; the
  missing M row is documented in ``docs/templates.md``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import ClassVar, Generic, TypeVar

from rpiq.domain import Code
from rpiq.templates._items import CONTAINS, as_root, container_item, row
from rpiq.templates.content import ContentItem

EntryT = TypeVar("EntryT")


class ContainerTemplate(ABC, Generic[EntryT]):
    """A template whose first row is a CONTAINER and whose children come from ``EntryT``s."""

    TEMPLATE_ID: ClassVar[str]

    @property
    @abstractmethod
    def concept_name(self) -> Code:
        """Row 1's concept name (an EV, or the $ContainerConcept parameter)."""

    @abstractmethod
    def children(self, entries: Iterable[EntryT]) -> tuple[ContentItem, ...]:
        """The child content items in table order."""

    def build(self, entries: Iterable[EntryT]) -> ContentItem | None:
        """The container as included by a parent (CONTAINS), or ``None`` when it has no children."""
        children = self.children(entries)
        if not children:
            return None
        return self._container(children)

    def build_root(self, entries: Iterable[EntryT]) -> ContentItem:
        """The container as the response root, present even when it has no children."""
        return as_root(self._container(self.children(entries)), self.TEMPLATE_ID)

    def _container(self, children: tuple[ContentItem, ...]) -> ContentItem:
        return container_item(
            self.concept_name,
            children,
            row=row(self.TEMPLATE_ID, 1),
            relationship=CONTAINS,
            template_id=self.TEMPLATE_ID,
        )
