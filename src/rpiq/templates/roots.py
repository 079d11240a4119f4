"""The RPI root templates (PS3.16 Annex K) by Template Identifier.

INTERFACE (used by rpiq.service): ``ROOT_TEMPLATES`` maps a Template Identifier string
("9007", "9000", "9001" … "9006", "3802") to a :class:`RootTemplate`; ``build_root`` builds the
content tree for a patient. The returned root has ``relationship=None``, value type CONTAINER,
the template's first-row concept name, and ``template_id`` set.

A sub-template used as the root (TID 9001-9006) takes the parameters TID 9007 gives it (TID
9002: the medication history) and is returned even when it has no children: for TID
9002-9005 that leaves their M row 2 unfilled, which ``docs/templates.md`` documents; the
service still answers with the (empty) container. TID 3802 as the root is the full cardiac
history (its nested form inside TID 9007 leaves out what TID 9007's own rows hold).

:class:`RootCache` keeps the trees of recently answered (template, patient) pairs: building a
rich patient's tree costs milliseconds, and the same patient is often queried again (each step
of an examination). A tree depends only on the template and the patient's stored values, so
the key is the template and a digest of the patient's complete value (every field, including
those equality ignores, such as Code Meaning); a changed patient is a new key, never a stale
tree. Trees are immutable and shared between queries.

:class:`RecentPatients` keeps recently loaded patients with their digests by a key naming a
stored record's revision, so that the service answers an unchanged record from a one-statement
revision lookup instead of loading and hashing it again.
"""

from __future__ import annotations

import hashlib
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from rpiq.domain import Code, Patient
from rpiq.templates import _codes as dcm
from rpiq.templates import _general as general
from rpiq.templates.content import ContentItem
from rpiq.templates.tid3802 import Tid3802
from rpiq.templates.tid9000 import Tid9000
from rpiq.templates.tid9001 import Tid9001
from rpiq.templates.tid9002 import MEDICATION_HISTORY
from rpiq.templates.tid9006 import Tid9006
from rpiq.templates.tid9007 import (
    GENERAL_PROBLEMS,
    GENERAL_PROCEDURES,
    GENERAL_RISK_FACTORS,
    Tid9007,
)


@dataclass(frozen=True)
class RootTemplate:
    template_id: str
    concept_name: Code
    build: Callable[[Patient], ContentItem]


def _tid9001(patient: Patient) -> ContentItem:
    return Tid9001(patient.birth_date).build_root(patient.facts)


def _tid9002(patient: Patient) -> ContentItem:
    return MEDICATION_HISTORY.build_root(general.medications(patient))


def _tid9003(patient: Patient) -> ContentItem:
    return GENERAL_PROCEDURES.build_root(general.procedures(patient))


def _tid9004(patient: Patient) -> ContentItem:
    return GENERAL_PROBLEMS.build_root(general.problems(patient))


def _tid9005(patient: Patient) -> ContentItem:
    return GENERAL_RISK_FACTORS.build_root(general.risk_factors(patient))


def _tid9006(patient: Patient) -> ContentItem:
    return Tid9006().build_root(patient.facts)


ROOT_TEMPLATES: Mapping[str, RootTemplate] = MappingProxyType(
    {
        "9007": RootTemplate("9007", dcm.RELEVANT_PATIENT_INFORMATION, Tid9007().build),
        "9000": RootTemplate(
            "9000", dcm.RELEVANT_PATIENT_INFORMATION_FOR_BREAST_IMAGING, Tid9000().build
        ),
        "9001": RootTemplate("9001", dcm.GYNECOLOGICAL_HISTORY, _tid9001),
        "9002": RootTemplate("9002", dcm.HISTORY_OF_MEDICATION_USE, _tid9002),
        "9003": RootTemplate("9003", dcm.RELEVANT_PREVIOUS_PROCEDURES, _tid9003),
        "9004": RootTemplate("9004", dcm.PROBLEM_LIST, _tid9004),
        "9005": RootTemplate("9005", dcm.RELEVANT_RISK_FACTORS, _tid9005),
        "9006": RootTemplate("9006", dcm.OBSTETRIC_HISTORY, _tid9006),
        "3802": RootTemplate("3802", dcm.HISTORY, Tid3802().build),
    }
)


def build_root(template_id: str, patient: Patient) -> ContentItem:
    """The content tree of ``template_id`` for ``patient`` (KeyError if not a root here)."""
    return ROOT_TEMPLATES[template_id].build(patient)


def patient_digest(patient: Patient) -> bytes:
    """A digest of ``patient``'s complete value: equal for equal values in every field
    (Code Meaning included), different otherwise (but for a 128-bit collision)."""
    data = pickle.dumps(patient, protocol=pickle.HIGHEST_PROTOCOL)
    return hashlib.blake2b(data, digest_size=16).digest()


class RootCache:
    """:func:`build_root` with the ``max_entries`` most recently used trees kept (0: none).
    Thread-safe; a tree is built outside the lock, so two threads may build the same one."""

    def __init__(self, max_entries: int) -> None:
        if max_entries < 0:
            raise ValueError("max_entries must not be negative")
        self._max_entries = max_entries
        self._trees: OrderedDict[tuple[str, bytes], ContentItem] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def max_entries(self) -> int:
        return self._max_entries

    def build(self, template_id: str, patient: Patient, digest: bytes | None = None) -> ContentItem:
        """The content tree of ``template_id`` for ``patient`` (KeyError if not a root).
        ``digest``: :func:`patient_digest` of ``patient`` when the caller already has it."""
        if self._max_entries == 0:
            return build_root(template_id, patient)
        key = (template_id, patient_digest(patient) if digest is None else digest)
        with self._lock:
            root = self._trees.get(key)
            if root is not None:
                self._trees.move_to_end(key)
                return root
        root = build_root(template_id, patient)
        with self._lock:
            self._trees[key] = root
            while len(self._trees) > self._max_entries:
                self._trees.popitem(last=False)
        return root

    def __len__(self) -> int:
        with self._lock:
            return len(self._trees)


@dataclass(frozen=True)
class KnownPatient:
    """A loaded patient with its :func:`patient_digest` (the :class:`RootCache` key), or
    ``None`` when the digest was not computed (the cache then computes it)."""

    patient: Patient
    digest: bytes | None = None


class RecentPatients:
    """The ``max_entries`` most recently used patients by a key that names a stored record's
    complete value (a :class:`rpiq.store.repository.PatientRevision`), with their digests, so
    that a query for an unchanged record needs neither its rows nor its digest. Thread-safe."""

    def __init__(self, max_entries: int) -> None:
        if max_entries < 0:
            raise ValueError("max_entries must not be negative")
        self._max_entries = max_entries
        self._known: OrderedDict[Hashable, KnownPatient] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> KnownPatient | None:
        with self._lock:
            known = self._known.get(key)
            if known is not None:
                self._known.move_to_end(key)
            return known

    def put(self, key: Hashable, patient: Patient) -> KnownPatient:
        """Remember ``patient`` under ``key`` (computing its digest) and return it."""
        known = KnownPatient(patient, patient_digest(patient))
        if self._max_entries == 0:
            return known
        with self._lock:
            self._known[key] = known
            self._known.move_to_end(key)
            while len(self._known) > self._max_entries:
                self._known.popitem(last=False)
        return known

    def __len__(self) -> int:
        with self._lock:
            return len(self._known)
