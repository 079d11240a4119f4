"""rpiq.audit: DICOM audit trail (PS3.15 A.5 messages; XML file and RFC 5425 syslog sinks).

A leaf layer: it imports only the standard library, :mod:`rpiq.config` and the dataclasses of
:mod:`rpiq.net.hooks`.

- :class:`AuditTrail` (``rpiq.audit.trail``): the server's :class:`~rpiq.net.hooks.AuditSink`;
  ``AuditTrail.from_settings(server_settings)``, ``close()``.
- ``rpiq.audit.messages``: one function per audit message, returning its XML.
- ``rpiq.audit.sinks``: the XML file sink, the syslog-over-TLS sink and the writer thread.
"""

from __future__ import annotations

from rpiq.audit.trail import AuditTrail

__all__ = ["AuditTrail"]
