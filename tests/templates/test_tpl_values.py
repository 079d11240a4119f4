"""The value helpers every builder relies on: LO meanings, DS text, DA dates, recency."""

from __future__ import annotations

import pytest

from rpiq.domain import ClinicalFact, Code, FactKind
from rpiq.templates._values import clip_meaning, format_ds, full_date, latest, lo_code


def test_short_meaning_is_kept() -> None:
    assert clip_meaning("Malignant neoplasm of breast") == "Malignant neoplasm of breast"
    assert clip_meaning("x" * 64) == "x" * 64


def test_long_meaning_is_cut_to_64_characters_with_an_ellipsis() -> None:
    meaning = "x" * 30 + "y" * 70
    clipped = clip_meaning(meaning)
    assert len(clipped) == 64  # cut inside a word: nothing to strip
    assert clipped.endswith("...")
    assert meaning.startswith(clipped[:-3])


def test_meaning_loses_backslash_and_control_characters() -> None:
    assert clip_meaning("a\\b\tc\n") == "a/b c"


def test_non_ascii_meaning_is_counted_in_characters_and_cut_outside_combining_marks() -> None:
    assert clip_meaning("Sjögren syndrome") == "Sjögren syndrome"
    assert len(clip_meaning("é" * 100)) == 64
    decomposed = "a" * 60 + "e\u0301" + "b" * 10  # combining acute accent at index 61
    clipped = clip_meaning(decomposed)
    assert len(clipped) <= 64
    assert clipped == "a" * 60 + "..."


def test_lo_code_keeps_value_and_scheme() -> None:
    code = Code("1870230", "RXNORM", "NDA020800 0.3 ML Epinephrine 1 MG/ML Auto-Injector " * 2)
    clipped = lo_code(code)
    assert (clipped.value, clipped.scheme) == ("1870230", "RXNORM")
    assert len(clipped.meaning) <= 64
    assert clipped.meaning.endswith("NDA020800...")  # the space before the cut is dropped
    short = Code("1", "UCUM", "no units")
    assert lo_code(short) is short


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (2, "2"),
        (2.0, "2"),
        (-0.0, "0"),
        (36.85, "36.85"),
        (81.5, "81.5"),
        (1 / 3, "0.33333333333333"),
        (-1 / 3, "-0.3333333333333"),
        (123456789.123456789, "123456789.123457"),
        (999999999999999.0, "999999999999999"),
        (1e-20, "0"),
        (0.1 + 0.2, "0.3"),
    ],
)
def test_format_ds(value: float, text: str) -> None:
    assert format_ds(value) == text
    assert len(text) <= 16


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), 1e17, -1e16])
def test_format_ds_refuses_what_ds_cannot_hold_without_exponent(value: float) -> None:
    assert format_ds(value) is None


@pytest.mark.parametrize(
    ("value", "date"),
    [
        ("20240115", "20240115"),
        ("20240115103000.5+0100", "20240115"),
        ("202401", None),
        ("2024", None),
        ("2024+0100", None),
        (None, None),
    ],
)
def test_full_date_only_with_a_known_day(value: str | None, date: str | None) -> None:
    assert full_date(value) == date


def _observation(started: str | None = None, recorded: str | None = None) -> ClinicalFact:
    code = Code("8867-4", "LN", "Heart rate")
    return ClinicalFact(FactKind.VITAL_SIGN, code, started=started, recorded=recorded)


def test_latest_by_start_then_recorded_undated_oldest_ties_to_the_last() -> None:
    old, new = _observation("20200101"), _observation("2021")
    assert latest([new, old]) is new
    assert latest([old, _observation(recorded="20230101")]).recorded == "20230101"  # type: ignore[union-attr]
    undated = _observation()
    assert latest([undated, old]) is old
    first, second = _observation("2020"), _observation("2020")
    assert latest([first, second]) is second
    assert latest([]) is None
