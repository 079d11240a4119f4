"""``rpiq validate`` on files the tests write (DICOM identifier, SR document, DICOM JSON) and
against a live server; exit statuses 0 / 1 / 2. The command is registered on a parser of our
own (``rpiq.cli.validate.register``), as ``rpiq.cli`` does with every command module."""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
from pathlib import Path
from typing import get_args

import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from rpiq.cli import validate as validate_command
from rpiq.domain import PatientIdentifier
from rpiq.encode.dataset import code_item
from rpiq.encode.json import dicom_json_object
from rpiq.net.contexts import SopName
from rpiq.net.server import RpiServer
from rpiq.service.query import QueryService
from rpiq.store import SqlPatientRepository
from validate import trees as t
from validate.conftest import answer

BREAST = PatientIdentifier("RPI-BREAST-001", "RPIQ-DEMO")
COMPREHENSIVE_SR = "1.2.840.10008.5.1.4.1.1.88.33"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], str]:
    parser = argparse.ArgumentParser(prog="rpiq")
    validate_command.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["validate", *argv])
    status: int = args.handler(args)
    captured = capsys.readouterr()
    return status, captured.out.splitlines(), captured.err


def breast_answer(repository: SqlPatientRepository, sop: SopName = "breast") -> Dataset:
    return answer(QueryService(repository, 4), sop, "9000", BREAST)


def write_identifier(ds: Dataset, path: Path) -> Path:
    """A bare data set (no preamble, no meta), as a C-FIND identifier travels."""
    ds.save_as(path, implicit_vr=False, little_endian=True, enforce_file_format=False)
    return path


def wrap_in_sr(identifier: Dataset, path: Path) -> Path:
    """A minimal Comprehensive SR Part 10 file around the identifier's content."""
    document = Dataset()
    for element in identifier:
        if element.keyword not in ("ContentTemplateSequence", "ObservationDateTime"):
            document.add(element)
    document.SOPClassUID = COMPREHENSIVE_SR
    document.SOPInstanceUID = generate_uid()
    document.ContinuityOfContent = "SEPARATE"
    document.file_meta = FileMetaDataset()
    document.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    document.file_meta.MediaStorageSOPClassUID = COMPREHENSIVE_SR
    document.file_meta.MediaStorageSOPInstanceUID = document.SOPInstanceUID
    document.save_as(path, enforce_file_format=True)
    return path


