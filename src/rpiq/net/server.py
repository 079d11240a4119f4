"""The rpiq DICOM server: :class:`RpiServer` is the asyncio upper-layer engine.

This module keeps the import path the CLI, tests and benchmarks have always used
(``from rpiq.net.server import RpiServer``); the engine lives in :mod:`rpiq.net.engine`
(PS3.8 association handling on one event loop thread, database work in a thread pool)::

    with RpiServer(settings, service) as server:    # bound and serving; port 0 allowed
        host, port = server.address
        ...
    # leaving the block stops accepting, closes connections that never associated and aborts
    # idle associations at once, lets requests in flight finish (up to the grace), then
    # aborts what is left

pynetdicom remains the client library (:mod:`rpiq.net.client`) and a test peer; the former
pynetdicom-thread server (two polling threads per association) is gone.
"""

from __future__ import annotations

from rpiq.net.engine import RpiServer

__all__ = ["RpiServer"]
