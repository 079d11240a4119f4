"""C-STORE -> the repository: :class:`DicomStoreIndexer` implements
:class:`rpiq.net.hooks.StoreService` for ``rpiq serve --accept-store``.

Each received instance is indexed exactly as a one-file ``rpiq import dicom``
(:mod:`~rpiq.ingest.dicom_files`): its Patient module, and the facts of an RPI SR document,
written in one transaction. The C-STORE-RSP status (PS3.4 B.2.3):

- ``0x0000`` Success: indexed (also when nothing changed, or when the patient's record belongs
  to another source and the instance carries no facts);
- ``0xC000`` Error, cannot understand (C000-CFFF): the instance has no Patient ID, an invalid
  identifier, demographics the indexer refuses, or an SR content tree that cannot be read; the
  Error Comment says which, without patient data;
- ``0xA700`` Refused, out of resources: the database failed (the peer may retry later).

It never raises. Calls come from the engine's worker threads; writes are serialised by a lock
(one process), and a write that loses a race with another server on the same database (a
unique-key conflict) is retried once.
"""

from __future__ import annotations

import logging
import threading

from pydicom.dataset import Dataset

from rpiq.errors import ImportRefused
from rpiq.ingest.dicom_files import DicomInstance, index_instances, read_dicom_instance
from rpiq.ingest.report import SourceReport
from rpiq.net.hooks import PeerInfo, StoreOutcome
from rpiq.store.repository import ImportRepository

SUCCESS = 0x0000
OUT_OF_RESOURCES = 0xA700
CANNOT_UNDERSTAND = 0xC000
ERROR_COMMENT_MAX = 64
_log = logging.getLogger(__name__)


class DicomStoreIndexer:
    """Indexes C-STORE instances into ``repository`` (module docstring)."""

    def __init__(self, repository: ImportRepository, *, attempts: int = 2) -> None:
        self._repository = repository
        self._attempts = max(1, attempts)
        self._lock = threading.Lock()

    def store(self, peer: PeerInfo, dataset: Dataset) -> StoreOutcome:
        """Index one instance; the outcome is the C-STORE-RSP status."""
        try:
            return self._store(peer, dataset)
        except Exception:  # noqa: BLE001 - nothing escapes a handler
            _log.exception("C-STORE from %s: indexing failed", peer.calling_ae_title)
            return StoreOutcome(OUT_OF_RESOURCES, "indexing failed; see the server log")

    def _store(self, peer: PeerInfo, dataset: Dataset) -> StoreOutcome:
        location = f"C-STORE {peer.calling_ae_title}/{peer.association_id}"
        try:
            instance = read_dicom_instance(dataset, location)
        except ImportRefused as exc:
            return StoreOutcome(CANNOT_UNDERSTAND, _comment(exc.reason))
        report = self._index(instance)
        if report.refused is None:
            return StoreOutcome(SUCCESS)
        if "database error" in report.refused:
            _log.warning("C-STORE from %s: %s", peer.calling_ae_title, report.refused)
            return StoreOutcome(OUT_OF_RESOURCES, "database unavailable")
        return StoreOutcome(CANNOT_UNDERSTAND, _comment(report.refused.split(": ", 1)[-1]))

    def _index(self, instance: DicomInstance) -> SourceReport:
        report = SourceReport(instance.location)
        for _ in range(self._attempts):
            with self._lock:
                (report,) = index_instances([instance], self._repository)
            if report.refused is None or "database error" not in report.refused:
                break
        return report


def _comment(reason: str) -> str:
    """An Error Comment (LO: 64 characters, no backslash) without patient values: the
    reason up to its first quoted value."""
    text = reason.split("'", 1)[0].replace("\\", "/").strip()
    return text[:ERROR_COMMENT_MAX] or "instance refused"
