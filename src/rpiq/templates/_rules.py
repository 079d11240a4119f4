"""Typed data for PS3.16 template tables (the rows ``_template_rows.py`` is generated into).

Each field keeps one column of a template table (PS3.16 ch. 6.1) in a parsed form:

- a **Term** is one reference to codes: ``EV``/``DT`` (a coded term), ``DCID``/``BCID`` (a context
  group) or ``PARAM`` (a ``$Parameter`` of the template, bound by the including template);
- a **Spec** is one cell made of terms: the Concept Name column, the Value Set Constraint column
  (``units=True`` when it is a ``UNITS = ...`` constraint of a NUM row, ch. 6.1.9.1), or the value
  of one parameter binding of an INCLUDE row (``$Param = ...``). ``defaults`` holds a "Defaults
  to ..." clause; ``note`` keeps text that is not a code reference (e.g. "The unit of measure
  shall be quantity per unit of time");
- a **Condition** is the Condition column: the verbatim text, its connective (IF / IFF / XOR)
  and, where the text is decidable from a content tree, what it tests;
- a **Row** is one table row; an INCLUDE row names the included template (``include``) and its
  parameter ``bindings``;
- a **TemplateTable** is one template: type (Extensible or not), order significance, parameters
  and rows;
- a **Finding** is what the validator reports about one content item.

Plain frozen data; nothing here knows how to validate (see ``rpiq.templates.validate``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rpiq.domain import Code

Severity = Literal["error", "warning"]
TermKind = Literal["EV", "DT", "DCID", "BCID", "PARAM"]
Requirement = Literal["M", "MC", "U", "UC"]
Connective = Literal["IF", "IFF", "XOR", ""]
ConditionTest = Literal["equals", "meaning", "greater", "root", "exclusive", "undecidable"]


@dataclass(frozen=True)
class Finding:
    """One problem of a content tree: the item's ``path`` (``"1.3.2"``; ``"1"`` is the root),
    the template ``row`` it was checked against (``"TID 9003 row 7"``; ``""`` when none),
    ``severity`` and a readable ``message``."""

    path: str
    row: str
    severity: Severity
    message: str

    def __str__(self) -> str:
        return f"{self.path}  {self.row or '-'}  {self.severity}  {self.message}"


@dataclass(frozen=True)
class Term:
    """One code reference: a coded term (EV/DT), a context group (DCID/BCID) or a $Parameter."""

    kind: TermKind
    code: Code | None = None
    cid: int | None = None
    param: str | None = None

    def __str__(self) -> str:
        if self.code is not None:
            return f"{self.kind} {self.code}"
        if self.cid is not None:
            return f"{self.kind} {self.cid}"
        return str(self.param)


def ev(value: str, scheme: str, meaning: str) -> Term:
    """``EV (value, scheme, "meaning")``: this code exactly (an Enumerated Value)."""
    return Term("EV", code=Code(value, scheme, meaning))


def dt(value: str, scheme: str, meaning: str) -> Term:
    """``DT (value, scheme, "meaning")``: the suggested code; others may be used."""
    return Term("DT", code=Code(value, scheme, meaning))


def dcid(cid: int) -> Term:
    """``DCID n``: a member of Defined Context Group n (PS3.16 ch. 6.1.9)."""
    return Term("DCID", cid=cid)


def bcid(cid: int) -> Term:
    """``BCID n``: Baseline Context Group n, a suggestion; any code may be used."""
    return Term("BCID", cid=cid)


def param(name: str) -> Term:
    """``$Name``: the value the including template binds to this parameter."""
    return Term("PARAM", param=name)


@dataclass(frozen=True)
class Spec:
    """One cell of code references; ``terms`` are alternatives (any one of them applies)."""

    terms: tuple[Term, ...] = ()
    units: bool = False
    defaults: tuple[Term, ...] = ()
    note: str = ""

    def __str__(self) -> str:
        text = "; ".join(str(term) for term in self.terms)
        return f"UNITS = {text}" if self.units else text


EMPTY: Spec = Spec()


@dataclass(frozen=True)
class Binding:
    """``$param = spec`` in the Value Set Constraint column of an INCLUDE row (ch. 6.2.3.1)."""

    param: str
    spec: Spec


@dataclass(frozen=True)
class Condition:
    """The Condition column, verbatim in ``text``, with its decidable reading.

    ``test``: ``equals`` (the value of ``rows[0]`` is ``code``), ``meaning`` (its Code Meaning is
    ``operand``), ``greater`` (its numeric value is greater than ``operand``), ``root`` (template
    ``operand`` is the root template of the query), ``exclusive`` (XOR with ``rows``), or
    ``undecidable`` (needs knowledge the content tree does not carry).
    """

    text: str
    connective: Connective
    test: ConditionTest
    rows: tuple[str, ...] = ()
    code: Code | None = None
    operand: str | None = None


@dataclass(frozen=True)
class Row:
    """One row of a template table (PS3.16 ch. 6.1): ``level`` is the count of ``>``."""

    row: str
    level: int
    relationship: str
    value_type: str
    requirement: Requirement
    vm_min: int = 1
    vm_max: int | None = 1
    concept: Spec = EMPTY
    condition: Condition | None = None
    value_set: Spec = EMPTY
    include: str | None = None
    bindings: tuple[Binding, ...] = ()


@dataclass(frozen=True)
class Parameter:
    """A template parameter and its usage text (ch. 6.2.3.1)."""

    name: str
    usage: str


@dataclass(frozen=True)
class TemplateTable:
    """One PS3.16 template; ``declared`` is False when the digest gives no Type/Order line (the
    defaults Extensible / Significant are then assumed)."""

    tid: str
    name: str
    extensible: bool
    order_significant: bool
    rows: tuple[Row, ...]
    parameters: tuple[Parameter, ...] = ()
    declared: bool = True

    def label(self, row: str) -> str:
        """``"TID 9003 row 7"``."""
        return f"TID {self.tid} row {row}"


@dataclass(frozen=True)
class ExternalGroup:
    """A context group defined by reference to an external coding scheme (e.g. CID 5000
    Language: the language tags of RFC 5646); a code is a member when its scheme is ``scheme``."""

    cid: int
    name: str
    scheme: str

    def canonical(self, code: Code) -> Code | None:
        return code if code.scheme == self.scheme else None

    def __contains__(self, code: object) -> bool:
        return isinstance(code, Code) and code.scheme == self.scheme
