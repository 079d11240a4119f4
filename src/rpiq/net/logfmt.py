"""Key=value log lines for the net layer (``event=find.done status=0x0000 ms=4.1``).

Only operational facts are logged: peers, AE titles, SOP classes, statuses, timings. Request and
response identifiers (patient data) are never passed to a logger, at any level.
"""

from __future__ import annotations

import logging

LOGGER_NAME = "rpiq.net"


def _quote(value: object) -> str:
    text = str(value)
    if text == "" or any(ch in text for ch in ' "=\t\n'):
        escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{escaped}"'
    return text


def format_event(event: str, **fields: object) -> str:
    """``event=NAME key=value ...``; values with spaces, quotes or ``=`` are double-quoted."""
    parts = [f"event={_quote(event)}"]
    parts.extend(f"{key}={_quote(value)}" for key, value in fields.items() if value is not None)
    return " ".join(parts)


def log_event(logger: logging.Logger, level: int, event: str, **fields: object) -> None:
    """Log one key=value line if ``level`` is enabled."""
    if logger.isEnabledFor(level):
        logger.log(level, format_event(event, **fields))
