"""RPI content trees as DICOM files for the DICOM import tests: a patient's root template,
encoded by ``rpiq.encode.dataset`` and wrapped in a Comprehensive SR document the way the
interop suite does (``interop.sr_document``), or saved as a bare C-FIND response identifier."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from interop.sr_document import wrap_in_comprehensive_sr
from rpiq.domain import Patient
from rpiq.encode.dataset import identifier_dataset
from rpiq.service.responses import ResponseIdentifier
from rpiq.templates._codes import COMMENT
from rpiq.templates.content import ContentItem, ValueType
from rpiq.templates.roots import build_root

ROOTS = ("9007", "9000", "3802")
RPI_CARDIAC = "1.2.840.10008.5.1.4.37.3"
"""Cardiac Relevant Patient Information Query (PS3.4 Table Q.4-3)."""


def response_identifier(patient: Patient, template_id: str) -> Dataset:
    """What an RPI SCP answers for ``patient``: Patient module keys, Content Template
    Sequence and the root template's content tree."""
    keys = Dataset()
    identifier = patient.identifiers[0]
    keys.PatientName = patient.name.to_dicom() if patient.name is not None else ""
    keys.PatientID = identifier.PatientID
    keys.IssuerOfPatientID = identifier.IssuerOfPatientID
    keys.PatientBirthDate = patient.birth_date or ""
    keys.PatientSex = patient.sex or ""
    template = Dataset()
    template.MappingResource = "DCMR"
    template.TemplateIdentifier = template_id
    keys.ContentTemplateSequence = [template]
    return identifier_dataset(ResponseIdentifier(keys, build_root(template_id, patient)))


def sr_document(patient: Patient, template_id: str, SOPInstanceUID: str | None = None) -> Dataset:
    """The patient's root template as a Comprehensive SR document."""
    document = wrap_in_comprehensive_sr(response_identifier(patient, template_id))
    if SOPInstanceUID is not None:
        document.SOPInstanceUID = SOPInstanceUID
        document.file_meta.MediaStorageSOPInstanceUID = SOPInstanceUID
    return document


def save(dataset: Dataset, path: Path) -> Path:
    """Write a data set as a DICOM file (Part 10, Explicit VR Little Endian). A response
    identifier, which is no SOP instance, is filed under the RPI SOP class it answers."""
    if not hasattr(dataset, "file_meta"):
        dataset.file_meta = FileMetaDataset()
        dataset.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        dataset.file_meta.MediaStorageSOPClassUID = RPI_CARDIAC
        dataset.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    dataset.save_as(path, enforce_file_format=True)
    return path


def without_free_text(item: ContentItem) -> ContentItem:
    """The tree without the free-text items no fact comes from (TEXT other than Comment), and
    without the containers that leaves empty."""
    children = tuple(
        without_free_text(child)
        for child in item.children
        if child.value_type is not ValueType.TEXT or child.concept_name == COMMENT
    )
    children = tuple(
        child for child in children if child.value_type is not ValueType.CONTAINER or child.children
    )
    return dataclasses.replace(item, children=children)


def free_text_items(item: ContentItem) -> int:
    """How many free-text items (TEXT other than Comment) the tree holds."""
    return sum(
        1
        for _, found in item.walk()
        if found.value_type is ValueType.TEXT and found.concept_name != COMMENT
    )
