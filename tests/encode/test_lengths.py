"""Declared lengths that run past their data are refused before pydicom reads the data set."""

from __future__ import annotations

import struct
import zlib

import pytest
from pydicom.dataset import Dataset

from rpiq.encode.dataset import (
    DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,
    EXPLICIT_VR_LITTLE_ENDIAN,
    IMPLICIT_VR_LITTLE_ENDIAN,
    MAX_INFLATED_SIZE,
    decode_identifier,
    encode_identifier,
)
from rpiq.encode.lengths import MAX_DEPTH, check_lengths

SYNTAXES = (IMPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_VR_LITTLE_ENDIAN)


def _request() -> Dataset:
    template = Dataset()
    template.MappingResource = "DCMR"
    template.TemplateIdentifier = "9007"
    ds = Dataset()
    ds.PatientID = "NET-001"
    ds.ContentTemplateSequence = [template]
    return ds


@pytest.mark.parametrize("syntax", SYNTAXES)
def test_a_whole_identifier_passes(syntax: str) -> None:
    data = encode_identifier(_request(), syntax)
    check_lengths(data, implicit=syntax == IMPLICIT_VR_LITTLE_ENDIAN)
    assert decode_identifier(data, syntax).PatientID == "NET-001"


@pytest.mark.parametrize("syntax", SYNTAXES)
@pytest.mark.parametrize("cut", [1, 2, 5, 9])
def test_a_truncated_identifier_is_refused(syntax: str, cut: int) -> None:
    data = encode_identifier(_request(), syntax)
    with pytest.raises(ValueError, match=r"runs past|ends inside"):
        decode_identifier(data[:-cut], syntax)


def test_a_patient_id_longer_than_its_data_is_refused() -> None:
    data = struct.pack("<HHI", 0x0010, 0x0020, 0x7FFF0000) + b"NET-001 "
    with pytest.raises(ValueError, match=r"\(0010,0020\) length"):
        decode_identifier(data, IMPLICIT_VR_LITTLE_ENDIAN)


def test_undefined_length_sequences_need_their_delimiters() -> None:
    item = struct.pack("<HHI", 0xFFFE, 0xE000, 0xFFFFFFFF)
    sequence = struct.pack("<HH2s2xI", 0x0040, 0xA504, b"SQ", 0xFFFFFFFF) + item
    with pytest.raises(ValueError, match="no delimiter"):
        check_lengths(sequence, implicit=False)
    delimiters = struct.pack("<HHI", 0xFFFE, 0xE00D, 0) + struct.pack("<HHI", 0xFFFE, 0xE0DD, 0)
    check_lengths(sequence + delimiters, implicit=False)


def test_absurd_nesting_is_refused() -> None:
    item_start = struct.pack("<HHI", 0xFFFE, 0xE000, 0xFFFFFFFF)
    sequence_start = struct.pack("<HHI", 0x0040, 0xA730, 0xFFFFFFFF)
    data = (sequence_start + item_start) * (MAX_DEPTH + 2)
    with pytest.raises(ValueError, match="nested deeper"):
        check_lengths(data, implicit=True)


def test_a_deflate_bomb_is_refused() -> None:
    deflater = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    bomb = deflater.compress(bytes(MAX_INFLATED_SIZE + 1024)) + deflater.flush()
    with pytest.raises(ValueError, match="inflates beyond"):
        decode_identifier(bomb, DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN)
