"""DICOM audit messages (PS3.15 A.5) as XML, one function per event rpiq reports.

Every message follows the schema of PS3.15 A.5.1 (element order EventIdentification,
ActiveParticipant+, AuditSourceIdentification, ParticipantObjectIdentification*; coded values
as ``csd-code``/``codeSystemName``/``originalText``) and the event's table in A.5.3:

=====================================  ===================================================
event                                  message
=====================================  ===================================================
server start / stop                    Application Activity (110100), EventTypeCode
                                       110120 Application Start / 110121 Application Stop
each C-FIND                            Query (110112): the requesting node (110153 Source),
                                       this AE (110152 Destination), the SOP Class queried
                                       with the query's matching keys (ParticipantObjectQuery)
                                       and, as an extension, the Patient (type 1, role 1,
                                       ID type RFC-3881 2 "Patient Number")
association rejected by the access      Security Alert (110113), EventTypeCode 110126 Node
policy                                 Authentication (110122 Login when the user failed)
TLS handshake failed                   Security Alert (110113), 110126 Node Authentication
user authentication failed             User Authentication (110114), 110122 Login, failure
=====================================  ===================================================

Values from the network (AE titles, Patient IDs, reasons) are made XML-safe: characters XML 1.0
cannot carry become U+FFFD, line breaks become spaces (one message per line in the log file),
and each value is cut to :data:`MAX_VALUE` characters.
"""

from __future__ import annotations

import base64
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree.ElementTree import Element, SubElement, tostring

MAX_VALUE = 1024

# Event IDs (PS3.16 CID 400 "Audit Event ID")
APPLICATION_ACTIVITY = ("110100", "DCM", "Application Activity")
QUERY = ("110112", "DCM", "Query")
SECURITY_ALERT = ("110113", "DCM", "Security Alert")
USER_AUTHENTICATION = ("110114", "DCM", "User Authentication")
# Event Type Codes (PS3.16 CID 401 "Audit Event Type Code", CID 403 "Security Alert Type Code")
APPLICATION_START = ("110120", "DCM", "Application Start")
APPLICATION_STOP = ("110121", "DCM", "Application Stop")
LOGIN = ("110122", "DCM", "Login")
NODE_AUTHENTICATION = ("110126", "DCM", "Node Authentication")
# Role ID codes (PS3.16 CID 402 "Audit Active Participant Role ID Code")
ROLE_APPLICATION = ("110150", "DCM", "Application")
ROLE_APPLICATION_LAUNCHER = ("110151", "DCM", "Application Launcher")
ROLE_DESTINATION = ("110152", "DCM", "Destination Role ID")
ROLE_SOURCE = ("110153", "DCM", "Source Role ID")
# Participant Object ID Type Codes (PS3.16 CID 404; RFC 3881 5.5.4)
ID_TYPE_PATIENT_NUMBER = ("2", "RFC-3881", "Patient Number")
ID_TYPE_SOP_CLASS_UID = ("110181", "DCM", "SOP Class UID")
ID_TYPE_NODE_ID = ("110182", "DCM", "Node ID")

Code = tuple[str, str, str]

# EventOutcomeIndicator (PS3.15 A.5.1)
OUTCOME_SUCCESS = "0"
OUTCOME_MINOR_FAILURE = "4"
OUTCOME_SERIOUS_FAILURE = "8"
# EventActionCode
ACTION_EXECUTE = "E"
# NetworkAccessPointTypeCode
ACCESS_POINT_MACHINE_NAME = "1"
ACCESS_POINT_IP_ADDRESS = "2"
# ParticipantObjectTypeCode / ParticipantObjectTypeCodeRole
OBJECT_PERSON = "1"
OBJECT_SYSTEM = "2"
ROLE_PATIENT = "1"
ROLE_REPORT = "3"
ROLE_SECURITY_RESOURCE = "13"
AUDIT_SOURCE_APPLICATION_SERVER = "4"

EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1"
_SERVER_SIDE_FAILURES = (0xA700, 0xC000)  # Out of resources, Unable to process
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_IP_ADDRESS = re.compile(r"^[0-9.]+$|:")


@dataclass(frozen=True)
class Source:
    """Who reports: this application (its AE title, host name, site)."""

    ae_title: str
    host_name: str
    enterprise_site_id: str

    @property
    def audit_source_id(self) -> str:
        return f"{self.ae_title}@{self.host_name}"


@dataclass(frozen=True)
class Node:
    """A remote node: AE title (when known), address, certificate subject, user name."""

    address: str
    ae_title: str | None = None
    tls_subject: str | None = None


