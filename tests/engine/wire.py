"""A raw DICOM peer for the engine tests: a plain socket, PDUs built with pynetdicom's codecs
(the engine's own encoder is not used to check itself) and command sets with pydicom."""

from __future__ import annotations

import socket
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Self

from pydicom.dataset import Dataset
from pydicom.filebase import DicomBytesIO
from pydicom.filereader import read_dataset
from pydicom.filewriter import write_dataset
from pynetdicom.pdu import A_ASSOCIATE_AC, A_ASSOCIATE_RJ, A_ASSOCIATE_RQ
from pynetdicom.pdu_primitives import (
    A_ASSOCIATE,
    ImplementationClassUIDNotification,
    MaximumLengthNotification,
)
from pynetdicom.presentation import build_context

APPLICATION_CONTEXT = "1.2.840.10008.3.1.1.1"
IMPLICIT_VR_LE = "1.2.840.10008.1.2"
EXPLICIT_VR_LE = "1.2.840.10008.1.2.1"
VERIFICATION = "1.2.840.10008.1.1"
GENERAL_RPI = "1.2.840.10008.5.1.4.37.1"
CALLING_AE = "ENGINE-TEST"
A_ASSOCIATE_AC_TYPE = 0x02
A_ASSOCIATE_RJ_TYPE = 0x03
P_DATA_TF = 0x04
A_RELEASE_RQ = 0x05
A_RELEASE_RP = 0x06
A_ABORT = 0x07


@dataclass(frozen=True)
class Proposed:
    context_id: int
    abstract_syntax: str
    transfer_syntaxes: tuple[str, ...] = (EXPLICIT_VR_LE, IMPLICIT_VR_LE)


DEFAULT_CONTEXTS = (Proposed(1, VERIFICATION), Proposed(3, GENERAL_RPI))


def associate_rq(
    contexts: Sequence[Proposed] = DEFAULT_CONTEXTS,
    *,
    max_pdu: int = 16384,
    called_ae: str = "RPIQ",
    calling_ae: str = CALLING_AE,
    extra_items: Sequence[Any] = (),
    application_context: str = APPLICATION_CONTEXT,
) -> bytes:
    """An A-ASSOCIATE-RQ PDU (pynetdicom's encoder)."""
    primitive = A_ASSOCIATE()
    primitive.application_context_name = application_context
    primitive.calling_ae_title = calling_ae
    primitive.called_ae_title = called_ae
    proposed = []
    for item in contexts:
        context = build_context(item.abstract_syntax, list(item.transfer_syntaxes))
        context.context_id = item.context_id
        proposed.append(context)
    primitive.presentation_context_definition_list = proposed
    maximum = MaximumLengthNotification()
    maximum.maximum_length_received = max_pdu
    uid = ImplementationClassUIDNotification()
    uid.implementation_class_uid = "1.2.826.0.1.3680043.9.7433.1.98"  # type: ignore[assignment]
    primitive.user_information = [maximum, uid, *extra_items]
    return bytes(A_ASSOCIATE_RQ(primitive).encode())


def pdu(pdu_type: int, body: bytes) -> bytes:
    return struct.pack(">BBL", pdu_type, 0, len(body)) + body


def command_bytes(**fields: Any) -> bytes:
    """A command set in Implicit VR Little Endian with its Command Group Length (pydicom)."""
    ds = Dataset()
    for keyword, value in fields.items():
        setattr(ds, keyword, value)
    body = _encode(ds, implicit=True)
    ds.CommandGroupLength = len(body)
    return _encode(ds, implicit=True)


def _encode(ds: Dataset, *, implicit: bool) -> bytes:
    fp = DicomBytesIO()
    fp.is_little_endian = True
    fp.is_implicit_VR = implicit
    write_dataset(fp, ds)
    return bytes(fp.getvalue())


def dataset_bytes(ds: Dataset, transfer_syntax: str = EXPLICIT_VR_LE) -> bytes:
    return _encode(ds, implicit=transfer_syntax == IMPLICIT_VR_LE)


def decode_command(data: bytes) -> Dataset:
    from io import BytesIO  # noqa: PLC0415 - local helper

    return read_dataset(BytesIO(data), is_implicit_VR=True, is_little_endian=True)


