"""Validate a content tree against the PS3.16 template tables (``_template_rows``).

``validate(root, template_id)`` returns :class:`Finding` s: the item's path (``"1"`` is the
root, ``"1.3.2"`` the second child of its third child), the template row (``"TID 9003 row 7"``),
``error`` or ``warning``, and a message. An empty list means the tree conforms as far as the
tree can tell.

How the rows are matched (PS3.16 ch. 6):

- a template's rows form a tree by nesting level; an INCLUDE row stands for the included
  template's row 1 with the parameters it binds (``_rules_slots``);
- the children of an item are matched against the rows one level below its row, **in table
  order** (Order Significant): a least-cost alignment in which a child fills a row, or is left
  over. What identifies a row weighs most: its concept name (a child whose concept name the row
  rules out is left over, unless the row is M and would be missing: then it is that row's item
  with a wrong concept name), then value type, relationship and value; findings deeper down
  only break ties. A tree is valid when *some* alignment is: a Diabetes concern fits TID 3802
  row 5 (DCID 3756) as well as row 6;
- a left-over child whose concept name a row names (EV/DT code, member of the group) is an
  error: it comes **out of order**, or exceeds the row's VM (PS3.16 6.2.5 forbids encoding a
  template's concept as an extension). Any other left-over child is an extension: a
  **warning** in an Extensible template, an **error** in a Non-Extensible one (TID 1204),
  nothing for HAS CONCEPT MOD (post-coordination is always allowed, 6.2.4) or where a template
  the digest does not transcribe is included (TID 300's TID 320, TID 4301's TID 1700 ...);
- per row: M rows present (VM minimum), relationship, value type, concept name, CODE values and
  NUM units (for a NUM row every Value Set Constraint term is a units constraint, ch. 6.1.9.1)
  against EV codes and context groups (``_rules_codes``: an Extensible group's non-member is a
  warning, a Non-Extensible group's an error, DT and BCID allow any code, a group the digest
  does not transcribe is not decided), and the encoding rules every item obeys
  (``_rules_encoding``);
- conditions, where the tree decides them: ``IF``/``IFF`` on another row's value (equal to a
  code, a Code Meaning, a number greater than), ``IFF TID n is the Root Template`` (``as_root``),
  and ``XOR``. For an **MC** row a true condition makes the row mandatory; ``IFF`` false forbids
  it. A **UC** row may be present only when its condition is true (ch. 6.1.7). ``XOR`` ("one and
  only one row shall be selected", 6.1.8) forbids two of its rows together, and for MC rows
  requires one; for UC rows none is allowed (they are user options). A condition on a row with
  no item is false ("an unconstrained value in a Condition will cause the condition to fail",
  6.2.3.1). Other conditions (e.g. "IF Service Performer is a person") are not decided.

``Content Template Sequence`` on a nested CONTAINER must name the template whose row 1 it is;
its absence there is a warning (PS3.3 C.18.8; the PS3.17 example omits it).
"""

from __future__ import annotations

from dataclasses import dataclass

from rpiq.templates._rules import Condition, Finding, Severity
from rpiq.templates._rules_codes import judge, resolve
from rpiq.templates._rules_encoding import item_findings, tree_findings
from rpiq.templates._rules_slots import Children, Slot, SlotCache, root_slot
from rpiq.templates._template_rows import TEMPLATES
from rpiq.templates.content import ContentItem, RelationshipType, ValueType

__all__ = ["Finding", "Severity", "validate"]

EXTRA = 2.5
"""Cost of leaving a child unmatched (an extension). A child whose concept name the row rules
out (cost 3) is an extension, unless the row is mandatory and would be missing (``MISSING``):
then it is the row's item with a wrong concept name. A wrong value type (2) or relationship (1)
or value (1) alone keeps the child in the row its concept name identifies."""
MISSING = 1.0
NESTED = 0.01
"""Findings inside a child weigh little in choosing its row (they only break ties)."""
WEIGHTS = {"relationship": 1.0, "value type": 2.0, "concept name": 3.0, "value": 1.0}
UNDECIDED = 1.6
"""Cost of a concept name only an untranscribed context group could admit (e.g. TID 3114 row 6,
DCID 3526): the row is possible, but with any other fault the item is rather an extension."""

