"""Seed inputs and the corpus directory for the fuzz targets (not a target itself).

A run without a corpus directory on its command line gets a fresh temporary one filled with
seeds: valid request identifiers, an A-ASSOCIATE-RQ and P-DATA-TF messages, so the fuzzer
starts from inputs that reach deep into the decoders instead of from nothing.
"""

from __future__ import annotations

import hashlib
import struct
import tempfile
from collections.abc import Iterable
from pathlib import Path

IMPLEMENTATION_CLASS_UID = b"1.2.826.0.1.3680043.9.7433.1.99"
APPLICATION_CONTEXT = b"1.2.840.10008.3.1.1.1"
RPI_SOP_CLASS_UIDS = (
    "1.2.840.10008.5.1.4.37.1",  # general
    "1.2.840.10008.5.1.4.37.2",  # breast
    "1.2.840.10008.5.1.4.37.3",  # cardiac
)


def corpus_arguments(argv: list[str], seeds: Iterable[bytes]) -> list[str]:
    """``argv`` with a seeded temporary corpus directory appended when it names none
    (libFuzzer's positional arguments are corpus directories, or input files to replay;
    flags start with ``-``). An empty or missing first directory is seeded."""
    positional = [Path(argument) for argument in argv[1:] if not argument.startswith("-")]
    if positional:
        if not positional[0].is_file():
            seed_directory(positional[0], seeds)
        return argv
    directory = Path(tempfile.mkdtemp(prefix="rpiq-fuzz-"))
    seed_directory(directory, seeds)
    return [*argv, str(directory)]


def seed_directory(directory: Path, seeds: Iterable[bytes]) -> None:
    """Write ``seeds`` into ``directory`` (created if missing) when it is empty."""
    directory.mkdir(parents=True, exist_ok=True)
    if any(directory.iterdir()):
        return
    for seed in seeds:
        (directory / hashlib.sha1(seed).hexdigest()).write_bytes(seed)  # noqa: S324 - a name


def _item(item_type: int, value: bytes) -> bytes:
    return struct.pack(">BBH", item_type, 0, len(value)) + value


def associate_rq() -> bytes:
    """An A-ASSOCIATE-RQ proposing Verification and the three RPI SOP classes."""
    syntaxes = (b"1.2.840.10008.1.2", b"1.2.840.10008.1.2.1", b"1.2.840.10008.1.2.1.99")
    contexts = b""
    for index, uid in enumerate(("1.2.840.10008.1.1", *RPI_SOP_CLASS_UIDS)):
        body = bytes([1 + 2 * index, 0, 0, 0]) + _item(0x30, uid.encode())
        body += b"".join(_item(0x40, syntax) for syntax in syntaxes)
        contexts += _item(0x20, body)
    user = _item(0x51, struct.pack(">L", 16384)) + _item(0x52, IMPLEMENTATION_CLASS_UID)
    fixed = struct.pack(">HH", 1, 0) + b"RPIQ".ljust(16) + b"FUZZ".ljust(16) + bytes(32)
    body = fixed + _item(0x10, APPLICATION_CONTEXT) + contexts + _item(0x50, user)
    return struct.pack(">BBL", 1, 0, len(body)) + body


def _element(element: int, value: bytes) -> bytes:
    return struct.pack("<HHL", 0, element, len(value)) + value


def find_command(MessageID: int, sop_class_uid: str) -> bytes:
    """A C-FIND-RQ command set in Implicit VR Little Endian, Command Group Length first."""
    uid = sop_class_uid.encode()
    uid += b"\x00" * (len(uid) % 2)
    body = _element(0x0002, uid)
    for element, value in ((0x0100, 0x0020), (0x0110, MessageID), (0x0700, 0), (0x0800, 0)):
        body += _element(element, struct.pack("<H", value))
    return _element(0x0000, struct.pack("<L", len(body))) + body


def p_data(context_id: int, control: int, fragment: bytes) -> bytes:
    pdv = struct.pack(">LBB", len(fragment) + 2, context_id, control) + fragment
    return struct.pack(">BBL", 4, 0, len(pdv)) + pdv


def identifiers() -> list[bytes]:
    """Valid request identifiers in Implicit VR LE (as pydicom writes them)."""
    from pydicom.dataset import Dataset  # noqa: PLC0415 - after instrumentation is set up
    from pydicom.filebase import DicomBytesIO  # noqa: PLC0415
    from pydicom.filewriter import write_dataset  # noqa: PLC0415

    seeds = []
    for PatientID, issuer, template in (
        ("RPI-BREAST-001", "RPIQ-DEMO", "9000"),
        ("RPI-CARDIAC-001", None, "3802"),
        ("RPI-INTL-001", "RPIQ-DEMO", "9007"),
    ):
        ds = Dataset()
        ds.PatientName = ""
        ds.PatientID = PatientID
        if issuer is not None:
            ds.IssuerOfPatientID = issuer
        ds.PatientBirthDate = ""
        ds.ConceptNameCodeSequence = []
        ds.ContentSequence = []
        item = Dataset()
        item.MappingResource = "DCMR"
        item.TemplateIdentifier = template
        ds.ContentTemplateSequence = [item]
        fp = DicomBytesIO()
        fp.is_little_endian = True
        fp.is_implicit_VR = True
        write_dataset(fp, ds)
        seeds.append(fp.getvalue())
    return seeds


def pdu_streams() -> list[bytes]:
    """An association, a C-FIND (command and identifier), a release; and parts of it."""
    rq = associate_rq()
    command = p_data(3, 0x03, find_command(1, RPI_SOP_CLASS_UIDS[0]))
    data = p_data(3, 0x02, identifiers()[0])
    release = struct.pack(">BBL", 5, 0, 4) + bytes(4)
    return [rq + command + data + release, rq, command + data, command]
