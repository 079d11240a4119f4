"""Where audit messages go, written by one background thread (never the server's event loop).

- :class:`XmlFileSink`: appends each message as one line of UTF-8 XML and flushes it. The file
  is opened in append mode, so several processes (``--workers``) may share it; each message is
  written with a single ``write`` call.
- :class:`SyslogTlsSink`: RFC 5424 syslog messages over TLS with RFC 5425 octet-counting
  framing (``LEN SP SYSLOG-MSG``), facility 10 (security/authorization), severity 5 (notice),
  APP-NAME ``rpiq``, MSGID ``DICOM+RFC3881`` (PS3.15 A.6). A message that cannot be delivered is
  kept (up to :data:`MAX_PENDING`) and sent once the collector is reachable again; a connection
  the collector has closed is noticed before writing (RFC 5425 has no acknowledgements, so a
  collector that crashes while a message is in flight can still lose that message).
- :class:`AuditWriter`: the queue and the thread in front of the sinks. ``submit`` never blocks;
  when the queue is full (a sink stuck for a long time) the message is counted as dropped and a
  warning is logged.
"""

from __future__ import annotations

import logging
import os
import queue
import select
import socket
import ssl
import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

LOGGER = logging.getLogger("rpiq.audit")

MAX_QUEUED = 10_000
MAX_PENDING = 10_000
RETRY_SECONDS = 5.0
CONNECT_TIMEOUT = 10.0
SYSLOG_FACILITY_SECURITY = 10
SYSLOG_SEVERITY_NOTICE = 5
SYSLOG_APP_NAME = "rpiq"
SYSLOG_MSGID = "DICOM+RFC3881"


@dataclass(frozen=True)
class Record:
    """One audit message and when its event happened."""

    xml: str
    when: datetime


class Sink(Protocol):
    def write(self, record: Record) -> None: ...

    def retry(self) -> None: ...

    def close(self) -> None: ...


class XmlFileSink:
    """One XML audit message per line, appended and flushed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("a", encoding="utf-8")

    def write(self, record: Record) -> None:
        self._file.write(record.xml + "\n")
        self._file.flush()

    def retry(self) -> None:
        """Nothing is ever pending in a file."""

    def close(self) -> None:
        self._file.close()


def syslog_frame(record: Record, host_name: str, process_id: int) -> bytes:
    """An RFC 5424 message in RFC 5425 octet-counting framing."""
    priority = SYSLOG_FACILITY_SECURITY * 8 + SYSLOG_SEVERITY_NOTICE
    timestamp = record.when.isoformat(timespec="milliseconds")
    header = f"<{priority}>1 {timestamp} {host_name or '-'} {SYSLOG_APP_NAME} {process_id} "
    message = (header + f"{SYSLOG_MSGID} - " + record.xml).encode("utf-8")
    return f"{len(message)} ".encode("ascii") + message


class SyslogTlsSink:
    """RFC 5425 syslog over TLS to one collector; reconnects when the connection is lost."""

    def __init__(
        self, host: str, port: int, context: ssl.SSLContext, host_name: str | None = None
    ) -> None:
        self.host = host
        self.port = port
        self._context = context
        self._host_name = host_name or socket.gethostname()
        self._pending: deque[bytes] = deque(maxlen=MAX_PENDING)
        self._connection: ssl.SSLSocket | None = None
        self._failing = False

    def write(self, record: Record) -> None:
        self._pending.append(syslog_frame(record, self._host_name, os.getpid()))
        self.retry()

    def retry(self) -> None:
        """Send what is pending; on failure keep it and close the connection."""
        try:
            while self._pending:
                self._connected().sendall(self._pending[0])
                self._pending.popleft()
        except OSError as exc:
            self._disconnect()
            if not self._failing:
                LOGGER.warning(
                    "event=audit.syslog.unreachable host=%s port=%d pending=%d error=%s",
                    self.host,
                    self.port,
                    len(self._pending),
                    type(exc).__name__,
                )
            self._failing = True
            return
        if self._failing:
            LOGGER.warning("event=audit.syslog.reconnected host=%s port=%d", self.host, self.port)
            self._failing = False

    def _connected(self) -> ssl.SSLSocket:
        if self._connection is not None and _peer_closed(self._connection):
            self._disconnect()  # a collector never sends: readable means it has gone
        if self._connection is None:
            raw = socket.create_connection((self.host, self.port), timeout=CONNECT_TIMEOUT)
            try:
                self._connection = self._context.wrap_socket(raw, server_hostname=self.host)
            except OSError:
                raw.close()
                raise
        return self._connection

    def _disconnect(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def close(self) -> None:
        self.retry()
        self._disconnect()


def _peer_closed(connection: ssl.SSLSocket) -> bool:
    """Whether the collector has closed the connection (it is readable: EOF or an alert).

    Without this check the first message after the collector went away would be written into
    a dead connection and lost (TCP accepts it; the reset comes only afterwards)."""
    readable, _, _ = select.select([connection], [], [], 0)
    return bool(readable)


_STOP = object()


class AuditWriter:
    """A queue and one daemon thread that hands each record to every sink in turn."""

    def __init__(self, sinks: list[Sink]) -> None:
        self.sinks = sinks
        self.dropped = 0
        self._queue: queue.Queue[object] = queue.Queue(maxsize=MAX_QUEUED)
        self._thread = threading.Thread(target=self._run, name="rpiq-audit", daemon=True)
        self._closed = False
        self._thread.start()

    def submit(self, record: Record) -> None:
        """Queue ``record``; never blocks."""
        if self._closed:
            return
        try:
            self._queue.put_nowait(record)
        except queue.Full:
            self.dropped += 1
            LOGGER.warning("event=audit.dropped dropped=%d", self.dropped)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued record has been handed to the sinks (tests, shutdown)."""
        if self._closed:  # close() wrote everything and stopped the thread
            return not self._thread.is_alive()
        done = threading.Event()
        try:
            self._queue.put(done, timeout=timeout)
        except queue.Full:
            return False
        return done.wait(timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Write what is queued, then close the sinks."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(_STOP)
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=RETRY_SECONDS)
            except queue.Empty:
                self._each("retry", None)
                continue
            if item is _STOP:
                self._each("close", None)
                return
            if isinstance(item, threading.Event):
                item.set()
            elif isinstance(item, Record):
                self._each("write", item)

    def _each(self, action: str, record: Record | None) -> None:
        for sink in self.sinks:
            try:
                if action == "write" and record is not None:
                    sink.write(record)
                elif action == "retry":
                    sink.retry()
                else:
                    sink.close()
            except Exception as exc:  # noqa: BLE001 - a failing sink must not stop the others
                LOGGER.warning(
                    "event=audit.sink.failed sink=%s action=%s error=%s",
                    type(sink).__name__,
                    action,
                    type(exc).__name__,
                )
