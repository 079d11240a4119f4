"""The project's template validator, as the template tests use it."""

from __future__ import annotations

from rpiq.templates.content import ContentItem
from rpiq.templates.validate import Finding, validate


def errors(root: ContentItem, template_id: str) -> list[Finding]:
    """The validator's errors for a response root (warnings are extensions: allowed)."""
    return [finding for finding in validate(root, template_id) if finding.severity == "error"]


def warnings(root: ContentItem, template_id: str) -> list[str]:
    """The rows or items the validator warns about (each an extension rpiq documents)."""
    return [
        finding.message for finding in validate(root, template_id) if finding.severity != "error"
    ]
