"""Who may ask: the allow-list of calling AE titles and User Identity (PS3.7 D.3.3.7).

:class:`AccessPolicy` implements :class:`rpiq.net.hooks.AssociationPolicy` from the server's
:class:`~rpiq.config.ServerSettings`. Its decisions, in order:

1. **Called AE title** (only with ``check_called_ae_title``): another title than ours is
   rejected permanent / service user / reason 7, "called AE title not recognized".
2. **Calling AE title** (only when ``access.allow`` has rules): the association is admitted when
   some rule names the calling AE title (leading and trailing spaces are not significant,
   PS3.5 AE) *and* its ``address`` (an IP address or a network such as ``10.1.0.0/16``), if
   set, contains the peer's address *and* its ``certificate_subject``, if set, equals the
   subject of the peer's verified TLS certificate (RFC 4514, attribute types and the spaces
   around separators not significant). Otherwise: rejected permanent / service user / reason 3,
   "calling AE title not recognized" (PS3.8 Table 9-21); the reason never tells which part of
   the rule failed.
3. **User Identity** (only when ``access.users`` has accounts): a username/passcode sub-item
   (type 2) must name an account and match its password hash; an unknown user or a wrong
   passcode is rejected permanent / service user / reason 1 "no reason given" with
   ``user_authentication_failed`` (which of the two is never told). With
   ``require_user_identity``, an association without a type 2 sub-item is rejected likewise
   (a type 1 username carries no proof; Kerberos, SAML and JWT are not supported). Without it,
   such associations are admitted with no user; a type 2 sub-item is still checked.

:meth:`AccessPolicy.allows_sop_class`: Verification always; the RPI SOP classes as the peer's
matching rules allow (a rule without ``sop_classes`` allows all of them).

Passcodes are checked with scrypt (~60 ms on the event loop): a successful check is remembered
(keyed by an HMAC under a per-process random key, never the passcode) so that a client
reconnecting with the same credentials costs microseconds.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

from rpiq.config import AccessRule, ServerSettings, UserAccount
from rpiq.errors import ConfigError
from rpiq.net.hooks import (
    REASON_CALLED_AE_NOT_RECOGNIZED,
    REASON_CALLING_AE_NOT_RECOGNIZED,
    REASON_NO_REASON,
    RESULT_REJECTED_PERMANENT,
    SOURCE_SERVICE_USER,
    USER_IDENTITY_USERNAME_PASSCODE,
    Admission,
    PeerInfo,
    Rejection,
    UserIdentity,
)
from rpiq.net.passwords import check_hash, verify_password
from rpiq.service.status import BREAST, CARDIAC, GENERAL

VERIFICATION_SOP_CLASS = "1.2.840.10008.1.1"
SOP_CLASS_NAMES = {"general": GENERAL.uid, "breast": BREAST.uid, "cardiac": CARDIAC.uid}
_UID = re.compile(r"^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))+$")
_REMEMBERED_LOGINS = 256

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class _Rule:
    """An :class:`~rpiq.config.AccessRule` resolved once: SOP class names to UIDs, the address
    to a network, the subject to its canonical form."""

    ae_title: str
    sop_class_uids: frozenset[str]
    network: Network | None
    subject: str | None

    def matches(self, peer: PeerInfo) -> bool:
        if self.ae_title != peer.calling_ae_title.strip():
            return False
        if self.network is not None and not _address_in(peer.address, self.network):
            return False
        if self.subject is None:
            return True
        return peer.tls_subject is not None and canonical_subject(peer.tls_subject) == self.subject


class AccessPolicy:
    """The allow-list and User Identity checks of ``settings`` (see the module docstring)."""

    def __init__(self, settings: ServerSettings) -> None:
        access = settings.access
        if access.require_user_identity and not access.users:
            raise ConfigError("require_user_identity needs at least one user account")
        self._called_ae_title = (
            settings.ae_title.strip() if settings.check_called_ae_title else None
        )
        self._rules = tuple(_resolve(rule) for rule in access.allow)
        self._accounts = _accounts(access.users)
        self._require_user = access.require_user_identity
        self._pepper = os.urandom(32)
        self._remembered: OrderedDict[bytes, str] = OrderedDict()
        self._remembered_lock = threading.Lock()  # admit() may run on several threads

    def admit(self, peer: PeerInfo, user: UserIdentity | None) -> Admission | Rejection:
        called = self._called_ae_title
        if called is not None and peer.called_ae_title.strip() != called:
            return _reject(REASON_CALLED_AE_NOT_RECOGNIZED, "called AE title not recognized")
        if self._rules and not self._matching_rules(peer):
            return _reject(REASON_CALLING_AE_NOT_RECOGNIZED, "calling AE title not recognized")
        if not self._accounts:
            return Admission()
        return self._authenticate(user)

    def allows_sop_class(self, peer: PeerInfo, sop_class_uid: str) -> bool:
        if sop_class_uid == VERIFICATION_SOP_CLASS or not self._rules:
            return True
        return any(
            not rule.sop_class_uids or sop_class_uid in rule.sop_class_uids
            for rule in self._matching_rules(peer)
        )

    def _matching_rules(self, peer: PeerInfo) -> list[_Rule]:
        return [rule for rule in self._rules if rule.matches(peer)]

    def _authenticate(self, user: UserIdentity | None) -> Admission | Rejection:
        if user is None or user.UserIdentityType != USER_IDENTITY_USERNAME_PASSCODE:
            if self._require_user:
                return _user_failed("no username and passcode (User Identity type 2) offered")
            return Admission()
        username = user.PrimaryField.decode("utf-8", errors="replace")
        stored = self._accounts.get(username)
        if stored is None or not self._passcode_matches(username, user.SecondaryField, stored):
            return _user_failed("unknown user or wrong passcode")
        return Admission(username=username)

    def _passcode_matches(self, username: str, passcode: bytes, stored: str) -> bool:
        key = hmac.digest(self._pepper, username.encode("utf-8") + b"\0" + passcode, hashlib.sha256)
        with self._remembered_lock:
            if self._remembered.get(key) == stored:
                self._remembered.move_to_end(key)
                return True
        if not verify_password(passcode, stored):  # slow on purpose: outside the lock
            return False
        with self._remembered_lock:
            self._remembered[key] = stored
            if len(self._remembered) > _REMEMBERED_LOGINS:
                self._remembered.popitem(last=False)
        return True


def canonical_subject(subject: str) -> str:
    """An RFC 4514 subject in a form fit for comparison: attribute types upper-cased, spaces
    around ``,``, ``+`` and ``=`` removed (escaped characters kept as they are)."""
    parts: list[str] = []
    token = ""
    escaped = False
    for char in subject:
        if escaped:
            token += char
            escaped = False
        elif char == "\\":
            token += char
            escaped = True
        elif char in ",+":
            parts.extend((_canonical_pair(token), char))
            token = ""
        else:
            token += char
    parts.append(_canonical_pair(token))
    return "".join(parts)


def _canonical_pair(pair: str) -> str:
    kind, _, value = pair.partition("=")
    return f"{kind.strip().upper()}={value.strip()}"


def _resolve(rule: AccessRule) -> _Rule:
    ae_title = rule.ae_title.strip()
    if not ae_title or len(ae_title) > 16 or "\\" in ae_title:
        raise ConfigError(f"allow rule: AE title {rule.ae_title!r} must be 1-16 characters")
    uids: set[str] = set()
    for entry in rule.sop_classes:
        uid = SOP_CLASS_NAMES.get(entry.lower(), entry)
        if not _UID.match(uid) or len(uid) > 64:
            raise ConfigError(
                f"allow rule {ae_title}: SOP class {entry!r} is neither general, breast, "
                "cardiac nor a UID"
            )
        uids.add(uid)
    network = None
    if rule.address is not None:
        try:
            network = ipaddress.ip_network(rule.address.strip(), strict=False)
        except ValueError as exc:
            raise ConfigError(f"allow rule {ae_title}: address {rule.address!r}: {exc}") from exc
    subject = None
    if rule.certificate_subject is not None:
        subject = canonical_subject(rule.certificate_subject)
    return _Rule(ae_title, frozenset(uids), network, subject)


def _accounts(users: tuple[UserAccount, ...]) -> dict[str, str]:
    accounts: dict[str, str] = {}
    for account in users:
        if not account.username or account.username in accounts:
            raise ConfigError(f"user accounts: empty or repeated username {account.username!r}")
        try:
            check_hash(account.password_hash)
        except ConfigError as exc:
            raise ConfigError(f"user {account.username!r}: {exc}") from exc
        accounts[account.username] = account.password_hash
    return accounts


def _address_in(address: str, network: Network) -> bool:
    try:
        peer = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(peer, ipaddress.IPv6Address) and peer.ipv4_mapped is not None:
        peer = peer.ipv4_mapped
    return peer.version == network.version and peer in network


def _reject(reason: int, why: str) -> Rejection:
    return Rejection(RESULT_REJECTED_PERMANENT, SOURCE_SERVICE_USER, reason, why)


def _user_failed(why: str) -> Rejection:
    return Rejection(
        RESULT_REJECTED_PERMANENT,
        SOURCE_SERVICE_USER,
        REASON_NO_REASON,
        why,
        user_authentication_failed=True,
    )
