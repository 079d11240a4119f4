"""Template rows expanded into the slots a content item can fill (PS3.16 6.1.2, 6.2.3).

A :class:`Slot` is one non-INCLUDE row in the context of its inclusion: an INCLUDE row is
replaced by the included template's row 1, with the INCLUDE row's Relationship Type (when it
gives one), VM, requirement and condition, and the parameters it binds (``env``). The slots a
content item's children can fill are the rows one nesting level below its own row, INCLUDE rows
expanded the same way (:func:`child_slots`). Every template here has exactly one row at nesting
level 0 (row 1), so a template's content is one item and its descendants.

An INCLUDE of a template that the digest does not transcribe (e.g. TID 320, 1700) gives no slot:
its TID is listed in :attr:`Children.opaque`, and unmatched children may belong to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rpiq.templates._rules import Condition, Requirement, Row, TemplateTable
from rpiq.templates._rules_codes import Env, bind
from rpiq.templates._template_rows import TEMPLATES


@dataclass(frozen=True, eq=False)
class Slot:
    """Where an item may stand: ``row`` of ``template`` with parameters ``env``.

    ``label`` names ``row`` (``"TID 3829 row 1"``); ``owner`` names the row that put the slot
    there (the INCLUDE row, ``"TID 3802 row 6"``, else ``label``) and is used for presence,
    VM and condition findings. ``scope`` is the template whose rows the condition refers to.
    Slots compare by identity (they are cached per parent).
    """

    template: TemplateTable
    row: Row
    env: Env
    label: str
    owner: str
    relationship: str
    requirement: Requirement
    vm_min: int
    vm_max: int | None
    condition: Condition | None
    scope: TemplateTable
    owner_row: str

    @property
    def is_template_root(self) -> bool:
        return self.row is self.template.rows[0]


@dataclass(frozen=True)
class Children:
    """The slots below a slot, in table order, and the untranscribed templates included there."""

    slots: tuple[Slot, ...]
    opaque: tuple[str, ...] = ()
    extensible: bool = True
    order_significant: bool = True


@dataclass
class SlotCache:
    """Child slots computed once per slot (by identity)."""

    children: dict[int, Children] = field(default_factory=dict)

    def of(self, slot: Slot) -> Children:
        found = self.children.get(id(slot))
        if found is None:
            found = _expand(slot)
            self.children[id(slot)] = found
        return found


def root_slot(template: TemplateTable, *, as_root: bool) -> Slot:
    """The slot of a template's row 1 when it is validated on its own (no including row)."""
    row = template.rows[0]
    relationship = "" if as_root else row.relationship
    label = template.label(row.row)
    return Slot(template, row, (), label, label, relationship, "M", 1, 1, None, template, row.row)


def _expand(parent: Slot) -> Children:
    template = parent.template
    rows = template.rows
    start = rows.index(parent.row)
    slots: list[Slot] = []
    opaque: list[str] = []
    for row in rows[start + 1 :]:
        if row.level <= parent.row.level:
            break
        if row.level != parent.row.level + 1:
            continue
        if row.value_type != "INCLUDE":
            slots.append(_slot(template, row, row, parent.env, template))
            continue
        included = TEMPLATES.get(str(row.include))
        if included is None:
            opaque.append(str(row.include))
            continue
        env = bind(row.bindings, parent.env)
        slots.append(_slot(included, included.rows[0], row, env, template))
    return Children(tuple(slots), tuple(opaque), template.extensible, template.order_significant)


def _slot(template: TemplateTable, row: Row, owner: Row, env: Env, scope: TemplateTable) -> Slot:
    """A slot for ``row`` placed by ``owner`` (the row itself, or the INCLUDE row in ``scope``)."""
    return Slot(
        template=template,
        row=row,
        env=env,
        label=template.label(row.row),
        owner=scope.label(owner.row),
        relationship=owner.relationship or row.relationship,
        requirement=owner.requirement,
        vm_min=owner.vm_min,
        vm_max=owner.vm_max,
        condition=owner.condition,
        scope=scope,
        owner_row=owner.row,
    )