Ancestors = tuple[tuple[Slot, ContentItem], ...]
State = tuple[int, int, int]
"""(children consumed, current slot, whether the current slot holds an item)"""
Table = dict[State, tuple[float, State | None, int | None]]
"""state → (least cost, previous state, slot the last child went to)"""


@dataclass(frozen=True)
class Fit:
    """The findings of one item in one slot, and their cost (lower is a better match)."""

    cost: float
    findings: tuple[Finding, ...]


def validate(root: ContentItem, template_id: str, as_root: bool = True) -> list[Finding]:
    """Everything in ``root``'s tree that breaks template ``template_id`` (``"9007"``).

    ``as_root``: ``root`` is the response root (the C-FIND identifier), so it has no
    Relationship Type and conditions such as "IFF TID 9007 is the Root Template" hold.
    """
    template = TEMPLATES.get(template_id)
    if template is None:
        known = ", ".join(sorted(TEMPLATES))
        message = f"TID {template_id} is not a template the validator knows ({known})"
        return [Finding("1", "", "error", message)]
    checker = _Validator(template_id, as_root)
    slot = root_slot(template, as_root=as_root)
    findings = list(checker.fit(root, slot, "1", ()).findings)
    if as_root and root.template_id not in (None, template_id):
        message = f"Content Template Sequence names TID {root.template_id}, not {template_id}"
        findings.append(Finding("1", slot.label, "error", message))
    if as_root and not root.children:
        findings = _nothing_known(findings, slot.label)
    return _ordered(findings)


def _nothing_known(findings: list[Finding], label: str) -> list[Finding]:
    """A response root with a zero-length Content Sequence says "nothing of this kind is
    known": PS3.4 Table Q.4-1 makes Content Sequence a Type 2 return key, so the template's
    mandatory child rows are not errors then; one warning records the empty answer."""
    kept = [f for f in findings if not (f.path == "1" and f.message.startswith("missing "))]
    if len(kept) == len(findings):
        return findings
    message = "zero-length Content Sequence: nothing known (PS3.4 Table Q.4-1, Type 2)"
    return [*kept, Finding("1", label, "warning", message)]


def _ordered(findings: list[Finding]) -> list[Finding]:
    unique = list(dict.fromkeys(findings))
    return sorted(unique, key=lambda f: tuple(int(part) for part in f.path.split(".")))


