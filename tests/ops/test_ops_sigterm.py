"""Graceful SIGTERM of a real ``rpiq serve`` process: the query in flight is answered, new
associations are refused, /healthz turns 503 at once, and the process exits 0.

A query is held in flight deterministically: the test locks the ``patient`` table (ACCESS
EXCLUSIVE, in its own PostgreSQL database) so the server's lookup waits on the lock, which
``pg_locks`` shows before the signal is sent.

The engine ends such an association with A-ABORT right after the final response; a
pynetdicom client releasing at that very moment can wait for its ACSE timeout, so the client
here waits for the server to end the association instead of releasing it.
"""

from __future__ import annotations

import signal
import socket
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

from net.support import ISSUER, save_test_patients
from ops.support import ServeProcess, eventually, health
from rpiq.net.client import QueryResult, RpiClient, build_request
from rpiq.store import open_repository

if TYPE_CHECKING:
    from conftest import PostgresServer

pytestmark = pytest.mark.postgres


@pytest.fixture
def database(postgres_server: PostgresServer) -> Iterator[str]:
    name = postgres_server.create_database()
    url = postgres_server.url(name)
    with open_repository(url) as repository:
        save_test_patients(repository)
    try:
        yield url
    finally:
        postgres_server.drop_database(name)


def _refused(port: int) -> bool | None:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return None


def test_sigterm_finishes_the_query_in_flight_and_refuses_new_associations(
    database: str,
) -> None:
    server = ServeProcess("--port", "0", "--db", database, "--http-port", "0")
    locker = sa.create_engine(database, poolclass=sa.pool.NullPool)
    try:
        server.wait_ready(http=True)
        assert (
            RpiClient(timeout=10)
            .query("127.0.0.1", server.port, "NET-001", IssuerOfPatientID=ISSUER)
            .matched
        )
        with locker.connect() as lock:
            lock.exec_driver_sql("BEGIN")
            lock.exec_driver_sql("LOCK TABLE patient IN ACCESS EXCLUSIVE MODE")
            results: list[QueryResult | Exception] = []

            def ask() -> None:
                # No release from our side: the stopping server ends the association after
                # the answer (see the module docstring).
                try:
                    session = RpiClient(timeout=30).connect("127.0.0.1", server.port)
                    try:
                        results.append(session.find(build_request("NET-001", ISSUER)))
                        session.association.join(timeout=15)
                    finally:
                        session.close()
                except Exception as error:  # noqa: BLE001 - reported by the assertion below
                    results.append(error)

            in_flight = threading.Thread(target=ask)
            in_flight.start()
            eventually(lambda: _lookup_waiting(locker), 10, "the lookup to wait on the lock")

            server.process.send_signal(signal.SIGTERM)
            eventually(lambda: _refused(server.port), 5, "new associations refused")
            assert health(server.http_port)[0] == 503  # draining: a balancer stops sending
            assert server.process.poll() is None  # still finishing the query in flight
            lock.exec_driver_sql("COMMIT")
        eventually(lambda: results or None, 20, "the answer to the query in flight")
        status, stderr = server.terminate(timeout=20, signalled=True)
        result = results[0]
        assert isinstance(result, QueryResult), (repr(result), stderr)
        assert result.matched  # answered in full after SIGTERM
        assert status == 0
        assert "event=server.stopped" in stderr
        assert "aborted=0" in stderr
        in_flight.join(timeout=20)
        assert not in_flight.is_alive()
        assert results[1:] == []  # nothing failed after the answer
    finally:
        locker.dispose()
        server.close()


def _lookup_waiting(engine: sa.Engine) -> bool | None:
    with engine.connect() as connection:
        waiting = connection.exec_driver_sql(
            "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'patient'::regclass"
        ).scalar()
    return True if waiting else None
