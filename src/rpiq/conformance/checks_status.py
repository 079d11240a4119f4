"""Checks on the Annex Q status rules: A900, C100, C200, no match, empty issuer, cancel.

Each function sends its request(s) through the :class:`SopContext` and returns a verdict per
check suffix (see :mod:`rpiq.conformance.catalogue`).
"""

from __future__ import annotations

from pydicom.dataset import Dataset

from rpiq.conformance.catalogue import refused_check
from rpiq.conformance.context import (
    SopContext,
    no_final,
    not_sent,
    status_text,
    unknown_patient_id,
    wildcard_patient_id,
)
from rpiq.conformance.probe import NO_DATA_SET, Exchange
from rpiq.conformance.results import Outcome, Verdict
from rpiq.conformance.standard import PATIENT_ID, ROOT_CONCEPT_MEANING
from rpiq.service.status import (
    CANCEL,
    IDENTIFIER_DOES_NOT_MATCH_SOP_CLASS,
    MORE_THAN_ONE_MATCH,
    SUCCESS,
    UNABLE_TO_SUPPORT_TEMPLATE,
)

Verdicts = dict[str, Verdict]


def expect_status(exchange: Exchange, expected: int) -> Verdict:
    """PASS if the final status is ``expected``, FAIL otherwise."""
    early = not_sent(exchange) or no_final(exchange)
    if early is not None:
        return early
    assert exchange.result is not None
    if exchange.result.status == expected:
        return Verdict(Outcome.PASS, status_text(exchange))
    comment = exchange.result.error_comment
    detail = f"expected {expected:04X}, got {exchange.describe_wire()}"
    return Verdict(Outcome.FAIL, f"{detail} ({comment})" if comment else detail)


def expect_a900_on_patient_id(exchange: Exchange) -> Verdict:
    """A900, with a warning when Offending Element does not name (0010,0020)."""
    verdict = expect_status(exchange, IDENTIFIER_DOES_NOT_MATCH_SOP_CLASS)
    if verdict.outcome is not Outcome.PASS:
        return verdict
    assert exchange.result is not None
    offending = exchange.result.offending_element
    if PATIENT_ID not in offending:
        named = ", ".join(f"({tag >> 16:04X},{tag & 0xFFFF:04X})" for tag in offending)
        return Verdict(
            Outcome.WARN,
            f"A900 without Offending Element (0010,0020) (named: {named or 'none'})",
        )
    return verdict


def check_patient_id(context: SopContext) -> Verdicts:
    """Missing, empty and wild-carded Patient ID: A900."""
    missing = context.request()
    del missing.PatientID
    empty = context.request()
    empty.PatientID = ""
    wildcard = context.request(
        wildcard_patient_id(context.options.PatientID), context.options.IssuerOfPatientID
    )
    return {
        suffix: expect_a900_on_patient_id(context.find(suffix, request))
        for suffix, request in (
            ("patient-id.missing", missing),
            ("patient-id.empty", empty),
            ("patient-id.wildcard", wildcard),
        )
    }


def check_refused_templates(context: SopContext, template_ids: tuple[str, ...]) -> Verdicts:
    """Templates this SOP class does not allow: C200."""
    verdicts = {}
    for template_id in template_ids:
        suffix, _what = refused_check(template_id)
        exchange = context.find(suffix, context.request(template=template_id))
        verdicts[suffix] = expect_status(exchange, UNABLE_TO_SUPPORT_TEMPLATE)
    return verdicts


def check_no_match(context: SopContext) -> Verdicts:
    """An unknown Patient ID: exactly one response, Success, no data set."""
    PatientID = unknown_patient_id()
    exchange = context.find("no-match", context.request(PatientID, None))
    early = not_sent(exchange) or no_final(exchange)
    if early is not None:
        return {"no-match": early}
    wire = [(response.Status, response.CommandDataSetType) for response in exchange.wire]
    if wire == [(SUCCESS, NO_DATA_SET)]:
        return {"no-match": Verdict(Outcome.PASS, f"{PatientID}: {exchange.describe_wire()}")}
    return {
        "no-match": Verdict(
            Outcome.FAIL,
            f"{PatientID}: expected 0000 (no data set) alone, got {exchange.describe_wire()}",
        )
    }


