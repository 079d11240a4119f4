"""What every check gets: the run's options, and one SOP class on the prober."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from pydicom.dataset import Dataset

from rpiq.conformance.probe import Exchange, Prober
from rpiq.conformance.results import CheckResult, Outcome, Verdict
from rpiq.net.client import build_request
from rpiq.net.sop_names import SopName
from rpiq.service.status import describe_status

LO_MAX = 64


@dataclass(frozen=True)
class ConformanceOptions:
    """The command line of ``rpiq conformance``."""

    host: str
    port: int
    PatientID: str
    IssuerOfPatientID: str | None = None
    duplicate_id: str | None = None
    called_ae: str = "ANY-SCP"
    calling_ae: str = "RPIQ-SCU"
    timeout: float = 10.0


@dataclass(frozen=True)
class SopContext:
    """One accepted SOP class of the SCP under test."""

    prober: Prober
    sop: SopName
    options: ConformanceOptions

    def check_id(self, suffix: str) -> str:
        return f"{self.sop}.{suffix}"

    def request(
        self,
        PatientID: str | None = None,
        IssuerOfPatientID: str | None = None,
        template: str | None = None,
    ) -> Dataset:
        """A well-formed request (digest §5): the options' patient unless told otherwise."""
        if PatientID is None:
            PatientID = self.options.PatientID
            IssuerOfPatientID = self.options.IssuerOfPatientID
        return build_request(PatientID, IssuerOfPatientID, self.sop, template)

    def find(self, suffix: str, request: Dataset, *, cancel: bool = False) -> Exchange:
        return self.prober.find(self.check_id(suffix), self.sop, request, cancel=cancel)


def unknown_patient_id() -> str:
    """A Patient ID no SCP holds."""
    return f"RPIQ-NOBODY-{uuid.uuid4().hex[:16].upper()}"


def wildcard_patient_id(PatientID: str) -> str:
    """``PatientID`` with a trailing ``*`` (a wild card Single Value Matching excludes)."""
    return f"{PatientID[: LO_MAX - 1]}*"


def status_text(exchange: Exchange) -> str:
    """The final status for people, with the related fields, or why there is none."""
    result = exchange.result
    if result is None:
        return exchange.error or "no final response"
    text = describe_status(result.status)
    if result.error_comment:
        text += f" ({result.error_comment})"
    return text


def not_sent(exchange: Exchange) -> Verdict | None:
    """SKIP when the request could not be sent (no association any more); else None."""
    if exchange.sent:
        return None
    return Verdict(Outcome.SKIP, f"not run: {exchange.error}")


def no_final(exchange: Exchange) -> Verdict | None:
    """FAIL when the request went out but no final response came back; else None."""
    if exchange.result is not None:
        return None
    return Verdict(Outcome.FAIL, f"{exchange.describe_wire()}")


def result_line(check_id: str, what: str, verdict: Verdict) -> CheckResult:
    return CheckResult(check_id, verdict.outcome, what, verdict.detail)
