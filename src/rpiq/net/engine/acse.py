"""A-ASSOCIATE negotiation (PS3.8 7.1, 9.3.2-9.3.4; PS3.7 D.3): an A-ASSOCIATE-RQ in, an
A-ASSOCIATE-AC or -RJ out.

pynetdicom's PDU and item codecs decode the request and encode the answer; the decisions are
ours, in this order: association limit (RJ transient, source 3, reason 2), protocol version
(source 2, reason 2), application context name (source 1, reason 2), called AE title when
checked (source 1, reason 7), then the access policy (its own result/source/reason). Accepted:

- presentation contexts: an abstract syntax we serve and the policy allows, with the first
  transfer syntax the requestor lists that we support (result 0); else 1 (user rejection, also
  for a requestor that declines the SCU role), 3 (abstract syntax) or 4 (transfer syntaxes);
- Maximum Length Received: ours (``settings.max_pdu_size``) announced, the peer's kept for
  fragmenting what we send;
- Implementation Class UID and Version Name: rpiq's;
- Asynchronous Operations Window: answered 1/1 when proposed (one operation at a time);
- SCP/SCU Role Selection: the requestor's SCU role accepted as proposed, the SCP role never
  (this node only acts as SCP);
- User Identity: passed to the policy; the positive response sent when requested.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from pydicom.uid import ImplicitVRLittleEndian
from pynetdicom.pdu import A_ASSOCIATE_AC, A_ASSOCIATE_RJ, A_ASSOCIATE_RQ
from pynetdicom.pdu_items import UserIdentitySubItemRQ
from pynetdicom.pdu_primitives import (
    A_ASSOCIATE,
    AsynchronousOperationsWindowNegotiation,
    ImplementationClassUIDNotification,
    ImplementationVersionNameNotification,
    MaximumLengthNotification,
    SCP_SCU_RoleSelectionNegotiation,
    SOPClassCommonExtendedNegotiation,
    SOPClassExtendedNegotiation,
    UserIdentityNegotiation,
)
from pynetdicom.presentation import PresentationContext

from rpiq import __version__
from rpiq.net.engine.pdu_io import (
    A_ASSOCIATE_RQ_TYPE,
    REASON_INVALID_PDU_PARAMETER_VALUE,
    PduError,
    whole_pdu,
)
from rpiq.net.hooks import (
    REASON_APPLICATION_CONTEXT_NOT_SUPPORTED,
    REASON_CALLED_AE_NOT_RECOGNIZED,
    REASON_LOCAL_LIMIT_EXCEEDED,
    RESULT_REJECTED_PERMANENT,
    RESULT_REJECTED_TRANSIENT,
    SOURCE_SERVICE_PROVIDER_ACSE,
    SOURCE_SERVICE_PROVIDER_PRESENTATION,
    SOURCE_SERVICE_USER,
    Admission,
    AssociationPolicy,
    PeerInfo,
    Rejection,
    UserIdentity,
)

DICOM_APPLICATION_CONTEXT: Final = "1.2.840.10008.3.1.1.1"
IMPLEMENTATION_CLASS_UID: Final = "1.2.826.0.1.3680043.8.498.74234356281203778731249973532787669497"
"""pydicom's ``generate_uid(PYDICOM_ROOT_UID, entropy_srcs=["rpiq DICOM upper layer engine"])``:
a deterministic UID under pydicom's root, as its documentation suggests for such uses."""
IMPLEMENTATION_VERSION_NAME: Final = f"RPIQ_{__version__}"[:16]
UserItem = (
    MaximumLengthNotification
    | ImplementationClassUIDNotification
    | ImplementationVersionNameNotification
    | AsynchronousOperationsWindowNegotiation
    | SCP_SCU_RoleSelectionNegotiation
    | SOPClassExtendedNegotiation
    | UserIdentityNegotiation
    | SOPClassCommonExtendedNegotiation
)
"""The User Information sub-item primitives (the order pynetdicom's setter types them)."""
REASON_PROTOCOL_VERSION_NOT_SUPPORTED: Final = 2  # with SOURCE_SERVICE_PROVIDER_ACSE

CONTEXT_ACCEPTANCE: Final = 0
CONTEXT_USER_REJECTION: Final = 1
CONTEXT_ABSTRACT_SYNTAX_NOT_SUPPORTED: Final = 3
CONTEXT_TRANSFER_SYNTAXES_NOT_SUPPORTED: Final = 4


@dataclass(frozen=True, slots=True)
class AcceptedContext:
    """A presentation context usable on the association."""

    context_id: int
    abstract_syntax: str
    transfer_syntax: str


