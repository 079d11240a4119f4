"""Audit sinks: the XML file (appended, one message per line, thread-safe) and RFC 5425 syslog
over TLS to a real collector started by the test."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from rpiq.audit import AuditTrail, messages
from rpiq.audit.sinks import Record, SyslogTlsSink
from rpiq.audit.trail import sinks_from_settings
from rpiq.config import AuditSettings, ServerSettings, TlsSettings
from rpiq.errors import ConfigError
from rpiq.net.hooks import PeerInfo, Rejection
from rpiq.net.tls import client_context, server_context
from security.audit_schema import check_audit_message, parse_xml
from security.pki import Pki
from security.support import SyslogCollector

PEER = PeerInfo("assoc-1", "10.1.2.3", 40000, "MODALITY", "RPIQ")
BREAST_UID = "1.2.840.10008.5.1.4.37.2"
SYSLOG_HEADER = re.compile(
    rb"^<85>1 \d{4}-\d\d-\d\dT\S+ (\S+) rpiq (\d+) DICOM\+RFC3881 - (<AuditMessage>.*)$", re.S
)


def _event_ids(path: Path) -> list[str]:
    ids = []
    for line in path.read_text(encoding="utf-8").splitlines():
        assert check_audit_message(line) == []
        event_id = parse_xml(line).find("EventIdentification/EventID")
        assert event_id is not None
        ids.append(event_id.get("csd-code", ""))
    return ids


def _trail(path: Path, **audit: object) -> AuditTrail:
    settings = ServerSettings(audit=AuditSettings(log_file=path, **audit))  # type: ignore[arg-type]
    return AuditTrail.from_settings(settings)


def test_every_hook_writes_its_message_to_the_file(tmp_path: Path) -> None:
    path = tmp_path / "audit" / "audit.xml"
    with _trail(path) as trail:
        trail.application_started()
        trail.query(PEER, BREAST_UID, "P-1", "HOSP", 0x0000)
        trail.association_rejected(PEER, Rejection(1, 1, 3, "calling AE title not recognized"))
        trail.association_rejected(
            PEER, Rejection(1, 1, 1, "unknown user", user_authentication_failed=True)
        )
        trail.user_authentication_failed(PEER, "mallory")
        trail.tls_failed("10.9.9.9", 50000, "certificate verify failed")
        trail.application_stopped()
    assert _event_ids(path) == [
        "110100", "110112", "110113", "110113", "110114", "110113", "110100",
    ]  # fmt: skip
    trail.query(PEER, BREAST_UID, "P-2", None, 0x0000)  # after close: ignored, no error
    assert len(_event_ids(path)) == 7


def test_only_access_control_refusals_are_security_alerts(tmp_path: Path) -> None:
    path = tmp_path / "audit.xml"
    with _trail(path) as trail:
        trail.association_rejected(PEER, Rejection(2, 3, 2, "too many associations"))
        trail.association_rejected(PEER, Rejection(1, 2, 2, "protocol version not supported"))
        trail.association_rejected(PEER, Rejection(1, 1, 2, "application context not supported"))
        trail.association_rejected(PEER, Rejection(1, 1, 7, "called AE title not recognized"))
    assert _event_ids(path) == ["110113"]


def test_the_file_is_appended_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "audit.xml"
    for _ in range(2):
        with _trail(path) as trail:
            trail.application_started()
    assert _event_ids(path) == ["110100", "110100"]


def test_concurrent_events_give_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "audit.xml"
    threads_count, each = 8, 50

    with _trail(path) as trail:

        def hammer(worker: int) -> None:
            for index in range(each):
                trail.query(PEER, BREAST_UID, f"P-{worker}-{index}", None, 0x0000)

        threads = [threading.Thread(target=hammer, args=(n,)) for n in range(threads_count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert trail.flush()
        assert trail.dropped == 0
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == threads_count * each
    patients = {
        item.get("ParticipantObjectID")
        for line in lines
        for item in parse_xml(line).iter("ParticipantObjectIdentification")
        if item.get("ParticipantObjectTypeCodeRole") == "1"
    }
    assert len(patients) == threads_count * each


def test_syslog_over_tls_frames_rfc5424_messages(pki: Pki, tmp_path: Path) -> None:
    collector = SyslogCollector(server_context(TlsSettings(pki.server.cert, pki.server.key)))
    try:
        audit = {
            "syslog_host": "localhost",
            "syslog_port": collector.port,
            "syslog_ca_file": pki.ca,
        }
        with _trail(tmp_path / "audit.xml", **audit) as trail:
            trail.query(PEER, BREAST_UID, "P-7", "HOSP", 0xC100)
            trail.application_stopped()
            assert trail.flush()
            frames = [collector.next_frame(), collector.next_frame()]
    finally:
        collector.stop()
    for frame in frames:
        match = SYSLOG_HEADER.match(frame)
        assert match is not None, frame[:120]
        assert check_audit_message(match.group(3).decode("utf-8")) == []
    query = parse_xml(SYSLOG_HEADER.match(frames[0]).group(3))  # type: ignore[union-attr]
    assert query.find("EventIdentification").get("EventOutcomeIndicator") == "4"  # type: ignore[union-attr]


def test_syslog_sink_keeps_messages_until_the_collector_is_back(pki: Pki) -> None:
    context = server_context(TlsSettings(pki.server.cert, pki.server.key))
    collector = SyslogCollector(context)
    port = collector.port
    sink = SyslogTlsSink("localhost", port, client_context(TlsSettings(ca_file=pki.ca)))
    source = messages.Source("RPIQ", "host", "SITE")

    def record(started: bool) -> Record:
        return Record(messages.application_activity(source, started, None), datetime.now(UTC))

    try:
        sink.write(record(True))
        assert b"110120" in collector.next_frame()
        collector.stop()
        sink.write(record(False))  # the collector is gone: kept, not lost
        sink.write(record(False))
        collector = SyslogCollector(context, port=port)
        sink.retry()
        assert b"110121" in collector.next_frame()
        assert b"110121" in collector.next_frame()
    finally:
        sink.close()
        collector.stop()


def test_syslog_collector_with_an_untrusted_certificate_gets_nothing(pki: Pki) -> None:
    collector = SyslogCollector(server_context(TlsSettings(pki.server.cert, pki.server.key)))
    sink = SyslogTlsSink(
        "localhost", collector.port, client_context(TlsSettings(ca_file=pki.rogue_ca))
    )
    try:
        sink.write(Record("<AuditMessage/>", datetime.now(UTC)))
        assert not collector.listener.next_handshake().ok
        assert collector.frames.empty()
    finally:
        sink.close()
        collector.stop()


def test_unwritable_audit_log_is_a_configuration_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(ConfigError, match="audit log"):
        sinks_from_settings(AuditSettings(log_file=blocker / "audit.xml"))


def test_no_sinks_configured_means_no_writer_output(tmp_path: Path) -> None:
    assert sinks_from_settings(AuditSettings()) == []
    trail = AuditTrail.from_settings(ServerSettings())
    trail.application_started()
    assert trail.flush()
    trail.close()
    assert list(tmp_path.iterdir()) == []
