"""The one place the conformance tester calls rpiq's template validator
(:func:`rpiq.encode.validate_response.validate_identifier`: the identifier's top-level rules,
then the content tree against the root template's rows).

:func:`validate_answer` runs it on a response identifier and splits its findings into errors
and warnings. :class:`ValidatorUnavailable` means the validator could not run on this answer
(the tester reports that check as not run, never as passed). Warnings do not fail a check:
the validator warns about what the standard allows, e.g. extension rows in an Extensible
template, or a nested container without Content Template Sequence.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydicom.dataset import Dataset

from rpiq.encode.validate_response import validate_identifier
from rpiq.templates.validate import Finding

MAX_SHOWN = 5
MAX_WARNINGS_SHOWN = 2


class ValidatorUnavailable(Exception):
    """The validator cannot judge this answer."""


@dataclass(frozen=True)
class ValidatorVerdict:
    errors: tuple[str, ...]
    warnings: tuple[str, ...]

    def summary(self) -> str:
        """``2 errors: 1.3 TID 9003 row 7: ...; ... (1 warning: ...)``."""
        text = _listing(self.errors, "error", MAX_SHOWN) if self.errors else "0 errors"
        if self.warnings:
            text += f" ({_listing(self.warnings, 'warning', MAX_WARNINGS_SHOWN)})"
        return text


def _listing(lines: tuple[str, ...], noun: str, limit: int) -> str:
    plural = "" if len(lines) == 1 else "s"
    more = f"; and {len(lines) - limit} more" if len(lines) > limit else ""
    return f"{len(lines)} {noun}{plural}: {'; '.join(lines[:limit])}{more}"


def validate_answer(identifier: Dataset, template_id: str) -> ValidatorVerdict:
    """The validator's findings on ``identifier`` answered for ``template_id``."""
    try:
        findings = validate_identifier(identifier, template_id)
    except Exception as exc:  # a validator crash is ours to fix, not the SCP's
        raise ValidatorUnavailable(
            f"the validator could not read this answer ({type(exc).__name__}: {exc})"
        ) from exc
    return ValidatorVerdict(
        errors=tuple(_line(f) for f in findings if f.severity == "error"),
        warnings=tuple(_line(f) for f in findings if f.severity != "error"),
    )


def _line(finding: Finding) -> str:
    return f"{finding.path} {finding.row or '-'}: {finding.message}"
