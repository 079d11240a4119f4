"""Fuzz target: the bytes a peer sends → the asyncio engine's PDU decoders (rpiq.net.engine).

Run: ``.venv/bin/python fuzz/fuzz_pdu.py -max_total_time=60 [CORPUS_DIR]`` (fuzz/README.md).
The input is a TCP byte stream. It is framed by ``pdu_io.read_pdu`` (the engine's reader, with
its limits), and every PDU is decoded by type as the association does it:

- A-ASSOCIATE-RQ: ``acse.decode_request``, then ``acse.negotiate`` (whose exceptions the
  association turns into an A-ABORT); the A-ASSOCIATE-AC or -RJ it builds must decode again
  with pynetdicom's codecs (strict when encoding);
- P-DATA-TF: ``pdu_io.parse_pdata``, command fragments joined and ``dimse.decode_command``.

A crash is any exception but the documented ones: ``PduError`` (answered with A-ABORT),
``CommandError`` (the same), ``asyncio.IncompleteReadError`` (the stream ended).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import warnings

import atheris  # type: ignore[import-untyped]  # atheris ships no type information
from _corpus import corpus_arguments, pdu_streams

DEEP = os.environ.get("RPIQ_FUZZ_DEEP") == "1"
"""Also instrument pynetdicom's PDU item codecs (which decode the A-ASSOCIATE-RQ for the
engine): more coverage feedback, ~10 s more start-up. Off for the bounded run in the suite."""

# Not under test here, imported first so that they are not instrumented (start-up time):
# the query service, templates and encoder that the engine package pulls in, and pynetdicom.
import rpiq.encode.dataset  # noqa: E402
import rpiq.service.query  # noqa: E402, F401

if not DEEP:
    import pynetdicom  # noqa: F401

INSTRUMENTED = ["rpiq", "pynetdicom.pdu", "pynetdicom.pdu_items"] if DEEP else ["rpiq"]
with atheris.instrument_imports(include=INSTRUMENTED):
    from rpiq.net.engine.acse import Accepted, Acceptor, decode_request, negotiate
    from rpiq.net.engine.core import ASSOCIATE_RQ_MAX, supported_syntaxes
    from rpiq.net.engine.dimse import CommandError, decode_command
    from rpiq.net.engine.pdu_io import (
        A_ASSOCIATE_RQ_TYPE,
        MCH_COMMAND,
        MCH_LAST,
        P_DATA_TF_TYPE,
        PduError,
        parse_pdata,
        read_pdu,
    )
    from rpiq.net.hooks import OpenPolicy, PeerInfo

from pynetdicom.pdu import A_ASSOCIATE_AC, A_ASSOCIATE_RJ  # noqa: E402 - after instrumenting

MAX_PDU = 16384
ACCEPTOR = Acceptor(
    ae_title="RPIQ",
    check_called_ae_title=False,
    max_pdu_size=MAX_PDU,
    supported=supported_syntaxes(with_storage=True),
    policy=OpenPolicy(),
)
PEER = PeerInfo("a1", "127.0.0.1", 104, "FUZZ", "RPIQ")
LOOP = asyncio.new_event_loop()


async def _pdus(data: bytes) -> list[tuple[int, bytes]]:
    """The PDUs in ``data`` as the engine reads them, up to the first refusal or the end."""
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    pdus: list[tuple[int, bytes]] = []
    limit = ASSOCIATE_RQ_MAX
    try:
        while True:
            pdus.append(await read_pdu(reader, limit))
            limit = MAX_PDU
    except (PduError, asyncio.IncompleteReadError):
        return pdus


def _associate(body: bytes) -> None:
    try:
        rq = decode_request(body)
    except PduError:
        return
    try:
        answer = negotiate(ACCEPTOR, rq, PEER, over_limit=False)
    except Exception:  # noqa: BLE001 - the association answers these with A-ABORT
        return
    decoder = A_ASSOCIATE_AC() if isinstance(answer, Accepted) else A_ASSOCIATE_RJ()
    decoder.decode(answer.pdu)  # what we send must decode


def _pdata(body: bytes, command: list[bytes]) -> None:
    try:
        items = parse_pdata(body)
    except PduError:
        return
    for _context_id, control, fragment in items:
        if not control & MCH_COMMAND:
            continue
        command.append(fragment)
        if control & MCH_LAST:
            with contextlib.suppress(CommandError):
                decode_command(b"".join(command))
            command.clear()


def TestOneInput(data: bytes) -> None:
    command: list[bytes] = []
    for pdu_type, body in LOOP.run_until_complete(_pdus(data)):
        if pdu_type == A_ASSOCIATE_RQ_TYPE:
            _associate(body)
        elif pdu_type == P_DATA_TF_TYPE:
            _pdata(body, command)


def main() -> None:
    warnings.simplefilter("ignore")  # pydicom/pynetdicom warn on odd UIDs; production logs them
    atheris.Setup(corpus_arguments(sys.argv, pdu_streams()), TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