class _Validator:
    """One validation run: slot expansions and item fits are computed once."""

    def __init__(self, template_id: str, as_root: bool) -> None:
        self.template_id = template_id
        self.as_root = as_root
        self.slots = SlotCache()
        self.fits: dict[tuple[str, int], Fit] = {}
        self.heads: dict[tuple[str, int], list[tuple[Finding | None, float]]] = {}

    # --- one item in one slot ----------------------------------------------------------------

    def fit(self, item: ContentItem, slot: Slot, path: str, ancestors: Ancestors) -> Fit:
        key = (path, id(slot))
        known = self.fits.get(key)
        if known is None:
            known = self._fit(item, slot, path, ancestors)
            self.fits[key] = known
        return known

    def _fit(self, item: ContentItem, slot: Slot, path: str, ancestors: Ancestors) -> Fit:
        weighted = self.head(item, slot, path)
        is_root = self.as_root and path == "1"
        encoding = item_findings(item, path, slot.label, is_root=is_root)
        children = self.match(item, slot, path, (*ancestors, (slot, item)))
        cost = sum(weight for _, weight in weighted) + NESTED * children.cost
        found = [finding for finding, _ in weighted if finding is not None]
        return Fit(cost, (*found, *encoding, *children.findings))

    def head(self, item: ContentItem, slot: Slot, path: str) -> list[tuple[Finding | None, float]]:
        """The weighted findings of ``item`` itself in ``slot`` (children not looked at)."""
        key = (path, id(slot))
        known = self.heads.get(key)
        if known is None:
            known = self._row_findings(item, slot, path)
            self.heads[key] = known
        return known

    def _row_findings(
        self, item: ContentItem, slot: Slot, path: str
    ) -> list[tuple[Finding | None, float]]:
        """(finding or None, cost) for relationship, value type, concept, value, template."""
        row, label = slot.row, slot.label
        found: list[tuple[Finding | None, float]] = []

        def add(severity: Severity | None, what: str, message: str, soft: float = 0.0) -> None:
            weight = WEIGHTS.get(what, 1.0) if severity == "error" else soft
            finding = Finding(path, label, severity, message) if severity is not None else None
            found.append((finding, weight))

        expected = slot.relationship
        actual = item.relationship.value if item.relationship is not None else None
        if expected and actual is not None and actual != expected:
            add("error", "relationship", f"Relationship Type {actual}, expected {expected}")
        if item.value_type.value != row.value_type:
            add("error", "value type", f"Value Type {item.value_type}, expected {row.value_type}")
        concept_terms = resolve(row.concept, slot.env)
        if item.concept_name is None:
            if concept_terms is not None:
                add("error", "concept name", f"no concept name; expected {row.concept}")
        else:
            verdict = judge(item.concept_name, concept_terms, "concept name", undecided=UNDECIDED)
            add(verdict.severity, "concept name", verdict.message, verdict.soft)
        value = item.code_value if row.value_type == "CODE" else None
        if row.value_type == "NUM" and item.numeric is not None:
            value = item.numeric.units
        if value is not None:
            what = "units" if row.value_type == "NUM" else "value"
            verdict = judge(value, resolve(row.value_set, slot.env), what)
            add(verdict.severity, "value", verdict.message, verdict.soft)
        if item.value_type is ValueType.CONTAINER and path != "1":
            found += self._template_findings(item, slot, path)
        return found

    def _template_findings(
        self, item: ContentItem, slot: Slot, path: str
    ) -> list[tuple[Finding | None, float]]:
        tid = slot.template.tid
        if item.template_id is None:
            if slot.is_template_root:
                message = f"no Content Template Sequence (DCMR, {tid}) on TID {tid}'s container"
                return [(Finding(path, slot.label, "warning", message), 0.1)]
            return []
        if slot.is_template_root and item.template_id == tid:
            return []
        message = f"Content Template Sequence names TID {item.template_id}; this is {slot.label}"
        return [(Finding(path, slot.label, "error", message), 1.0)]

    def identifies(self, item: ContentItem, slot: Slot) -> bool:
        """Whether ``slot``'s concept name constraint names ``item``'s concept name (an EV or DT
        code, a member of a transcribed group): only then is a left-over item taken for a
        misplaced or repeated row rather than an extension."""
        if item.concept_name is None:
            return False
        terms = resolve(slot.row.concept, slot.env)
        return terms is not None and judge(item.concept_name, terms, "").identified

    def compatible(self, item: ContentItem, slot: Slot) -> bool:
        """Whether ``item`` may be meant for ``slot``: same value type, or a concept name the
        row names (a wrong value type is then reported there)."""
        return item.value_type.value == slot.row.value_type or self.identifies(item, slot)

    # --- the children of an item ---------------------------------------------------------------

    def match(self, item: ContentItem, slot: Slot, path: str, ancestors: Ancestors) -> Fit:
        """The children of ``item`` (in ``slot``) matched against the rows below ``slot``."""
        below = self.slots.of(slot)
        kids = [(f"{path}.{n}", child) for n, child in enumerate(item.children, start=1)]
        if below.order_significant:
            cost, chosen = self._align(kids, below.slots, ancestors)
        else:
            cost, chosen = self._greedy(kids, below.slots, ancestors)
        findings: list[Finding] = []
        for (kid_path, kid), index in zip(kids, chosen, strict=True):
            if index is not None:
                findings += self.fit(kid, below.slots[index], kid_path, ancestors).findings
        findings += self._leftovers(kids, chosen, below, ancestors)
        presence = _Presence(
            self, below=below, kids=kids, chosen=chosen, path=path, ancestors=ancestors
        ).findings()
        return Fit(cost + len(presence), (*findings, *presence))

    def _cost(self, kid: tuple[str, ContentItem], slot: Slot, ancestors: Ancestors) -> float:
        """The cost of ``kid`` in ``slot``; infinite when it can never be chosen there (its own
        findings alone cost more than leaving it over and, for an M row, the row missing)."""
        path, item = kid
        if not self.compatible(item, slot):
            return float("inf")
        bound = EXTRA + (MISSING if slot.requirement == "M" else 0.0)
        if sum(weight for _, weight in self.head(item, slot, path)) >= bound:
            return float("inf")
        return self.fit(item, slot, path, ancestors).cost

    def _align(
        self, kids: list[tuple[str, ContentItem]], slots: tuple[Slot, ...], ancestors: Ancestors
    ) -> tuple[float, list[int | None]]:
        """Least-cost assignment of children to slots in table order (a child may be left over,
        a slot used up to its VM); returns the cost and each child's slot index or None."""
        m, k = len(kids), len(slots)
        inf = float("inf")
        best: Table = {(0, 0, 0): (0.0, None, None)}

        def relax(state: State, cost: float, prev: State, slot: int | None) -> None:
            if cost < best.get(state, (inf, None, None))[0]:
                best[state] = (cost, prev, slot)

        for i in range(m + 1):
            for j in range(k + 1):
                for used in (0, 1):
                    state = (i, j, used)
                    if state not in best:
                        continue
                    cost = best[state][0]
                    if j < k:
                        missing = MISSING if used == 0 and slots[j].requirement == "M" else 0.0
                        relax((i, j + 1, 0), cost + missing, state, None)
                    if i == m:
                        continue
                    relax((i + 1, j, used), cost + EXTRA, state, None)
                    if j < k and (used == 0 or slots[j].vm_max is None):
                        fit = self._cost(kids[i], slots[j], ancestors)
                        if fit < inf:
                            relax((i + 1, j, 1), cost + fit, state, j)
        return best[(m, k, 0)][0], _backtrack(best, (m, k, 0), m)

    def _greedy(
        self, kids: list[tuple[str, ContentItem]], slots: tuple[Slot, ...], ancestors: Ancestors
    ) -> tuple[float, list[int | None]]:
        """Order not significant: each child in the best slot with room left."""
        used = [0] * len(slots)
        chosen: list[int | None] = []
        total = 0.0
        for kid in kids:
            options = [
                (self._cost(kid, slot, ancestors), index)
                for index, slot in enumerate(slots)
                if slot.vm_max is None or used[index] < slot.vm_max
            ]
            cost, index = min(options, default=(EXTRA, -1))
            if cost >= EXTRA:
                chosen.append(None)
                total += EXTRA
                continue
            chosen.append(index)
            used[index] += 1
            total += cost
        return total, chosen

    def _leftovers(
        self,
        kids: list[tuple[str, ContentItem]],
        chosen: list[int | None],
        below: Children,
        ancestors: Ancestors,
    ) -> list[Finding]:
        """Findings for children no row took: out of order, over VM, or extensions."""
        found: list[Finding] = []
        last_label = ""
        for kid, index in zip(kids, chosen, strict=True):
            if index is not None:
                last_label = below.slots[index].owner
                continue
            path, item = kid
            costs = [
                (self._cost(kid, slot, ancestors), n)
                for n, slot in enumerate(below.slots)
                if self.identifies(item, slot)
            ]
            cost, best = min(costs, default=(EXTRA, -1))
            if cost < EXTRA:
                slot = below.slots[best]
                found.append(_misplaced(path, slot, chosen.count(best), last_label))
                found += self.fit(item, slot, path, ancestors).findings
                continue
            found += tree_findings(item, path)
            found += _extension(path, item, below, ancestors[-1][0])
        return found