def pdata(context_id: int, control: int, data: bytes) -> bytes:
    """One P-DATA-TF PDU holding one PDV."""
    pdv = struct.pack(">LBB", len(data) + 2, context_id, control) + data
    return pdu(P_DATA_TF, pdv)


@dataclass
class Message:
    """A reassembled DIMSE message and the P-DATA-TF PDU lengths it came in."""

    command: Dataset
    data_set: bytes | None
    pdu_lengths: list[int] = field(default_factory=list)


class WirePeer:
    """A raw TCP peer speaking PDUs."""

    def __init__(self, address: tuple[str, int] | None, timeout: float = 10.0) -> None:
        if address is not None:
            self.sock = socket.create_connection(address, timeout=timeout)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    @classmethod
    def over(cls, sock: socket.socket) -> WirePeer:
        """A peer on an already connected socket."""
        peer = cls(None)
        peer.sock = sock
        return peer

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _exactly(self, count: int) -> bytes | None:
        chunks, remaining = [], count
        while remaining:
            chunk = self.sock.recv(remaining)
            if not chunk:
                return None
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def read_pdu(self) -> tuple[int, bytes] | None:
        """``(type, body)``, or ``None`` once the server closed the connection."""
        try:
            header = self._exactly(6)
            if header is None:
                return None
            pdu_type, length = struct.unpack(">BxL", header)
            body = self._exactly(length)
        except ConnectionResetError:
            return None
        return None if body is None else (pdu_type, body)

    def associate(self, rq: bytes | None = None) -> A_ASSOCIATE_AC | A_ASSOCIATE_RJ:
        self.send(rq if rq is not None else associate_rq())
        answer = self.read_pdu()
        assert answer is not None, "the server closed instead of answering the A-ASSOCIATE-RQ"
        pdu_type, body = answer
        decoded: A_ASSOCIATE_AC | A_ASSOCIATE_RJ
        decoded = A_ASSOCIATE_AC() if pdu_type == A_ASSOCIATE_AC_TYPE else A_ASSOCIATE_RJ()
        assert pdu_type in (A_ASSOCIATE_AC_TYPE, A_ASSOCIATE_RJ_TYPE), pdu_type
        decoded.decode(pdu(pdu_type, body))
        return decoded

    def send_message(
        self, context_id: int, command: bytes, data_set: bytes | None, fragment: int = 16000
    ) -> None:
        """A command and its data set, the data set in fragments of ``fragment`` bytes."""
        self.send(pdata(context_id, 0x03, command))
        if data_set is not None:
            for start in range(0, len(data_set), fragment):
                last = start + fragment >= len(data_set)
                self.send(
                    pdata(context_id, 0x02 if last else 0, data_set[start : start + fragment])
                )

    def read_message(self) -> Message | tuple[int, bytes] | None:
        """The next DIMSE message, or the non-P-DATA PDU (or ``None``) that came instead."""
        command: list[bytes] = []
        data: list[bytes] = []
        lengths: list[int] = []
        decoded: Dataset | None = None
        while True:
            answer = self.read_pdu()
            if answer is None or answer[0] != P_DATA_TF:
                return answer
            lengths.append(len(answer[1]))
            offset, body = 0, answer[1]
            while offset < len(body):
                length, _context, control = struct.unpack_from(">LBB", body, offset)
                fragment = body[offset + 6 : offset + 4 + length]
                offset += 4 + length
                (command if control & 1 else data).append(fragment)
                if control == 0x03:
                    decoded = decode_command(b"".join(command))
                    if decoded.CommandDataSetType == 0x0101:
                        return Message(decoded, None, lengths)
                elif control == 0x02 and decoded is not None:
                    return Message(decoded, b"".join(data), lengths)

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def find_command(MessageID: int, sop_class: str = GENERAL_RPI) -> bytes:
    return command_bytes(
        AffectedSOPClassUID=sop_class,
        CommandField=0x0020,
        MessageID=MessageID,
        Priority=0,
        CommandDataSetType=0x0000,
    )


def echo_command(MessageID: int) -> bytes:
    return command_bytes(
        AffectedSOPClassUID=VERIFICATION,
        CommandField=0x0030,
        MessageID=MessageID,
        CommandDataSetType=0x0101,
    )
