"""Raw upper layer PDUs (PS3.8 9.3) and DIMSE command sets (PS3.7 E), built by hand.

Nothing here uses pynetdicom: a hostile peer must be able to send what no DICOM library would,
and the server under test may be an engine that shares no code with pynetdicom.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pydicom.dataset import Dataset
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_dataset

A_ASSOCIATE_RQ = 0x01
A_ASSOCIATE_AC = 0x02
A_ASSOCIATE_RJ = 0x03
P_DATA_TF = 0x04
A_RELEASE_RQ = 0x05
A_RELEASE_RP = 0x06
A_ABORT = 0x07
PDU_NAMES = {
    A_ASSOCIATE_RQ: "A-ASSOCIATE-RQ",
    A_ASSOCIATE_AC: "A-ASSOCIATE-AC",
    A_ASSOCIATE_RJ: "A-ASSOCIATE-RJ",
    P_DATA_TF: "P-DATA-TF",
    A_RELEASE_RQ: "A-RELEASE-RQ",
    A_RELEASE_RP: "A-RELEASE-RP",
    A_ABORT: "A-ABORT",
}

APPLICATION_CONTEXT = b"1.2.840.10008.3.1.1.1"
IMPLEMENTATION_CLASS_UID = b"1.2.826.0.1.3680043.9.7433.1.99"
IMPLICIT_VR_LE = "1.2.840.10008.1.2"
EXPLICIT_VR_LE = "1.2.840.10008.1.2.1"
DEFLATED_VR_LE = "1.2.840.10008.1.2.1.99"
VERIFICATION = "1.2.840.10008.1.1"

COMMAND_LAST = 0x03  # Message Control Header: command, last fragment (PS3.8 E.2)
COMMAND_MORE = 0x01
DATA_LAST = 0x02
DATA_MORE = 0x00

C_FIND_RQ = 0x0020
C_ECHO_RQ = 0x0030
DATA_SET_PRESENT = 0x0000
NO_DATA_SET = 0x0101


def pdu(pdu_type: int, body: bytes, length: int | None = None) -> bytes:
    """A PDU: type, reserved byte, 4-byte big endian length (``len(body)`` unless given)."""
    return struct.pack(">BBL", pdu_type, 0, len(body) if length is None else length) + body


def item(item_type: int, value: bytes, length: int | None = None) -> bytes:
    """A variable item / sub-item of an A-ASSOCIATE PDU (2-byte length)."""
    return struct.pack(">BBH", item_type, 0, len(value) if length is None else length) + value


def _ae(title: str) -> bytes:
    return title.encode("ascii").ljust(16)[:16]


@dataclass(frozen=True)
class Context:
    """A proposed presentation context: odd id, abstract syntax, transfer syntaxes."""

    context_id: int
    abstract_syntax: str
    transfer_syntaxes: tuple[str, ...] = (IMPLICIT_VR_LE,)

    def encode(self) -> bytes:
        sub_items = item(0x30, self.abstract_syntax.encode())
        sub_items += b"".join(item(0x40, uid.encode()) for uid in self.transfer_syntaxes)
        return item(0x20, bytes([self.context_id, 0, 0, 0]) + sub_items)


def user_information(max_length: int = 16384) -> bytes:
    """User Information item: Maximum Length and Implementation Class UID sub-items."""
    return item(
        0x50, item(0x51, struct.pack(">L", max_length)) + item(0x52, IMPLEMENTATION_CLASS_UID)
    )


def associate_rq_body(
    contexts: Sequence[Context],
    called: str = "RPIQ",
    calling: str = "HOSTILE",
    max_length: int = 16384,
) -> bytes:
    """The body of an A-ASSOCIATE-RQ (PS3.8 9.3.2)."""
    fixed = struct.pack(">HH", 1, 0) + _ae(called) + _ae(calling) + bytes(32)
    variable = item(0x10, APPLICATION_CONTEXT)
    variable += b"".join(context.encode() for context in contexts)
    return fixed + variable + user_information(max_length)


def associate_rq(contexts: Sequence[Context], **options: str | int) -> bytes:
    return pdu(A_ASSOCIATE_RQ, associate_rq_body(contexts, **options))  # type: ignore[arg-type]


def pdv(context_id: int, control: int, fragment: bytes) -> bytes:
    """One Presentation Data Value item (PS3.8 9.3.5.1)."""
    return struct.pack(">LBB", len(fragment) + 2, context_id, control) + fragment


def p_data(*pdvs: bytes) -> bytes:
    return pdu(P_DATA_TF, b"".join(pdvs))


def release_rq() -> bytes:
    return pdu(A_RELEASE_RQ, bytes(4))


def abort() -> bytes:
    return pdu(A_ABORT, bytes(4))


def encode_implicit(ds: Dataset) -> bytes:
    """``ds`` in Implicit VR Little Endian (how command sets are always encoded)."""
    fp = DicomBytesIO()
    fp.is_little_endian = True
    fp.is_implicit_VR = True
    write_dataset(fp, ds)
    return fp.getvalue()


def command_set(ds: Dataset) -> bytes:
    """``ds`` prefixed with its Command Group Length (0000,0000)."""
    body = encode_implicit(ds)
    return struct.pack("<HHLL", 0, 0, 4, len(body)) + body


def find_command(
    MessageID: int, AffectedSOPClassUID: str, CommandDataSetType: int = DATA_SET_PRESENT
) -> bytes:
    """A C-FIND-RQ command set (PS3.7 Table 9.3-2)."""
    ds = Dataset()
    ds.AffectedSOPClassUID = AffectedSOPClassUID
    ds.CommandField = C_FIND_RQ
    ds.MessageID = MessageID
    ds.Priority = 0
    ds.CommandDataSetType = CommandDataSetType
    return command_set(ds)


def echo_command(MessageID: int) -> bytes:
    ds = Dataset()
    ds.AffectedSOPClassUID = VERIFICATION
    ds.CommandField = C_ECHO_RQ
    ds.MessageID = MessageID
    ds.CommandDataSetType = NO_DATA_SET
    return command_set(ds)


def implicit_element(group: int, element: int, value: bytes, length: int | None = None) -> bytes:
    """One Implicit VR Little Endian data element (``length`` may lie)."""
    size = len(value) if length is None else length
    return struct.pack("<HHL", group, element, size) + value


def fragments(data: bytes, size: int) -> Iterable[bytes]:
    """``data`` cut into pieces of at most ``size`` bytes (at least one piece)."""
    if not data:
        yield b""
        return
    for start in range(0, len(data), size):
        yield data[start : start + size]


def message_pdus(
    context_id: int, command: bytes, data_set: bytes | None, max_pdu: int
) -> list[bytes]:
    """P-DATA-TF PDUs carrying one message, each PDU within ``max_pdu`` bytes of PDV items
    (PS3.8 9.3.5: the maximum length counts the PDV items, not the 6-byte PDU header)."""
    size = max_pdu - 6  # PDV item header: 4-byte length, context id, control header
    pdus = [p_data(pdv(context_id, COMMAND_MORE, piece)) for piece in fragments(command, size)]
    last = pdus[-1]
    pdus[-1] = last[:11] + bytes([COMMAND_LAST]) + last[12:]
    if data_set is None:
        return pdus
    pieces = list(fragments(data_set, size))
    for index, piece in enumerate(pieces):
        control = DATA_LAST if index == len(pieces) - 1 else DATA_MORE
        pdus.append(p_data(pdv(context_id, control, piece)))
    return pdus
