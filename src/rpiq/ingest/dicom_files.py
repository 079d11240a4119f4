"""DICOM instances -> patient records and facts in the repository (``rpiq import dicom``).

Instances come from files, folders (recursively) and DICOMDIR File-sets
(:mod:`~rpiq.ingest.dicom_sources`), or one at a time from C-STORE
(:mod:`~rpiq.ingest.dicom_store`). Each gives the Patient module
(:mod:`~rpiq.ingest.dicom_patient`) and, when it is an SR document or a saved RPI response
whose content follows TID 9007, 9000 or 3802, facts (:mod:`~rpiq.ingest.dicom_sr`).

Instances are grouped by (Issuer of Patient ID, Patient ID); each group is written in one
transaction (``ImportRepository.update_patients``), so a patient is never half-written:

- **which record**: the stored record holding that identifier; none: a new record
  ``dicom:<IssuerOfPatientID>/<PatientID>``; several: the own ``dicom:`` record when it is one
  of them, else the group is refused (it cannot tell which);
- **demographics**: on the own record, those of the group's first instance (path order), a
  value it lacks kept from the stored record, identifiers (with Other Patient IDs) added to
  the stored ones. A record of another source (e.g. FHIR, richer than an image header) keeps
  its demographics, and without SR facts is not written at all;
- **facts**: each document's facts replace, in place, every fact an earlier import of the same
  document (same SOP Instance UID, fact source ``sr:<UID>/...``) gave; other facts stay.
  Re-importing the same files reports the patient ``unchanged``.

Errors lose nothing: a file that cannot be read, an instance without Patient ID, and an
instance whose demographics conflict with the group's first (a value both give differs) is
refused with its path and reason; the rest of its group still loads. Non-DICOM files and
DICOMDIRs get a note. SR items that give no fact are counted in the report's skipped line.
``dry_run`` decides everything against the database and writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from pydicom.dataset import Dataset

from rpiq.domain import ClinicalFact, Patient, PatientIdentifier
from rpiq.errors import ImportRefused, StoreError
from rpiq.ingest.dicom_patient import Demographics, read_demographics
from rpiq.ingest.dicom_sources import files_below, find_instances
from rpiq.ingest.dicom_sr import SrContent, document_key, read_sr, rpi_template
from rpiq.ingest.report import NO_PROGRESS, ImportProgress, ImportReport, SourceReport
from rpiq.store.repository import ImportRepository, PatientWrites

DICOM_PREFIX = "dicom:"
DOCUMENT_PREFIXES = ("sr:", "rpi:")


@dataclass(frozen=True)
class DicomInstance:
    """What one instance gives: where it came from, its Patient module, its SR content."""

    location: str
    demographics: Demographics
    document: str | None = None
    content: SrContent | None = None


@dataclass
class PatientGroup:
    """The instances of one patient that agree on demographics, and the documents' facts."""

    first: DicomInstance
    instances: list[DicomInstance] = field(default_factory=list)
    documents: dict[str, SrContent] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def identifier(self) -> PatientIdentifier:
        return self.first.demographics.identifier

    @property
    def source(self) -> str:
        return dicom_source(self.identifier)


def dicom_source(identifier: PatientIdentifier) -> str:
    """The source of the record DICOM instances create for an identifier."""
    return f"{DICOM_PREFIX}{identifier.IssuerOfPatientID}/{identifier.PatientID}"


def import_dicom(
    paths: Sequence[Path],
    repository: ImportRepository,
    *,
    dry_run: bool = False,
    progress: ImportProgress = NO_PROGRESS,
) -> ImportReport:
    """Import DICOM files, folders and File-sets (module docstring). ``progress`` hears of
    each file read and, per patient written, of its instances as resources."""
    reports: list[SourceReport] = []
    instances: list[DicomInstance] = []
    files = files_below(paths)
    progress.start(files=len(files), size=sum(_size(file) for file in files))
    for found in find_instances(paths):
        progress.advance(files=1, size=_size(Path(found.location)))
        if found.refused is not None:
            reports.append(SourceReport(found.location, refused=found.refused))
        elif found.dataset is None:
            reports.append(SourceReport(found.location, notes=(found.note or "ignored",)))
        else:
            try:
                instances.append(read_dicom_instance(found.dataset, found.location))
            except ImportRefused as exc:
                reports.append(SourceReport(exc.location, refused=str(exc)))
    reports.extend(index_instances(instances, repository, dry_run=dry_run, progress=progress))
    return ImportReport(tuple(reports), dry_run=dry_run)


def _size(file: Path) -> int:
    try:
        return file.stat().st_size
    except OSError:
        return 0


def read_dicom_instance(dataset: Dataset, location: str) -> DicomInstance:
    """The Patient module and RPI content of one instance; raises ``ImportRefused``."""
    demographics = read_demographics(dataset, location)
    template_id = rpi_template(dataset)
    if template_id is None:
        return DicomInstance(location, demographics)
    key = document_key(dataset, template_id)
    try:
        content = read_sr(dataset, template_id, key)
    except Exception as exc:  # a malformed tree refuses this instance only (re-raised)
        raise ImportRefused(location, f"SR content cannot be read: {exc}") from exc
    return DicomInstance(location, demographics, key, content)


