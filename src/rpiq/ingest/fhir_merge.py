"""How a :class:`~rpiq.ingest.fhir_unit.PatientChange` meets the stored record.

The merged record is built from, in this order:

1. **demographics and identifiers**: the unit's Patient resource when it has one (it is
   authoritative: a corrected identifier replaces the wrong one), else the stored record's;
   plus the identifiers of every absorbed (merged) patient, stored or in the unit. A later
   import of the surviving Patient resource alone sets its identifiers again, which is the
   FHIR ``$merge`` convention (the survivor carries the old identifiers itself);
2. **facts**: the stored record's facts, with each resource of the unit applied: a resource
   with id replaces, in place, every fact with that source (``Condition/123``; none when it
   is skipped now), a new one is appended; a resource without id adds the facts no identical
   fact (ignoring ``source``) already states; facts of deleted resources go. Then the facts
   of absorbed records that the record does not already hold (same resource, or the same
   content) are appended.

Nothing else is removed: an import never deletes what it does not mention (use DELETE
entries). Re-importing the same data yields the same record, which the store reports as
``unchanged``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from rpiq.domain import ClinicalFact, Patient, PatientIdentifier
from rpiq.ingest.fhir_unit import PatientChange, ResourceFacts

_KEYED_SOURCE = re.compile(r"^[A-Z][A-Za-z]+/[A-Za-z0-9\-.]{1,64}$")


def fact_key(fact: ClinicalFact) -> str | None:
    """The resource identity of a stored fact (``Condition/123``); ``None`` when the fact came
    from a resource without id (its source is then ``Type urn:uuid:...``)."""
    source = fact.source
    return source if source is not None and _KEYED_SOURCE.match(source) else None


def merge_record(
    change: PatientChange,
    source: str,
    stored: Patient | None,
    absorbed: Sequence[Patient] = (),
    deleted: Iterable[str] = (),
) -> Patient:
    """The record ``source`` after ``change`` (module docstring). ``stored`` is the record
    as stored (``None``: new), ``absorbed`` the stored records merged into it, ``deleted`` the
    sources of deleted resources (DELETE entries) whose facts must go."""
    head = change.patient if change.patient is not None else stored
    if head is None:
        raise ValueError(f"{change.label}: neither in the unit nor stored")
    identifiers = _identifiers(
        head.identifiers,
        *(record.identifiers for record in absorbed),
        change.absorbed_identifiers,
    )
    gone = frozenset(deleted)
    stored_facts = stored.facts if stored is not None else ()
    facts = apply_resources(stored_facts, change.resources, gone)
    for record in absorbed:
        facts = _add_missing(facts, (f for f in record.facts if fact_key(f) not in gone))
    return replace(head, identifiers=identifiers, facts=tuple(facts), source=source)


def apply_resources(
    facts: Sequence[ClinicalFact], resources: Sequence[ResourceFacts], deleted: frozenset[str]
) -> list[ClinicalFact]:
    """``facts`` with the unit's resources applied and deleted resources removed."""
    keyed: dict[str, tuple[ClinicalFact, ...]] = {}
    keyless: list[ClinicalFact] = []
    for resource in resources:
        if resource.key is None:
            keyless.extend(resource.facts)
        else:
            keyed[resource.key] = resource.facts  # a later version in the unit wins
    merged: list[ClinicalFact] = []
    placed: set[str] = set()
    for fact in facts:
        key = fact_key(fact)
        if key is not None and key in deleted:
            continue
        if key is not None and key in keyed:
            if key not in placed:
                merged.extend(keyed[key])
                placed.add(key)
            continue
        merged.append(fact)
    for key, new in keyed.items():
        if key not in placed and key not in deleted:
            merged.extend(new)
    return _add_missing(merged, keyless)


def _add_missing(facts: list[ClinicalFact], new: Iterable[ClinicalFact]) -> list[ClinicalFact]:
    """``facts`` plus the ``new`` ones whose resource (keyed) or content (keyless) is not
    already there."""
    new = list(new)
    if not new:  # the usual case (resources with ids): nothing to compare
        return list(facts)
    keys = {key for key in map(fact_key, facts) if key is not None}
    contents = {replace(fact, source=None) for fact in facts}
    result = list(facts)
    for fact in new:
        key, content = fact_key(fact), replace(fact, source=None)
        if (key is not None and key in keys) or content in contents:
            continue
        result.append(fact)
        contents.add(content)
        if key is not None:
            keys.add(key)
    return result


def _identifiers(*groups: Iterable[PatientIdentifier]) -> tuple[PatientIdentifier, ...]:
    """The identifiers of all groups, first occurrence of each (ID, issuer) key kept."""
    seen: dict[PatientIdentifier, None] = {}
    for group in groups:
        for identifier in group:
            seen.setdefault(identifier, None)
    return tuple(seen)
