"""The two C-FIND servers that query_roundtrip.py compares, each run in a process of its own.

- :func:`serve_rpiq`: rpiq's :class:`~rpiq.net.server.RpiServer` over the demo database, as
  ``rpiq serve`` runs it (real SQLite lookups, templates and encoder on every query).
- :func:`serve_reference`: plain pynetdicom 3: an ``ApplicationEntity`` supporting the three RPI
  SOP classes, which pynetdicom serves with its own ``RelevantPatientInformationQueryService
  Class``, and an ``EVT_C_FIND`` handler yielding a pre-built identifier (the one rpiq returned
  for that patient, built once in the parent). Its only change from pynetdicom's defaults is
  ``TCP_NODELAY`` on each accepted socket, set by :class:`NoDelayAssociationServer` (a
  subclass; nothing is patched): without it every round trip stalls ~90 ms on Nagle.

Both report their port through ``connection`` once listening, then serve until any message
arrives on it.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator, Mapping
from multiprocessing.connection import Connection
from socketserver import BaseServer
from typing import cast

from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import evt
from pynetdicom.ae import ApplicationEntity
from pynetdicom.events import Event
from pynetdicom.transport import ThreadedAssociationServer

from rpiq.config import ServerSettings
from rpiq.net.contexts import RPI_SOP_CLASS_UIDS, Verification
from rpiq.net.server import RpiServer
from rpiq.service.query import QueryService
from rpiq.store import open_repository

HOST = "127.0.0.1"
REFERENCE_AE_TITLE = "PYNETDICOM"
RPIQ_AE_TITLE = ServerSettings().ae_title
MAX_CONCURRENT_LOOKUPS = 8
PENDING = 0xFF00
STOP_GRACE_S = 2.0


def serve_rpiq(db_url: str, connection: Connection) -> None:
    """rpiq's server on ``HOST``, a free port, over ``db_url``."""
    repository = open_repository(db_url, pool_size=MAX_CONCURRENT_LOOKUPS)
    service = QueryService(repository, MAX_CONCURRENT_LOOKUPS)
    server = RpiServer(ServerSettings(host=HOST, port=0), service)
    server.start()
    try:
        connection.send(server.address[1])
        connection.recv()
    finally:
        server.stop(grace=STOP_GRACE_S)
        repository.close()


class NoDelayAssociationServer(ThreadedAssociationServer):
    """pynetdicom's threaded server, plus ``TCP_NODELAY`` on every accepted socket."""

    def get_request(self) -> tuple[socket.socket, tuple[str, int]]:
        client_socket, address = super().get_request()
        client_socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return client_socket, address

    def shutdown(self) -> None:
        # AssociationServer.shutdown() also removes the server from ae._servers, where only
        # start_server() puts it (make_server() does not): stop the loop, close the socket.
        BaseServer.shutdown(self)
        self.server_close()


def reference_entity() -> ApplicationEntity:
    """Verification and the three RPI SOP classes, Explicit and Implicit VR Little Endian."""
    ae = ApplicationEntity(ae_title=REFERENCE_AE_TITLE)
    for uid in [Verification, *sorted(RPI_SOP_CLASS_UIDS)]:
        ae.add_supported_context(uid, [ExplicitVRLittleEndian, ImplicitVRLittleEndian])
    return ae


def serve_reference(identifiers: Mapping[str, Dataset], connection: Connection) -> None:
    """pynetdicom's RPI service answering each Patient ID with ``identifiers[PatientID]``
    (no Pending response, so Success, for any other Patient ID)."""

    def on_find(event: Event) -> Iterator[tuple[int, Dataset]]:
        identifier = identifiers.get(str(event.identifier.PatientID))
        if identifier is not None:
            yield PENDING, identifier

    ae = reference_entity()
    server = cast(
        NoDelayAssociationServer,
        ae.make_server(
            (HOST, 0),
            evt_handlers=[(evt.EVT_C_FIND, on_find)],
            server_class=NoDelayAssociationServer,
        ),
    )
    thread = threading.Thread(target=server.serve_forever, name="reference", daemon=True)
    thread.start()
    try:
        connection.send(server.server_address[1])
        connection.recv()
    finally:
        server.shutdown()
        thread.join()