def index_instances(
    instances: Sequence[DicomInstance],
    repository: ImportRepository,
    *,
    dry_run: bool = False,
    progress: ImportProgress = NO_PROGRESS,
) -> list[SourceReport]:
    """Group by patient, refuse conflicting instances, write each patient in one transaction."""
    reports: list[SourceReport] = []
    groups: dict[PatientIdentifier, PatientGroup] = {}
    for instance in instances:
        group = groups.get(instance.demographics.identifier)
        if group is None:
            groups[instance.demographics.identifier] = group = PatientGroup(instance)
        refusal = _join(group, instance)
        if refusal is not None:
            reports.append(refusal)
    for group in groups.values():
        reports.append(write_group(group, repository, dry_run=dry_run))
        progress.advance(resources=len(group.instances))
    return reports


def _join(group: PatientGroup, instance: DicomInstance) -> SourceReport | None:
    """Add an instance to its patient's group, or its refusal when demographics conflict."""
    conflicts = group.first.demographics.conflicts(instance.demographics)
    if conflicts:
        reason = (
            f"{'; '.join(conflicts)} in {group.first.location} (same Patient ID "
            f"{group.identifier.PatientID!r}); not loaded"
        )
        return SourceReport(instance.location, refused=f"{instance.location}: {reason}")
    group.instances.append(instance)
    group.notes.extend(f"{instance.location}: {note}" for note in instance.demographics.notes)
    if instance.document is not None and instance.content is not None:
        if instance.document in group.documents:
            group.notes.append(f"{instance.location}: replaces an earlier copy of the document")
        group.documents[instance.document] = instance.content
    return None


def write_group(
    group: PatientGroup, repository: ImportRepository, *, dry_run: bool = False
) -> SourceReport:
    """One patient in one transaction; a refusal or database error is reported, not raised."""
    count = len(group.instances)
    notes = [f"from {count} file{'s' if count > 1 else ''}", *group.notes]
    skipped = _skipped(group)
    try:
        target = _target(group, repository)
        if not target.startswith(DICOM_PREFIX) and not group.documents:
            notes.append(f"left unchanged: already held by {target}")
            return SourceReport(group.source, notes=tuple(notes), skipped=skipped)
        if not target.startswith(DICOM_PREFIX):
            notes.append(f"facts added to {target}; its demographics kept")
        result = repository.update_patients(
            [target], lambda stored: _plan(group, target, stored), dry_run=dry_run
        )
    except ImportRefused as exc:
        return SourceReport(exc.location, refused=str(exc))
    except StoreError as exc:
        return SourceReport(group.source, refused=f"{group.source}: database error: {exc}")
    return SourceReport.from_result(group.source, result, skipped, tuple(notes))


def _skipped(group: PatientGroup) -> tuple[tuple[str, int], ...]:
    totals: dict[str, int] = {}
    for content in group.documents.values():
        for reason, count in content.unmapped:
            label = f"SR item ({reason})"
            totals[label] = totals.get(label, 0) + count
    return tuple(sorted(totals.items()))


def _target(group: PatientGroup, repository: ImportRepository) -> str:
    """The source of the record this group writes (module docstring)."""
    owners = repository.find_identifier_owners([group.identifier]).get(group.identifier, [])
    if not owners or group.source in owners:
        return group.source
    if len(owners) > 1:
        raise ImportRefused(
            group.source,
            f"Patient ID {group.identifier.PatientID!r} is held by {len(owners)} stored "
            f"patients ({', '.join(owners)}); cannot tell which",
        )
    return owners[0]


def _plan(group: PatientGroup, target: str, stored: Mapping[str, Patient]) -> PatientWrites:
    base = stored.get(target)
    if base is None and target != group.source:
        raise ImportRefused(group.source, f"{target} was removed meanwhile; import again")
    facts = merge_facts(base.facts if base is not None else (), group.documents)
    if base is not None and target != group.source:
        return PatientWrites(save=(replace(base, facts=facts),))
    return PatientWrites(save=(_own_record(group, base, facts),))


def _own_record(
    group: PatientGroup, base: Patient | None, facts: tuple[ClinicalFact, ...]
) -> Patient:
    new = group.first.demographics
    identifiers = dict.fromkeys(new.identifiers)
    for instance in group.instances:
        identifiers.update(dict.fromkeys(instance.demographics.identifiers))
    if base is not None:
        identifiers.update(dict.fromkeys(base.identifiers))
    attributes = dict(base.other_attributes) if base is not None else {}
    attributes.update(new.other_attributes)
    return Patient(
        identifiers=tuple(identifiers),
        name=new.name or (base.name if base is not None else None),
        birth_date=new.birth_date or (base.birth_date if base is not None else None),
        sex=new.sex or (base.sex if base is not None else None),
        other_attributes=tuple(sorted(attributes.items())),
        facts=facts,
        deceased=base.deceased if base is not None else None,
        source=group.source,
    )


def document_of(fact: ClinicalFact) -> str | None:
    """The document key (``sr:<UID>``) of a fact read from an SR document, else ``None``."""
    source = fact.source or ""
    if not source.startswith(DOCUMENT_PREFIXES) or "/" not in source:
        return None
    return source.split("/", 1)[0]


def merge_facts(
    facts: Sequence[ClinicalFact], documents: Mapping[str, SrContent]
) -> tuple[ClinicalFact, ...]:
    """``facts`` with each document's facts replacing, in place, those it gave before."""
    merged: list[ClinicalFact] = []
    placed: set[str] = set()
    for fact in facts:
        key = document_of(fact)
        if key is None or key not in documents:
            merged.append(fact)
        elif key not in placed:
            merged.extend(documents[key].facts)
            placed.add(key)
    for key, content in documents.items():
        if key not in placed:
            merged.extend(content.facts)
    return tuple(merged)
