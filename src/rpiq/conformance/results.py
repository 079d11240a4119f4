"""What a conformance run reports: one :class:`CheckResult` per check, and the :class:`Report`.

Outcomes:

======  ==============================================================================
PASS    the SCP did what the standard requires
WARN    a recommendation is not followed (e.g. no Offending Element with an A900)
INFO    an allowed choice worth knowing (e.g. an optional root template not supported)
SKIP    the check did not run; the detail says why (SOP class not accepted, no
        ``--duplicate-id``, validator unavailable...). Never a silent pass.
FAIL    the SCP broke a rule of PS3.4 Annex Q / PS3.7 / PS3.16
======  ==============================================================================

Exit status: 0 when nothing FAILed, 1 when something did, 3 when no association could be
established at all.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum

EXIT_CONFORMANT = 0
EXIT_FAILURES = 1
EXIT_NO_ASSOCIATION = 3


class Outcome(StrEnum):
    PASS = "PASS"  # noqa: S105 - an outcome, not a password
    WARN = "WARN"
    INFO = "INFO"
    SKIP = "SKIP"
    FAIL = "FAIL"


@dataclass(frozen=True)
class Verdict:
    """The outcome of one check and what was seen."""

    outcome: Outcome
    detail: str = ""


@dataclass(frozen=True)
class CheckResult:
    """One line of the report: the check's id, outcome, what it checks, what was seen."""

    check_id: str
    outcome: Outcome
    what: str
    detail: str = ""


@dataclass(frozen=True)
class Target:
    """The SCP under test and the AE titles used."""

    host: str
    port: int
    called_ae: str
    calling_ae: str


@dataclass(frozen=True)
class Report:
    """Every check of one run, in the order they ran."""

    target: Target
    associated: bool
    results: tuple[CheckResult, ...]
    accepted_sop_classes: tuple[str, ...] = ()

    def counts(self) -> dict[Outcome, int]:
        """How many checks ended with each outcome (every outcome listed, zeros included)."""
        counted = Counter(result.outcome for result in self.results)
        return {outcome: counted.get(outcome, 0) for outcome in Outcome}

    def failures(self) -> tuple[CheckResult, ...]:
        return tuple(result for result in self.results if result.outcome is Outcome.FAIL)

    def by_id(self, check_id: str) -> CheckResult:
        """The result of ``check_id`` (KeyError if no such check ran)."""
        for result in self.results:
            if result.check_id == check_id:
                return result
        raise KeyError(check_id)

    @property
    def exit_status(self) -> int:
        if not self.associated:
            return EXIT_NO_ASSOCIATION
        return EXIT_FAILURES if self.failures() else EXIT_CONFORMANT
