"""FHIR literal references: the forms rpiq resolves, and the index they are resolved against.

A reference is resolved, first form that applies:

1. ``#id``: a resource contained in the referring resource (``contained[]``);
2. the ``fullUrl`` of an entry of the same bundle (``urn:uuid:...`` or an absolute URL);
3. ``Type/id`` (relative), or an absolute URL ending in ``Type/id``
   (``https://server/fhir/Patient/123``), against the ``Type/id`` of the indexed resources.

A version suffix (``/_history/3``) is ignored. A reference that is none of these (a
conditional reference ``Patient?identifier=...``, a ``urn:`` that is not an indexed fullUrl)
resolves to nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Generic, TypeVar

from rpiq.ingest.fhir_values import JSONObject, get_objects, get_str

T = TypeVar("T")

_TYPE_ID = re.compile(r"(?:^|/)([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})$")
_HISTORY = "/_history/"

Resolver = Callable[[str, JSONObject], JSONObject | None]
"""``resolve(reference, from_resource)``: the resource a reference points to, or ``None``."""


def without_version(reference: str) -> str:
    """The reference without its ``/_history/<n>`` suffix."""
    return reference.split(_HISTORY, maxsplit=1)[0]


def local_reference(reference: str) -> str | None:
    """``Type/id`` of a relative or absolute literal reference (version dropped); ``None`` for
    contained, ``urn:``, conditional and malformed references."""
    reference = without_version(reference.strip())
    if reference.startswith(("#", "urn:")) or "?" in reference:
        return None
    match = _TYPE_ID.search(reference)
    if match is None:
        return None
    local = f"{match.group(1)}/{match.group(2)}"
    if "://" not in reference and reference != local:
        return None
    return local


def resource_type_of(reference: str) -> str | None:
    """The resource type a ``Type/id`` or absolute reference names (``None`` otherwise)."""
    local = local_reference(reference)
    return local.split("/", maxsplit=1)[0] if local is not None else None


class ReferenceIndex(Generic[T]):
    """Things (bundle entries, NDJSON resources) by ``fullUrl`` and by ``Type/id``."""

    def __init__(self) -> None:
        self._by_key: dict[str, T] = {}

    def add(self, keys: set[str], item: T) -> str | None:
        """Index ``item`` under each key; returns a key already taken (nothing is added then)."""
        taken = next((key for key in sorted(keys) if key in self._by_key), None)
        if taken is None:
            self._by_key.update(dict.fromkeys(keys, item))
        return taken

    def find(self, reference: str) -> T | None:
        """The item a (non-contained) reference points to (forms 2 and 3 above)."""
        reference = without_version(reference.strip())
        found = self._by_key.get(reference)
        if found is None:
            local = local_reference(reference)
            found = self._by_key.get(local) if local is not None else None
        return found


def contained(reference: str, origin: JSONObject) -> JSONObject | None:
    """The resource ``#id`` contained in ``origin``."""
    wanted = reference[1:]
    return next((r for r in get_objects(origin, "contained") if get_str(r, "id") == wanted), None)


def resolver(find: Callable[[str], JSONObject | None]) -> Resolver:
    """A :data:`Resolver`: contained resources first, then ``find`` (an index lookup)."""

    def resolve(reference: str, origin: JSONObject) -> JSONObject | None:
        if reference.startswith("#"):
            return contained(reference, origin)
        return find(reference)

    return resolve
