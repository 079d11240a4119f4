"""The battery: associate, check each accepted RPI SOP class, then the wire over the whole run.

::

    report = run_battery(ConformanceOptions("scp.example", 104, PatientID="MR975311"))
    report.exit_status          # 0 no FAIL, 1 some FAIL, 3 no association at all
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rpiq.conformance.catalogue import ASSOCIATION_CHECKS, WIRE_CHECKS, sop_checks
from rpiq.conformance.checks_match import check_default_root, check_match, check_roots
from rpiq.conformance.checks_status import (
    check_cancel,
    check_concept_name_in_request,
    check_duplicate,
    check_empty_issuer,
    check_no_match,
    check_patient_id,
    check_refused_templates,
)
from rpiq.conformance.context import ConformanceOptions, SopContext
from rpiq.conformance.probe import Exchange, Prober
from rpiq.conformance.results import CheckResult, Outcome, Report, Target, Verdict
from rpiq.conformance.standard import ALLOWED_ROOTS, REFUSED_TEMPLATES
from rpiq.errors import AssociationFailed
from rpiq.net.client import RpiClient
from rpiq.net.contexts import SOP_BY_NAME
from rpiq.net.sop_names import SOP_NAMES
from rpiq.service.status import SUCCESS

Verdicts = dict[str, Verdict]
MAX_LISTED = 5
SopRunner = Callable[[SopContext], Verdicts]

SOP_RUNNERS: tuple[SopRunner, ...] = (
    check_match,
    check_default_root,
    lambda context: check_roots(context, ALLOWED_ROOTS[context.sop]),
    lambda context: check_refused_templates(context, REFUSED_TEMPLATES[context.sop]),
    check_patient_id,
    check_no_match,
    check_empty_issuer,
    check_duplicate,
    check_cancel,
    check_concept_name_in_request,
)


def _line(check_id: str, what: str, verdict: Verdict) -> CheckResult:
    return CheckResult(check_id, verdict.outcome, what, verdict.detail)


def _assoc(check_id: str, verdict: Verdict) -> CheckResult:
    return _line(check_id, ASSOCIATION_CHECKS[check_id], verdict)


def run_battery(options: ConformanceOptions) -> Report:
    """Run every check against the SCP at ``options.host:options.port``."""
    target = Target(options.host, options.port, options.called_ae, options.calling_ae)
    client = RpiClient(options.calling_ae, options.called_ae, options.timeout)
    prober = Prober(client, options.host, options.port)
    try:
        prober.open()
    except AssociationFailed as exc:
        failed = _assoc("assoc.connect", Verdict(Outcome.FAIL, str(exc)))
        return Report(target, associated=False, results=(failed,))
    try:
        results = association_checks(prober)
        for sop in SOP_NAMES:
            results += sop_class_checks(SopContext(prober, sop, options))
        results += wire_checks(prober.exchanges)
    finally:
        prober.close()
    accepted = tuple(SOP_BY_NAME[sop].name for sop in prober.accepted)
    return Report(target, associated=True, results=tuple(results), accepted_sop_classes=accepted)


def association_checks(prober: Prober) -> list[CheckResult]:
    connected = Verdict(Outcome.PASS, f"{prober.host}:{prober.port}")
    echoed = _echo(prober)
    names = [SOP_BY_NAME[sop].name for sop in prober.accepted]
    refused = [SOP_BY_NAME[sop].name for sop in SOP_NAMES if sop not in prober.accepted]
    detail = f"accepted: {', '.join(names) or 'none'}"
    if refused:
        detail += f"; not accepted: {', '.join(refused)}"
    offered = Verdict(Outcome.PASS if names else Outcome.FAIL, detail)
    return [
        _assoc("assoc.connect", connected),
        _assoc("assoc.echo", echoed),
        _assoc("assoc.sop-classes", offered),
    ]


def _echo(prober: Prober) -> Verdict:
    if not prober.verification_accepted:
        return Verdict(Outcome.SKIP, "not run: Verification not accepted")
    try:
        status = prober.echo()
    except AssociationFailed as exc:
        return Verdict(Outcome.FAIL, str(exc))
    return Verdict(Outcome.PASS if status == SUCCESS else Outcome.FAIL, f"{status:04X}")


def sop_class_checks(context: SopContext) -> list[CheckResult]:
    """Every check of one SOP class; each SKIP when the SCP did not accept the class."""
    planned = sop_checks(context.sop)
    if context.sop not in context.prober.accepted:
        skipped = Verdict(Outcome.SKIP, "not run: the SCP does not accept this SOP class")
        return [_line(context.check_id(suffix), what, skipped) for suffix, what in planned]
    verdicts: Verdicts = {}
    for runner in SOP_RUNNERS:
        verdicts |= runner(context)
    if set(verdicts) != {suffix for suffix, _what in planned}:  # a bug here, not in the SCP
        raise RuntimeError(f"checks run {sorted(verdicts)} differ from the catalogue")
    return [_line(context.check_id(suffix), what, verdicts[suffix]) for suffix, what in planned]


def wire_checks(exchanges: Sequence[Exchange]) -> list[CheckResult]:
    """Rules that hold for every response of the run."""
    with_data_set = [
        f"{exchange.label} ({exchange.final.describe()})"
        for exchange in exchanges
        if exchange.final is not None and exchange.final.has_data_set
    ]
    bad_pending = [
        f"{exchange.label} ({exchange.describe_wire()})"
        for exchange in exchanges
        if len(exchange.pending) > 1 or any(not p.has_data_set for p in exchange.pending)
    ]
    # Without a final response it was the SCU that gave up; that check fails already.
    dropped = [
        exchange.label
        for exchange in exchanges
        if exchange.result is not None and not exchange.kept_association
    ]
    finals = sum(1 for exchange in exchanges if exchange.final is not None)
    return [
        _line(
            "wire.final-no-data-set",
            WIRE_CHECKS["wire.final-no-data-set"],
            _listed(with_data_set, f"{finals} final responses, none with a data set"),
        ),
        _line(
            "wire.pending",
            WIRE_CHECKS["wire.pending"],
            _listed(bad_pending, f"{len(exchanges)} requests"),
        ),
        _line(
            "wire.association-kept",
            WIRE_CHECKS["wire.association-kept"],
            _listed(dropped, f"{len(exchanges)} requests"),
        ),
    ]


def _listed(offenders: list[str], passed: str) -> Verdict:
    if offenders:
        shown = "; ".join(offenders[:MAX_LISTED])
        more = f"; and {len(offenders) - MAX_LISTED} more" if len(offenders) > MAX_LISTED else ""
        count = f"{len(offenders)} request{'s' if len(offenders) > 1 else ''}"
        return Verdict(Outcome.FAIL, f"{count}: {shown}{more}")
    return Verdict(Outcome.PASS, passed)
