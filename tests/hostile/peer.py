"""A raw TCP peer that speaks (or mangles) the DICOM upper layer protocol by hand."""

from __future__ import annotations

import socket
import struct
import time
from dataclasses import dataclass, field
from io import BytesIO
from types import TracebackType
from typing import Self

import pytest
from pydicom.dataset import Dataset
from pydicom.filereader import read_dataset

from hostile.pdu import (
    A_ASSOCIATE_AC,
    EXPLICIT_VR_LE,
    IMPLICIT_VR_LE,
    NO_DATA_SET,
    P_DATA_TF,
    PDU_NAMES,
    VERIFICATION,
    Context,
    associate_rq,
    find_command,
    message_pdus,
)
from rpiq.net.contexts import SOP_BY_NAME

GENERAL = SOP_BY_NAME["general"].uid
DEFAULT_CONTEXTS = (
    Context(1, VERIFICATION),
    Context(3, GENERAL, (IMPLICIT_VR_LE, EXPLICIT_VR_LE)),
)


@dataclass(frozen=True)
class Pdu:
    """A PDU as received: type and body (the 6-byte header removed)."""

    pdu_type: int
    body: bytes

    @property
    def name(self) -> str:
        return PDU_NAMES.get(self.pdu_type, f"0x{self.pdu_type:02X}")


@dataclass(frozen=True)
class Acceptance:
    """What an A-ASSOCIATE-AC accepted: context id → transfer syntax; the peer's max length."""

    contexts: dict[int, str]
    max_length: int


@dataclass
class Response:
    """One DIMSE message received: its command set and data set bytes."""

    command: Dataset
    data_set: bytes = b""
    context_id: int = 0

    @property
    def status(self) -> int:
        return int(self.command.Status)


@dataclass
class _Assembly:
    command: bytearray = field(default_factory=bytearray)
    data_set: bytearray = field(default_factory=bytearray)
    command_done: bool = False


def _read_exactly(sock: socket.socket, count: int) -> bytes | None:
    data = bytearray()
    while len(data) < count:
        chunk = sock.recv(min(count - len(data), 1 << 20))
        if not chunk:
            return None
        data += chunk
    return bytes(data)


def parse_acceptance(body: bytes) -> Acceptance:
    """The accepted presentation contexts and Maximum Length of an A-ASSOCIATE-AC body."""
    contexts: dict[int, str] = {}
    max_length = 0
    offset = 68
    while offset + 4 <= len(body):
        item_type, _, length = struct.unpack(">BBH", body[offset : offset + 4])
        value = body[offset + 4 : offset + 4 + length]
        if item_type == 0x21 and value[2] == 0:
            sub_length = struct.unpack(">H", value[6:8])[0]
            contexts[value[0]] = value[8 : 8 + sub_length].decode().rstrip("\0")
        elif item_type == 0x50:
            max_length = _max_length(value)
        offset += 4 + length
    return Acceptance(contexts, max_length)


def _max_length(user_information: bytes) -> int:
    offset = 0
    while offset + 4 <= len(user_information):
        sub_type, _, length = struct.unpack(">BBH", user_information[offset : offset + 4])
        if sub_type == 0x51:
            return int(struct.unpack(">L", user_information[offset + 4 : offset + 8])[0])
        offset += 4 + length
    return 0


class RawPeer:
    """One TCP connection to the server under test."""

    def __init__(
        self, address: tuple[str, int], timeout: float = 10.0, receive_buffer: int | None = None
    ) -> None:
        """Connect; ``receive_buffer`` shrinks our receive window (set before connecting)."""
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if receive_buffer is not None:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.sock.settimeout(timeout)
        self.sock.connect(address)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.timeout = timeout
        self.acceptance: Acceptance | None = None
        self._next_message_id = 1

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def try_send(self, data: bytes) -> bool:
        """Send; ``False`` when the server has already closed the connection."""
        try:
            self.sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            return False
        return True

    def read_pdu(self, timeout: float | None = None) -> Pdu | None:
        """The next PDU; ``None`` when the server closed the connection (or reset it)."""
        self.sock.settimeout(self.timeout if timeout is None else timeout)
        try:
            header = _read_exactly(self.sock, 6)
            if header is None:
                return None
            pdu_type, _, length = struct.unpack(">BBL", header)
            body = _read_exactly(self.sock, length)
        except ConnectionResetError:
            return None
        return None if body is None else Pdu(pdu_type, body)

    def associate(self, contexts: tuple[Context, ...] = DEFAULT_CONTEXTS) -> Acceptance:
        """Send an A-ASSOCIATE-RQ; fail the test unless it is accepted."""
        self.send(associate_rq(contexts))
        answer = self.read_pdu()
        if answer is None or answer.pdu_type != A_ASSOCIATE_AC:
            pytest.fail(f"association not accepted: {answer.name if answer else 'closed'}")
        self.acceptance = parse_acceptance(answer.body)
        return self.acceptance

    def message_id(self) -> int:
        self._next_message_id += 1
        return self._next_message_id

    def send_find(
        self, identifier: bytes, context_id: int = 3, MessageID: int | None = None
    ) -> int:
        """Send a C-FIND-RQ with raw identifier bytes (fragmented within the server's
        maximum length); its Message ID is returned."""
        assert self.acceptance is not None, "associate first"
        MessageID = self.message_id() if MessageID is None else MessageID
        max_pdu = self.acceptance.max_length or 16384
        for data in message_pdus(
            context_id, find_command(MessageID, GENERAL), identifier, min(max_pdu, 1 << 20)
        ):
            self.send(data)
        return MessageID

    def read_message(self, timeout: float | None = None) -> Response | Pdu | None:
        """The next complete DIMSE message, or the non-P-DATA PDU (or ``None``: closed)
        that came instead."""
        assembly = _Assembly()
        while True:
            received = self.read_pdu(timeout)
            if received is None or received.pdu_type != P_DATA_TF:
                return received
            done = _add_pdvs(assembly, received.body)
            if done is not None:
                return done

    def ending(self, within: float) -> list[str]:
        """Read until the server closes the connection; the names of the PDUs that came
        first. Fails the test if the connection is still open after ``within`` seconds."""
        deadline = time.monotonic() + within
        seen: list[str] = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                pytest.fail(f"the server kept the connection open for {within} s (got {seen})")
            try:
                received = self.read_pdu(timeout=left)
            except TimeoutError:
                pytest.fail(f"the server kept the connection open for {within} s (got {seen})")
            if received is None:
                return seen
            seen.append(received.name)

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _add_pdvs(assembly: _Assembly, body: bytes) -> Response | None:
    offset = 0
    while offset + 6 <= len(body):
        length, context_id, control = struct.unpack(">LBB", body[offset : offset + 6])
        fragment = body[offset + 6 : offset + 4 + length]
        offset += 4 + length
        if control & 1:
            assembly.command += fragment
            assembly.command_done = bool(control & 2)
            if assembly.command_done:
                command = read_dataset(BytesIO(bytes(assembly.command)), True, True)
                if command.get("CommandDataSetType", NO_DATA_SET) == NO_DATA_SET:
                    return Response(command, b"", context_id)
        else:
            assembly.data_set += fragment
            if control & 2:
                command = read_dataset(BytesIO(bytes(assembly.command)), True, True)
                return Response(command, bytes(assembly.data_set), context_id)
    return None
