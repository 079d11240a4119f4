"""Where FHIR data comes from: files, folders and ``-`` (standard input), plain or gzip.

- A folder stands for every ``*.json``, ``*.json.gz``, ``*.ndjson`` and ``*.ndjson.gz`` file
  below it (recursively, sorted by path); other files are not read.
- A file named explicitly is read whatever its name.
- gzip is recognised by its magic bytes (``1f 8b``), whatever the name says.
- **Kind**: ``.json[.gz]`` is one JSON document (a Bundle); ``.ndjson[.gz]`` is NDJSON (one
  resource per line). Any other name, and ``-``, is sniffed: a first line that is a complete
  JSON object other than a lone Bundle makes it NDJSON, anything else is one JSON document.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

from rpiq.errors import ImportRefused

STDIN = "-"
STDIN_LOCATION = "<stdin>"
GZIP_MAGIC = b"\x1f\x8b"
Kind = Literal["json", "ndjson"]
_SUFFIX_KINDS: dict[str, Kind] = {
    ".json": "json",
    ".json.gz": "json",
    ".ndjson": "ndjson",
    ".ndjson.gz": "ndjson",
}


@dataclass(frozen=True)
class FhirSource:
    """One file (or standard input) to import; :meth:`read` gives its bytes, decompressed.

    ``problem`` is why it cannot be used at all (``no such file or folder``)."""

    location: str
    path: Path | None = None
    data: bytes | None = None
    problem: str | None = None

    def read(self) -> bytes:
        """The content, gunzipped if compressed; raises :class:`ImportRefused`."""
        if self.problem is not None:
            raise ImportRefused(self.location, self.problem)
        data = self.data
        if data is None and self.path is not None:
            try:
                data = self.path.read_bytes()
            except OSError as exc:
                raise ImportRefused(
                    self.location, f"cannot be read: {exc.strerror or exc}"
                ) from exc
        return _gunzipped(self.location, data or b"")

    def kind(self, data: bytes) -> Kind:
        """JSON document or NDJSON (module docstring)."""
        if self.path is not None:
            known = _SUFFIX_KINDS.get(_suffix(self.path))
            if known is not None:
                return known
        return sniff(data)


def find_sources(paths: Sequence[Path], stdin: BinaryIO | None = None) -> list[FhirSource]:
    """The sources the paths stand for, in order (module docstring). ``-`` reads ``stdin``
    (at most once)."""
    found: list[FhirSource] = []
    for path in paths:
        if str(path) == STDIN:
            data = stdin.read() if stdin is not None else b""
            stdin = None
            found.append(FhirSource(STDIN_LOCATION, data=data))
        elif path.is_dir():
            found.extend(
                FhirSource(str(file), path=file)
                for file in sorted(path.rglob("*"))
                if file.is_file() and _suffix(file) in _SUFFIX_KINDS
            )
        elif path.is_file():
            found.append(FhirSource(str(path), path=path))
        else:
            found.append(FhirSource(str(path), problem="no such file or folder"))
    return found


def sniff(data: bytes) -> Kind:
    """NDJSON when the first non-empty line is a whole JSON object and not a lone Bundle."""
    lines = [line for line in data.lstrip().split(b"\n", 2) if line.strip()]
    if not lines:
        return "json"
    try:
        first = json.loads(lines[0])
    except ValueError:
        return "json"
    if not isinstance(first, dict):
        return "json"
    lone_bundle = first.get("resourceType") == "Bundle" and len(lines) == 1
    return "json" if lone_bundle else "ndjson"


def _suffix(path: Path) -> str:
    name = path.name.lower()
    return ".".join(["", *name.split(".")[-2:]]) if name.endswith(".gz") else path.suffix.lower()


def _gunzipped(location: str, data: bytes) -> bytes:
    if not data.startswith(GZIP_MAGIC):
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        raise ImportRefused(location, f"cannot be decompressed (gzip): {exc}") from exc
