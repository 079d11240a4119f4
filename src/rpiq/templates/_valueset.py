"""Value set constraints of template rows (PS3.16 ch. 6.1.9): context groups and "any code".

A row's Value Set Constraint decides which codes a builder may emit there:

- a *Defined* context group (``DCID n``) admits its members only;
- a *Baseline* group (``BCID n``) or an empty constraint admits any code (:data:`ANY_CODE`);
- an Enumerated Value is one constant code.

Matching is on Code Value + Coding Scheme Designator only (PS3.16 6.1.8). A member found in a
context group is emitted with the standard's Code Meaning, not the source's.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from rpiq.domain import Code


class ValueSet(Protocol):
    """What a template row accepts as a coded value."""

    def canonical(self, code: Code) -> Code | None:
        """The code to emit for ``code``, or ``None`` when the row does not admit it."""
        ...


@dataclass(frozen=True)
class AnyCode:
    """A Baseline context group or an unconstrained row: every code is admitted as it is."""

    def canonical(self, code: Code) -> Code | None:
        return code


ANY_CODE = AnyCode()


@dataclass(frozen=True)
class ContextGroup:
    """A PS3.16 context group with its includes flattened (members as the standard lists them).

    ``extensible``, ``version``, ``uid``, ``keyword`` and ``includes`` are the group's header
    (PS3.16 ch. 7.1) as the generated ``_cids.py`` records it; an Extensible group may be
    extended by an application with terms for new concepts (ch. 7.2.3), a Non-Extensible one not.
    """

    cid: int
    name: str
    members: tuple[Code, ...]
    extensible: bool = field(default=True, kw_only=True)
    version: str = field(default="", kw_only=True)
    uid: str = field(default="", kw_only=True)
    keyword: str = field(default="", kw_only=True)
    includes: tuple[int, ...] = field(default=(), kw_only=True)
    _index: dict[tuple[str, str], Code] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[tuple[str, str], Code] = {}
        for member in self.members:
            index.setdefault((member.value, member.scheme), member)
        object.__setattr__(self, "_index", index)

    def canonical(self, code: Code) -> Code | None:
        return self._index.get((code.value, code.scheme))

    def __contains__(self, code: object) -> bool:
        return isinstance(code, Code) and (code.value, code.scheme) in self._index

    def __iter__(self) -> Iterator[Code]:
        return iter(self.members)


@dataclass(frozen=True)
class AnyOf:
    """The union of several value sets (a row constrained by two context groups)."""

    parts: tuple[ValueSet, ...]

    def canonical(self, code: Code) -> Code | None:
        for part in self.parts:
            found = part.canonical(code)
            if found is not None:
                return found
        return None


@dataclass(frozen=True)
class Extended:
    """A Defined but Extensible context group with this application's extension (PS3.16 7.2.3).

    "An Application may extend an Extensible Context Group by adding terms for new concepts"; it
    may not substitute another term for a concept the group already has. ``extension`` lists the
    added concepts (each documented in ``docs/clinical-mapping.md`` with the reason it is a new
    concept); members are always preferred. An extension code is emitted with the meaning given
    here, whatever the source's spelling.
    """

    group: ContextGroup
    extension: tuple[Code, ...]

    def canonical(self, code: Code) -> Code | None:
        member = self.group.canonical(code)
        if member is not None:
            return member
        return next((added for added in self.extension if added == code), None)

    def is_extension(self, code: Code) -> bool:
        """Whether ``code`` is admitted only through the extension."""
        return code not in self.group and code in self.extension
