"""The content tree of each SOP class's match, wrapped in a Comprehensive SR, passes dicom3tools
``dciodvfy`` and DCMTK ``dsrdump`` (the identifier as decoded by dcmjs-dimse)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydicom import dcmread

from interop.cases import BREAST, CARDIAC, GENERAL, match_query
from interop.peers import Endpoint, dcmjs_find
from interop.sr_document import ValidatorRun, dciodvfy, dsrdump, wrap_in_comprehensive_sr

pytestmark = [pytest.mark.interop, pytest.mark.usefixtures("dcmjs_dimse_available")]

# DCMTK 3.6.7 rejects every DT offset whose hours are 00, yet PS3.5 6.2 writes UTC as +0000.
DCMTK_UTC_OFFSET_FALSE_ALARM = (
    "W: ObservationDateTime (0040,a032) violates VR definition in SR document"
)


@pytest.fixture(params=[GENERAL, BREAST, CARDIAC], ids=["general", "breast", "cardiac"])
def wrapped_match(request: pytest.FixtureRequest, rpiq_server: Endpoint, tmp_path: Path) -> Path:
    query = match_query(request.param)
    identifier = dcmjs_find(rpiq_server, [query]).requests[0].responses[0].dataset
    assert identifier is not None
    path = tmp_path / "rpi.dcm"
    wrap_in_comprehensive_sr(identifier).save_as(path, enforce_file_format=True)
    return path


def dsrdump_complaints(run: ValidatorRun, path: Path) -> list[str]:
    complaints = run.lines_starting("E:", "W:", "F:")
    if str(dcmread(path).get("ObservationDateTime", "")).endswith("+0000"):
        complaints = [line for line in complaints if line != DCMTK_UTC_OFFSET_FALSE_ALARM]
    return complaints


def test_dciodvfy_finds_no_error(wrapped_match: Path) -> None:
    run = dciodvfy(wrapped_match)

    assert "ComprehensiveSR" in run.output, run.output  # it recognised the IOD
    assert run.lines_starting("Error") == [], run.output


def test_dsrdump_reads_the_tree_without_complaint(wrapped_match: Path) -> None:
    run = dsrdump(wrapped_match)

    assert run.returncode == 0, run.output
    assert dsrdump_complaints(run, wrapped_match) == [], run.output
    assert "<CONTAINER:" in run.output
