"""An import unit -> the database, in one transaction (``ImportRepository.update_patients``).

Before the transaction, the unit's targets are resolved with two indexed lookups:

- **identity**: a Patient without id (an IPS document) is the stored FHIR record that holds
  one of its identifiers (exact Patient ID and issuer); none: a new record ``fhir:<fullUrl>``;
  several: the unit is refused (it cannot say which). A Patient with id is always
  ``fhir:Patient/<id>``, and a stored record that came from a Patient *without* id and holds
  one of its identifiers is merged into it (that provisional record goes);
- **DELETE** ``Type/id``: the records holding facts from that resource.

In the transaction each target record is read, merged with its change
(:func:`~rpiq.ingest.fhir_merge.merge_record`) and saved; merged-away and deleted records go.
A change for a patient that is neither in the unit nor stored refuses the unit. Every
refusal rolls the whole unit back and names the location, the resource and the reason.

``dry_run``: the same lookups, merges and decisions in a read-only transaction; nothing is
written and the report says what would have been.

One unit is one call here; batching several units into one transaction (for throughput)
belongs around :func:`apply_unit`, which keeps parsing (``fhir_bundle``, ``fhir_ndjson``)
apart from writing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from rpiq.domain import DomainError, Patient, PatientIdentifier
from rpiq.errors import ImportRefused
from rpiq.ingest.fhir_merge import merge_record
from rpiq.ingest.fhir_unit import FhirUnit, PatientChange, source_of
from rpiq.ingest.report import SourceReport
from rpiq.store.repository import ImportRepository, PatientWrites

_PERMANENT_PREFIX = "fhir:Patient/"
_FHIR_PREFIX = "fhir:"


@dataclass
class _Target:
    """One record the unit writes: its change, its source, the stored records merged into
    it, and the resources whose facts it loses (DELETE)."""

    change: PatientChange
    source: str
    absorbed: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)


def apply_unit(
    unit: FhirUnit, repository: ImportRepository, *, dry_run: bool = False
) -> SourceReport:
    """Write one unit (module docstring); a refusal is reported, never raised."""
    try:
        targets = _targets(unit, repository)
        notes = _deleted_resources(unit, targets, repository)
        sources = [
            *(target.source for target in targets),
            *(source for target in targets for source in target.absorbed),
            *map(source_of, unit.deleted_patients),
        ]
        result = repository.update_patients(
            sources, lambda stored: _plan(unit, targets, stored), dry_run=dry_run
        )
    except ImportRefused as exc:
        return SourceReport(exc.location, refused=str(exc))
    notes += [
        f"merged {source} into {target.source}"
        for target in targets
        for source in target.absorbed
        if source in result.deleted
    ]
    notes += [
        f"DELETE {ref}: not stored"
        for ref in unit.deleted_patients
        if source_of(ref) not in result.deleted
    ]
    return SourceReport.from_result(unit.location, result, unit.skipped, tuple(notes))


def _targets(unit: FhirUnit, repository: ImportRepository) -> list[_Target]:
    identifiers = [
        identifier
        for change in unit.changes
        if change.patient is not None
        for identifier in change.patient.identifiers
    ]
    owners = repository.find_identifier_owners(identifiers) if identifiers else {}
    targets: list[_Target] = []
    for change in unit.changes:
        holders = _fhir_holders(change, owners)
        if change.by_identifiers:
            if len(holders) > 1:
                raise ImportRefused(
                    unit.location,
                    f"{change.label}: its identifiers are held by {len(holders)} stored "
                    f"patients ({', '.join(holders)}); cannot tell which it is",
                )
            target = _Target(change, holders[0] if holders else change.source)
        else:
            target = _Target(change, change.source)
            target.absorbed += [s for s in holders if not s.startswith(_PERMANENT_PREFIX)]
        target.absorbed += [source_of(ref) for ref in change.absorbed]
        target.absorbed = [s for s in dict.fromkeys(target.absorbed) if s != target.source]
        targets.append(target)
    return targets


def _fhir_holders(
    change: PatientChange, owners: Mapping[PatientIdentifier, list[str]]
) -> list[str]:
    """The FHIR records (sources, sorted) holding one of the change's identifiers."""
    if change.patient is None:
        return []
    found = {
        source
        for identifier in change.patient.identifiers
        for source in owners.get(identifier, [])
        if source.startswith(_FHIR_PREFIX)
    }
    return sorted(found)


def _deleted_resources(
    unit: FhirUnit, targets: list[_Target], repository: ImportRepository
) -> list[str]:
    """Attach each DELETEd resource to the records holding its facts; notes for the others."""
    if not unit.deleted_resources:
        return []
    owners = repository.find_fact_owners(unit.deleted_resources)
    by_source = {target.source: target for target in targets}
    for resource in unit.deleted_resources:
        for source in owners.get(resource, []):
            if source not in by_source:
                change = PatientChange(ref=source.removeprefix(_FHIR_PREFIX), label=source)
                by_source[source] = _Target(change, source)
                targets.append(by_source[source])
            by_source[source].deleted.append(resource)
    return [
        f"DELETE {resource}: not stored"
        for resource in unit.deleted_resources
        if resource not in owners
    ]


def _plan(
    unit: FhirUnit, targets: Sequence[_Target], stored: Mapping[str, Patient]
) -> PatientWrites:
    """What the unit writes, given the stored records (called inside the transaction)."""
    save: list[Patient] = []
    delete: list[str] = []
    for target in targets:
        base = stored.get(target.source)
        change = target.change
        if change.patient is None and base is None:
            if change.mention is None:  # only DELETEs, and the record went meanwhile
                continue
            raise ImportRefused(
                unit.location,
                f"{change.mention} is neither a Patient in this {unit.container} "
                "nor a stored patient",
            )
        absorbed = [stored[source] for source in target.absorbed if source in stored]
        try:
            save.append(merge_record(change, target.source, base, absorbed, target.deleted))
        except (DomainError, ValueError) as exc:
            raise ImportRefused(unit.location, f"{change.label}: {exc}") from exc
        delete += [record.source for record in absorbed if record.source is not None]
    delete += [source_of(ref) for ref in unit.deleted_patients]
    _check_disjoint(unit, [record.source or "" for record in save], delete)
    return PatientWrites(tuple(save), tuple(dict.fromkeys(delete)))


def _check_disjoint(unit: FhirUnit, saved: list[str], deleted: list[str]) -> None:
    twice = sorted({source for source in saved if saved.count(source) > 1})
    if twice:
        raise ImportRefused(
            unit.location,
            f"two patients of this {unit.container} are one stored record ({twice[0]})",
        )
    both = sorted(set(saved) & set(deleted))
    if both:
        raise ImportRefused(unit.location, f"{both[0]} would be both written and deleted")