def check_empty_issuer(context: SopContext) -> Verdicts:
    """Zero-length Issuer of Patient ID: the patient still matches, the issuer comes back."""
    exchange = context.find("issuer.empty", context.request(context.options.PatientID, ""))
    early = not_sent(exchange) or no_final(exchange)
    if early is not None:
        return {"issuer.empty": early}
    result = exchange.result
    assert result is not None
    if result.status == MORE_THAN_ONE_MATCH:
        reason = "not run: --patient-id is held under several issuers (C100 without issuer)"
        return {"issuer.empty": Verdict(Outcome.SKIP, reason)}
    if result.status != SUCCESS or result.identifier is None:
        return {"issuer.empty": Verdict(Outcome.FAIL, f"no match: {status_text(exchange)}")}
    return {"issuer.empty": _issuer_returned(result.identifier, context.options.IssuerOfPatientID)}


def _issuer_returned(identifier: Dataset, expected: str | None) -> Verdict:
    if "IssuerOfPatientID" not in identifier:
        return Verdict(Outcome.FAIL, "Issuer of Patient ID (Type 2, requested) not returned")
    issuer = str(identifier.IssuerOfPatientID or "").strip(" ")
    if expected and issuer != expected:
        return Verdict(Outcome.FAIL, f"issuer {issuer!r} returned, {expected!r} expected")
    return Verdict(Outcome.PASS, f"matched; issuer {issuer!r} returned")


def check_duplicate(context: SopContext) -> Verdicts:
    """--duplicate-id without an issuer: C100."""
    duplicate_id = context.options.duplicate_id
    if duplicate_id is None:
        return {"duplicate": Verdict(Outcome.SKIP, "not run: no --duplicate-id given")}
    exchange = context.find("duplicate", context.request(duplicate_id, None))
    return {"duplicate": expect_status(exchange, MORE_THAN_ONE_MATCH)}


def check_cancel(context: SopContext) -> Verdicts:
    """C-CANCEL right after the request: FE00, or a Success that crossed the cancel (PS3.4
    Q.4.2 note); then the same association still answers a match."""
    exchange = context.find("cancel", context.request(), cancel=True)
    if not exchange.sent:
        return {"cancel": Verdict(Outcome.SKIP, f"not run: {exchange.error}")}
    return {"cancel": cancel_verdict(exchange, _still_works(context))}


def cancel_verdict(exchange: Exchange, afterwards: str | None) -> Verdict:
    """The cancel's outcome from its exchange and what the next request met (None: a match)."""
    if exchange.result is None:
        return Verdict(Outcome.FAIL, exchange.describe_wire())
    status = exchange.result.status
    if status not in (CANCEL, SUCCESS):
        return Verdict(Outcome.FAIL, f"{exchange.describe_wire()}: {status_text(exchange)}")
    ended = "FE00 (canceled)" if status == CANCEL else "0000 (crossed the cancel; allowed)"
    if afterwards is not None:
        return Verdict(Outcome.FAIL, f"{ended}; afterwards: {afterwards}")
    return Verdict(
        Outcome.PASS, f"{exchange.describe_wire()}: {ended}; the association still works"
    )


def _still_works(context: SopContext) -> str | None:
    """None if the association of the cancel still answers a match; else what went wrong."""
    if not context.prober.is_established:
        return "the association ended"
    exchange = context.find("cancel.after", context.request())
    result = exchange.result
    if result is None or result.status != SUCCESS or result.identifier is None:
        return f"the next C-FIND got {exchange.describe_wire()}"
    return None


def check_concept_name_in_request(context: SopContext) -> Verdicts:
    """A non-empty Concept Name Code Sequence in the request: A900 recommended (warn)."""
    request = context.request()
    item = Dataset()
    value, scheme, meaning = ROOT_CONCEPT_MEANING[context.sop]
    item.CodeValue = value
    item.CodingSchemeDesignator = scheme
    item.CodeMeaning = meaning
    request.ConceptNameCodeSequence = [item]
    exchange = context.find("concept-name-in-request", request)
    verdict = expect_status(exchange, IDENTIFIER_DOES_NOT_MATCH_SOP_CLASS)
    if verdict.outcome is Outcome.FAIL and exchange.result is not None:
        verdict = Verdict(Outcome.WARN, f"not refused: {exchange.describe_wire()}")
    return {"concept-name-in-request": verdict}
