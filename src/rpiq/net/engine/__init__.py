"""rpiq's asyncio DICOM upper-layer engine (PS3.8) for ``rpiq serve``.

- :class:`RpiServer` (``server``): listeners (plain and TLS), limits, graceful stop, the
  synchronous facade over an event loop thread;
- ``association``: one coroutine per connection, the PS3.8 state machine, P-DATA reassembly,
  ARTIM and idle timers;
- ``acse``: A-ASSOCIATE negotiation (pynetdicom's PDU codecs, our decisions);
- ``pdu_io``: framed PDU reading with length limits, P-DATA fragmentation;
- ``dimse``: command sets, hand-coded Implicit VR Little Endian;
- ``find``, ``echo``, ``store``: the services.
"""

from __future__ import annotations

from rpiq.net.engine.server import RpiServer

__all__ = ["RpiServer"]
