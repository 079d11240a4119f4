"""The audit trail: :class:`AuditTrail` implements :class:`rpiq.net.hooks.AuditSink`.

Every hook builds its message on the calling thread (so that EventDateTime is the time of the
event; building one takes ~0.1 ms) and queues it for the writer thread: nothing here blocks
the server's event loop. Which message each hook writes is listed in
:mod:`rpiq.audit.messages`.
"""

from __future__ import annotations

import getpass
import socket
import ssl
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

from rpiq.audit import messages
from rpiq.audit.sinks import AuditWriter, Record, Sink, SyslogTlsSink, XmlFileSink
from rpiq.config import AuditSettings, ServerSettings
from rpiq.errors import ConfigError
from rpiq.net.hooks import (
    REASON_APPLICATION_CONTEXT_NOT_SUPPORTED,
    SOURCE_SERVICE_USER,
    PeerInfo,
    Rejection,
)

AUDIT_TLS_MINIMUM = ssl.TLSVersion.TLSv1_2


class AuditTrail:
    """Writes DICOM audit messages (PS3.15 A.5) to the configured sinks."""

    def __init__(self, source: messages.Source, sinks: list[Sink]) -> None:
        self.source = source
        self._writer = AuditWriter(sinks)
        self._has_sinks = bool(sinks)

    @classmethod
    def from_settings(cls, settings: ServerSettings) -> AuditTrail:
        """The sinks of ``settings.audit``: the XML file and/or syslog over TLS (none: every
        hook is a no-op; the per-query message is not even built)."""
        source = messages.Source(
            ae_title=settings.ae_title,
            host_name=socket.gethostname(),
            enterprise_site_id=settings.audit.enterprise_site_id,
        )
        return cls(source, sinks_from_settings(settings.audit))

    @property
    def dropped(self) -> int:
        """Messages dropped because the writer's queue was full."""
        return self._writer.dropped

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every message so far has been written (or handed to syslog)."""
        return self._writer.flush(timeout)

    def close(self) -> None:
        """Write what is queued and close the sinks; later events are ignored."""
        self._writer.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # hooks.AuditSink

    def application_started(self) -> None:
        self._emit(messages.application_activity(self.source, True, _launcher()))

    def application_stopped(self) -> None:
        self._emit(messages.application_activity(self.source, False, _launcher()))

    def association_rejected(self, peer: PeerInfo, rejection: Rejection) -> None:
        """A Security Alert for an access-control refusal (calling or called AE title, user);
        refusals for load or protocol (service-provider sources, an unsupported application
        context) are no security event: the engine logs and counts them."""
        if not is_access_refusal(rejection):
            return
        if rejection.user_authentication_failed:
            alert_type = messages.LOGIN
        else:
            alert_type = messages.NODE_AUTHENTICATION
        description = (
            f"association rejected (result {rejection.result}, source {rejection.source}, "
            f"reason {rejection.reason}): {rejection.why}; calling AE title "
            f"{peer.calling_ae_title!r}, called AE title {peer.called_ae_title!r}"
        )
        self._emit(messages.security_alert(self.source, _node(peer), alert_type, description))

    def user_authentication_failed(self, peer: PeerInfo, username: str) -> None:
        self._emit(messages.user_authentication_failure(self.source, _node(peer), username))

    def tls_failed(self, address: str, port: int, reason: str) -> None:
        node = messages.Node(address=address)
        description = f"TLS handshake with {address} port {port} failed: {reason}"
        self._emit(
            messages.security_alert(self.source, node, messages.NODE_AUTHENTICATION, description)
        )

    def query(
        self,
        peer: PeerInfo,
        sop_class_uid: str,
        PatientID: str,
        IssuerOfPatientID: str | None,
        status: int,
    ) -> None:
        if not self._has_sinks:  # ~0.1-0.3 ms of XML per query that nobody would read
            return
        self._emit(
            messages.query(
                self.source,
                _node(peer),
                sop_class_uid=sop_class_uid,
                PatientID=PatientID,
                IssuerOfPatientID=IssuerOfPatientID,
                status=status,
            )
        )

    def _emit(self, xml: str) -> None:
        self._writer.submit(Record(xml, datetime.now(UTC)))


def is_access_refusal(rejection: Rejection) -> bool:
    """Whether the service user (our access policy) refused, for another reason than the
    application context."""
    if rejection.user_authentication_failed:
        return True
    return (
        rejection.source == SOURCE_SERVICE_USER
        and rejection.reason != REASON_APPLICATION_CONTEXT_NOT_SUPPORTED
    )


def sinks_from_settings(audit: AuditSettings) -> list[Sink]:
    """An :class:`XmlFileSink` for ``log_file``, a :class:`SyslogTlsSink` for ``syslog_host``;
    :class:`~rpiq.errors.ConfigError` when the log file cannot be opened for appending."""
    sinks: list[Sink] = []
    if audit.log_file is not None:
        try:
            sinks.append(XmlFileSink(audit.log_file))
        except OSError as exc:
            raise ConfigError(f"audit log {audit.log_file}: {exc.strerror or exc}") from exc
    if audit.syslog_host:
        context = syslog_context(audit)
        sinks.append(SyslogTlsSink(audit.syslog_host, audit.syslog_port, context))
    return sinks


def syslog_context(audit: AuditSettings) -> ssl.SSLContext:
    """The syslog collector's certificate verified against ``syslog_ca_file`` (else the system
    trust store) and its host name checked; TLS 1.2 or later (RFC 5425, RFC 9325)."""
    context = ssl.create_default_context(
        cafile=str(audit.syslog_ca_file) if audit.syslog_ca_file is not None else None
    )
    context.minimum_version = AUDIT_TLS_MINIMUM
    return context


def _node(peer: PeerInfo) -> messages.Node:
    return messages.Node(
        address=peer.address, ae_title=peer.calling_ae_title.strip(), tls_subject=peer.tls_subject
    )


def _launcher() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in this environment (e.g. a bare container UID)
        return None
