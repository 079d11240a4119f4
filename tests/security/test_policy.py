"""AccessPolicy decisions: allow-list rules, called AE title, User Identity."""

from __future__ import annotations

from typing import Any

import pytest

from rpiq.config import AccessRule, AccessSettings, ServerSettings, UserAccount
from rpiq.errors import ConfigError
from rpiq.net.hooks import (
    REASON_CALLED_AE_NOT_RECOGNIZED,
    REASON_CALLING_AE_NOT_RECOGNIZED,
    RESULT_REJECTED_PERMANENT,
    SOURCE_SERVICE_USER,
    Admission,
    PeerInfo,
    Rejection,
    UserIdentity,
)
from rpiq.net.passwords import hash_password
from rpiq.net.policy import AccessPolicy, canonical_subject
from rpiq.service.status import BREAST, CARDIAC, GENERAL

VERIFICATION = "1.2.840.10008.1.1"
ALICE_HASH = hash_password("wonderland", n=2**10)


def _peer(calling: str = "MODALITY", **fields: Any) -> PeerInfo:
    values: dict[str, Any] = {
        "association_id": "a1",
        "address": "10.1.2.3",
        "port": 40000,
        "calling_ae_title": calling,
        "called_ae_title": "RPIQ",
    }
    values.update(fields)
    return PeerInfo(**values)


def _policy(*rules: AccessRule, **settings: Any) -> AccessPolicy:
    access = settings.pop("access", None) or AccessSettings(allow=rules)
    return AccessPolicy(ServerSettings(access=access, **settings))


def _user(username: bytes, passcode: bytes = b"", kind: int = 2) -> UserIdentity:
    return UserIdentity(kind, username, passcode)


def _users(require: bool) -> AccessSettings:
    return AccessSettings(users=(UserAccount("alice", ALICE_HASH),), require_user_identity=require)


def test_without_rules_everybody_is_admitted_to_everything() -> None:
    policy = _policy()
    assert policy.admit(_peer("ANYONE"), None) == Admission()
    assert policy.allows_sop_class(_peer("ANYONE"), BREAST.uid)


def test_unknown_calling_ae_title_is_rejected_with_reason_3() -> None:
    policy = _policy(AccessRule("MODALITY"))
    assert isinstance(policy.admit(_peer("MODALITY"), None), Admission)
    assert isinstance(policy.admit(_peer("MODALITY  "), None), Admission)  # trailing spaces
    rejection = policy.admit(_peer("INTRUDER"), None)
    assert rejection == Rejection(
        RESULT_REJECTED_PERMANENT,
        SOURCE_SERVICE_USER,
        REASON_CALLING_AE_NOT_RECOGNIZED,
        "calling AE title not recognized",
    )
    assert isinstance(policy.admit(_peer("modality"), None), Rejection)  # AE titles: case counts


def test_rule_bound_to_an_address_or_network() -> None:
    policy = _policy(AccessRule("CT1", address="10.1.2.3"), AccessRule("WS", address="10.9.0.0/16"))
    assert isinstance(policy.admit(_peer("CT1"), None), Admission)
    assert isinstance(policy.admit(_peer("CT1", address="10.1.2.4"), None), Rejection)
    assert isinstance(policy.admit(_peer("WS", address="10.9.200.1"), None), Admission)
    assert isinstance(policy.admit(_peer("WS", address="::ffff:10.9.0.7"), None), Admission)
    assert isinstance(policy.admit(_peer("WS", address="10.10.0.1"), None), Rejection)
    assert isinstance(policy.admit(_peer("WS", address="not-an-ip"), None), Rejection)


def test_rule_bound_to_a_certificate_subject() -> None:
    policy = _policy(AccessRule("CT1", certificate_subject="cn=modality-1, O=Test Hospital"))
    admitted = _peer("CT1", tls_subject="CN=modality-1,O=Test Hospital")
    assert isinstance(policy.admit(admitted, None), Admission)
    assert isinstance(policy.admit(_peer("CT1"), None), Rejection)  # no TLS: no subject
    other = _peer("CT1", tls_subject="CN=workstation-9,O=Test Hospital")
    rejection = policy.admit(other, None)
    assert isinstance(rejection, Rejection)
    assert rejection.reason == REASON_CALLING_AE_NOT_RECOGNIZED


