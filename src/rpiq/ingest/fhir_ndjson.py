"""FHIR Bulk Data NDJSON (``$export`` output: one resource per line, one file per type) ->
one import unit per patient.

All NDJSON files of one import run are one *export*: references cross files. Each line is read
on its own; a line that is not JSON, not a resource, or violates the model is **refused alone**,
reported as ``file:line: Type/id: reason``; every other line loads.

Lines are grouped by patient: a Patient line and every resource referencing it (``subject`` or
``patient``: ``Patient/<id>``, relative or absolute) form **one unit, one transaction**. A
resource may reference a Patient that is not in the export but stored (an incremental export,
``_since``); a unit whose patient is neither is refused (its lines named). Patient.link merges
fold the old patient's unit into the survivor's.

``Medication`` resources are indexed first (files named ``Medication[.N].ndjson[.gz]``, then
any Medication line in reading order) so that ``medicationReference`` resolves across files;
contained ``#id`` references resolve too. A ``Bundle`` line (the Bulk Data ``deleted`` files
carry ``transaction`` bundles of ``DELETE`` entries) is its own unit. Resources of other types
are counted as skipped.

**Memory.** Each line is parsed, mapped to facts and its JSON dropped before the next line
is read: an export never holds its parsed resources at once, only the (much smaller) facts
grouped by patient. The Medication lines are found first by a scan of the raw lines for the
string ``"Medication"`` (only those lines are parsed in that pass), so that a
``medicationReference`` resolves whatever the order of the files. Refused lines are reported
in the order the reading found them: first every line that is not a JSON object (file by
file), then the lines that violate the model.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from rpiq.config import ImportSettings
from rpiq.domain import DomainError
from rpiq.errors import ImportRefused
from rpiq.ingest.fhir_bundle import read_unit
from rpiq.ingest.fhir_mapping import (
    MAPPINGS,
    map_resource,
    patient_draft,
    patient_reference,
    resource_key,
    resource_type,
)
from rpiq.ingest.fhir_references import Resolver, local_reference, resolver
from rpiq.ingest.fhir_unit import FhirUnit, UnitBuilder
from rpiq.ingest.fhir_values import FhirFormatError, JSONObject

CONTAINER = "export"
_NO_TYPE = "(no resourceType)"
_MEDICATION_FILE = re.compile(r"(^|/)Medication(\.\d+)?\.ndjson(\.gz)?$")
_MEDICATION_TYPE = re.compile(rb'"(\s|\\[tnrf])*Medication(\s|\\[tnrf])*"')
"""What a Medication line holds (``"resourceType": "Medication"``, maybe with whitespace,
escaped or not, that the reading strips); lines with ``\\u`` escapes are parsed whatever
they hold."""


@dataclass(frozen=True)
class NdjsonLine:
    """One resource line: ``file:line`` and the parsed resource."""

    location: str
    resource: JSONObject

    @property
    def label(self) -> str:
        """``Type/id`` for messages; the type alone when the id (or the type) is unreadable."""
        try:
            return resource_key(self.resource) or resource_type(self.resource) or _NO_TYPE
        except FhirFormatError:
            kind = self.resource.get("resourceType")
            return kind.strip() or _NO_TYPE if isinstance(kind, str) else _NO_TYPE


@dataclass(frozen=True)
class NdjsonExport:
    """The units of one export (one per patient, one per Bundle line), the refused lines and
    what was skipped overall (counted once for the export)."""

    name: str
    units: tuple[FhirUnit, ...]
    refused: tuple[ImportRefused, ...]
    skipped: tuple[tuple[str, int], ...]
    lines: int


def read_export(
    files: Sequence[tuple[str, bytes]], settings: ImportSettings, name: str | None = None
) -> NdjsonExport:
    """Read the NDJSON ``files`` (location, content) as one export (module docstring)."""
    refused: list[ImportRefused] = []
    mapping_refused: list[ImportRefused] = []
    location = name or (files[0][0] if len(files) == 1 else f"{len(files)} NDJSON files")
    builder = UnitBuilder(location, container=CONTAINER)
    reading = _Reading(builder, settings, _medication_index(files))
    count = 0
    for line in _lines(files, refused):
        count += 1
        try:
            reading.read(line)
        except ImportRefused as exc:
            mapping_refused.append(exc)
        except (FhirFormatError, DomainError) as exc:
            mapping_refused.append(ImportRefused(line.location, f"{line.label}: {exc}"))
    refused += mapping_refused
    builder.resources = count
    try:
        units = _per_patient(builder.build(), reading.patient_lines)
    except FhirFormatError as exc:
        refused.append(ImportRefused(location, str(exc)))
        units = []
    skipped = tuple(sorted(builder.skipped.items()))
    units += reading.bundles
    return NdjsonExport(location, tuple(units), tuple(refused), skipped, count)


def _raw_lines(data: bytes) -> Iterator[bytes]:
    """The lines of one file, one at a time (no list of them all), without their ``\\n``."""
    for line in io.BytesIO(data):
        yield line[:-1] if line.endswith(b"\n") else line


def _lines(
    files: Sequence[tuple[str, bytes]], refused: list[ImportRefused]
) -> Iterator[NdjsonLine]:
    for name, data in files:
        for number, raw in enumerate(_raw_lines(data), start=1):
            if not raw.strip():
                continue
            location = f"{name}:{number}"
            try:
                resource = json.loads(raw)
            except ValueError as exc:
                refused.append(ImportRefused(location, f"not JSON: {exc}"))
                continue
            if not isinstance(resource, dict):
                refused.append(ImportRefused(location, "not a FHIR resource (a JSON object)"))
                continue
            yield NdjsonLine(location, resource)


def _medication_index(files: Sequence[tuple[str, bytes]]) -> dict[str, JSONObject]:
    """Medication resources by ``Medication/<id>``: the Medication files' lines first.

    Only lines holding the string ``"Medication"`` (or a ``\\u`` escape, which could spell it)
    are parsed here; a line that is not JSON is reported by the main pass."""
    ordered = sorted(files, key=lambda file: not _MEDICATION_FILE.search(file[0]))
    index: dict[str, JSONObject] = {}
    for _, data in ordered:
        for raw in _raw_lines(data):
            if b"\\u" not in raw and (b"Medication" not in raw or not _MEDICATION_TYPE.search(raw)):
                continue
            found = _medication(raw)
            if found is not None:
                index.setdefault(*found)
    return index


def _medication(raw: bytes) -> tuple[str, JSONObject] | None:
    """(``Medication/<id>``, resource) of a Medication line; ``None`` for any other line,
    including one the main pass refuses."""
    try:
        resource = json.loads(raw)
        if isinstance(resource, dict) and resource_type(resource) == "Medication":
            key = resource_key(resource)
            return (key, resource) if key is not None else None
    except (ValueError, FhirFormatError):
        pass
    return None


@dataclass
class _Reading:
    """The state of reading one export."""

    builder: UnitBuilder
    settings: ImportSettings
    medications: dict[str, JSONObject]
    patient_lines: dict[str, str] = field(default_factory=dict)
    bundles: list[FhirUnit] = field(default_factory=list)
    resolve: Resolver = field(init=False)
    """Medication references: contained first, then the export's Medication index."""

    def __post_init__(self) -> None:
        medications = self.medications

        def find(target: str) -> JSONObject | None:
            local = local_reference(target)
            return medications.get(local) if local is not None else None

        self.resolve = resolver(find)

    def read(self, line: NdjsonLine) -> None:
        kind = resource_type(line.resource)
        if kind == "Patient":
            _add_patient(line, self.builder, self.settings, self.patient_lines)
        elif kind in MAPPINGS:
            _add_resource(line, kind, self.builder, self.resolve)
        elif kind == "Bundle":
            self.bundles.append(read_unit(line.resource, line.location, self.settings))
        else:
            self.builder.skipped[kind or _NO_TYPE] += 1


