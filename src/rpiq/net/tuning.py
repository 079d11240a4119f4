"""What rpiq changes about pynetdicom's defaults, per socket and per association, without
patching pynetdicom: ``TCP_NODELAY``, no per-message logging handlers, and a settled reactor
before each request (:func:`hold_reactor`)."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import cast

from pynetdicom import evt
from pynetdicom.association import Association
from pynetdicom.transport import AssociationServer

# pynetdicom's standard handlers for these events log every message and PDU.
LOGGING_EVENTS = (evt.EVT_DIMSE_RECV, evt.EVT_DIMSE_SENT, evt.EVT_PDU_RECV, evt.EVT_PDU_SENT)


def set_nodelay(sock: socket.socket) -> None:
    """Disable Nagle's algorithm on a TCP socket (no-op for other socket types).

    pynetdicom never does: Nagle plus the peer's delayed ACK costs ~90 ms per C-FIND on
    loopback (engineering guide, measured facts)."""
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def unbind_standard_logging(target: Association | AssociationServer) -> None:
    """Remove pynetdicom's own per-message logging handlers from ``target`` (others stay)."""
    for event in LOGGING_EVENTS:
        bound = cast(list[tuple[Callable[..., object], object]], target.get_handlers(event))
        for handler, _args in list(bound):
            if getattr(handler, "__module__", "").startswith("pynetdicom."):
                target.unbind(event, handler)


REACTOR_POLL = 0.0001  # seconds between checks while the reactor reaches its wait


def hold_reactor(assoc: Association) -> None:
    """Make sure the association's reactor thread is blocked before a request is sent.

    pynetdicom 3.0.4's ``send_c_*`` clear the reactor checkpoint and wait until
    ``_is_paused`` is true; but the reactor sets it true *before* its ``wait()`` and false
    just after. A reactor that has already passed its ``wait()`` when the checkpoint is
    cleared still reads true for a moment, the request goes out, and the reactor then takes
    the first response off the queue itself ("Received unexpected C-FIND service message"):
    the caller never sees it. With a server that answers within a millisecond (rpiq's engine)
    this happens every few hundred requests. Here the checkpoint is cleared first, then we
    wait until a thread (the reactor: nothing else waits on it) is blocked in the checkpoint's
    ``wait()``. Reads private attributes of pynetdicom and of ``threading.Event``; changes
    nothing in either.
    """
    checkpoint = assoc._reactor_checkpoint
    checkpoint.clear()
    waiters = getattr(getattr(checkpoint, "_cond", None), "_waiters", None)
    if waiters is None:  # another Python: keep pynetdicom's own check only
        return
    deadline = time.monotonic() + 1.0
    while not waiters and assoc.is_alive() and time.monotonic() < deadline:
        time.sleep(REACTOR_POLL)