def test_a_conforming_identifier_file_exits_0(
    demo_database: SqlPatientRepository, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_identifier(breast_answer(demo_database), tmp_path / "answer.dcm")
    status, lines, _ = run([str(path)], capsys)
    assert status == validate_command.EXIT_CONFORMS
    assert lines[-1].startswith("0 error(s), ")
    assert lines[-1].endswith(f"{path} conforms")


def test_a_broken_identifier_file_exits_1_and_names_path_and_row(
    demo_database: SqlPatientRepository, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ds = breast_answer(demo_database)
    ds.ContentSequence[0].RelationshipType = "HAS PROPERTIES"  # the TID 1204 language item
    path = write_identifier(ds, tmp_path / "broken.dcm")
    status, lines, _ = run([str(path)], capsys)
    assert status == validate_command.EXIT_ERRORS
    assert (
        "1.1  TID 1204 row 1  error  Relationship Type HAS PROPERTIES, expected HAS CONCEPT MOD"
        in lines
    )
    assert lines[-1].startswith("1 error(s)")
    assert lines[-1].endswith("does not conform")


def test_an_sr_document_file_is_accepted(
    demo_database: SqlPatientRepository, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = wrap_in_sr(breast_answer(demo_database), tmp_path / "sr.dcm")
    status, lines, _ = run([str(path)], capsys)
    assert status == validate_command.EXIT_CONFORMS, lines
    status, lines, _ = run([str(path), "--template", "9007"], capsys)
    assert status == validate_command.EXIT_ERRORS
    assert any("TID 9007 row 1" in line and "concept name" in line for line in lines)


def test_dicom_json_array_and_object(
    demo_database: SqlPatientRepository, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    obj = dicom_json_object(breast_answer(demo_database))
    array = tmp_path / "answer.json"
    array.write_text(json.dumps([obj], ensure_ascii=False), encoding="utf-8")
    assert run([str(array)], capsys)[0] == validate_command.EXIT_CONFORMS
    single = tmp_path / "object.json"
    single.write_text(json.dumps(obj), encoding="utf-8")
    assert run([str(single)], capsys)[0] == validate_command.EXIT_CONFORMS
    two = tmp_path / "two.json"
    broken = json.loads(json.dumps(obj))
    broken["0040A040"]["Value"] = ["TEXT"]  # Value Type of the root
    two.write_text(json.dumps([obj, broken]), encoding="utf-8")
    status, lines, _ = run([str(two)], capsys)
    assert status == validate_command.EXIT_ERRORS
    assert f"{two} identifier 2:" in lines
    assert lines[-1].endswith(f"{two} identifier 2 does not conform")


def test_the_findings_lines_of_a_hand_made_tree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ds = Dataset()
    ds.ValueType = "CONTAINER"
    ds.ConceptNameCodeSequence = [code_item(t.PROBLEM_LIST)]
    template = Dataset()
    template.MappingResource = "DCMR"
    template.TemplateIdentifier = "9004"
    ds.ContentTemplateSequence = [template]
    ds.ContentSequence = []
    status, lines, _ = run([str(write_identifier(ds, tmp_path / "empty.dcm"))], capsys)
    assert status == validate_command.EXIT_CONFORMS
    assert lines[0].startswith("1  TID 9004 row 1  warning  zero-length Content Sequence")


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "not an RPI answer"),
        (b"[]", "holds no data set"),
        (b"{not json", "not DICOM JSON"),
        (b"[1, 2]", "not DICOM JSON"),
        (b"\x00" * 300, "not an RPI answer"),
        (b"\x08\x00\x05\x00CS\xff\x7f" + b"A" * 10, "pydicom: Unknown encoding"),
        (b"\x40\x00\x30\xa7SQ\x00\x00\xff\xff\xff\xff\xfe\xff", "not a DICOM data set"),
    ],
)
def test_unreadable_input_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, says: str
) -> None:
    path = tmp_path / "input"
    path.write_bytes(content)
    status, _, err = run([str(path)], capsys)
    assert status == validate_command.EXIT_UNREADABLE
    assert says in err


def test_missing_file_and_bad_arguments_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run([str(tmp_path / "nowhere.dcm")], capsys)
    assert (status, "No such file" in err) == (validate_command.EXIT_UNREADABLE, True)
    status, _, err = run(["--host", "127.0.0.1"], capsys)
    assert status == validate_command.EXIT_UNREADABLE
    assert "--host, --port and --patient-id" in err
    status, _, err = run([str(tmp_path), "--host", "h"], capsys)
    assert status == validate_command.EXIT_UNREADABLE


def test_a_live_server_answer(live_server: RpiServer, capsys: pytest.CaptureFixture[str]) -> None:
    host, port = live_server.address
    live = ["--host", host, "--port", str(port), "--aec", "RPIQ"]
    breast = [*live, "--patient-id", BREAST.PatientID, "--issuer", BREAST.IssuerOfPatientID]
    status, lines, _ = run([*breast, "--sop", "breast"], capsys)
    assert status == validate_command.EXIT_CONFORMS, lines
    assert lines[-1].endswith(f"{host}:{port} RPI-BREAST-001 conforms")
    status, lines, _ = run([*breast, "--template", "3802"], capsys)
    assert status == validate_command.EXIT_CONFORMS, lines
    status, _, err = run([*live, "--patient-id", "NOBODY-HERE"], capsys)
    assert status == validate_command.EXIT_UNREADABLE
    assert "no answer to validate: Status 0x0000 Success" in err


def test_no_association_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    argv = ["--host", "127.0.0.1", "--port", str(port), "--patient-id", "X", "--timeout", "2"]
    status, _, err = run(argv, capsys)
    assert status == validate_command.EXIT_UNREADABLE
    assert err.startswith("rpiq validate: ")


def test_the_sop_names_are_the_clients() -> None:
    assert get_args(SopName) == validate_command.SOP_NAMES


def test_importing_the_command_stays_light() -> None:
    code = (
        "import sys, rpiq.cli.validate; "
        "heavy = {'pydicom', 'pynetdicom', 'sqlalchemy'} & set(sys.modules); "
        "print(sorted(heavy))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert completed.stdout.strip() == "[]"
