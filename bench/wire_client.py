"""A minimal asyncio DICOM C-FIND client speaking raw PDUs, to load servers cheaply.

Python DICOM clients (pynetdicom) spend milliseconds of their own CPU per query, on the two
cores the server under test also uses; this one spends tens of microseconds: the
A-ASSOCIATE-RQ and the C-FIND request are encoded once (PS3.8 9.3, PS3.7 9.3.2), and a response
is only split into PDVs, its command sets scanned for Status (0000,0900), and the identifier
bytes kept. :func:`decode_identifier` decodes a kept identifier with pydicom to check it.

One :class:`WireAssociation` per TCP connection; thousands fit in one event loop. Only what
the benchmarks need: one presentation context, Explicit VR Little Endian, one query in flight.
"""

from __future__ import annotations

import asyncio
import struct
import time
from dataclasses import dataclass
from io import BytesIO

from pydicom.dataset import Dataset
from pydicom.filereader import read_dataset
from pynetdicom.dsutils import encode

APPLICATION_CONTEXT = "1.2.840.10008.3.1.1.1"
EXPLICIT_VR_LE = "1.2.840.10008.1.2.1"
IMPLEMENTATION_CLASS_UID = "1.2.826.0.1.3680043.9.7433.1.99"
CONTEXT_ID = 1
MAX_PDU = 0  # unlimited: the benchmarks read whole responses
A_ASSOCIATE_RQ, A_ASSOCIATE_AC, A_ASSOCIATE_RJ = 0x01, 0x02, 0x03
P_DATA_TF, A_RELEASE_RQ, A_RELEASE_RP, A_ABORT = 0x04, 0x05, 0x06, 0x07
COMMAND_LAST, DATA_LAST = 0x03, 0x02
C_FIND_RQ = 0x0020
HAS_DATA_SET = 0x0001
PENDING = frozenset({0xFF00, 0xFF01})
SUCCESS_STATUS = 0x0000
STATUS_TAG = (0x0000, 0x0900)
DATA_SET_TYPE_TAG = (0x0000, 0x0800)
NO_DATA_SET = 0x0101
CONNECT_ATTEMPTS = 5


class WireError(Exception):
    """The peer rejected, aborted or answered something unexpected."""


def _item(kind: int, body: bytes) -> bytes:
    return struct.pack(">BBH", kind, 0, len(body)) + body


def _ae(title: str) -> bytes:
    return title.encode("ascii").ljust(16)


def associate_rq(calling_ae: str, called_ae: str, sop_class_uid: str) -> bytes:
    """An A-ASSOCIATE-RQ PDU: one presentation context, Explicit VR LE (PS3.8 9.3.2)."""
    context = bytes([CONTEXT_ID, 0, 0, 0]) + _item(0x30, sop_class_uid.encode())
    context += _item(0x40, EXPLICIT_VR_LE.encode())
    user = _item(0x51, struct.pack(">I", MAX_PDU)) + _item(0x52, IMPLEMENTATION_CLASS_UID.encode())
    variable = _item(0x10, APPLICATION_CONTEXT.encode()) + _item(0x20, context) + _item(0x50, user)
    fixed = struct.pack(">HH", 1, 0) + _ae(called_ae) + _ae(calling_ae) + bytes(32)
    body = fixed + variable
    return struct.pack(">BBI", A_ASSOCIATE_RQ, 0, len(body)) + body


def _element(group: int, element: int, value: bytes) -> bytes:
    return struct.pack("<HHI", group, element, len(value)) + value


def _ui(uid: str) -> bytes:
    raw = uid.encode()
    return raw + b"\0" if len(raw) % 2 else raw


def _pdata(control: int, data: bytes) -> bytes:
    pdv = struct.pack(">IBB", len(data) + 2, CONTEXT_ID, control) + data
    return struct.pack(">BBI", P_DATA_TF, 0, len(pdv)) + pdv