def _add_patient(
    line: NdjsonLine, builder: UnitBuilder, settings: ImportSettings, patient_lines: dict[str, str]
) -> None:
    ref = resource_key(line.resource, "Patient")
    if ref is None:
        raise FhirFormatError("a Patient in an NDJSON export needs an id")
    draft = patient_draft(line.resource, (ref, ref), settings, builder.skipped, _patient_ref)
    builder.add_patient(draft)
    patient_lines[ref] = line.location


def _patient_ref(reference: str) -> str | None:
    local = local_reference(reference)
    return local if local is not None and local.startswith("Patient/") else None


def _add_resource(line: NdjsonLine, kind: str, builder: UnitBuilder, resolve: Resolver) -> None:
    named = patient_reference(line.resource, kind)
    if named is None:
        builder.skipped[f"{kind} (no {MAPPINGS[kind].patient_element})"] += 1
        return
    element, reference = named
    owner = _patient_ref(reference)
    if owner is None:
        raise FhirFormatError(f"{element} {reference!r} is not a Patient/<id> reference")
    label = resource_key(line.resource, kind) or f"{kind} ({line.location})"
    facts = map_resource(line.resource, label, resolve, builder.skipped, kind)
    builder.add_resource(owner, facts, f"{line.location}: {label}: {element} {reference!r}")


def _per_patient(unit: FhirUnit, patient_lines: dict[str, str]) -> list[FhirUnit]:
    """One unit per patient change, located at its Patient line (else named by its ref)."""
    return [
        replace(
            unit,
            location=patient_lines.get(change.ref, change.ref),
            changes=(change,),
            skipped=(),
            resources=len(change.resources) + (change.patient is not None),
        )
        for change in unit.changes
    ]
