"""Checks shared by the hostile-input tests."""

from __future__ import annotations

from pydicom.dataset import Dataset

from hostile.conftest import Server
from net.support import ISSUER
from rpiq.encode.dataset import IMPLICIT_VR_LITTLE_ENDIAN, encode_identifier
from rpiq.net.client import RpiClient

KNOWN_PATIENT = "NET-001"
PROBE_TIMEOUT = 10.0


def assert_serves(server: Server) -> None:
    """A normal RPI query on a new connection gets the known patient's answer."""
    client = RpiClient(calling_ae="PROBE", timeout=PROBE_TIMEOUT)
    result = client.query(*server.address, KNOWN_PATIENT, IssuerOfPatientID=ISSUER)
    assert result.status == 0x0000, result.description
    assert result.identifier is not None
    assert result.identifier.PatientID == KNOWN_PATIENT


def request_dataset(**extra: str) -> Dataset:
    """A valid request identifier for the known patient, with ``extra`` return keys."""
    ds = Dataset()
    ds.PatientName = ""
    ds.PatientID = KNOWN_PATIENT
    ds.IssuerOfPatientID = ISSUER
    for keyword, value in extra.items():
        setattr(ds, keyword, value)
    return ds


def valid_identifier(syntax: str = IMPLICIT_VR_LITTLE_ENDIAN) -> bytes:
    """:func:`request_dataset` encoded in ``syntax``."""
    return encode_identifier(request_dataset(), syntax)
