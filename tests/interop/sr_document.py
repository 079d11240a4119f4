"""Wrap a Pending identifier's content tree in a Comprehensive SR document, so that document
validators (dicom3tools ``dciodvfy``, DCMTK ``dsrdump``) can check the tree (engineering guide,
peers table). The wrapper adds only the modules an SR instance needs around the content.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import UID, ExplicitVRLittleEndian, generate_uid

from interop.peers import INSTALL_HINT, PEER_TIMEOUT_S, dcmtk_tool, peer_env

COMPREHENSIVE_SR = UID("1.2.840.10008.5.1.4.1.1.88.33")
DCIODVFY = Path("/usr/bin/dciodvfy")


def wrap_in_comprehensive_sr(identifier: Dataset) -> Dataset:
    """The identifier (patient, root content item) plus study, series, equipment, SR header."""
    document = Dataset()
    for element in identifier:
        document.add(element)
    if not document.get("ObservationDateTime"):  # a zero-length return key is no SR value
        document.pop("ObservationDateTime", None)
    document.SOPClassUID = COMPREHENSIVE_SR
    document.SOPInstanceUID = generate_uid()
    document.StudyInstanceUID = generate_uid()
    document.SeriesInstanceUID = generate_uid()
    document.Modality = "SR"
    document.StudyDate, document.StudyTime = "20240101", "120000"
    document.ContentDate, document.ContentTime = "20240101", "120000"
    document.AccessionNumber = ""
    document.ReferringPhysicianName = ""
    document.StudyID = "1"
    document.SeriesNumber, document.InstanceNumber = 1, 1
    document.Manufacturer = ""
    document.CompletionFlag, document.VerificationFlag = "PARTIAL", "UNVERIFIED"
    document.ReferencedPerformedProcedureStepSequence = []
    document.PerformedProcedureCodeSequence = []
    document.ContinuityOfContent = "SEPARATE"  # Type 1 for an SR root; not a query return key
    document.file_meta = FileMetaDataset()
    document.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    document.file_meta.MediaStorageSOPClassUID = COMPREHENSIVE_SR
    document.file_meta.MediaStorageSOPInstanceUID = document.SOPInstanceUID
    return document


@dataclass(frozen=True)
class ValidatorRun:
    returncode: int
    output: str

    def lines_starting(self, *prefixes: str) -> list[str]:
        return [line for line in self.output.splitlines() if line.startswith(prefixes)]


def _run(argv: list[str]) -> ValidatorRun:
    result = subprocess.run(
        argv, capture_output=True, text=True, env=peer_env(), timeout=PEER_TIMEOUT_S, check=False
    )
    return ValidatorRun(result.returncode, result.stdout + result.stderr)


def dciodvfy(path: Path) -> ValidatorRun:
    """dicom3tools' IOD validator: ``Error - ...`` lines name violations."""
    if not DCIODVFY.exists():
        pytest.fail(f"dicom3tools {DCIODVFY} missing: {INSTALL_HINT}")
    return _run([str(DCIODVFY), str(path)])


def dsrdump(path: Path) -> ValidatorRun:
    """DCMTK's SR reader: ``E:``/``W:`` lines report content it cannot accept."""
    return _run([str(dcmtk_tool("dsrdump")), str(path)])