def command_status(command: bytes) -> tuple[int, bool]:
    """Status (0000,0900) of an Implicit VR LE command set, and whether a data set follows
    (Command Data Set Type (0000,0800) other than 0101H)."""
    offset, status, data_set = 0, None, False
    while offset + 8 <= len(command):
        group, element, length = struct.unpack_from("<HHI", command, offset)
        if (group, element) == STATUS_TAG:
            status = int(struct.unpack_from("<H", command, offset + 8)[0])
        elif (group, element) == DATA_SET_TYPE_TAG:
            data_set = struct.unpack_from("<H", command, offset + 8)[0] != NO_DATA_SET
        offset += 8 + length
    if status is None:
        raise WireError("command set without Status")
    return status, data_set


def decode_identifier(data: bytes) -> Dataset:
    """An Explicit VR Little Endian identifier as a pydicom Dataset."""
    return read_dataset(BytesIO(data), is_implicit_VR=False, is_little_endian=True)


@dataclass
class Answer:
    """One C-FIND's outcome: the final status and the (last) Pending identifier's bytes."""

    status: int
    identifier: bytes
    pending: int


class WireAssociation:
    """One association over asyncio streams."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.message_id = 0

    @classmethod
    async def open(cls, host: str, port: int, request: bytes) -> WireAssociation:
        """Connect (retrying a refused connect a few times) and associate with ``request``."""
        for attempt in range(CONNECT_ATTEMPTS):
            try:
                reader, writer = await asyncio.open_connection(host, port)
                break
            except ConnectionRefusedError:
                if attempt == CONNECT_ATTEMPTS - 1:
                    raise
                await asyncio.sleep(0.05 * (attempt + 1))
        association = cls(reader, writer)
        writer.write(request)
        kind, body = await association.read_pdu()
        if kind != A_ASSOCIATE_AC:
            writer.close()
            raise WireError(f"association refused: PDU type {kind:#04x} {body[:8].hex()}")
        return association

    async def read_pdu(self) -> tuple[int, bytes]:
        header = await self.reader.readexactly(6)
        kind, _reserved, length = struct.unpack(">BBI", header)
        return kind, await self.reader.readexactly(length)

    async def find(self, sop_class_uid: str, identifier_bytes: bytes) -> Answer:
        """Send one C-FIND (``identifier_bytes``: the P-DATA of its identifier) and read the
        responses up to the final one."""
        self.message_id = self.message_id % 0xFFFF + 1
        self.writer.write(_find_command(sop_class_uid, self.message_id) + identifier_bytes)
        return await self.read_answer()

    async def read_answer(self) -> Answer:
        """Responses up to the final one (and the data set a non-conformant final response
        carries, as pynetdicom's RPI service sends: PS3.7 9.1.2.1.5 forbids it)."""
        command, data = bytearray(), bytearray()
        identifier, pending, final = b"", 0, None
        while True:
            kind, body = await self.read_pdu()
            if kind != P_DATA_TF:
                raise WireError(f"PDU type {kind:#04x} during C-FIND")
            offset = 0
            while offset < len(body):
                length, _context, control = struct.unpack_from(">IBB", body, offset)
                fragment = body[offset + 6 : offset + 4 + length]
                offset += 4 + length
                if control & 1:
                    command += fragment
                    if control & 2:
                        status, data_set = command_status(bytes(command))
                        command.clear()
                        if status not in PENDING:
                            final = status
                            if not data_set:
                                return Answer(status, identifier, pending)
                        else:
                            pending += 1
                else:
                    data += fragment
                    if control & 2:
                        if final is not None:
                            return Answer(final, identifier, pending)
                        identifier = bytes(data)
                        data.clear()

    async def release(self) -> None:
        self.writer.write(struct.pack(">BBI", A_RELEASE_RQ, 0, 4) + bytes(4))
        try:
            kind, _body = await self.read_pdu()
            if kind != A_RELEASE_RP:
                raise WireError(f"PDU type {kind:#04x} instead of A-RELEASE-RP")
        finally:
            self.writer.close()

    def abort(self) -> None:
        """A-ABORT and close (no waiting)."""
        self.writer.write(struct.pack(">BBI", A_ABORT, 0, 4) + bytes(4))
        self.writer.close()


_COMMAND_CACHE: dict[tuple[str, int], bytes] = {}


def _find_command(sop_class_uid: str, message_id: int) -> bytes:
    key = (sop_class_uid, message_id)
    cached = _COMMAND_CACHE.get(key)
    if cached is None:
        elements = (
            _element(0x0000, 0x0002, _ui(sop_class_uid))
            + _element(0x0000, 0x0100, struct.pack("<H", C_FIND_RQ))
            + _element(0x0000, 0x0110, struct.pack("<H", message_id))
            + _element(0x0000, 0x0700, struct.pack("<H", 0))
            + _element(0x0000, 0x0800, struct.pack("<H", HAS_DATA_SET))
        )
        cached = _pdata(
            COMMAND_LAST, _element(0x0000, 0x0000, struct.pack("<I", len(elements))) + elements
        )
        _COMMAND_CACHE[key] = cached
    return cached


def identifier_pdata(identifier: Dataset) -> bytes:
    """The P-DATA-TF PDU carrying a request identifier (Explicit VR LE)."""
    return _pdata(DATA_LAST, encode(identifier, is_implicit_vr=False, is_little_endian=True) or b"")


@dataclass(frozen=True)
class Target:
    """Where and what to ask: the server, the SOP class and the encoded request."""

    host: str
    port: int
    called_ae: str
    sop_class_uid: str
    identifier: Dataset

    @property
    def associate_request(self) -> bytes:
        return associate_rq("RPIQ-BENCH", self.called_ae, self.sop_class_uid)

    @property
    def identifier_bytes(self) -> bytes:
        return identifier_pdata(self.identifier)


async def timed_finds(
    association: WireAssociation, target: Target, count: int, data: bytes
) -> tuple[list[float], Answer]:
    """``count`` C-FINDs one after the other; their durations (s) and the last answer."""
    samples = []
    answer = Answer(0, b"", 0)
    for _ in range(count):
        started = time.perf_counter()
        answer = await association.find(target.sop_class_uid, data)
        samples.append(time.perf_counter() - started)
    return samples, answer


async def open_associations(
    target: Target, count: int, parallel: int = 50
) -> list[WireAssociation]:
    """``count`` associations, ``parallel`` being set up at a time."""
    request = target.associate_request
    opened: list[WireAssociation] = []
    for start in range(0, count, parallel):
        batch = min(parallel, count - start)
        opened += await asyncio.gather(
            *(WireAssociation.open(target.host, target.port, request) for _ in range(batch))
        )
    return opened


@dataclass
class LoadResult:
    """What a set of busy associations did: every round trip's duration, the queries each
    association completed, the wall time and this process's CPU time."""

    latencies: list[float]
    per_association: list[int]
    seconds: float
    client_cpu_seconds: float


async def _busy(
    association: WireAssociation, target: Target, data: bytes, deadline: float, size: int
) -> list[float]:
    samples = []
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        answer = await association.find(target.sop_class_uid, data)
        samples.append(time.perf_counter() - started)
        if answer.status != SUCCESS_STATUS or answer.pending != 1 or len(answer.identifier) != size:
            raise WireError(f"unexpected answer {answer.status:#06x}")
    return samples


async def run_busy(
    target: Target, associations: list[WireAssociation], seconds: float
) -> LoadResult:
    """Every association queries back to back for ``seconds``; answers are checked (status,
    one Pending identifier of the size of a first, decoded and checked, answer)."""
    data = target.identifier_bytes
    first = await associations[0].find(target.sop_class_uid, data)
    identifier = decode_identifier(first.identifier)
    if first.status != SUCCESS_STATUS or identifier.PatientID != target.identifier.PatientID:
        raise WireError(f"unexpected first answer {first.status:#06x}")
    cpu, started = time.process_time(), time.perf_counter()
    deadline = started + seconds
    runs = await asyncio.gather(
        *(_busy(a, target, data, deadline, len(first.identifier)) for a in associations)
    )
    elapsed = time.perf_counter() - started
    return LoadResult(
        [sample for run in runs for sample in run],
        [len(run) for run in runs],
        elapsed,
        time.process_time() - cpu,
    )


async def _load(target: Target, count: int, seconds: float) -> LoadResult:
    associations = await open_associations(target, count)
    try:
        return await run_busy(target, associations, seconds)
    finally:
        await asyncio.gather(*(association.release() for association in associations))


def load_process(target: Target, count: int, seconds: float) -> LoadResult:
    """``count`` busy associations for ``seconds`` in a fresh event loop (a client process's
    entry point)."""
    return asyncio.run(_load(target, count, seconds))
