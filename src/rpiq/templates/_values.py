"""Value helpers shared by the builders: LO-safe Code Meanings, DS text, DA/DT dates, recency.

Every value a builder puts in a content item passes through one of these, so the encode layer
receives values that already fit their VR (PS3.5 6.2): Code Meaning is LO (64 characters, no
backslash, no control characters), Numeric Value is DS (16 bytes), Date is DA (YYYYMMDD).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable

from rpiq.domain import ClinicalFact, Code

LO_MAX_CHARS = 64
DS_MAX_CHARS = 16
_ELLIPSIS = "..."
_LEADING_DIGITS = re.compile(r"\d*")


def clip_meaning(meaning: str) -> str:
    """``meaning`` made a valid LO value: no backslash or control characters, at most 64 chars.

    A longer meaning is cut on a character boundary (never inside a combining sequence) and
    ends with ``...`` so that a reader sees it was shortened.
    """
    if meaning.isprintable() and "\\" not in meaning:  # fast path: nothing to replace
        cleaned = meaning.strip()
        if len(cleaned) <= LO_MAX_CHARS:
            return cleaned
    cleaned = "".join(
        "/" if char == "\\" else " " if unicodedata.category(char) == "Cc" else char
        for char in meaning
    ).strip()
    if len(cleaned) <= LO_MAX_CHARS:
        return cleaned
    end = LO_MAX_CHARS - len(_ELLIPSIS)
    while end > 0 and unicodedata.combining(cleaned[end]):
        end -= 1  # keep a base character together with its combining marks
    return cleaned[:end].rstrip() + _ELLIPSIS


def lo_code(code: Code) -> Code:
    """``code`` with its Code Meaning made LO-safe (the code itself is never altered)."""
    meaning = clip_meaning(code.meaning) or code.value
    if meaning == code.meaning:
        return code
    return Code(code.value, code.scheme, meaning, code.scheme_version)


def format_ds(value: float) -> str | None:
    """``value`` as DS text of at most 16 characters in fixed-point notation (no exponent).

    Integers are written without a decimal point; other values with as many decimals as fit,
    trailing zeros dropped. ``None`` when the value cannot be written so (NaN, infinity, or
    16 or more integer digits).
    """
    if not math.isfinite(value):
        return None
    if value == int(value) and abs(value) < 10**15:
        return str(int(value))
    for decimals in range(DS_MAX_CHARS - 1, -1, -1):
        text = f"{value:.{decimals}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        if text == "-0":
            text = "0"
        if len(text) <= DS_MAX_CHARS:
            return text
    return None


def full_date(value: str | None) -> str | None:
    """The DICOM DA ``YYYYMMDD`` of a DA/DT string, or ``None`` when the day is not known."""
    if value is None:
        return None
    digits = _LEADING_DIGITS.match(value)
    if digits is None or len(digits.group()) < 8:
        return None
    return digits.group()[:8]


def age_in_years(birth_date: str | None, when: str | None) -> int | None:
    """Completed years between two DICOM dates, or ``None`` unless both are known to the day
    (an age from a partial date could be off by one) and ``when`` is not before the birth."""
    born, then = full_date(birth_date), full_date(when)
    if born is None or then is None or then < born:
        return None
    years = int(then[:4]) - int(born[:4])
    return years - 1 if then[4:] < born[4:] else years


def observed_at(fact: ClinicalFact) -> str | None:
    """When an observation holds: its effective start, else when it was recorded (DICOM DT)."""
    return fact.started if fact.started is not None else fact.recorded


def _recency(indexed: tuple[int, ClinicalFact]) -> tuple[str, int]:
    index, fact = indexed
    when = observed_at(fact)
    digits = _LEADING_DIGITS.match(when) if when is not None else None
    return (digits.group() if digits is not None else "", index)


def latest(facts: Iterable[ClinicalFact]) -> ClinicalFact | None:
    """The most recent fact (by :func:`observed_at`; undated ones count as oldest, ties go to
    the later one in stored order), or ``None`` for no facts."""
    indexed = tuple(enumerate(facts))
    if not indexed:
        return None
    return max(indexed, key=_recency)[1]
