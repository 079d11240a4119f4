"""A real TLS listener for the tests (a thread on 127.0.0.1, port 0) and a syslog collector.

Each accepted connection is handshaken with the given server context; the outcome (peer
subject, protocol version, cipher, or the error) is queued for the test, then the handler (echo
by default) serves the connection. Connections are served one after another.
"""

from __future__ import annotations

import contextlib
import queue
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass

from rpiq.net.tls import peer_subject

WAIT = 10.0


@dataclass(frozen=True)
class Handshake:
    ok: bool
    subject: str | None = None
    version: str | None = None
    cipher: str | None = None
    error: str | None = None


Handler = Callable[[ssl.SSLSocket], None]


def echo(connection: ssl.SSLSocket) -> None:
    """Send back whatever arrives until the peer closes."""
    while data := connection.recv(4096):
        connection.sendall(data)


class TlsListener:
    """A TLS server thread: ``port``, ``next_handshake()``, ``stop()``."""

    def __init__(self, context: ssl.SSLContext, handler: Handler = echo, port: int = 0) -> None:
        self._context = context
        self._handler = handler
        self._socket = socket.create_server(("127.0.0.1", port), reuse_port=False)
        self._socket.settimeout(0.1)
        self.port: int = self._socket.getsockname()[1]
        self.handshakes: queue.Queue[Handshake] = queue.Queue()
        self._stopping = threading.Event()
        self._active: ssl.SSLSocket | None = None
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def next_handshake(self, timeout: float = WAIT) -> Handshake:
        return self.handshakes.get(timeout=timeout)

    def stop(self) -> None:
        """Stop accepting and cut the connection being served."""
        self._stopping.set()
        active = self._active
        if active is not None:
            with contextlib.suppress(OSError):
                active.shutdown(socket.SHUT_RDWR)
        self._thread.join(WAIT)
        self._socket.close()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                raw, _ = self._socket.accept()
            except TimeoutError:
                continue
            raw.settimeout(WAIT)
            self._serve_one(raw)

    def _serve_one(self, raw: socket.socket) -> None:
        try:
            connection = self._context.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            raw.close()
            self.handshakes.put(Handshake(ok=False, error=str(exc)))
            return
        cipher = connection.cipher()
        self.handshakes.put(
            Handshake(
                ok=True,
                subject=peer_subject(connection),
                version=connection.version(),
                cipher=cipher[0] if cipher else None,
            )
        )
        self._active = connection
        try:
            self._handler(connection)
        except (ssl.SSLError, OSError):
            pass
        finally:
            self._active = None
            connection.close()


class SyslogCollector:
    """An RFC 5425 collector: octet-counted frames from each connection, in ``frames``."""

    def __init__(self, context: ssl.SSLContext, port: int = 0) -> None:
        self.frames: queue.Queue[bytes] = queue.Queue()
        self.listener = TlsListener(context, self._read_frames, port)
        self.port = self.listener.port

    def _read_frames(self, connection: ssl.SSLSocket) -> None:
        buffer = b""
        while data := connection.recv(65536):
            buffer += data
            while b" " in buffer:
                length_text, _, rest = buffer.partition(b" ")
                length = int(length_text)
                if len(rest) < length:
                    break
                self.frames.put(rest[:length])
                buffer = rest[length:]

    def next_frame(self, timeout: float = WAIT) -> bytes:
        return self.frames.get(timeout=timeout)

    def stop(self) -> None:
        self.listener.stop()


def tls_connect(
    context: ssl.SSLContext, port: int, server_hostname: str = "localhost"
) -> ssl.SSLSocket:
    """A client TLS connection to 127.0.0.1:``port`` (handshake done)."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
    try:
        return context.wrap_socket(raw, server_hostname=server_hostname)
    except BaseException:
        raw.close()
        raise


def round_trip(context: ssl.SSLContext, port: int, server_hostname: str = "localhost") -> bytes:
    """Connect, send ``ping``, read the echo; raises on a refused handshake."""
    with tls_connect(context, port, server_hostname) as connection:
        connection.sendall(b"ping")
        return connection.recv(4)
