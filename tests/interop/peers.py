"""How each third-party peer is driven: DCMTK ``echoscu``, odil (system Python), dcmjs-dimse.

Every peer runs as a subprocess. A peer that is missing, or that ends without a report, fails
the test with what it printed: nothing here skips.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydicom.dataset import Dataset

INTEROP_DIR = Path(__file__).resolve().parent
JS_DIR = INTEROP_DIR / "js"
DCMJS_SCRIPT = JS_DIR / "rpi_find.js"
ODIL_SCRIPT = INTEROP_DIR / "odil_find.py"
SYSTEM_PYTHON = Path("/usr/bin/python3")
PEER_TIMEOUT_S = 60.0
CALLING_AE = "INTEROP"
INSTALL_HINT = "run `bash .ci/run` (or install dcmtk, python3-odil and tests/interop/js) first"


@dataclass(frozen=True)
class Endpoint:
    """Where the SCP under test listens."""

    host: str
    port: int
    called_ae: str = "RPIQ"


@dataclass(frozen=True)
class RpiQuery:
    """One RPI C-FIND: the SOP class and the request identifier's keys and template."""

    sop_class_uid: str
    PatientID: str
    IssuerOfPatientID: str | None  # None: sent as a zero-length key
    template_id: str

    def as_json(self) -> dict[str, Any]:
        return {
            "sop_class_uid": self.sop_class_uid,
            "PatientID": self.PatientID,
            "IssuerOfPatientID": self.IssuerOfPatientID,
            "template_id": self.template_id,
        }


@dataclass(frozen=True)
class PeerResponse:
    """One C-FIND-RSP as a peer saw it."""

    status: int
    has_dataset: bool
    dataset: Dataset | None
    error_comment: str | None


def peer_env() -> dict[str, str]:
    """The environment for peers: DCMTK turns Nagle off only when asked (engineering guide)."""
    return {**os.environ, "TCP_NODELAY": "1"}


def dcmtk_tool(name: str) -> Path:
    """A DCMTK binary from PATH; the venv's pynetdicom apps of the same name do not count."""
    venv_bin = Path(sys.executable).parent.resolve()
    for entry in os.environ.get("PATH", "").split(os.pathsep):
        if not entry or Path(entry).resolve() == venv_bin:
            continue
        found = shutil.which(name, path=entry)
        if found and _is_dcmtk(found):
            return Path(found)
    pytest.fail(f"DCMTK {name} not found on PATH: {INSTALL_HINT}")


def _is_dcmtk(path: str) -> bool:
    result = subprocess.run(
        [path, "--version"], capture_output=True, text=True, timeout=PEER_TIMEOUT_S, check=False
    )
    return "$dcmtk:" in result.stdout


def echoscu(endpoint: Endpoint, *, timeout_s: int = 5) -> subprocess.CompletedProcess[str]:
    """One C-ECHO through DCMTK ``echoscu -v`` (connection, ACSE and DIMSE timeouts bounded)."""
    argv = [str(dcmtk_tool("echoscu")), "-v", "-aet", CALLING_AE, "-aec", endpoint.called_ae]
    argv += ["-to", str(timeout_s), "-ta", str(timeout_s), "-td", str(timeout_s)]
    argv += [endpoint.host, str(endpoint.port)]
    return subprocess.run(
        argv, capture_output=True, text=True, env=peer_env(), timeout=PEER_TIMEOUT_S, check=False
    )


def _run_json_peer(label: str, argv: list[str]) -> dict[str, Any]:
    """Run a peer script and return the JSON report it printed; fail loudly on anything else."""
    result = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        env=peer_env(),
        cwd=INTEROP_DIR,
        timeout=PEER_TIMEOUT_S,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            f"{label} exited {result.returncode}\nstdout: {result.stdout}\nstderr: {result.stderr}"
        )
    try:
        report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError) as exc:
        pytest.fail(f"{label} printed no JSON report ({exc})\nstdout: {result.stdout!r}")
    return report


def _dataset(dicom_json: dict[str, Any] | None) -> Dataset | None:
    return None if dicom_json is None else Dataset.from_json(dicom_json)


# dcmjs (0.3.3's decoder) keeps the trailing pad space of odd-length DA/DT/TM values, which the
# DICOM JSON model drops (PS3.18 F.2.5) and pydicom rejects; the space is padding, not data.
_PADDED_TEMPORAL_VRS = frozenset({"DA", "DT", "TM"})


def _without_temporal_padding(dicom_json: dict[str, Any]) -> dict[str, Any]:
    return {tag: _element_without_padding(element) for tag, element in dicom_json.items()}


