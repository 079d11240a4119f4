"""Coded-term constraints of template rows: parameters resolved, codes judged (PS3.16 ch. 6, 7).

A row's Concept Name or Value Set Constraint is a :class:`~rpiq.templates._rules.Spec`; its
``$Parameters`` take the values the including templates bound (``Env``). Resolved, a spec is a
tuple of terms, or ``None`` when unconstrained (an empty cell, or a parameter nobody bound:
PS3.16 6.2.3.1 "If not specified, the value set ... is unconstrained").

How a code is judged against the resolved terms (matching on Code Value + Coding Scheme
Designator only, PS3.16 6.1.8); the first rule that applies wins:

- it *is* one of them: equal to an EV or DT code, a member of a DCID or BCID group (an external
  group such as CID 5000 by its Coding Scheme Designator) → allowed and **identified**;
- a DT or a BCID is among them → allowed (DT and Baseline groups only suggest, ch. 3/6.1.9);
- a DCID group the digest does not transcribe is among them → not decidable, allowed;
- an **Extensible** DCID group is among them → **warning**: PS3.16 7.2.3 lets an application
  extend an Extensible group with terms for new concepts, so a non-member may be such an
  extension, but a reader cannot tell it from a wrong code;
- otherwise (only EV codes and Non-Extensible DCID groups) → **error**.

A legacy SNOMED-RT code (scheme SRT) that the tables list beside an allowed SCT code is a warning,
and so is a language tag under the old designator RFC3066 where CID 5000 says RFC5646.
"""

from __future__ import annotations

from dataclasses import dataclass

from rpiq.domain import Code
from rpiq.templates._cids import CONTEXT_GROUPS, EXTERNAL_GROUPS, LEGACY_SRT
from rpiq.templates._rules import Binding, Severity, Spec, Term

Env = tuple[tuple[str, tuple[Term, ...]], ...]
"""Bound parameters: ``(("$ProblemList", (dcid(6055),)), ...)``, sorted by name."""

LEGACY_SCHEMES = frozenset({"SRT", "SNM3"})
LEGACY_SCHEME_NAMES = {"RFC3066": "RFC5646"}
"""Older designators of an external group's scheme (PS3.17 EE still writes RFC3066, digest §6)."""


@dataclass(frozen=True)
class Verdict:
    """How one code fits a resolved constraint: ``identified`` when the constraint names it;
    ``severity``/``message`` when it is not allowed (or only doubtfully); ``soft`` is a
    matching cost for an allowed but non-suggested code (the validator prefers exact rows)."""

    identified: bool
    severity: Severity | None = None
    message: str = ""
    soft: float = 0.0


ALLOWED = Verdict(False)
IDENTIFIED = Verdict(True)


def lookup(env: Env, name: str) -> tuple[Term, ...] | None:
    for bound, terms in env:
        if bound == name:
            return terms
    return None


def resolve(spec: Spec, env: Env) -> tuple[Term, ...] | None:
    """The terms of ``spec`` with parameters replaced, or ``None`` when unconstrained."""
    terms: list[Term] = []
    for term in spec.terms:
        if term.kind != "PARAM":
            terms.append(term)
            continue
        bound = lookup(env, str(term.param))
        if bound is None:
            bound = resolve(Spec(spec.defaults), ()) if spec.defaults else None
        if bound is None:
            return None
        terms.extend(bound)
    return tuple(terms) or None


def bind(bindings: tuple[Binding, ...], outer: Env) -> Env:
    """The environment of an included template: each ``$param = spec`` resolved in ``outer``."""
    env: dict[str, tuple[Term, ...]] = {}
    for binding in bindings:
        resolved = resolve(binding.spec, outer)
        if resolved is not None:
            env[binding.param] = resolved
    return tuple(sorted(env.items()))


def _names(term: Term, code: Code) -> bool:
    if term.code is not None:
        return (term.code.value, term.code.scheme) == (code.value, code.scheme)
    if term.cid is None:
        return False
    group = CONTEXT_GROUPS.get(term.cid)
    if group is not None:
        return code in group
    external = EXTERNAL_GROUPS.get(term.cid)
    return external is not None and code in external


def _untranscribed(term: Term) -> bool:
    return (
        term.cid is not None and term.cid not in CONTEXT_GROUPS and term.cid not in EXTERNAL_GROUPS
    )


def describe(term: Term) -> str:
    """``EV (…)``, ``DCID 6022 “Side” (Non-Extensible)`` …"""
    if term.code is not None:
        return f"{term.kind} {term.code}"
    group = CONTEXT_GROUPS.get(term.cid or 0)
    if group is not None:
        kind = "Extensible" if group.extensible else "Non-Extensible"
        return f"{term.kind} {term.cid} “{group.name}” ({kind})"
    external = EXTERNAL_GROUPS.get(term.cid or 0)
    if external is not None:
        return f"{term.kind} {term.cid} “{external.name}” (scheme {external.scheme})"
    return str(term)


def judge(
    code: Code, terms: tuple[Term, ...] | None, what: str, *, undecided: float = 0.0
) -> Verdict:
    """The verdict on ``code`` (the ``what``: "concept name", "value", "units") for ``terms``;
    ``undecided`` is the matching cost when only an untranscribed group could admit it."""
    if terms is None:
        return ALLOWED
    if any(_names(term, code) for term in terms):
        return IDENTIFIED
    kinds = {term.kind for term in terms}
    if "BCID" in kinds or "DT" in kinds:
        return Verdict(False, soft=0.1 if "BCID" in kinds else 0.3)
    if any(_untranscribed(term) for term in terms):
        return Verdict(False, soft=undecided)  # a group the digest does not transcribe
    return _not_named(code, terms, what)


def _not_named(code: Code, terms: tuple[Term, ...], what: str) -> Verdict:
    """A code none of ``terms`` (EV codes and DCID groups) names."""
    wanted = " or ".join(describe(term) for term in terms)
    legacy = LEGACY_SRT.get(code.value) if code.scheme in LEGACY_SCHEMES else None
    if legacy is not None and any(_names(term, legacy) for term in terms):
        message = f"{what} {code} is a legacy SNOMED-RT code; PS3.16 2024c uses {legacy}"
        return Verdict(False, "warning", message, soft=0.2)
    renamed = LEGACY_SCHEME_NAMES.get(code.scheme)
    if renamed is not None and any(_names(term, Code(code.value, renamed, "-")) for term in terms):
        message = f"{what} {code} uses the old designator {code.scheme}; {wanted} says {renamed}"
        return Verdict(False, "warning", message, soft=0.2)
    groups = [CONTEXT_GROUPS.get(term.cid or 0) for term in terms if term.kind == "DCID"]
    if any(group is not None and group.extensible for group in groups):
        message = f"{what} {code} is not in {wanted}: allowed only as an extension (PS3.16 7.2.3)"
        return Verdict(False, "warning", message, soft=0.5)
    return Verdict(False, "error", f"{what} {code} is not {wanted}")
