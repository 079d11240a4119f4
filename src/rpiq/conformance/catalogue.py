"""Every check of the battery: its id and what it checks, in report order.

Association-level checks come first (``assoc.*``), then, for each RPI SOP class, the same
list with the class's short name as prefix (``general.*``, ``breast.*``, ``cardiac.*``), then
the checks over every exchange of the run (``wire.*``). When a SOP class is not accepted, each
of its checks is reported SKIP with that reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from rpiq.conformance.standard import ALLOWED_ROOTS, BOGUS_TEMPLATE, REFUSED_TEMPLATES
from rpiq.net.sop_names import SopName

ASSOCIATION_CHECKS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "assoc.connect": "an association is established (Verification and the RPI SOP classes "
        "proposed)",
        "assoc.echo": "C-ECHO answers Success (when Verification is accepted)",
        "assoc.sop-classes": "the SCP accepts at least one RPI SOP class",
    }
)

MATCH_CHECKS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "match.status": "a match for --patient-id: exactly one Pending with an identifier, "
        "then Success (Q.4.2)",
        "match.final-no-data-set": "the final Success carries no data set: Command Data Set "
        "Type 0101H (PS3.7 9.1.2.1.5)",
        "match.return-keys": "the identifier echoes Patient ID / Issuer and returns the "
        "requested Type 1/2 keys (Table Q.4-1)",
        "match.no-extra-attributes": "no attribute that was not requested, bar those Q.2.1.1.3.2 "
        "specifies (Specific Character Set...)",
        "match.root": "Value Type CONTAINER, Concept Name = the root template's first row "
        "(Q.4.3.1.2.1)",
        "match.template-echo": "Content Template Sequence identical to the request's (Q.2.1.1.3.2)",
        "match.validator": "the template validator finds no error in the answer",
    }
)

STATUS_CHECKS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "patient-id.missing": "no Patient ID in the request: A900 (Offending Element "
        "(0010,0020) recommended)",
        "patient-id.empty": "zero-length Patient ID: A900 (Offending Element (0010,0020) "
        "recommended)",
        "patient-id.wildcard": "wild card in Patient ID (Single Value Matching only): A900",
        "no-match": "an unknown Patient ID: a lone Success without data set (Q.4.2)",
        "issuer.empty": "zero-length Issuer of Patient ID: still a match, issuer returned "
        "(Universal Matching, C.2.2.2.3)",
        "duplicate": "--duplicate-id (several patients, no issuer): C100",
        "cancel": "C-CANCEL right after the request: FE00, or a Success that crossed it; the "
        "association still works",
        "concept-name-in-request": "non-empty Concept Name Code Sequence in the request: A900 "
        "(recommended; Q.4.3.1.2.1)",
    }
)

DEFAULT_ROOT_CHECK = (
    "default-root",
    "no Content Template Sequence: the SOP class's default root, echoed in the response",
)

WIRE_CHECKS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "wire.final-no-data-set": "no final response of the whole run carried a data set "
        "(PS3.7 9.1.2.1.5)",
        "wire.pending": "no request got more than one Pending, and each Pending carried an "
        "identifier (Q.2.1)",
        "wire.association-kept": "the SCP kept the association through every request",
    }
)


def root_check(sop: SopName, template_id: str) -> tuple[str, str]:
    if template_id == ALLOWED_ROOTS[sop][0]:
        what = f"TID {template_id} (the default root) is answered, and the answer is valid"
    else:
        what = f"TID {template_id} as root: a valid answer, or C200 (not supported)"
    return f"root.{template_id}", what


def refused_check(template_id: str) -> tuple[str, str]:
    if template_id == BOGUS_TEMPLATE:
        return "reject.bogus", f"TID {template_id} (no such template): C200"
    return f"reject.{template_id}", f"TID {template_id} is not a root of this SOP class: C200"


def sop_checks(sop: SopName) -> list[tuple[str, str]]:
    """``(suffix, what)`` of every check run for ``sop``, in report order."""
    return [
        *MATCH_CHECKS.items(),
        DEFAULT_ROOT_CHECK,
        *(root_check(sop, template_id) for template_id in ALLOWED_ROOTS[sop]),
        *(refused_check(template_id) for template_id in REFUSED_TEMPLATES[sop]),
        *STATUS_CHECKS.items(),
    ]
