"""DICOM JSON (PS3.18 F.2) as the client prints it."""

from __future__ import annotations

import json

from pydicom.dataset import Dataset

from rpiq.encode.json import dicom_json_object, to_dicom_json


def sample() -> Dataset:
    ds = Dataset()
    ds.PatientID = "123"
    ds.PatientName = "Doe^Jane=大塚^千代子"
    ds.IssuerOfPatientID = ""
    ds.ContentSequence = []
    ds.SpecificCharacterSet = "ISO_IR 192"
    measured = Dataset()
    measured.NumericValue = "048.50"
    measured.MeasurementUnitsCodeSequence = []
    item = Dataset()
    item.ValueType = "NUM"
    item.RelationshipType = "CONTAINS"
    item.MeasuredValueSequence = [measured]
    ds.ConceptNameCodeSequence = [item]
    ds.OtherPatientNames = ["A^B", ""]
    ds.OffendingElement = [0x00100020]
    ds.ReferencedFrameNumber = [1, 2]  # IS
    ds.add_new(0x00100000, "UL", 12)  # group length: never printed
    return ds


def test_tags_ascend_at_every_level() -> None:
    obj = dicom_json_object(sample())
    assert list(obj) == sorted(obj)
    nested = obj["0040A043"]["Value"][0]
    assert list(nested) == sorted(nested)
    assert "00100000" not in obj


def test_value_forms() -> None:
    obj = dicom_json_object(sample())
    assert obj["00100020"] == {"vr": "LO", "Value": ["123"]}
    assert obj["00100010"] == {
        "vr": "PN",
        "Value": [{"Alphabetic": "Doe^Jane", "Ideographic": "大塚^千代子"}],
    }
    assert obj["00100021"] == {"vr": "LO"}  # empty: no "Value" (F.2.5)
    assert obj["0040A730"] == {"vr": "SQ"}  # empty SQ: no "Value" either
    measured = obj["0040A043"]["Value"][0]["0040A300"]["Value"][0]
    assert measured["0040A30A"] == {"vr": "DS", "Value": ["048.50"]}  # text kept
    assert measured["004008EA"] == {"vr": "SQ"}
    assert obj["00101001"]["Value"] == [{"Alphabetic": "A^B"}, None]
    assert obj["00000901"] == {"vr": "AT", "Value": ["00100020"]}
    assert obj["00081160"] == {"vr": "IS", "Value": ["1", "2"]}


def test_text_is_json_with_unicode_kept() -> None:
    text = to_dicom_json(sample())
    assert "大塚" in text
    assert json.loads(text) == dicom_json_object(sample())
