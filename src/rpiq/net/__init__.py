"""rpiq.net: the RPI server engine and client on pynetdicom's association machinery.

- :class:`RpiServer` (``rpiq.net.server``): serves the three RPI SOP classes and Verification
  with our own C-FIND handling (``rpiq.net.rpi_scp``), TCP_NODELAY, quiet logging.
- :class:`RpiClient` (``rpiq.net.client``): ``query()`` → :class:`QueryResult`; sessions with
  C-CANCEL. pynetdicom's own ``send_c_find`` logs identifiers at INFO on the ``pynetdicom``
  logger: keep that logger at WARNING where patient data must stay out of logs.
- ``rpiq.net.render``: a response identifier as indented text.
"""

from rpiq.net.client import QueryResult, RpiClient, RpiSession, build_request
from rpiq.net.server import RpiServer

__all__ = ["QueryResult", "RpiClient", "RpiServer", "RpiSession", "build_request"]
