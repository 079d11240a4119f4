"""What the server engine asks and tells the rest of rpiq: access policy, audit, metrics, storage.

The engine (associations, PDUs, DIMSE) owns no policy. At fixed points it calls these
interfaces, which the security, audit and operations modules implement; the CLI wires them
together. Every method is called on the engine's event loop thread and must not block: an
implementation that writes files or sockets hands the work to its own thread.

Points, in the order an association meets them:

1. TCP connection accepted (TLS handshake done, or failed: :meth:`AuditSink.tls_failed`).
2. A-ASSOCIATE-RQ received: :meth:`AssociationPolicy.admit` with the :class:`PeerInfo` and the
   User Identity sub-item (PS3.7 D.3.3.7) if any. A :class:`Rejection` becomes A-ASSOCIATE-RJ
   with its result/source/reason (PS3.8 Table 9-21) and :meth:`AuditSink.association_rejected`
   (plus :meth:`AuditSink.user_authentication_failed` when the rejection is for the user).
3. Presentation contexts: an abstract syntax is accepted only if
   :meth:`AssociationPolicy.allows_sop_class` (else result 1, user rejection).
4. Each C-FIND: :meth:`AuditSink.query` after the final response (the Patient ID as the
   participant object, the final status as the outcome) and :meth:`ServerMetrics.query_done`.
5. Each C-STORE (only when a :class:`StoreService` is configured): :meth:`StoreService.store`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from pydicom.dataset import Dataset

# A-ASSOCIATE-RJ (PS3.8 Table 9-21)
RESULT_REJECTED_PERMANENT = 1
RESULT_REJECTED_TRANSIENT = 2
SOURCE_SERVICE_USER = 1
SOURCE_SERVICE_PROVIDER_ACSE = 2
SOURCE_SERVICE_PROVIDER_PRESENTATION = 3
REASON_NO_REASON = 1
REASON_APPLICATION_CONTEXT_NOT_SUPPORTED = 2
REASON_CALLING_AE_NOT_RECOGNIZED = 3
REASON_CALLED_AE_NOT_RECOGNIZED = 7
REASON_TEMPORARY_CONGESTION = 1  # with SOURCE_SERVICE_PROVIDER_PRESENTATION
REASON_LOCAL_LIMIT_EXCEEDED = 2  # with SOURCE_SERVICE_PROVIDER_PRESENTATION

# User Identity Type (PS3.7 Table D.3-14)
USER_IDENTITY_USERNAME = 1
USER_IDENTITY_USERNAME_PASSCODE = 2
USER_IDENTITY_KERBEROS = 3
USER_IDENTITY_SAML = 4
USER_IDENTITY_JWT = 5


@dataclass(frozen=True)
class PeerInfo:
    """Who is asking: known once the A-ASSOCIATE-RQ has arrived."""

    association_id: str
    address: str
    port: int
    calling_ae_title: str
    called_ae_title: str
    tls_subject: str | None = None
    """RFC 4514 subject of the verified client certificate (mutual TLS), else ``None``."""


@dataclass(frozen=True)
class UserIdentity:
    """The A-ASSOCIATE-RQ User Identity sub-item (PS3.7 D.3.3.7.1)."""

    UserIdentityType: int
    PrimaryField: bytes
    SecondaryField: bytes = b""
    PositiveResponseRequested: bool = False


@dataclass(frozen=True)
class Rejection:
    """An A-ASSOCIATE-RJ to send, and why (for the log and the audit trail, never the wire)."""

    result: int
    source: int
    reason: int
    why: str
    user_authentication_failed: bool = False


@dataclass(frozen=True)
class Admission:
    """An accepted association; ``server_response`` is the User Identity AC sub-item's
    Server Response (empty for username/passcode), sent only when a positive response was
    requested."""

    username: str | None = None
    server_response: bytes = b""


class AssociationPolicy(Protocol):
    def admit(self, peer: PeerInfo, user: UserIdentity | None) -> Admission | Rejection: ...

    def allows_sop_class(self, peer: PeerInfo, sop_class_uid: str) -> bool: ...


class AuditSink(Protocol):
    def application_started(self) -> None: ...

    def application_stopped(self) -> None: ...

    def association_rejected(self, peer: PeerInfo, rejection: Rejection) -> None: ...

    def user_authentication_failed(self, peer: PeerInfo, username: str) -> None: ...

    def tls_failed(self, address: str, port: int, reason: str) -> None: ...

    def query(
        self,
        peer: PeerInfo,
        sop_class_uid: str,
        PatientID: str,
        IssuerOfPatientID: str | None,
        status: int,
    ) -> None: ...


class ServerMetrics(Protocol):
    def association_opened(self) -> None: ...

    def association_closed(self) -> None: ...

    def association_rejected(self) -> None: ...

    def query_done(self, sop_class_uid: str, status: int, seconds: float) -> None: ...


@dataclass(frozen=True)
class StoreOutcome:
    """A C-STORE-RSP status (PS3.4 B.2.3) and its Error Comment."""

    status: int
    error_comment: str | None = None


class StoreService(Protocol):
    """Indexes a received composite instance. Called off the event loop (it may block)."""

    def store(self, peer: PeerInfo, dataset: Dataset) -> StoreOutcome: ...


class OpenPolicy:
    """Admits everyone to every SOP class (the default without ``--allow-aet``)."""

    def admit(self, peer: PeerInfo, user: UserIdentity | None) -> Admission | Rejection:
        return Admission()

    def allows_sop_class(self, peer: PeerInfo, sop_class_uid: str) -> bool:
        return True
