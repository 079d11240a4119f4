"""Generate ``rpiq.templates._cids`` and ``rpiq.templates._template_rows`` from the digest.

The way pydicom generates ``_cid_dict.py`` from the standard, this reads the project's
transcription of PS3.16 2024c (``shared/spec/rpi-standard.md``): every context group of §2.9
(members flattened, includes resolved) and every template table of §2.2-2.5 (rows parsed into
the typed data of ``rpiq.templates._rules``). The output is deterministic and already in
``ruff format`` style (``tools/pysource.py``), so the committed files can be compared with a
fresh run (``tests/validate/test_generator.py``).

Usage::

    python tools/generate_templates.py [--spec PATH] [--check]

``--check`` writes nothing and exits 1 when a committed file differs from the generated text.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from pysource import Node, call, dict_of, lit, statement, string, tuple_of

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SPEC = REPO_ROOT.parent / "shared" / "spec" / "rpi-standard.md"
CIDS_PATH = REPO_ROOT / "src" / "rpiq" / "templates" / "_cids.py"
ROWS_PATH = REPO_ROOT / "src" / "rpiq" / "templates" / "_template_rows.py"
EXPECTED_TEMPLATES = frozenset(
    {"9007", "9000", "9001", "9002", "9003", "9004", "9005", "9006", "3802", "3829"}
    | {"3830", "3831", "3114", "4301", "4207", "4201", "1204", "351", "300"}
)

CODE = r'\((?P<value>[^,]+?), (?P<scheme>[A-Za-z0-9_]+), "(?P<meaning>[^"]*)"\)'
_CODE_TERM = re.compile(rf"(?P<kind>EV|DT) {CODE}")
_GROUP_TERM = re.compile(r"(?P<kind>DCID|BCID) (?P<cid>\d+)(?: “[^”]*”)?")
_PARAM_TERM = re.compile(r"\$(?P<param>\w+)")
_SEPARATOR = re.compile(r"\s*,\s*")
_TEMPLATE_HEADING = re.compile(r"^#### [\w.]+ TID (\d+) (.+)$")
_TYPE_LINE = re.compile(r"Type: ([\w-]+); Order: ([\w-]+)")
_PARAMETER_LINE = re.compile(r"^\s+- `(\$\w+)`: (.+)$")
_TABLE_ROW = re.compile(r"^\| (\d+[a-z]?) \|")
_INCLUDE = re.compile(r"^DTID (\d+)")
_BINDING = re.compile(r"^\$?(\w+) = (.+)$")
_CID_HEADING = re.compile(r"^#### CID (\d+) (.+)$")
_CID_HEADER = re.compile(
    r"^\*Type: ([\w-]+) \| Version: (\d+) \| UID: ([\d.]+) \| Keyword: (\w+)\*$"
)
_CID_MEMBER = re.compile(rf"^- `{CODE}`(?: \[legacy SRT (?P<legacy>[^\]]+)\])?$")
_CID_INCLUDE = re.compile(r"^- Include CID (\d+)")
_CID_EXTERNAL = re.compile(r"Coding Scheme Designator \(0008,0102\) shall be (\w+)\.")
_CONDITIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^IFF TID (?P<operand>\d+) is the Root Template"), "root"),
    (re.compile(r"^XOR Rows? (?P<rows>[\w, ]+)$"), "exclusive"),
    (re.compile(rf"^(?P<c>IFF?) (?:value of )?Row (?P<rows>\w+)(?: value)? = {CODE}$"), "equals"),
    (re.compile(r'^(?P<c>IFF?) Row (?P<rows>\w+) value is "(?P<operand>[^"]+)"$'), "meaning"),
    (
        re.compile(
            r"^(?:Shall be present )?(?P<c>IFF?) value of Row (?P<rows>\w+) is > "
            r"(?P<operand>\d+(?:\.\d+)?)$"
        ),
        "greater",
    ),
)


class SpecError(ValueError):
    """The digest does not have the expected form."""


# --- the parsed form (printed as calls of rpiq.templates._rules constructors) -------------------


@dataclass(frozen=True)
class Code:
    value: str
    scheme: str
    meaning: str


@dataclass(frozen=True)
class Term:
    kind: str
    code: Code | None = None
    cid: int | None = None
    param: str | None = None


@dataclass
class Spec:
    terms: list[Term] = field(default_factory=list)
    units: bool = False
    defaults: list[Term] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Condition:
    text: str
    connective: str
    test: str
    rows: tuple[str, ...] = ()
    code: Code | None = None
    operand: str | None = None


@dataclass
class Row:
    row: str
    level: int
    relationship: str
    value_type: str
    requirement: str
    vm_min: int
    vm_max: int | None
    concept: Spec
    condition: Condition | None
    value_set: Spec
    include: str | None = None
    bindings: list[tuple[str, Spec]] = field(default_factory=list)


@dataclass
class Template:
    tid: str
    name: str
    extensible: bool = True
    order_significant: bool = True
    declared: bool = False
    parameters: list[tuple[str, str]] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)


@dataclass
class Group:
    cid: int
    name: str
    extensible: bool = True
    version: str = ""
    uid: str = ""
    keyword: str = ""
    external_scheme: str | None = None
    entries: list[Code | int] = field(default_factory=list)
    legacy: dict[str, Code] = field(default_factory=dict)


# --- reading the digest ------------------------------------------------------------------------


def section(lines: list[str], start: str, stop: str) -> list[str]:
    """The lines from the heading starting with ``start`` up to the one starting with ``stop``."""
    begin = next((i for i, line in enumerate(lines) if line.startswith(start)), None)
    if begin is None:
        raise SpecError(f"no section {start!r}")
    end = next((i for i in range(begin + 1, len(lines)) if lines[i].startswith(stop)), len(lines))
    return lines[begin:end]


def split_top(text: str, separator: str = ";") -> list[str]:
    """``text`` split on ``separator`` outside quotes (straight or curly)."""
    parts: list[str] = []
    current: list[str] = []
    closing = ""
    for char in text:
        if closing:
            closing = "" if char == closing else closing
        elif char in '"“':
            closing = '"' if char == '"' else "”"
        elif char == separator:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return [part.strip().rstrip(",").strip() for part in parts if part.strip()]


def code_of(match: re.Match[str]) -> Code:
    return Code(match["value"].strip(), match["scheme"], match["meaning"])


def parse_terms(text: str) -> list[Term] | None:
    """A comma-separated list of EV/DT/DCID/BCID/$Param references, or None if ``text`` is not."""
    terms: list[Term] = []
    position = 0
    while position < len(text):
        term, position = _one_term(text, position)
        if term is None:
            return None
        terms.append(term)
        separator = _SEPARATOR.match(text, position)
        if separator is not None:
            position = separator.end()
    return terms


def _one_term(text: str, position: int) -> tuple[Term | None, int]:
    if match := _CODE_TERM.match(text, position):
        return Term(match["kind"], code=code_of(match)), match.end()
    if match := _GROUP_TERM.match(text, position):
        return Term(match["kind"], cid=int(match["cid"])), match.end()
    if match := _PARAM_TERM.match(text, position):
        return Term("PARAM", param=f"${match['param']}"), match.end()
    return None, position


def parse_spec(cell: str) -> Spec:
    """A Concept Name or Value Set Constraint cell (not of an INCLUDE row)."""
    spec = Spec()
    for part in split_top(cell):
        text = part
        if text.startswith("UNITS = "):
            spec.units = True
            text = text.removeprefix("UNITS = ")
        if text.startswith("Defaults to "):
            defaults = parse_terms(text.removeprefix("Defaults to "))
            if defaults is None:
                raise SpecError(f"unreadable default: {text!r}")
            spec.defaults.extend(defaults)
            continue
        terms = parse_terms(text)
        if terms is None:
            spec.notes.append(text)
        else:
            spec.terms.extend(terms)
    return spec


def parse_bindings(cell: str) -> list[tuple[str, Spec]]:
    """The ``$Param = ...`` bindings of an INCLUDE row (a "Defaults to" joins the one before)."""
    bindings: list[tuple[str, Spec]] = []
    for part in split_top(cell):
        if part.startswith("Defaults to ") and bindings:
            bindings[-1][1].defaults.extend(parse_spec(part).defaults)
            continue
        match = _BINDING.match(part)
        if match is None:
            raise SpecError(f"unreadable parameter binding: {part!r}")
        bindings.append((f"${match[1]}", parse_spec(match[2])))
    return bindings


def parse_condition(text: str) -> Condition | None:
    if not text:
        return None
    for pattern, test in _CONDITIONS:
        match = pattern.match(text)
        if match is None:
            continue
        groups = match.groupdict()
        rows = tuple(r for r in re.split(r"[, ]+", groups.get("rows") or "") if r)
        connective = groups.get("c") or ("XOR" if test == "exclusive" else "IFF")
        code = code_of(match) if test == "equals" else None
        return Condition(text, connective, test, rows, code, groups.get("operand"))
    first = text.split(maxsplit=1)[0]
    return Condition(text, first if first in ("IF", "IFF", "XOR") else "", "undecidable")


def parse_vm(text: str) -> tuple[int, int | None]:
    low, _, high = text.partition("-")
    return int(low), (None if high == "n" else int(high or low))


def parse_row(line: str) -> Row:
    cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
    if len(cells) != 9:
        raise SpecError(f"a template row needs 9 cells: {line!r}")
    number, nesting, relationship, value_type, concept, vm, requirement, condition, values = cells
    vm_min, vm_max = parse_vm(vm)
    row = Row(
        number,
        nesting.count(">"),
        relationship,
        value_type,
        requirement,
        vm_min,
        vm_max,
        Spec(),
        parse_condition(condition),
        Spec(),
    )
    if value_type == "INCLUDE":
        include = _INCLUDE.match(concept)
        if include is None:
            raise SpecError(f"INCLUDE row without DTID: {line!r}")
        row.include = include[1]
        row.bindings = parse_bindings(values)
    else:
        row.concept = parse_spec(concept)
        row.value_set = parse_spec(values)
    return row


def parse_templates(lines: list[str]) -> list[Template]:
    templates: list[Template] = []
    for line in lines:
        if heading := _TEMPLATE_HEADING.match(line):
            name = re.sub(r"\s*\([^)]*\)", "", heading[2]).strip()
            templates.append(Template(heading[1], name))
        elif not templates:
            continue
        elif kind := _TYPE_LINE.match(line):
            templates[-1].extensible = kind[1] == "Extensible"
            templates[-1].order_significant = kind[2] == "Significant"
            templates[-1].declared = True
        elif parameter := _PARAMETER_LINE.match(line):
            templates[-1].parameters.append((parameter[1], parameter[2].strip()))
        elif _TABLE_ROW.match(line):
            templates[-1].rows.append(parse_row(line))
    found = {template.tid for template in templates}
    if found != EXPECTED_TEMPLATES:
        raise SpecError(f"templates found {sorted(found)}, expected {sorted(EXPECTED_TEMPLATES)}")
    return templates


def parse_groups(lines: list[str]) -> list[Group]:
    groups: list[Group] = []
    for line in lines:
        if heading := _CID_HEADING.match(line):
            groups.append(Group(int(heading[1]), heading[2].strip()))
        elif not groups:
            continue
        elif header := _CID_HEADER.match(line):
            group = groups[-1]
            group.extensible = header[1] == "Extensible"
            group.version, group.uid, group.keyword = header[2], header[3], header[4]
        elif member := _CID_MEMBER.match(line):
            code = code_of(member)
            groups[-1].entries.append(code)
            if member["legacy"]:
                groups[-1].legacy[member["legacy"]] = code
        elif include := _CID_INCLUDE.match(line):
            groups[-1].entries.append(int(include[1]))
        elif external := _CID_EXTERNAL.search(line):
            groups[-1].external_scheme = external[1]
    for group in groups:
        if group.external_scheme is None and not group.uid:
            raise SpecError(f"CID {group.cid} has no Type/Version/UID line")
    return groups


def flatten(cid: int, by_cid: dict[int, Group], seen: tuple[int, ...] = ()) -> list[Code]:
    """The members of ``cid`` with includes resolved in place (transitive closure, ch. 7.2.1)."""
    if cid not in by_cid:
        raise SpecError(f"CID {seen[-1] if seen else cid} includes CID {cid}, not in the digest")
    members: list[Code] = []
    for entry in by_cid[cid].entries:
        if isinstance(entry, int):
            if entry not in seen:
                members.extend(flatten(entry, by_cid, (*seen, cid)))
        else:
            members.append(entry)
    return list(dict.fromkeys(members))


def legacy_codes(groups: list[Group]) -> dict[str, Code]:
    """Legacy SNOMED-RT identifier → the SCT code it was replaced by (first mention wins)."""
    mapping: dict[str, Code] = {}
    for group in groups:
        for legacy, code in group.legacy.items():
            known = mapping.setdefault(legacy, code)
            if (known.value, known.scheme) != (code.value, code.scheme):
                raise SpecError(f"legacy SRT {legacy} maps to {known} and {code}")
    return dict(sorted(mapping.items()))


# --- the two modules ---------------------------------------------------------------------------

HEADER = (
    "Generated by tools/generate_templates.py from ``shared/spec/rpi-standard.md``; do not edit."
)


def code_node(code: Code, function: str = "Code") -> Node:
    return call(function, string(code.value), string(code.scheme), string(code.meaning))


def term_node(term: Term) -> Node:
    if term.code is not None:
        return code_node(term.code, term.kind.lower())
    if term.cid is not None:
        return call(term.kind.lower(), lit(str(term.cid)))
    return call("param", string(str(term.param)))


def spec_node(spec: Spec) -> Node:
    kwargs: dict[str, Node] = {}
    if spec.units:
        kwargs["units"] = lit("True")
    if spec.defaults:
        kwargs["defaults"] = tuple_of(*(term_node(term) for term in spec.defaults))
    if spec.notes:
        kwargs["note"] = string("; ".join(spec.notes))
    return call("Spec", tuple_of(*(term_node(term) for term in spec.terms)), **kwargs)


def condition_node(condition: Condition) -> Node:
    kwargs: dict[str, Node] = {}
    if condition.rows:
        kwargs["rows"] = tuple_of(*(string(row) for row in condition.rows))
    if condition.code is not None:
        kwargs["code"] = code_node(condition.code)
    if condition.operand is not None:
        kwargs["operand"] = string(condition.operand)
    return call(
        "Condition",
        string(condition.text),
        string(condition.connective),
        string(condition.test),
        **kwargs,
    )


def row_node(row: Row) -> Node:
    kwargs: dict[str, Node] = {}
    if (row.vm_min, row.vm_max) != (1, 1):
        kwargs["vm_min"] = lit(str(row.vm_min))
        kwargs["vm_max"] = lit(str(row.vm_max))
    if row.concept.terms or row.concept.notes:
        kwargs["concept"] = spec_node(row.concept)
    if row.condition is not None:
        kwargs["condition"] = condition_node(row.condition)
    if row.value_set.terms or row.value_set.notes or row.value_set.defaults:
        kwargs["value_set"] = spec_node(row.value_set)
    if row.include is not None:
        kwargs["include"] = string(row.include)
    if row.bindings:
        kwargs["bindings"] = tuple_of(
            *(call("Binding", string(name), spec_node(spec)) for name, spec in row.bindings)
        )
    return call(
        "Row",
        string(row.row),
        lit(str(row.level)),
        string(row.relationship),
        string(row.value_type),
        string(row.requirement),
        **kwargs,
    )


def template_node(template: Template) -> Node:
    kwargs: dict[str, Node] = {}
    if template.parameters:
        kwargs["parameters"] = tuple_of(
            *(call("Parameter", string(name), string(usage)) for name, usage in template.parameters)
        )
    if not template.declared:
        kwargs["declared"] = lit("False")
    return call(
        "TemplateTable",
        string(template.tid),
        string(template.name),
        extensible=lit(str(template.extensible)),
        order_significant=lit(str(template.order_significant)),
        rows=tuple_of(*(row_node(row) for row in template.rows)),
        **kwargs,
    )


ROWS_PREAMBLE = f'''"""PS3.16 2024c template tables of the RPI templates (digest §2.2-2.5), parsed.

