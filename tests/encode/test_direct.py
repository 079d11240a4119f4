"""Differential test: the direct encoder against the pydicom Dataset path, for every root
template and every test patient, in the three transfer syntaxes.

For each (patient, root template) the query service answers a request asking for every return
key it knows; the Pending identifier is then encoded both ways. The direct writer alone
(``encode_direct``, no fallback) must give the reference bytes, and its bytes, decoded by
pydicom, must equal the Dataset the reference path built, element by element.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence
from pydicom.valuerep import PersonName as DicomPersonName

from rpiq.domain import (
    ClinicalFact,
    Code,
    FactKind,
    FactStatus,
    Patient,
    PatientIdentifier,
    PersonName,
    Quantity,
)
from rpiq.encode.dataset import (
    DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,
    TRANSFER_SYNTAXES,
    decode_identifier,
    encode_identifier,
    identifier_dataset,
)
from rpiq.encode.direct import encode_direct, encode_response
from rpiq.ingest.demo import load_demo
from rpiq.ingest.importer import import_fhir
from rpiq.service.query import QueryService
from rpiq.service.responses import ResponseIdentifier
from rpiq.service.status import SOP_CLASSES, SOPClass
from rpiq.store import SqlPatientRepository, open_repository
from rpiq.templates.roots import ROOT_TEMPLATES
from templates import tpl_patients  # the template tests' hand-built patients

DEMO_IDS = (
    ("RPI-BREAST-001", "RPIQ-DEMO"),
    ("RPI-CARDIAC-001", "RPIQ-DEMO"),
    ("RPI-ALLERGY-001", "RPIQ-DEMO"),
    ("RPI-OB-001", "RPIQ-DEMO"),
    ("RPI-EMPTY-001", "RPIQ-DEMO"),
    ("RPI-INTL-001", "RPIQ-DEMO"),
    ("RPI-DUP-001", "HOSPITAL-A"),
    ("RPI-DUP-001", "HOSPITAL-B"),
)
SYNTHEA_ISSUER = "https://github.com/synthetichealth/synthea"
RETURN_KEYS: dict[str, object] = {
    "PatientName": "",
    "PatientBirthDate": "",
    "PatientSex": "",
    "OtherPatientIDsSequence": [],
    "ObservationDateTime": "",
    "ValueType": "",
    "ConceptNameCodeSequence": [],
    "ContentSequence": [],
    "EthnicGroup": "",
    "PatientComments": "",
    "PatientAddress": "",
    "PatientSize": "",
    "OtherPatientNames": "",
    "PatientTelephoneNumbers": "",
}
CLOCK = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Case:
    label: str
    identifier: ResponseIdentifier


def _extra_patients() -> list[Patient]:
    """Hand-built patients: the template tests' own, and non-ASCII values in every place."""
    weight = Code("29463-7", "LN", "Körpergewicht")
    built = [
        replace(built, identifiers=(PatientIdentifier(f"TPL-{index}", "ISSUER"),))
        for index, built in enumerate(
            (
                tpl_patients.breast_patient(),
                tpl_patients.cardiac_patient(),
                tpl_patients.general_patient(),
                tpl_patients.empty_patient(),
            )
        )
    ]
    unicode_patient = Patient(
        identifiers=(PatientIdentifier("ÜNI-1", "Hôpital"), PatientIdentifier("U2", "B")),
        name=PersonName("Müller^Jürgen", "大塚^千代子", "おおつか^ちよこ"),
        birth_date="19700505",
        sex="M",
        other_attributes=(
            ("EthnicGroup", "Sámi"),
            ("PatientComments", "Réa \\ plus de détails"),
            ("PatientAddress", "Straße 1"),
            ("PatientSize", "1.80"),
            ("OtherPatientNames", "Muller^Jurgen\\Müller^J"),
        ),
        facts=(
            ClinicalFact(FactKind.PROBLEM, Code("195967001", "SCT", "Asthme (trouble)")),
            ClinicalFact(
                FactKind.PROBLEM, Code("38341003", "SCT", "Hypertonie"), FactStatus.ACTIVE
            ),
            ClinicalFact(
                FactKind.VITAL_SIGN,
                weight,
                quantity=Quantity(72.123456789012345, Code("kg", "UCUM", "kg")),
                started="20240101",
            ),
        ),
        source="test:direct-unicode",
    )
    return [*built, unicode_patient]


def _request(patient: Patient, template_id: str) -> Dataset:
    request = Dataset()
    first = patient.identifiers[0]
    request.PatientID = first.PatientID
    request.IssuerOfPatientID = first.IssuerOfPatientID
    for keyword, value in RETURN_KEYS.items():
        setattr(request, keyword, value)
    item = Dataset()
    item.MappingResource = "DCMR"
    item.TemplateIdentifier = template_id
    request.ContentTemplateSequence = [item]
    return request


def _sop_class(template_id: str) -> SOPClass:
    return next(sop for sop in SOP_CLASSES.values() if template_id in sop.allowed_roots)


