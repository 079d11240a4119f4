"""Checks on answers that match: the --patient-id match, the default root, every root.

Each function sends its request(s) through the :class:`SopContext` and returns a verdict per
check suffix (see :mod:`rpiq.conformance.catalogue`).
"""

from __future__ import annotations

from pydicom.dataset import Dataset

from rpiq.conformance.context import SopContext, no_final, not_sent, status_text
from rpiq.conformance.identifier import (
    extra_attributes,
    return_key_problems,
    root_problems,
    template_echo_problems,
    template_item,
)
from rpiq.conformance.probe import Exchange
from rpiq.conformance.results import Outcome, Verdict
from rpiq.conformance.standard import DEFAULT_ROOT
from rpiq.conformance.validation import ValidatorUnavailable, validate_answer
from rpiq.service.status import (
    IDENTIFIER_DOES_NOT_MATCH_SOP_CLASS,
    SUCCESS,
    UNABLE_TO_SUPPORT_TEMPLATE,
)

Verdicts = dict[str, Verdict]

INSPECTIONS = (
    "match.return-keys",
    "match.no-extra-attributes",
    "match.root",
    "match.template-echo",
    "match.validator",
)


def _problems_verdict(problems: list[str], passed: str = "") -> Verdict:
    if problems:
        return Verdict(Outcome.FAIL, "; ".join(problems))
    return Verdict(Outcome.PASS, passed)


def match_status(exchange: Exchange) -> Verdict:
    """Exactly one Pending with an identifier, then Success."""
    early = not_sent(exchange) or no_final(exchange)
    if early is not None:
        return early
    result = exchange.result
    assert result is not None  # no_final() returned None
    ok = result.status == SUCCESS and result.pending_count == 1 and result.identifier is not None
    if ok:
        return Verdict(Outcome.PASS, exchange.describe_wire())
    hint = ""
    if result.status == SUCCESS and result.pending_count == 0:
        hint = " (no match: give a --patient-id the SCP holds)"
    return Verdict(Outcome.FAIL, f"{exchange.describe_wire()}: {status_text(exchange)}{hint}")


def final_without_data_set(exchange: Exchange) -> Verdict:
    final = exchange.final
    if final is None:
        return Verdict(Outcome.SKIP, f"not run: no final response ({exchange.describe_wire()})")
    if final.has_data_set:
        return Verdict(
            Outcome.FAIL,
            f"final {final.Status:04X} has Command Data Set Type {final.CommandDataSetType:04X}H"
            " and a data set",
        )
    return Verdict(Outcome.PASS, f"final {final.Status:04X}, Command Data Set Type 0101H")


def validator_verdict(identifier: Dataset, template_id: str) -> Verdict:
    try:
        verdict = validate_answer(identifier, template_id)
    except ValidatorUnavailable as exc:
        return Verdict(Outcome.SKIP, f"not run: {exc}")
    if verdict.errors:
        return Verdict(Outcome.FAIL, verdict.summary())
    return Verdict(Outcome.PASS, verdict.summary())


def identifier_verdicts(
    request: Dataset, identifier: Dataset, template_id: str, expected_templates: list[Dataset]
) -> Verdicts:
    """The match.* inspections of one answered identifier."""
    return {
        "match.return-keys": _problems_verdict(return_key_problems(request, identifier)),
        "match.no-extra-attributes": _problems_verdict(extra_attributes(request, identifier)),
        "match.root": _problems_verdict(root_problems(identifier, template_id)),
        "match.template-echo": _problems_verdict(
            template_echo_problems(expected_templates, identifier)
        ),
        "match.validator": validator_verdict(identifier, template_id),
    }


def check_match(context: SopContext) -> Verdicts:
    """The match for --patient-id with the SOP class's default root named in the request."""
    template_id = DEFAULT_ROOT[context.sop]
    request = context.request(template=template_id)
    exchange = context.find("match.status", request)
    verdicts = {
        "match.status": match_status(exchange),
        "match.final-no-data-set": final_without_data_set(exchange),
    }
    identifier = exchange.result.identifier if exchange.result is not None else None
    if identifier is None:
        skipped = Verdict(Outcome.SKIP, "not run: no identifier to inspect (see match.status)")
        return verdicts | dict.fromkeys(INSPECTIONS, skipped)
    expected = list(request.ContentTemplateSequence)
    return verdicts | identifier_verdicts(request, identifier, template_id, expected)


def check_default_root(context: SopContext) -> Verdicts:
    """No Content Template Sequence: answered with the default root, which is echoed."""
    request = context.request()
    del request.ContentTemplateSequence
    exchange = context.find("default-root", request)
    early = not_sent(exchange) or no_final(exchange)
    if early is not None:
        return {"default-root": early}
    result = exchange.result
    assert result is not None
    if result.status == IDENTIFIER_DOES_NOT_MATCH_SOP_CLASS:
        return {
            "default-root": Verdict(
                Outcome.WARN,
                "A900: the request is refused (Content Template Sequence is Type 1 in the "
                "request); a tolerant SCP answers with the default root",
            )
        }
    if result.identifier is None or result.status != SUCCESS:
        return {"default-root": Verdict(Outcome.FAIL, status_text(exchange))}
    template_id = DEFAULT_ROOT[context.sop]
    problems = root_problems(result.identifier, template_id) + template_echo_problems(
        [template_item(template_id)], result.identifier
    )
    return {"default-root": _problems_verdict(problems, f"answered with TID {template_id}")}


def _root_verdict(context: SopContext, template_id: str) -> Verdict:
    request = context.request(template=template_id)
    exchange = context.find(f"root.{template_id}", request)
    early = not_sent(exchange) or no_final(exchange)
    if early is not None:
        return early
    result = exchange.result
    assert result is not None
    if result.status == UNABLE_TO_SUPPORT_TEMPLATE:
        if template_id == DEFAULT_ROOT[context.sop]:
            return Verdict(Outcome.FAIL, "C200: the SOP class's default root is not supported")
        return Verdict(Outcome.INFO, "not supported (C200)")
    if result.status != SUCCESS or result.identifier is None:
        return Verdict(Outcome.FAIL, f"{exchange.describe_wire()}: {status_text(exchange)}")
    return answered_verdict(request, result.identifier, template_id)


def answered_verdict(request: Dataset, identifier: Dataset, template_id: str) -> Verdict:
    """An answer for ``template_id``: root shape, template echo, no extra attribute, and
    the validator."""
    problems = (
        root_problems(identifier, template_id)
        + template_echo_problems(list(request.ContentTemplateSequence), identifier)
        + extra_attributes(request, identifier)
    )
    validated = validator_verdict(identifier, template_id)
    if validated.outcome is Outcome.FAIL:
        problems.append(f"validator: {validated.detail}")
    if problems:
        return Verdict(Outcome.FAIL, "; ".join(problems))
    return Verdict(Outcome.PASS, f"answered; validator: {validated.detail}")


def check_roots(context: SopContext, template_ids: tuple[str, ...]) -> Verdicts:
    """Every root template the SOP class allows: answered and valid, or C200."""
    return {f"root.{tid}": _root_verdict(context, tid) for tid in template_ids}