def _backtrack(best: Table, state: State, m: int) -> list[int | None]:
    chosen: list[int | None] = [None] * m
    current: State | None = state
    while current is not None:
        _, previous, slot = best[current]
        if previous is not None and previous[0] < current[0]:
            chosen[previous[0]] = slot
        current = previous
    return chosen


def _misplaced(path: str, slot: Slot, count: int, after: str) -> Finding:
    if slot.vm_max is not None and count >= slot.vm_max:
        message = f"more than {slot.vm_max} item(s) for {slot.owner} (VM {slot.vm_max})"
    else:
        where = f" after {after}" if after else ""
        message = f"out of order: {slot.owner} item{where} (Order Significant)"
    return Finding(path, slot.owner, "error", message)


def _extension(path: str, item: ContentItem, below: Children, parent: Slot) -> list[Finding]:
    if item.relationship is RelationshipType.HAS_CONCEPT_MOD or below.opaque:
        return []  # post-coordination (PS3.16 6.2.4), or perhaps an untranscribed template
    tid = parent.template.tid
    name = item.concept_name or "(no concept name)"
    if not below.extensible:
        message = f"{item.value_type} {name} is not a row of TID {tid} (Non-Extensible)"
        return [Finding(path, f"TID {tid}", "error", message)]
    message = (
        f"{item.value_type} {name} is not a row of TID {tid} below {parent.label}: an extension"
    )
    return [Finding(path, f"TID {tid}", "warning", message)]