def test_sop_classes_per_rule() -> None:
    policy = _policy(
        AccessRule("MAMMO", sop_classes=("breast",)),
        AccessRule("MAMMO", address="10.1.2.0/24", sop_classes=(CARDIAC.uid,)),
        AccessRule("ANY"),
    )
    mammo = _peer("MAMMO")
    assert policy.allows_sop_class(mammo, BREAST.uid)
    assert policy.allows_sop_class(mammo, CARDIAC.uid)  # second rule matches this address
    assert not policy.allows_sop_class(mammo, GENERAL.uid)
    assert policy.allows_sop_class(mammo, VERIFICATION)
    elsewhere = _peer("MAMMO", address="192.168.0.1")
    assert not policy.allows_sop_class(elsewhere, CARDIAC.uid)
    assert all(policy.allows_sop_class(_peer("ANY"), sop.uid) for sop in (GENERAL, BREAST, CARDIAC))
    assert not policy.allows_sop_class(_peer("NOBODY"), GENERAL.uid)


def test_called_ae_title_checked_only_when_asked() -> None:
    wrong = _peer(called_ae_title="OTHER")
    assert isinstance(_policy().admit(wrong, None), Admission)
    rejection = _policy(check_called_ae_title=True).admit(wrong, None)
    assert isinstance(rejection, Rejection)
    assert rejection.reason == REASON_CALLED_AE_NOT_RECOGNIZED
    assert isinstance(_policy(check_called_ae_title=True).admit(_peer(), None), Admission)


def test_user_identity_username_and_passcode() -> None:
    policy = _policy(access=_users(require=True))
    assert policy.admit(_peer(), _user(b"alice", b"wonderland")) == Admission(username="alice")
    # a second association with the same credentials is remembered: same answer
    assert policy.admit(_peer(), _user(b"alice", b"wonderland")) == Admission(username="alice")
    for user in (_user(b"alice", b"looking-glass"), _user(b"mallory", b"wonderland")):
        rejection = policy.admit(_peer(), user)
        assert isinstance(rejection, Rejection)
        assert rejection.user_authentication_failed
        assert rejection.result == RESULT_REJECTED_PERMANENT
        assert rejection.source == SOURCE_SERVICE_USER
        assert "wonderland" not in rejection.why


@pytest.mark.parametrize(
    "user",
    [None, UserIdentity(1, b"alice"), UserIdentity(5, b"eyJhbGciOi.x.y")],
    ids=["none", "username only", "jwt"],
)
def test_required_identity_needs_username_and_passcode(user: UserIdentity | None) -> None:
    rejection = _policy(access=_users(require=True)).admit(_peer(), user)
    assert isinstance(rejection, Rejection)
    assert rejection.user_authentication_failed
    assert _policy(access=_users(require=False)).admit(_peer(), user) == Admission()


def test_optional_identity_still_checks_a_passcode_offered() -> None:
    policy = _policy(access=_users(require=False))
    rejection = policy.admit(_peer(), _user(b"alice", b"wrong"))
    assert isinstance(rejection, Rejection)
    assert rejection.user_authentication_failed


def test_allow_list_is_checked_before_the_user() -> None:
    access = AccessSettings(
        allow=(AccessRule("MODALITY"),),
        users=(UserAccount("alice", ALICE_HASH),),
        require_user_identity=True,
    )
    rejection = _policy(access=access).admit(_peer("INTRUDER"), _user(b"alice", b"wonderland"))
    assert isinstance(rejection, Rejection)
    assert not rejection.user_authentication_failed
    assert rejection.reason == REASON_CALLING_AE_NOT_RECOGNIZED


def test_misconfigurations_are_refused_at_construction() -> None:
    with pytest.raises(ConfigError, match="user account"):
        _policy(access=AccessSettings(require_user_identity=True))
    with pytest.raises(ConfigError, match="user 'bob'"):
        _policy(access=AccessSettings(users=(UserAccount("bob", "not-a-hash"),)))


def test_canonical_subjects() -> None:
    assert canonical_subject("cn = a\\, b , o=X") == "CN=a\\, b,O=X"
    assert canonical_subject("CN=a+uid=7,O=X") == "CN=a+UID=7,O=X"
    assert canonical_subject("CN=a,O=X") != canonical_subject("CN=a,O=Y")