@dataclass(frozen=True)
class Accepted:
    """The association is established: send ``pdu``."""

    peer: PeerInfo
    contexts: Mapping[int, AcceptedContext]
    peer_max_pdu: int
    admission: Admission
    pdu: bytes


@dataclass(frozen=True)
class Refused:
    """The association is rejected: send ``pdu``."""

    peer: PeerInfo
    rejection: Rejection
    pdu: bytes
    username: str | None = None


@dataclass(frozen=True)
class Acceptor:
    """What this node offers and who decides about the rest."""

    ae_title: str
    check_called_ae_title: bool
    max_pdu_size: int
    supported: Mapping[str, tuple[str, ...]]  # abstract syntax → transfer syntaxes
    policy: AssociationPolicy


def decode_request(body: bytes) -> A_ASSOCIATE_RQ:
    """The A-ASSOCIATE-RQ in ``body``; :class:`PduError` when it cannot be decoded."""
    pdu = A_ASSOCIATE_RQ()
    try:
        pdu.decode(whole_pdu(A_ASSOCIATE_RQ_TYPE, body))
        _ = pdu.presentation_context, pdu.user_information, pdu.application_context_name
    except Exception as exc:
        raise PduError(REASON_INVALID_PDU_PARAMETER_VALUE, "undecodable A-ASSOCIATE-RQ") from exc
    return pdu


def carries_user_identity(rq: A_ASSOCIATE_RQ) -> bool:
    """Whether ``rq`` has a User Identity sub-item: checking a passcode hashes it (tens of
    milliseconds), so such a request is negotiated off the event loop."""
    info = rq.user_information
    return info is not None and isinstance(info.user_identity, UserIdentitySubItemRQ)


def _user_identity(rq: A_ASSOCIATE_RQ) -> UserIdentity | None:
    info = rq.user_information
    item = info.user_identity if info is not None else None
    if not isinstance(item, UserIdentitySubItemRQ):
        return None
    return UserIdentity(
        UserIdentityType=int(item.user_identity_type or 0),
        PrimaryField=bytes(item.primary_field or b""),
        SecondaryField=bytes(item.secondary_field or b""),
        PositiveResponseRequested=bool(item.positive_response_requested),
    )


def _reject(rq: A_ASSOCIATE_RQ, peer: PeerInfo, rejection: Rejection) -> Refused:
    primitive = A_ASSOCIATE()
    primitive.result = rejection.result
    primitive.result_source = rejection.source
    primitive.diagnostic = rejection.reason
    return Refused(peer, rejection, bytes(A_ASSOCIATE_RJ(primitive).encode()))


def _rejection_before_policy(
    acceptor: Acceptor, rq: A_ASSOCIATE_RQ, *, over_limit: bool
) -> Rejection | None:
    if over_limit:
        return Rejection(
            RESULT_REJECTED_TRANSIENT,
            SOURCE_SERVICE_PROVIDER_PRESENTATION,
            REASON_LOCAL_LIMIT_EXCEEDED,
            "too many associations",
        )
    if not rq.protocol_version & 0x0001:
        return Rejection(
            RESULT_REJECTED_PERMANENT,
            SOURCE_SERVICE_PROVIDER_ACSE,
            REASON_PROTOCOL_VERSION_NOT_SUPPORTED,
            "protocol version not supported",
        )
    if str(rq.application_context_name or "") != DICOM_APPLICATION_CONTEXT:
        return Rejection(
            RESULT_REJECTED_PERMANENT,
            SOURCE_SERVICE_USER,
            REASON_APPLICATION_CONTEXT_NOT_SUPPORTED,
            "application context name not supported",
        )
    if acceptor.check_called_ae_title and rq.called_ae_title.strip() != acceptor.ae_title:
        return Rejection(
            RESULT_REJECTED_PERMANENT,
            SOURCE_SERVICE_USER,
            REASON_CALLED_AE_NOT_RECOGNIZED,
            "called AE title not recognised",
        )
    return None


