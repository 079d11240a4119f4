"""rpiq.net: the RPI server engine and client.

- :class:`RpiServer` (``rpiq.net.server``, implemented in :mod:`rpiq.net.engine`): the asyncio
  DICOM upper-layer engine serving the three RPI SOP classes and Verification (and Storage
  when a store service is given), TCP_NODELAY, key=value logging without patient data.
- :class:`RpiClient` (``rpiq.net.client``): ``query()`` → :class:`QueryResult`; sessions with
  C-CANCEL. pynetdicom's own ``send_c_find`` logs identifiers at INFO on the ``pynetdicom``
  logger: keep that logger at WARNING where patient data must stay out of logs.
- ``rpiq.net.render``: a response identifier as indented text.

The names below are imported on first use (PEP 562), so that importing one submodule, e.g.
the client for ``rpiq query``, does not import the server and, through the query service,
the database layer.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rpiq.net.client import QueryResult, RpiClient, RpiSession, build_request
    from rpiq.net.server import RpiServer

__all__ = ["QueryResult", "RpiClient", "RpiServer", "RpiSession", "build_request"]

_HOME = {
    "QueryResult": "rpiq.net.client",
    "RpiClient": "rpiq.net.client",
    "RpiSession": "rpiq.net.client",
    "build_request": "rpiq.net.client",
    "RpiServer": "rpiq.net.server",
}


def __getattr__(name: str) -> object:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
