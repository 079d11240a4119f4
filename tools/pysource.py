"""Python source text in ``ruff format`` style, for generated modules.

An expression is a :class:`Node` (a call, a tuple, a dict, a string or a literal); :func:`render`
puts it on one line when it fits in 100 characters, else one element per line with a trailing
comma (the "magic trailing comma" keeps ruff from joining them again); a string too long for its
line becomes a parenthesized implicit concatenation cut after spaces. The output is stable under
``ruff format`` (``tests/validate/test_generator.py`` checks it with ruff itself).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

LINE_LENGTH = 100


@dataclass(frozen=True)
class Node:
    """A Python expression: a call, tuple or dict of nodes, a string, or a literal ``text``."""

    text: str = ""
    name: str | None = None
    args: tuple[Node, ...] = ()
    kwargs: tuple[tuple[str, Node], ...] = ()
    brackets: str = ""
    string: str | None = None


def lit(text: str) -> Node:
    return Node(text=text)


def string(value: str) -> Node:
    return Node(string=value)


def call(name: str, *args: Node, **kwargs: Node) -> Node:
    return Node(name=name, args=args, kwargs=tuple(kwargs.items()))


def tuple_of(*items: Node) -> Node:
    return Node(args=items, brackets="()")


def dict_of(*items: tuple[Node, Node]) -> Node:
    return Node(args=tuple(pair for item in items for pair in item), brackets="{}")


def quote(value: str) -> str:
    """A string literal the way ruff format writes it (double quotes unless that escapes more)."""
    if '"' in value and "'" not in value:
        return "'" + value.replace("\\", "\\\\") + "'"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def flat(node: Node) -> str:
    if node.string is not None:
        return quote(node.string)
    if node.brackets == "{}":
        pairs = zip(node.args[::2], node.args[1::2], strict=True)
        return "{" + ", ".join(f"{flat(k)}: {flat(v)}" for k, v in pairs) + "}"
    parts = [flat(arg) for arg in node.args] + [f"{k}={flat(v)}" for k, v in node.kwargs]
    if node.brackets == "()":
        return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"
    if node.name is not None:
        return f"{node.name}(" + ", ".join(parts) + ")"
    return node.text


def render(node: Node, indent: int, prefix: str = "", suffix: str = "") -> Iterator[str]:
    """``node`` as lines: on one line when it fits, else split one element per line."""
    pad = " " * indent
    one_line = f"{pad}{prefix}{flat(node)}{suffix}"
    atomic = node.string is None and node.name is None and not node.brackets
    if len(one_line) <= LINE_LENGTH or atomic:
        yield one_line
        return
    if node.string is not None:
        yield f"{pad}{prefix}("
        for chunk in _chunks(node.string, LINE_LENGTH - indent - 6):
            yield f"{pad}    {quote(chunk)}"
        yield f"{pad}){suffix}"
        return
    opening, closing = ("{", "}") if node.brackets == "{}" else ("(", ")")
    yield f"{pad}{prefix}{node.name or ''}{opening}"
    if node.brackets == "{}":
        for entry_key, entry_value in zip(node.args[::2], node.args[1::2], strict=True):
            yield from render(entry_value, indent + 4, f"{flat(entry_key)}: ", ",")
    else:
        for arg in node.args:
            yield from render(arg, indent + 4, "", ",")
        for key, value in node.kwargs:
            yield from render(value, indent + 4, f"{key}=", ",")
    yield f"{pad}{closing}{suffix}"


def _chunks(text: str, width: int) -> list[str]:
    """``text`` cut after spaces into pieces of at most ``width`` characters."""
    chunks: list[str] = []
    current = ""
    for word in re.findall(r"\S+\s*", text):
        if current and len(current) + len(word.rstrip()) > width:
            chunks.append(current)
            current = ""
        current += word
    return [*chunks, current]


def statement(target: str, node: Node) -> str:
    return "\n".join(render(node, 0, f"{target} = ")) + "\n"
