"""What the query service answers: plain response objects the net layer encodes and sends."""

from __future__ import annotations

from dataclasses import dataclass

from pydicom.dataset import Dataset

from rpiq.templates.content import ContentItem


@dataclass(frozen=True)
class ResponseIdentifier:
    """A Pending response's identifier before encoding.

    ``keys`` holds the top-level return keys with their values, exactly those the request
    asked for plus Content Template Sequence (PS3.4 Q.2.1.1.3.2), but *not* Value Type,
    Concept Name Code Sequence and Content Sequence: those come from ``root`` (its value type,
    concept name and children). Specific Character Set is chosen by the encode layer.
    """

    keys: Dataset
    root: ContentItem


@dataclass(frozen=True)
class FindResponse:
    """One C-FIND-RSP: a status, and an identifier only when the status is Pending (FF00)."""

    status: int
    identifier: ResponseIdentifier | None = None
    error_comment: str | None = None
    offending_element: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if (self.status == 0xFF00) != (self.identifier is not None):
            raise ValueError("an identifier goes with Pending (FF00) and only with it")
