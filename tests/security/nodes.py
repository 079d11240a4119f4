"""A secure node for the end-to-end tests: the asyncio engine with rpiq's TLS context, access
policy and audit trail, wired as ``rpiq serve`` wires them, on 127.0.0.1 port 0."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

from rpiq.audit import AuditTrail
from rpiq.config import AuditSettings, ServerSettings, TlsSettings
from rpiq.net.engine import RpiServer
from rpiq.net.policy import AccessPolicy
from rpiq.net.tls import server_context
from rpiq.service.query import QueryService
from rpiq.store import PatientRepository
from security.audit_schema import check_audit_message, parse_xml

WAIT = 10.0


@dataclass
class SecureNode:
    server: RpiServer
    audit: AuditTrail
    audit_path: Path

    @property
    def tls_address(self) -> tuple[str, int]:
        address = self.server.tls_address
        assert address is not None
        return address

    def events(self) -> list[Element]:
        """The audit messages written so far, each checked against the schema rules."""
        assert self.audit.flush()
        if not self.audit_path.exists():
            return []
        found = []
        for line in self.audit_path.read_text(encoding="utf-8").splitlines():
            assert check_audit_message(line) == [], line
            found.append(parse_xml(line))
        return found

    def wait_for(self, wanted: Callable[[Element], bool], count: int = 1) -> list[Element]:
        """The audit messages ``wanted`` selects, once there are ``count`` of them (the engine
        calls the audit hooks just after it answers, so a test may be a moment ahead)."""
        deadline = time.monotonic() + WAIT
        while True:
            matching = [event for event in self.events() if wanted(event)]
            if len(matching) >= count or time.monotonic() > deadline:
                return matching
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.stop(grace=2.0)
        self.audit.close()


def start_node(
    repository: PatientRepository,
    folder: Path,
    tls: TlsSettings | None = None,
    **settings: Any,
) -> SecureNode:
    """A running node; ``settings`` are :class:`ServerSettings` fields."""
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": 0,
        "tls_port": 0,
        "acse_timeout": 5.0,
        "network_timeout": 10.0,
        "audit": AuditSettings(log_file=folder / "audit.xml"),
    }
    values.update(settings)
    server_settings = ServerSettings(tls=tls, **values)
    audit = AuditTrail.from_settings(server_settings)
    server = RpiServer(
        server_settings,
        QueryService(repository, 4),
        policy=AccessPolicy(server_settings),
        audit=audit,
        tls_context=server_context(tls) if tls is not None else None,
    )
    server.start()
    return SecureNode(server, audit, folder / "audit.xml")


def event_id(message: Element) -> str:
    found = message.find("EventIdentification/EventID")
    return found.get("csd-code", "") if found is not None else ""


def event_type(message: Element) -> str:
    found = message.find("EventIdentification/EventTypeCode")
    return found.get("csd-code", "") if found is not None else ""


def outcome(message: Element) -> str:
    found = message.find("EventIdentification")
    return found.get("EventOutcomeIndicator", "") if found is not None else ""


def alert_description(message: Element) -> str:
    detail = message.find("ParticipantObjectIdentification/ParticipantObjectDetail")
    assert detail is not None
    return base64.b64decode(detail.get("value", "")).decode("utf-8")


def patient_ids(message: Element) -> list[str]:
    return [
        item.get("ParticipantObjectID", "")
        for item in message.iter("ParticipantObjectIdentification")
        if item.get("ParticipantObjectTypeCodeRole") == "1"
    ]
