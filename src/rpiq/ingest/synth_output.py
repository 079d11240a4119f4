"""Where synthetic patients (:mod:`rpiq.ingest.synth`) go: straight into the database, or
into a FHIR Bulk Data NDJSON folder.

**Database** (:func:`write_database`): each patient's resources are mapped to a record by the
importer's own per-resource mapping (:func:`~rpiq.ingest.fhir_mapping.map_resource`,
:func:`~rpiq.ingest.fhir_mapping.patient_draft`) without the JSON text and the per-unit
lookups, and saved :data:`CHUNK` records per transaction (bulk inserts). The record is the one
``rpiq import fhir`` makes of the NDJSON output, facts in the same order (resource type files
in name order, then the patient's resources in order), so importing that output into the same
database finds every patient ``unchanged``.

**NDJSON** (:func:`write_ndjson`): ``Patient.ndjson``, ``Condition.ndjson``, ... one resource
per line, in patient order, as a Bulk Data ``$export`` writes them.
"""

from __future__ import annotations

import json
import multiprocessing
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

from rpiq.config import ImportSettings
from rpiq.domain import Patient
from rpiq.ingest.fhir_mapping import map_resource, patient_draft, resource_key
from rpiq.ingest.fhir_references import resolver
from rpiq.ingest.fhir_values import JSONObject
from rpiq.ingest.synth import SynthPatient, synth_patient
from rpiq.store.repository import PatientRepository, SaveOutcome

CHUNK = 2_000
"""Records per transaction when writing straight to the database."""

Progress = Callable[[int, int], None]
"""``progress(patients, resources)``: called with the numbers just written."""


@dataclass(frozen=True)
class SynthResult:
    """What a synthesis wrote: patients (added, unchanged, updated) and resources."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    resources: int = 0

    def plus(self, outcomes: list[SaveOutcome], resources: int) -> SynthResult:
        counts = Counter(outcomes)
        return SynthResult(
            self.added + counts[SaveOutcome.ADDED],
            self.updated + counts[SaveOutcome.UPDATED],
            self.unchanged + counts[SaveOutcome.UNCHANGED],
            self.resources + resources,
        )


def synth_patients(seed: int, count: int, start: int = 0) -> Iterator[SynthPatient]:
    """Synthetic patients ``start`` .. ``start + count - 1`` of ``seed``."""
    for index in range(start, start + count):
        yield synth_patient(seed, index)


def _file_order(resource: JSONObject) -> str:
    return f"{resource['resourceType']}.ndjson"


def synth_record(patient: SynthPatient, settings: ImportSettings | None = None) -> Patient:
    """The record ``rpiq import fhir`` makes of this patient's NDJSON lines (module docstring)."""
    skipped: Counter[str] = Counter()
    head, *clinical = patient.resources
    ref = f"Patient/{patient.patient_id}"
    draft = patient_draft(head, (ref, ref), settings or ImportSettings(), skipped, _no_link)
    no_references = resolver(_no_resource)
    facts = [
        fact
        for resource in sorted(clinical, key=_file_order)
        for fact in map_resource(
            resource, resource_key(resource) or "", no_references, skipped
        ).facts
    ]
    return replace(draft.patient, facts=tuple(facts))


def _no_link(reference: str) -> str | None:
    del reference
    return None


def _no_resource(reference: str) -> JSONObject | None:
    del reference
    return None


def synth_chunk(seed: int, start: int, count: int) -> tuple[list[Patient], int]:
    """The records of patients ``start`` .. ``start + count - 1`` and their resource count
    (what one transaction of :func:`write_database` saves; run in worker processes)."""
    settings = ImportSettings()
    patients = list(synth_patients(seed, count, start))
    records = [synth_record(patient, settings) for patient in patients]
    return records, sum(len(patient.resources) for patient in patients)


def _chunks(seed: int, count: int, workers: int) -> Iterator[tuple[list[Patient], int]]:
    """The chunks of :func:`write_database` in order: made here, or (``workers`` > 1) by that
    many worker processes, at most two chunks each ahead of the writer."""
    starts = [(start, min(CHUNK, count - start)) for start in range(0, count, CHUNK)]
    if workers <= 1:
        for start, size in starts:
            yield synth_chunk(seed, start, size)
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        pending: deque[Future[tuple[list[Patient], int]]] = deque()
        for start, size in starts:
            pending.append(pool.submit(synth_chunk, seed, start, size))
            if len(pending) > 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def write_database(
    repository: PatientRepository,
    seed: int,
    count: int,
    progress: Progress | None = None,
    *,
    workers: int = 1,
) -> SynthResult:
    """Save ``count`` synthetic patients of ``seed``, :data:`CHUNK` per transaction.
    Re-running with the same seed changes nothing (every patient ``unchanged``).
    ``workers`` > 1: that many processes generate and map the patients while this one writes
    (the same records, in the same order)."""
    result = SynthResult()
    for records, resources in _chunks(seed, count, workers):
        result = result.plus(repository.save_patients(records), resources)
        if progress is not None:
            progress(len(records), resources)
    return result


def write_ndjson(
    folder: Path, seed: int, count: int, progress: Progress | None = None
) -> SynthResult:
    """Write ``count`` synthetic patients of ``seed`` as Bulk Data NDJSON files in ``folder``
    (created if needed; files of the same names are replaced)."""
    folder.mkdir(parents=True, exist_ok=True)
    resources = 0
    with ExitStack() as stack:
        files: dict[str, IO[str]] = {}
        for start in range(0, count, CHUNK):
            size = min(CHUNK, count - start)
            written = 0
            for patient in synth_patients(seed, size, start):
                for resource in patient.resources:
                    name = _file_order(resource)
                    if name not in files:
                        files[name] = stack.enter_context(
                            (folder / name).open("w", encoding="utf-8")
                        )
                    files[name].write(_line(resource))
                    written += 1
            resources += written
            if progress is not None:
                progress(size, written)
    return SynthResult(added=count, resources=resources)


def _line(resource: JSONObject) -> str:
    return json.dumps(resource, ensure_ascii=False, separators=(",", ":")) + "\n"