def negotiate(
    acceptor: Acceptor, rq: A_ASSOCIATE_RQ, peer: PeerInfo, *, over_limit: bool
) -> Accepted | Refused:
    """The answer to ``rq`` (``peer`` already carries its AE titles)."""
    rejection = _rejection_before_policy(acceptor, rq, over_limit=over_limit)
    if rejection is not None:
        return _reject(rq, peer, rejection)
    user = _user_identity(rq)
    admitted = acceptor.policy.admit(peer, user)
    if isinstance(admitted, Rejection):
        refused = _reject(rq, peer, admitted)
        username = user.PrimaryField.decode("utf-8", "replace") if user is not None else None
        return Refused(refused.peer, admitted, refused.pdu, username)
    roles = _requested_roles(rq)
    results, contexts = _negotiate_contexts(acceptor, rq, peer, roles)
    info = rq.user_information
    peer_max = int(info.maximum_length or 0) if info is not None else 0
    primitive = A_ASSOCIATE()
    primitive.application_context_name = DICOM_APPLICATION_CONTEXT
    primitive.called_ae_title = rq.called_ae_title
    primitive.calling_ae_title = rq.calling_ae_title
    primitive.result = 0
    primitive.presentation_context_definition_results_list = results
    primitive.user_information = _user_items(acceptor, rq, roles, user, admitted)
    pdu = bytes(A_ASSOCIATE_AC(primitive).encode())
    return Accepted(peer, contexts, peer_max, admitted, pdu)


def _requested_roles(rq: A_ASSOCIATE_RQ) -> dict[str, tuple[bool, bool]]:
    info = rq.user_information
    if info is None:
        return {}
    return {
        str(uid): (bool(item.scu_role), bool(item.scp_role))
        for uid, item in info.role_selection.items()
    }


def _negotiate_contexts(
    acceptor: Acceptor,
    rq: A_ASSOCIATE_RQ,
    peer: PeerInfo,
    roles: Mapping[str, tuple[bool, bool]],
) -> tuple[list[PresentationContext], dict[int, AcceptedContext]]:
    results: list[PresentationContext] = []
    accepted: dict[int, AcceptedContext] = {}
    for item in rq.presentation_context:
        proposed = item.to_primitive()
        context_id = int(proposed.context_id or 0)
        abstract = str(proposed.abstract_syntax or "")
        offered = acceptor.supported.get(abstract)
        chosen = next((str(ts) for ts in proposed.transfer_syntax if offered and ts in offered), "")
        result = _context_result(acceptor, peer, roles, abstract, chosen)
        if result == CONTEXT_ACCEPTANCE:
            accepted[context_id] = AcceptedContext(context_id, abstract, chosen)
        context = PresentationContext()
        context.context_id = context_id
        context.result = result
        # PS3.8 9.3.3.2: not significant unless accepted
        context.transfer_syntax = [chosen or ImplicitVRLittleEndian]
        results.append(context)
    return results, accepted


def _context_result(
    acceptor: Acceptor,
    peer: PeerInfo,
    roles: Mapping[str, tuple[bool, bool]],
    abstract: str,
    chosen: str,
) -> int:
    """PS3.8 Table 9-18 result of one proposed context (``chosen``: "" if no syntax fits)."""
    if abstract not in acceptor.supported:
        return CONTEXT_ABSTRACT_SYNTAX_NOT_SUPPORTED
    requestor_is_scu = roles.get(abstract, (True, False))[0]
    if not requestor_is_scu or not acceptor.policy.allows_sop_class(peer, abstract):
        return CONTEXT_USER_REJECTION
    if not chosen:
        return CONTEXT_TRANSFER_SYNTAXES_NOT_SUPPORTED
    return CONTEXT_ACCEPTANCE


def _user_items(
    acceptor: Acceptor,
    rq: A_ASSOCIATE_RQ,
    roles: Mapping[str, tuple[bool, bool]],
    user: UserIdentity | None,
    admitted: Admission,
) -> list[UserItem]:
    maximum = MaximumLengthNotification()
    maximum.maximum_length_received = acceptor.max_pdu_size
    uid = ImplementationClassUIDNotification()
    uid.implementation_class_uid = IMPLEMENTATION_CLASS_UID
    version = ImplementationVersionNameNotification()
    version.implementation_version_name = IMPLEMENTATION_VERSION_NAME
    items: list[UserItem] = [maximum, uid, version]
    info = rq.user_information
    if info is not None and info.async_ops_window is not None:
        window = AsynchronousOperationsWindowNegotiation()
        window.maximum_number_operations_invoked = 1
        window.maximum_number_operations_performed = 1
        items.append(window)
    for sop_class_uid, (scu_role, _scp_role) in roles.items():
        # A requestor declining the SCU role gets its contexts rejected and no role item
        # (an item with both roles 0 says nothing more; pynetdicom's encoder refuses it).
        if scu_role and sop_class_uid in acceptor.supported:
            role = SCP_SCU_RoleSelectionNegotiation()
            role.sop_class_uid = sop_class_uid
            role.scu_role = True
            role.scp_role = False
            items.append(role)
    if user is not None and user.PositiveResponseRequested:
        response = UserIdentityNegotiation()
        response.server_response = admitted.server_response
        items.append(response)
    return items