class _Presence:
    """Requirement types and conditions of the rows below one item (PS3.16 6.1.7, 6.1.8)."""

    def __init__(
        self,
        checker: _Validator,
        *,
        below: Children,
        kids: list[tuple[str, ContentItem]],
        chosen: list[int | None],
        path: str,
        ancestors: Ancestors,
    ) -> None:
        self.checker = checker
        self.below = below
        self.path = path
        self.ancestors = ancestors
        self.items: list[list[tuple[str, ContentItem]]] = [[] for _ in below.slots]
        for kid, index in zip(kids, chosen, strict=True):
            if index is not None:
                self.items[index].append(kid)

    def findings(self) -> list[Finding]:
        found: list[Finding] = []
        seen_groups: set[frozenset[str]] = set()
        for index, slot in enumerate(self.below.slots):
            condition = slot.condition
            if condition is not None and condition.test == "exclusive":
                group = frozenset((slot.owner_row, *condition.rows))
                if group not in seen_groups:
                    seen_groups.add(group)
                    found += self._exclusive(slot, group)
                continue
            found += self._presence(index, slot)
        return found

    def _presence(self, index: int, slot: Slot) -> list[Finding]:
        present = self.items[index]
        condition = slot.condition
        decided = self._decide(slot) if condition is not None else None
        required = slot.requirement == "M" or (slot.requirement == "MC" and decided is True)
        iff_false = condition is not None and condition.connective == "IFF" and decided is False
        forbidden = (slot.requirement == "UC" and decided is False) or iff_false
        if required and len(present) < slot.vm_min:
            why = f" ({condition.text})" if condition is not None else ""
            message = f"missing {slot.owner} ({slot.requirement}{why})"
            return [Finding(self.path, slot.owner, "error", message)]
        if forbidden and present and condition is not None:
            message = f"{slot.owner} must not be present: {condition.text} is false"
            return [Finding(path, slot.owner, "error", message) for path, _ in present]
        return []

    def _exclusive(self, slot: Slot, group: frozenset[str]) -> list[Finding]:
        members = [
            (n, other)
            for n, other in enumerate(self.below.slots)
            if other.scope is slot.scope and other.owner_row in group
        ]
        present = [(n, s) for n, s in members if self.items[n]]
        names = " XOR ".join(s.owner for _, s in members)
        if len(present) > 1:
            return [
                Finding(path, s.owner, "error", f"{names}: only one may be present")
                for n, s in present[1:]
                for path, _ in self.items[n]
            ]
        if not present and any(s.requirement == "MC" for _, s in members):
            return [Finding(self.path, slot.owner, "error", f"missing one of {names}")]
        return []

    def _decide(self, slot: Slot) -> bool | None:
        """The truth of ``slot``'s condition, or None when the tree cannot tell."""
        condition = slot.condition
        if condition is None or condition.test in ("undecidable", "exclusive"):
            return None
        if condition.test == "root":
            root_level = len(self.ancestors) == 1
            return (
                self.checker.as_root
                and root_level
                and self.checker.template_id == (condition.operand)
            )
        referenced = self._row_items(slot, condition.rows[0] if condition.rows else "")
        return any(_holds(condition.test, condition, item) for item in referenced)

    def _row_items(self, slot: Slot, row: str) -> list[ContentItem]:
        """The items of ``row`` of ``slot.scope``: siblings first, then the nearest ancestor."""
        siblings = [
            item
            for index, other in enumerate(self.below.slots)
            if other.scope is slot.scope and other.owner_row == row
            for _, item in self.items[index]
        ]
        if siblings:
            return siblings
        for ancestor_slot, ancestor in reversed(self.ancestors):
            if ancestor_slot.template is slot.scope and ancestor_slot.row.row == row:
                return [ancestor]
        return []


def _holds(test: str, condition: Condition, item: ContentItem) -> bool:
    if test == "equals" and item.code_value is not None and condition.code is not None:
        code = condition.code
        return (item.code_value.value, item.code_value.scheme) == (code.value, code.scheme)
    if test == "meaning" and item.code_value is not None:
        return item.code_value.meaning.casefold() == str(condition.operand).casefold()
    if test == "greater" and item.numeric is not None:
        try:
            return float(item.numeric.value) > float(str(condition.operand))
        except ValueError:
            return False
    return False
