"""PHI-free logs: a server logging at INFO (the default) and at DEBUG serves a patient with
distinctive names, identifiers and clinical content; none of it reaches the log, all of the
disclosures reach the audit trail.

The queries come from another process (``rpiq``'s client with its logging off), so that every
log record captured here is the server's: the engine, the service, the store, pynetdicom's
codecs as the engine uses them, SQLAlchemy.
"""

from __future__ import annotations

import logging
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from rpiq.domain import (
    ClinicalFact,
    Code,
    FactKind,
    FactStatus,
    Patient,
    PatientIdentifier,
    PersonName,
)
from rpiq.store import SqlPatientRepository, open_repository
from security.nodes import SecureNode, event_id, patient_ids, start_node

PatientID = "PHI-7731-XQ"
IssuerOfPatientID = "PHI-ISSUER-QZ"
GHOST_ID = "PHI-GHOST-5521"
FAMILY, GIVEN = "Quixzotlwq", "Brunhildevy"
BIRTH_DATE = "19450817"
PROBLEM = Code("302835009", "SCT", "Pheochromocytomazq")
MEDICATION = Code("27658006", "SCT", "Amoxicillinvxq")
FREE_TEXT = "Zorbulent adrenal crisis note"

PHI_PATIENT = Patient(
    (PatientIdentifier(PatientID, IssuerOfPatientID),),
    PersonName(f"{FAMILY}^{GIVEN}"),
    BIRTH_DATE,
    "F",
    facts=(
        ClinicalFact(FactKind.PROBLEM, PROBLEM, FactStatus.ACTIVE, text=FREE_TEXT),
        ClinicalFact(FactKind.MEDICATION, MEDICATION, FactStatus.ACTIVE),
    ),
    source="test:PHI",
)

SECRETS = (
    PatientID,
    IssuerOfPatientID,
    GHOST_ID,
    FAMILY,
    GIVEN,
    BIRTH_DATE,
    PROBLEM.meaning,
    MEDICATION.meaning,
    "Zorbulent",
)

CLIENT = textwrap.dedent(
    """
    import logging, sys
    logging.disable(logging.CRITICAL)
    from rpiq.net.client import RpiClient
    host, port = sys.argv[1], int(sys.argv[2])
    client = RpiClient(calling_ae="PHI-TEST", timeout=10.0)
    for PatientID, issuer, sop, template in [
        ("PHI-7731-XQ", "PHI-ISSUER-QZ", "general", None),
        ("PHI-7731-XQ", "PHI-ISSUER-QZ", "breast", None),
        ("PHI-7731-XQ", None, "general", "9005"),
        ("PHI-7731-XQ", "PHI-ISSUER-QZ", "breast", "3802"),
        ("PHI-GHOST-5521", "PHI-ISSUER-QZ", "general", None),
    ]:
        result = client.query(
            host, port, PatientID, IssuerOfPatientID=issuer, sop=sop, template=template
        )
        name = result.identifier.PatientName if result.identifier is not None else "-"
        print(f"{result.status:04X} {name}")
    """
)


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqlPatientRepository]:
    path = tmp_path_factory.mktemp("phi") / "rpiq.db"
    repository = open_repository(f"sqlite:///{path}")
    repository.save_patients((PHI_PATIENT,))
    try:
        yield repository
    finally:
        repository.close()


def _serve_queries(repository: SqlPatientRepository, folder: Path) -> tuple[list[str], SecureNode]:
    node = start_node(repository, folder)
    try:
        host, port = node.server.address
        done = subprocess.run(
            [sys.executable, "-c", CLIENT, host, str(port)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        node.wait_for(lambda event: event_id(event) == "110112", count=5)
    finally:
        node.stop()
    return done.stdout.splitlines(), node


@pytest.mark.parametrize("level", [logging.INFO, logging.DEBUG], ids=["INFO", "DEBUG"])
def test_logs_carry_no_patient_data(
    repository: SqlPatientRepository,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    level: int,
) -> None:
    caplog.set_level(level)
    answers, node = _serve_queries(repository, tmp_path)
    # the patient data really went over the wire
    assert answers[0] == f"0000 {FAMILY}^{GIVEN}"
    assert answers[1] == f"0000 {FAMILY}^{GIVEN}"
    assert answers[4] == "0000 -"
    assert len(answers) == 5
    logged = caplog.text + "\n".join(
        str(record.args) + (record.exc_text or "") for record in caplog.records
    )
    leaked = [secret for secret in SECRETS if secret.lower() in logged.lower()]
    assert leaked == []
    # ... and the disclosures are in the audit trail instead
    queried = [patient_ids(event) for event in node.events() if event_id(event) == "110112"]
    assert queried.count([PatientID]) == 4
    assert [GHOST_ID] in queried


def test_default_level_logs_structured_lines(
    repository: SqlPatientRepository, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    _serve_queries(repository, tmp_path)
    messages = [record.getMessage() for record in caplog.records if record.name.startswith("rpiq")]
    finds = [line for line in messages if line.startswith("event=find.done ")]
    assert len(finds) == 5
    for line in finds:
        assert re.search(r" id=\S+ .*status=0x[0-9A-F]{4} ms=\d+\.\d+$", line), line
    statuses = {re.search(r"status=(0x[0-9A-F]{4})", line).group(1) for line in finds}  # type: ignore[union-attr]
    assert "0x0000" in statuses
    assert len(statuses) > 1  # the template queries failed: their statuses are logged too
    assert any(line.startswith("event=association.accepted ") for line in messages)