Every row of the RPI root templates and of the templates they include, as typed data of
``rpiq.templates._rules``. Templates the digest gives without a Type/Order line carry
``declared=False`` (Extensible and Order Significant assumed).

{HEADER}
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from rpiq.domain import Code
from rpiq.templates._rules import (
    Binding,
    Condition,
    Parameter,
    Row,
    Spec,
    TemplateTable,
    bcid,
    dcid,
    dt,
    ev,
    param,
)
'''

CIDS_PREAMBLE = f'''"""PS3.16 2024c context groups of the RPI templates (digest §2.9), flattened.

``CID_<n>`` is the group with its includes resolved (PS3.16 ch. 7.2.1) and its header
(Extensible or not, version, UID, keyword). Codes, schemes and meanings are exactly the
standard's. ``EXTERNAL_CID_<n>`` are the groups an external coding scheme defines (CID 5000
Language, 5001 Country). ``CONTEXT_GROUPS`` and ``EXTERNAL_GROUPS`` index them by CID;
``LEGACY_SRT`` maps the legacy SNOMED-RT identifiers the tables list to their SCT codes.

{HEADER}
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from rpiq.domain import Code
from rpiq.templates._rules import ExternalGroup
from rpiq.templates._valueset import ContextGroup
'''


def rows_module(templates: list[Template]) -> str:
    """The text of ``_template_rows.py``."""
    parts = [ROWS_PREAMBLE]
    for template in templates:
        parts.append("\n" + statement(f"TID_{template.tid}: Final", template_node(template)))
    table = dict_of(*((string(t.tid), lit(f"TID_{t.tid}")) for t in templates))
    parts.append("\n" + statement("_TEMPLATES: dict[str, TemplateTable]", table))
    parts.append(
        "TEMPLATES: Final[Mapping[str, TemplateTable]] = MappingProxyType(_TEMPLATES)\n"
        '"""Every template table by Template Identifier (``"9007"``)."""\n'
    )
    return "".join(parts)


def group_node(group: Group, members: list[Code]) -> Node:
    included = [lit(str(entry)) for entry in group.entries if isinstance(entry, int)]
    includes = {"includes": tuple_of(*included)} if included else {}
    return call(
        "ContextGroup",
        lit(str(group.cid)),
        string(group.name),
        tuple_of(*(code_node(code) for code in members)),
        extensible=lit(str(group.extensible)),
        version=string(group.version),
        uid=string(group.uid),
        keyword=string(group.keyword),
        **includes,
    )


def cids_module(groups: list[Group]) -> str:
    """The text of ``_cids.py``."""
    by_cid = {group.cid: group for group in groups}
    parts = [CIDS_PREAMBLE]
    for group in groups:
        if group.external_scheme is not None:
            node = call(
                "ExternalGroup",
                lit(str(group.cid)),
                string(group.name),
                string(group.external_scheme),
            )
            parts.append("\n" + statement(f"EXTERNAL_CID_{group.cid}: Final", node))
        else:
            node = group_node(group, flatten(group.cid, by_cid))
            parts.append("\n" + statement(f"CID_{group.cid}: Final", node))
    internal = [group for group in groups if group.external_scheme is None]
    externals = [group for group in groups if group.external_scheme is not None]
    parts.append(_index("CONTEXT_GROUPS", "ContextGroup", "CID_", internal))
    parts.append(_index("EXTERNAL_GROUPS", "ExternalGroup", "EXTERNAL_CID_", externals))
    legacy = dict_of(*((string(k), code_node(v)) for k, v in legacy_codes(groups).items()))
    parts.append("\n" + statement("_LEGACY_SRT: dict[str, Code]", legacy))
    parts.append("LEGACY_SRT: Final[Mapping[str, Code]] = MappingProxyType(_LEGACY_SRT)\n")
    return "".join(parts)


def _index(name: str, kind: str, prefix: str, groups: list[Group]) -> str:
    table = dict_of(*((lit(str(g.cid)), lit(f"{prefix}{g.cid}")) for g in groups))
    return (
        "\n"
        + statement(f"_{name}: dict[int, {kind}]", table)
        + f"{name}: Final[Mapping[int, {kind}]] = MappingProxyType(_{name})\n"
    )


def generate(spec: Path) -> dict[Path, str]:
    """The generated text of each output file, from the digest at ``spec``."""
    lines = spec.read_text(encoding="utf-8").splitlines()
    templates = parse_templates(section(lines, "### 2.2 ", "### 2.7 "))
    groups = parse_groups(section(lines, "### 2.9 ", "## 3."))
    return {CIDS_PATH: cids_module(groups), ROWS_PATH: rows_module(templates)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help="the digest markdown")
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 on drift")
    args = parser.parse_args(argv)
    outputs = generate(args.spec)
    stale = [p for p, text in outputs.items() if not p.is_file() or p.read_text("utf-8") != text]
    for path in stale:
        print(f"{'differs' if args.check else 'writing'}: {path.relative_to(REPO_ROOT)}")
        if not args.check:
            path.write_text(outputs[path], encoding="utf-8")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