def application_activity(
    source: Source, started: bool, launcher: str | None, when: datetime | None = None
) -> str:
    """Application Activity (PS3.15 A.5.3.1): this AE started or stopped."""
    message = _message(
        APPLICATION_ACTIVITY,
        OUTCOME_SUCCESS,
        when,
        types=(APPLICATION_START if started else APPLICATION_STOP,),
    )
    _local(message, source, ROLE_APPLICATION)
    if launcher:
        _participant(message, launcher, requestor=True, roles=(ROLE_APPLICATION_LAUNCHER,))
    _audit_source(message, source)
    return _serialize(message)


def query(
    source: Source,
    node: Node,
    *,
    sop_class_uid: str,
    PatientID: str,
    IssuerOfPatientID: str | None,
    status: int,
    when: datetime | None = None,
) -> str:
    """Query (PS3.15 A.5.3.10) for one C-FIND, outcome from its final status."""
    message = _message(
        QUERY, query_outcome(status), when, description=f"C-FIND final status 0x{status:04X}"
    )
    _remote(message, node, requestor=True, role=ROLE_SOURCE)
    _local(message, source, ROLE_DESTINATION)
    _audit_source(message, source)
    queried = _object(message, sop_class_uid, OBJECT_SYSTEM, ROLE_REPORT, ID_TYPE_SOP_CLASS_UID)
    query_keys = matching_keys(PatientID, IssuerOfPatientID)
    SubElement(queried, "ParticipantObjectQuery").text = base64.b64encode(query_keys).decode()
    _detail(queried, "TransferSyntax", EXPLICIT_VR_LITTLE_ENDIAN)
    if PatientID.strip():
        patient = _object(message, PatientID, OBJECT_PERSON, ROLE_PATIENT, ID_TYPE_PATIENT_NUMBER)
        qualified = f"{PatientID}^^^{IssuerOfPatientID}" if IssuerOfPatientID else PatientID
        SubElement(patient, "ParticipantObjectName").text = _safe(qualified)
    return _serialize(message)


def security_alert(
    source: Source,
    node: Node,
    alert_type: Code,
    description: str,
    when: datetime | None = None,
) -> str:
    """Security Alert (PS3.15 A.5.3.11): a node or user refused; the mitigation worked, so the
    outcome is a minor failure. The alert subject is the remote node (ID type Node ID)."""
    message = _message(SECURITY_ALERT, OUTCOME_MINOR_FAILURE, when, types=(alert_type,))
    _local(message, source, None)
    _remote(message, node, requestor=False, role=None)
    _audit_source(message, source)
    subject = _object(message, node.address, OBJECT_SYSTEM, ROLE_SECURITY_RESOURCE, ID_TYPE_NODE_ID)
    SubElement(subject, "ParticipantObjectName").text = _safe(node.ae_title or node.address)
    _detail(subject, "Alert Description", description)
    return _serialize(message)


def user_authentication_failure(
    source: Source, node: Node, username: str, when: datetime | None = None
) -> str:
    """User Authentication (PS3.15 A.5.3.12), Login, failed: the user named in the A-ASSOCIATE-RQ
    User Identity sub-item (or the calling AE title when it named none), and this AE."""
    message = _message(
        USER_AUTHENTICATION,
        OUTCOME_MINOR_FAILURE,
        when,
        types=(LOGIN,),
        description="User Identity (PS3.7 D.3.3.7) not accepted",
    )
    user_id = username or node.ae_title or node.address
    person = _participant(message, user_id, requestor=True, roles=())
    if node.ae_title:
        person.set("AlternativeUserID", _safe(f"AETITLES={node.ae_title}"))
    _access_point(person, node.address)
    _local(message, source, None)
    _audit_source(message, source)
    return _serialize(message)


def query_outcome(status: int) -> str:
    """EventOutcomeIndicator of a C-FIND: Success (and Pending) 0; out of resources and
    processing failures 8 (serious); cancel, warnings and the other failures (the request's
    fault) 4 (minor)."""
    if status in (0x0000, 0xFF00, 0xFF01):
        return OUTCOME_SUCCESS
    if status in _SERVER_SIDE_FAILURES or 0xC000 <= status <= 0xC0FF:
        return OUTCOME_SERIOUS_FAILURE
    return OUTCOME_MINOR_FAILURE