def _patients(repository: SqlPatientRepository, synthea_dir: Path) -> list[Patient]:
    assert load_demo(repository).ok
    bundles = sorted(synthea_dir.glob("*-bundle.json"))
    assert len(bundles) == 10
    report = import_fhir(bundles, repository)
    assert report.ok, report.refused
    extra = _extra_patients()
    repository.save_patients(extra)
    found: list[Patient] = []
    for PatientID, issuer in DEMO_IDS:
        (patient,) = repository.find_patients(PatientID, issuer)
        found.append(patient)
    for bundle in bundles:
        (resource_id,) = _bundle_patient_ids(bundle)
        (patient,) = repository.find_patients(resource_id, SYNTHEA_ISSUER)
        found.append(patient)
    for patient in extra:
        first = patient.identifiers[0]
        (stored,) = repository.find_patients(first.PatientID, first.IssuerOfPatientID)
        found.append(stored)
    return found


def _bundle_patient_ids(bundle: Path) -> list[str]:
    document = json.loads(bundle.read_text(encoding="utf-8"))
    return [
        entry["resource"]["id"]
        for entry in document["entry"]
        if entry["resource"]["resourceType"] == "Patient"
    ]


def _cases(repository: SqlPatientRepository, synthea_dir: Path) -> Iterator[Case]:
    service = QueryService(repository, 1, clock=lambda: CLOCK)
    for patient in _patients(repository, synthea_dir):
        for template_id in ROOT_TEMPLATES:
            request = _request(patient, template_id)
            responses = list(service.find(_sop_class(template_id).uid, request, lambda: False))
            assert [r.status for r in responses] == [0xFF00, 0x0000], responses
            identifier = responses[0].identifier
            assert identifier is not None
            label = f"{patient.identifiers[0].PatientID} TID {template_id}"
            yield Case(label, identifier)


def first_difference(built: Dataset, decoded: Dataset, path: str = "") -> str | None:
    """The path of the first element where ``decoded`` differs from ``built`` (padding aside),
    ``None`` if they agree everywhere."""
    if sorted(built.keys()) != sorted(decoded.keys()):
        return f"{path or 'top level'}: tags {sorted(built.keys())} != {sorted(decoded.keys())}"
    for element in built:
        other = decoded[element.tag]
        where = f"{path}{element.keyword or element.tag}"
        if element.VR == "SQ":
            if len(element.value) != len(other.value):
                return f"{where}: {len(element.value)} != {len(other.value)} items"
            for index, (item, other_item) in enumerate(
                zip(element.value, other.value, strict=True), start=1
            ):
                found = first_difference(item, other_item, f"{where}[{index}].")
                if found:
                    return found
        elif _normal(element.value) != _normal(other.value):
            return f"{where}: {element.value!r} != {other.value!r}"
    return None


def _normal(value: object) -> object:
    if isinstance(value, MultiValue | list | tuple) and not isinstance(value, Sequence):
        return tuple(_normal(part) for part in value)
    if isinstance(value, DicomPersonName):
        return str(value)
    if isinstance(value, float):  # DS (its string) and FD
        return str(value)
    if isinstance(value, str):
        return str(value).rstrip(" \x00")
    return value


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_direct_bytes_equal_the_dataset_path_for_every_template_and_patient(
    repository: SqlPatientRepository, synthea_dir: Path
) -> None:
    checked = 0
    differences: list[str] = []
    explicit = b""
    for case in _cases(repository, synthea_dir):
        built = identifier_dataset(case.identifier)
        for transfer_syntax in TRANSFER_SYNTAXES:
            reference = encode_identifier(built, transfer_syntax)
            direct = encode_direct(case.identifier, transfer_syntax)
            if transfer_syntax == DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN:
                # the same data set as Explicit VR LE, compressed: decoded above already
                inflated = zlib.decompressobj(-zlib.MAX_WBITS).decompress(direct)
                found = None if inflated == explicit else "inflates to other bytes"
            else:
                found = first_difference(built, decode_identifier(direct, transfer_syntax))
                explicit = direct
            if direct != reference or found:
                where = found or "bytes differ, same data set"
                differences.append(f"{case.label} {transfer_syntax}: {where}")
            checked += 1
    assert differences == []
    assert checked == (len(DEMO_IDS) + 10 + 5) * len(ROOT_TEMPLATES) * 3


def test_encode_response_is_the_direct_writer_where_it_can(tmp_path: Path) -> None:
    with open_repository(f"sqlite:///{tmp_path / 'demo.db'}") as repository:
        assert load_demo(repository).ok
        service = QueryService(repository, 1, clock=lambda: CLOCK)
        request = _request(repository.find_patients(*DEMO_IDS[5])[0], "9007")
        pending = next(iter(service.find(_sop_class("9007").uid, request, lambda: False)))
    assert pending.identifier is not None
    for transfer_syntax in TRANSFER_SYNTAXES:
        data = encode_response(pending.identifier, transfer_syntax)
        assert data == encode_direct(pending.identifier, transfer_syntax)
        decoded = decode_identifier(data, transfer_syntax)
        assert decoded.SpecificCharacterSet == "ISO_IR 192"
        assert str(decoded.PatientName).startswith("Ōtsuka^Chiyoko=大塚^千代子")


def test_first_difference_reports_the_path() -> None:
    """The comparison used above can fail, and says where."""
    built = Dataset()
    built.PatientName = "Doe^Jane"
    item = Dataset()
    item.CodeValue = "123"
    built.ConceptNameCodeSequence = [item]
    other = Dataset()
    other.PatientName = "Doe^Jane"
    other_item = Dataset()
    other_item.CodeValue = "124"
    other.ConceptNameCodeSequence = [other_item]
    assert first_difference(built, other) == "ConceptNameCodeSequence[1].CodeValue: '123' != '124'"
    assert first_difference(built, built) is None
