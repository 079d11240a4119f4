"""Whether the server's database can answer, and getting its schema ready when it comes back.

:class:`DatabaseWatch` serves ``rpiq serve``:

- at start it upgrades the schema like :func:`rpiq.store.open_repository`, but a database that
  cannot be reached is not fatal: a background thread retries (``retry_min`` doubling up to
  ``retry_max`` seconds) while the server answers C000 ("the database failed"), and logs
  ``event=database.ready`` once the schema is at head;
- :meth:`DatabaseWatch.probe` is the health check: one cheap statement (the schema revision)
  on the server's own connection pool, at most one at a time and remembered for ``probe_ttl``
  seconds, so a busy health checker costs the database nothing; a probe that finds the
  database down or behind makes the thread try the upgrade again.

A URL that cannot be used at all is a ``ConfigError`` when the engine is made, not here.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from rpiq.errors import StoreError
from rpiq.store.migrate import head_revision, schema_revision, upgrade_schema

LOGGER = logging.getLogger("rpiq.store")


@dataclass(frozen=True)
class DatabaseState:
    """The last probe's answer; ``detail`` names the failure without patient data."""

    up: bool
    detail: str = ""


class DatabaseWatch:
    """Schema upgrades retried in the background, and a rate-limited health probe."""

    def __init__(
        self,
        engine: sa.Engine,
        *,
        retry_min: float = 0.5,
        retry_max: float = 10.0,
        probe_ttl: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._retry = (retry_min, retry_max)
        self._probe_ttl = probe_ttl
        self._clock = clock
        self._head = head_revision()
        self._ready = threading.Event()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._probing = threading.Lock()
        self._state = DatabaseState(False, "not checked yet")
        self._checked_at = float("-inf")
        self._thread: threading.Thread | None = None

    @property
    def ready(self) -> bool:
        """The schema was found at head by the last upgrade or probe."""
        return self._ready.is_set()

    def start(self) -> bool:
        """Try the upgrade once now; start the retry thread. Returns whether it succeeded."""
        self._upgrade()
        self._thread = threading.Thread(target=self._run, name="rpiq-db-watch", daemon=True)
        self._thread.start()
        return self.ready

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def wait_ready(self, timeout: float) -> bool:
        return self._ready.wait(timeout)

    def probe(self) -> DatabaseState:
        """The database's state, probed at most every ``probe_ttl`` seconds and never by two
        callers at once (a caller arriving during a probe gets the previous answer)."""
        if self._clock() - self._checked_at < self._probe_ttl:
            return self._state
        if not self._probing.acquire(blocking=False):
            return self._state
        try:
            self._state = self._check()
            self._checked_at = self._clock()
        finally:
            self._probing.release()
        if not self._state.up:
            self._ready.clear()
            self._wake.set()
        return self._state

    def _check(self) -> DatabaseState:
        try:
            revision = schema_revision(self._engine)
        except StoreError as error:
            return DatabaseState(False, str(error))
        if revision != self._head:
            return DatabaseState(False, f"schema at {revision}, not {self._head}")
        self._ready.set()
        return DatabaseState(True)

    def _run(self) -> None:
        """Sleep while ready; else retry the upgrade with backoff, or at once when a failed
        probe wakes the thread."""
        delay = self._retry[0]
        while not self._stop.is_set():
            if self.ready:
                self._wake.wait()
                self._wake.clear()
                delay = self._retry[0]
                continue
            woken = self._wake.wait(delay)
            self._wake.clear()
            if self._stop.is_set():
                return
            if not self._upgrade() and not woken:
                delay = min(delay * 2, self._retry[1])

    def _upgrade(self) -> bool:
        try:
            upgrade_schema(self._engine)
        except StoreError as error:
            if self._state.detail != str(error):
                LOGGER.warning("event=database.unavailable reason=%r", _short(error))
            self._state = DatabaseState(False, str(error))
            return False
        except Exception as error:  # noqa: BLE001 - the retry thread must outlive any failure
            LOGGER.error("event=database.upgrade_failed error=%s", type(error).__name__)
            self._state = DatabaseState(False, f"schema upgrade failed ({type(error).__name__})")
            return False
        self._state = DatabaseState(True)
        self._checked_at = self._clock()
        self._ready.set()
        LOGGER.info("event=database.ready")
        return True


def _short(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__