def matching_keys(PatientID: str, IssuerOfPatientID: str | None) -> bytes:
    """The query's matching keys as a data set in Explicit VR Little Endian: Specific Character
    Set ``ISO_IR 192`` when a value is not ASCII, Patient ID, Issuer of Patient ID."""
    issuer = IssuerOfPatientID or ""
    elements = []
    if not (PatientID + issuer).isascii():
        elements.append(_element(0x0008, 0x0005, "CS", "ISO_IR 192"))
    elements.append(_element(0x0010, 0x0020, "LO", PatientID))
    elements.append(_element(0x0010, 0x0021, "LO", issuer))
    return b"".join(elements)


def _element(group: int, element: int, vr: str, value: str) -> bytes:
    data = value[:MAX_VALUE].encode("utf-8")
    if len(data) % 2:
        data += b" "
    return struct.pack("<HH2sH", group, element, vr.encode("ascii"), len(data)) + data


def _message(
    event_id: Code,
    outcome: str,
    when: datetime | None,
    types: Sequence[Code] = (),
    description: str | None = None,
) -> Element:
    message = Element("AuditMessage")
    moment = (when or datetime.now(UTC)).isoformat(timespec="milliseconds")
    event = SubElement(
        message,
        "EventIdentification",
        {"EventActionCode": ACTION_EXECUTE, "EventDateTime": moment},
    )
    event.set("EventOutcomeIndicator", outcome)
    _code(event, "EventID", event_id)
    for event_type in types:
        _code(event, "EventTypeCode", event_type)
    if description:
        SubElement(event, "EventOutcomeDescription").text = _safe(description)
    return message


def _participant(
    message: Element, user_id: str, *, requestor: bool, roles: Sequence[Code]
) -> Element:
    participant = SubElement(message, "ActiveParticipant", {"UserID": _safe(user_id)})
    participant.set("UserIsRequestor", "true" if requestor else "false")
    for role in roles:
        _code(participant, "RoleIDCode", role)
    return participant


def _local(message: Element, source: Source, role: Code | None) -> Element:
    participant = _participant(
        message, source.ae_title, requestor=False, roles=(role,) if role else ()
    )
    participant.set("AlternativeUserID", _safe(f"AETITLES={source.ae_title}"))
    participant.set("NetworkAccessPointID", _safe(source.host_name))
    participant.set("NetworkAccessPointTypeCode", ACCESS_POINT_MACHINE_NAME)
    return participant


def _remote(message: Element, node: Node, *, requestor: bool, role: Code | None) -> Element:
    participant = _participant(
        message, node.ae_title or node.address, requestor=requestor, roles=(role,) if role else ()
    )
    if node.ae_title:
        participant.set("AlternativeUserID", _safe(f"AETITLES={node.ae_title}"))
    if node.tls_subject:
        participant.set("UserName", _safe(node.tls_subject))
    _access_point(participant, node.address)
    return participant


def _access_point(participant: Element, address: str) -> None:
    if not address:
        return
    participant.set("NetworkAccessPointID", _safe(address))
    kind = ACCESS_POINT_IP_ADDRESS if _IP_ADDRESS.search(address) else ACCESS_POINT_MACHINE_NAME
    participant.set("NetworkAccessPointTypeCode", kind)


def _audit_source(message: Element, source: Source) -> None:
    element = SubElement(message, "AuditSourceIdentification")
    if source.enterprise_site_id:
        element.set("AuditEnterpriseSiteID", _safe(source.enterprise_site_id))
    element.set("AuditSourceID", _safe(source.audit_source_id))
    SubElement(element, "AuditSourceTypeCode", {"csd-code": AUDIT_SOURCE_APPLICATION_SERVER})


def _object(message: Element, object_id: str, type_code: str, role: str, id_type: Code) -> Element:
    element = SubElement(
        message, "ParticipantObjectIdentification", {"ParticipantObjectID": _safe(object_id)}
    )
    element.set("ParticipantObjectTypeCode", type_code)
    element.set("ParticipantObjectTypeCodeRole", role)
    _code(element, "ParticipantObjectIDTypeCode", id_type)
    return element


def _detail(element: Element, kind: str, value: str) -> None:
    encoded = base64.b64encode(_safe(value).encode("utf-8")).decode("ascii")
    SubElement(element, "ParticipantObjectDetail", {"type": kind, "value": encoded})


def _code(parent: Element, name: str, code: Code) -> None:
    value, scheme, meaning = code
    SubElement(parent, name, {"csd-code": value, "codeSystemName": scheme, "originalText": meaning})


def _safe(value: str) -> str:
    cleaned = _NOT_XML.sub("\ufffd", value[:MAX_VALUE])
    return cleaned.replace("\r", " ").replace("\n", " ")


def _serialize(message: Element) -> str:
    return tostring(message, encoding="unicode")
