"""SOP class x root template matrix (PS3.4 Table Q.4-3, PS3.16 Annex K): every allowed pair
answers with that template's root and echoes the Content Template Sequence; the default root
is used and echoed when the request names none. (The C200 side is in test_service_request.)"""

from __future__ import annotations

import pytest
from pydicom.dataset import Dataset

from rpiq.encode.dataset import (
    TRANSFER_SYNTAXES,
    decode_identifier,
    encode_identifier,
    identifier_dataset,
)
from rpiq.encode.json import to_dicom_json
from rpiq.service.query import QueryService
from rpiq.service.status import BREAST, CARDIAC, GENERAL, SOPClass
from rpiq.store import SqlPatientRepository
from rpiq.templates.roots import ROOT_TEMPLATES

from .conftest import HYPERTENSION, make_patient, make_request, never, problem, template_item

ALLOWED = [(GENERAL, tid) for tid in sorted(GENERAL.allowed_roots)] + [
    (BREAST, "9000"),
    (CARDIAC, "3802"),
]


@pytest.fixture
def service(sqlite_repository: SqlPatientRepository) -> QueryService:
    sqlite_repository.save_patients(
        [
            make_patient(
                ("RPI-MATRIX-001", "RPIQ-DEMO"),
                sex="F",
                facts=(problem(HYPERTENSION),),
                source="test:matrix",
            )
        ]
    )
    return QueryService(sqlite_repository, max_concurrent_lookups=1)


def answer_dataset(service: QueryService, sop_class: SOPClass, request: Dataset) -> Dataset:
    responses = list(service.find(sop_class.uid, request, never))
    assert [r.status for r in responses] == [0xFF00, 0x0000]
    identifier = responses[0].identifier
    assert identifier is not None
    return identifier_dataset(identifier)


@pytest.mark.parametrize(("sop_class", "tid"), ALLOWED, ids=lambda v: getattr(v, "keyword", v))
def test_allowed_template_is_answered(service: QueryService, sop_class: SOPClass, tid: str) -> None:
    request = make_request("RPI-MATRIX-001", ContentTemplateSequence=[template_item(tid)])
    ds = answer_dataset(service, sop_class, request)
    (template,) = ds.ContentTemplateSequence
    assert (template.MappingResource, template.TemplateIdentifier) == ("DCMR", tid)
    concept = ROOT_TEMPLATES[tid].concept_name
    (root_name,) = ds.ConceptNameCodeSequence
    assert (root_name.CodeValue, root_name.CodingSchemeDesignator) == (
        concept.value,
        concept.scheme,
    )
    assert ds.ValueType == "CONTAINER"
    assert "ContinuityOfContent" not in ds
    for transfer_syntax in TRANSFER_SYNTAXES:  # every real answer survives the wire
        decoded = decode_identifier(encode_identifier(ds, transfer_syntax), transfer_syntax)
        assert to_dicom_json(decoded) == to_dicom_json(ds)


@pytest.mark.parametrize(
    ("sop_class", "default", "concept"),
    [(GENERAL, "9007", "111517"), (BREAST, "9000", "111511"), (CARDIAC, "3802", "11329-0")],
    ids=["general", "breast", "cardiac"],
)
def test_default_root_is_used_and_echoed(
    service: QueryService, sop_class: SOPClass, default: str, concept: str
) -> None:
    ds = answer_dataset(service, sop_class, make_request("RPI-MATRIX-001"))
    (template,) = ds.ContentTemplateSequence
    assert (template.MappingResource, template.TemplateIdentifier) == ("DCMR", default)
    assert ds.ConceptNameCodeSequence[0].CodeValue == concept


def test_mapping_resource_uid_is_echoed(service: QueryService) -> None:
    item = template_item("9007")
    item.MappingResourceUID = "1.2.840.10008.8.1.1"
    ds = answer_dataset(
        service, GENERAL, make_request("RPI-MATRIX-001", ContentTemplateSequence=[item])
    )
    assert ds.ContentTemplateSequence[0].MappingResourceUID == "1.2.840.10008.8.1.1"
