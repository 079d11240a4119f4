"""The short names of the three RPI SOP classes (``--sop general|breast|cardiac``).

Kept apart from :mod:`rpiq.net.contexts` (which needs pydicom and pynetdicom) so that building
the command-line parser imports nothing heavy.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

SopName = Literal["general", "breast", "cardiac"]

SOP_NAMES: Final[tuple[SopName, ...]] = get_args(SopName)
