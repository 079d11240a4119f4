"""What every association of one server shares: settings, hooks, the thread pool, the registry
of live connections. Lives on (and is only touched from) the server's event loop thread, except
the read-only snapshots the sync facade takes."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from pydicom.uid import (
    DeflatedExplicitVRLittleEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
)

from rpiq.config import ServerSettings
from rpiq.net.contexts import RPI_SOP_CLASS_UIDS, Verification
from rpiq.net.engine.acse import Acceptor
from rpiq.net.engine.find import FindService
from rpiq.net.engine.store import STORAGE_SOP_CLASS_UIDS
from rpiq.net.hooks import AssociationPolicy, AuditSink, ServerMetrics, StoreService
from rpiq.net.logfmt import LOGGER_NAME, log_event

if TYPE_CHECKING:
    from rpiq.net.engine.association import Association

LOGGER = logging.getLogger(LOGGER_NAME)

TRANSFER_SYNTAXES: Final = (
    str(ExplicitVRLittleEndian),
    str(ImplicitVRLittleEndian),
    str(DeflatedExplicitVRLittleEndian),
)
UNLIMITED_PDU_CAP: Final = 16 * 1024 * 1024
"""Largest PDU read when ``max_pdu_size`` is 0 ("unlimited" as announced)."""
ASSOCIATE_RQ_MAX: Final = 256 * 1024
"""Largest A-ASSOCIATE-RQ read (before any maximum length is negotiated)."""
COMMAND_MAX: Final = 64 * 1024
IDENTIFIER_MAX: Final = 1024 * 1024
"""Largest C-FIND identifier kept; larger ones are read, dropped and answered C000."""
STORE_DATA_SET_MAX: Final = 64 * 1024 * 1024
EXTRA_CONNECTIONS: Final = 16
"""Connections beyond ``2 * max_associations + EXTRA_CONNECTIONS`` are closed at once."""


def supported_syntaxes(with_storage: bool) -> Mapping[str, tuple[str, ...]]:
    """Abstract syntax → transfer syntaxes this node accepts."""
    uids = {str(Verification), *(str(uid) for uid in RPI_SOP_CLASS_UIDS)}
    if with_storage:
        uids |= STORAGE_SOP_CLASS_UIDS
    return dict.fromkeys(sorted(uids), TRANSFER_SYNTAXES)


def _guarded(name: str, call: Callable[[], object]) -> None:
    try:
        call()
    except Exception as exc:  # noqa: BLE001 - a hook never takes the engine down
        log_event(LOGGER, logging.ERROR, "hook.error", hook=name, error=type(exc).__name__)


class NullHooks:
    """Audit sink and metrics that record nothing (no ``audit``/``metrics`` given)."""

    def __getattr__(self, name: str) -> Callable[..., None]:
        return _ignore


def _ignore(*args: object) -> None:
    return None


@dataclass
class EngineCore:
    """One server's shared state."""

    settings: ServerSettings
    service: FindService
    policy: AssociationPolicy
    audit: AuditSink
    metrics: ServerMetrics
    store: StoreService | None
    executor: ThreadPoolExecutor
    acceptor: Acceptor
    live: dict[str, Association] = field(default_factory=dict)
    established: set[str] = field(default_factory=set)
    stopping: bool = False
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def next_id(self) -> str:
        return f"a{next(self._ids)}"

    @property
    def max_pdu_in(self) -> int:
        """Largest P-DATA-TF body we read: what we announced, or the cap for "unlimited"."""
        return self.settings.max_pdu_size or UNLIMITED_PDU_CAP

    @property
    def connection_cap(self) -> int:
        return 2 * self.settings.max_associations + EXTRA_CONNECTIONS

    def hook(self, name: str, call: Callable[[], object]) -> None:
        """Run a policy/audit/metrics call; its failure is logged, never raised."""
        _guarded(name, call)
