"""Test-made FHIR sources: Bulk Data NDJSON exports and gzip copies of the Synthea bundles.

The NDJSON is what a FHIR server's ``$export`` would give for the same resources: one file per
resource type (``Patient.ndjson``, ``Condition.ndjson``...), one resource per line, and every
reference to another resource of the export written as ``Type/id`` (Synthea's transaction
bundles reference ``urn:uuid:<id>`` full URLs whose resources carry the same id).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

JSON = dict[str, Any]


def load(path: Path) -> JSON:
    document: JSON = json.loads(path.read_bytes())
    return document


def _relative_references(value: Any, local: dict[str, str]) -> Any:
    """``value`` with every ``{"reference": fullUrl}`` of the bundle rewritten to ``Type/id``."""
    if isinstance(value, dict):
        rewritten = {key: _relative_references(item, local) for key, item in value.items()}
        reference = value.get("reference")
        if isinstance(reference, str) and reference in local:
            rewritten["reference"] = local[reference]
        return rewritten
    if isinstance(value, list):
        return [_relative_references(item, local) for item in value]
    return value


def export_resources(bundles: Iterable[JSON]) -> dict[str, list[JSON]]:
    """The resources of the bundles by type, references made ``Type/id``."""
    by_type: dict[str, list[JSON]] = {}
    for document in bundles:
        local = {
            entry["fullUrl"]: f"{entry['resource']['resourceType']}/{entry['resource']['id']}"
            for entry in document["entry"]
            if "fullUrl" in entry and "id" in entry["resource"]
        }
        for entry in document["entry"]:
            resource = _relative_references(entry["resource"], local)
            by_type.setdefault(resource["resourceType"], []).append(resource)
    return by_type


def write_ndjson(bundles: Iterable[JSON], folder: Path, *, compressed: bool = False) -> Path:
    """An NDJSON export of the bundles' resources in ``folder``; returns ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for resource_type, resources in export_resources(bundles).items():
        text = "".join(json.dumps(resource) + "\n" for resource in resources).encode()
        if compressed:
            (folder / f"{resource_type}.ndjson.gz").write_bytes(gzip.compress(text))
        else:
            (folder / f"{resource_type}.ndjson").write_bytes(text)
    return folder


def ndjson_lines(*resources: JSON) -> str:
    return "".join(json.dumps(resource) + "\n" for resource in resources)


def gzip_copy(source: Path, target: Path) -> Path:
    target.write_bytes(gzip.compress(source.read_bytes()))
    return target
