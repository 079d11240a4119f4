"""Fuzz target: C-FIND request identifier bytes → decode_identifier → QueryService.find.

Run: ``.venv/bin/python fuzz/fuzz_identifier.py -max_total_time=60 [CORPUS_DIR]``
(see fuzz/README.md). The first input byte picks the transfer syntax (Implicit, Explicit,
Deflated Explicit VR Little Endian) and the SOP class (the three RPI classes, or a foreign UID);
the rest is the identifier. The service runs on a temporary SQLite database holding the demo
patients. A crash is any of:

- ``decode_identifier`` raising something other than its documented errors (``ValueError``,
  ``zlib.error``, pydicom's ``InvalidDicomError``): the server answers those A900;
- ``QueryService.find`` raising at all, answering nothing, answering C000 (the database is
  healthy, so C000 means an internal error), a non-final status last, or a Pending response
  anywhere but before the final one;
- a Pending identifier that cannot be encoded in the request's transfer syntax.
"""

from __future__ import annotations

import sys
import tempfile
import warnings
import zlib
from pathlib import Path

import atheris  # type: ignore[import-untyped]  # atheris ships no type information
from _corpus import RPI_SOP_CLASS_UIDS, corpus_arguments, identifiers

# The database and the demo loader are not under test: imported first, not instrumented.
from rpiq.ingest.demo import load_demo
from rpiq.store import open_repository

with atheris.instrument_imports(include=["rpiq"]):
    from rpiq.encode.dataset import (
        TRANSFER_SYNTAXES,
        decode_identifier,
        encode_identifier,
        identifier_dataset,
    )
    from rpiq.service.query import QueryService
    from rpiq.service.responses import FindResponse

from pydicom.errors import InvalidDicomError

DOCUMENTED_DECODE_ERRORS = (ValueError, zlib.error, InvalidDicomError)
SOP_CLASS_UIDS = (*RPI_SOP_CLASS_UIDS, "1.2.840.10008.5.1.4.1.2.1.1")  # + a Q/R FIND class
PENDING = 0xFF00
FINAL_STATUSES = frozenset({0x0000, 0x0122, 0xA700, 0xA900, 0xC100, 0xC200, 0xFE00})


def _service() -> QueryService:
    database = Path(tempfile.mkdtemp(prefix="rpiq-fuzz-db-")) / "rpiq.db"
    repository = open_repository(f"sqlite:///{database}")
    load_demo(repository)
    return QueryService(repository, 4)


SERVICE = _service()


def _check(responses: list[FindResponse], syntax: str) -> None:
    if not responses:
        raise AssertionError("no response")
    *pending, final = responses
    if final.status not in FINAL_STATUSES:
        raise AssertionError(f"final status 0x{final.status:04X}: {final.error_comment}")
    for response in pending:
        if response.status != PENDING or response.identifier is None:
            raise AssertionError("a non-Pending response before the final one")
        encode_identifier(identifier_dataset(response.identifier), syntax)


def TestOneInput(data: bytes) -> None:
    if not data:
        return
    syntax = TRANSFER_SYNTAXES[data[0] % 3]
    sop_class_uid = SOP_CLASS_UIDS[(data[0] // 3) % 4]
    try:
        request = decode_identifier(data[1:], syntax)
    except DOCUMENTED_DECODE_ERRORS:
        return
    _check(list(SERVICE.find(sop_class_uid, request, lambda: False)), syntax)


def _seeds() -> list[bytes]:
    return [bytes([selector]) + seed for seed in identifiers() for selector in (0, 3, 6, 9)]


def main() -> None:
    warnings.simplefilter("ignore")  # pydicom warns on odd values; production only logs them
    atheris.Setup(corpus_arguments(sys.argv, _seeds()), TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