def _element_without_padding(element: dict[str, Any]) -> dict[str, Any]:
    values = element.get("Value")
    if not values:
        return element
    if element["vr"] == "SQ":
        return {**element, "Value": [_without_temporal_padding(item) for item in values]}
    if element["vr"] in _PADDED_TEMPORAL_VRS:
        return {**element, "Value": [value.rstrip(" ") for value in values]}
    return element


@dataclass(frozen=True)
class OdilReport:
    """What odil saw: negotiated SOP classes, ``FindSCU`` data sets, message-level responses."""

    accepted_sop_classes: list[str]
    find_scu_datasets: list[Dataset]
    responses: list[PeerResponse]
    released: bool


def require_odil() -> None:
    """Fail unless the system interpreter can import odil (Debian ``python3-odil``)."""
    if not SYSTEM_PYTHON.exists():
        pytest.fail(f"{SYSTEM_PYTHON} missing: odil needs the Debian system Python")
    result = subprocess.run(
        [str(SYSTEM_PYTHON), "-c", "import odil"],
        capture_output=True,
        text=True,
        timeout=PEER_TIMEOUT_S,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"odil not importable by {SYSTEM_PYTHON}: {result.stderr}\n{INSTALL_HINT}")


def odil_find(endpoint: Endpoint, query: RpiQuery) -> OdilReport:
    """Run ``odil_find.py`` under the system Python (one association, FindSCU then messages)."""
    payload = {
        "host": endpoint.host,
        "port": endpoint.port,
        "calling_ae": CALLING_AE,
        "called_ae": endpoint.called_ae,
        **query.as_json(),
    }
    report = _run_json_peer("odil", [str(SYSTEM_PYTHON), str(ODIL_SCRIPT), json.dumps(payload)])
    responses = [
        PeerResponse(
            status=item["status"],
            has_dataset=item["has_data_set"],
            dataset=_dataset(item["data_set"]),
            error_comment=item["error_comment"],
        )
        for item in report["responses"]
    ]
    return OdilReport(
        accepted_sop_classes=report["accepted_sop_classes"],
        find_scu_datasets=[Dataset.from_json(item) for item in report["find_scu"]],
        responses=responses,
        released=report["released"],
    )


@dataclass(frozen=True)
class DcmjsRequestReport:
    """One C-FIND as dcmjs-dimse saw it, with the command fields it echoes."""

    message_id: int | None
    responses: list[PeerResponse]
    message_ids_responded_to: list[int]
    affected_sop_class_uids: list[str | None]


@dataclass(frozen=True)
class DcmjsReport:
    """One dcmjs-dimse association: client events, clean release, and each request's answer."""

    events: list[str]
    released: bool
    requests: list[DcmjsRequestReport]


def require_dcmjs_dimse() -> None:
    """Fail unless node and the pinned dcmjs-dimse (tests/interop/js) are installed."""
    if shutil.which("node") is None:
        pytest.fail(f"node not found on PATH: {INSTALL_HINT}")
    wanted = json.loads((JS_DIR / "package.json").read_text())["dependencies"]["dcmjs-dimse"]
    installed_json = JS_DIR / "node_modules" / "dcmjs-dimse" / "package.json"
    if not installed_json.exists():
        pytest.fail(f"dcmjs-dimse not installed in {JS_DIR}: {INSTALL_HINT}")
    installed = json.loads(installed_json.read_text())["version"]
    if installed != wanted:
        pytest.fail(f"dcmjs-dimse {installed} installed, package.json pins {wanted}")


def dcmjs_find(endpoint: Endpoint, queries: list[RpiQuery], *, cancel: bool = False) -> DcmjsReport:
    """Run ``js/rpi_find.js``: the queries in turn on one association (C-CANCEL on the first)."""
    payload = {
        "host": endpoint.host,
        "port": endpoint.port,
        "calling_ae": CALLING_AE,
        "called_ae": endpoint.called_ae,
        "cancel": cancel,
        "requests": [query.as_json() for query in queries],
    }
    report = _run_json_peer("dcmjs-dimse", ["node", str(DCMJS_SCRIPT), json.dumps(payload)])
    return DcmjsReport(
        events=report["events"],
        released=report["released"],
        requests=[_dcmjs_request(item) for item in report["requests"]],
    )


def _dcmjs_request(item: dict[str, Any]) -> DcmjsRequestReport:
    responses = item["responses"]
    return DcmjsRequestReport(
        message_id=item["message_id"],
        responses=[
            PeerResponse(
                status=rsp["status"],
                has_dataset=rsp["has_dataset"],
                dataset=_dataset(rsp["dataset"] and _without_temporal_padding(rsp["dataset"])),
                error_comment=rsp["error_comment"],
            )
            for rsp in responses
        ],
        message_ids_responded_to=[rsp["message_id_being_responded_to"] for rsp in responses],
        affected_sop_class_uids=[rsp["affected_sop_class_uid"] for rsp in responses],
    )
