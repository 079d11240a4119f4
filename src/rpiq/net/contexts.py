"""What the net layer negotiates: the three RPI SOP classes, Verification, transfer syntaxes.

PS3.4 Q.3: no extended negotiation. Explicit VR Big Endian (retired) is not offered.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from pydicom.uid import (
    UID,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
)
from pynetdicom.presentation import PresentationContext, build_context

from rpiq.net.sop_names import SopName
from rpiq.service.status import BREAST, CARDIAC, GENERAL, SOPClass

Verification: Final = UID("1.2.840.10008.1.1")

SOP_BY_NAME: Final[Mapping[SopName, SOPClass]] = MappingProxyType(
    {"general": GENERAL, "breast": BREAST, "cardiac": CARDIAC}
)
"""The RPI SOP classes by their short CLI names (``--sop general|breast|cardiac``)."""

RPI_SOP_CLASS_UIDS: Final = frozenset(UID(sop.uid) for sop in SOP_BY_NAME.values())

SCP_TRANSFER_SYNTAXES: Final = (
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    DeflatedExplicitVRLittleEndian,
)
SCU_TRANSFER_SYNTAXES: Final = (ExplicitVRLittleEndian, ImplicitVRLittleEndian)


def scp_contexts() -> list[PresentationContext]:
    """Verification and the three RPI SOP classes, each with every SCP transfer syntax."""
    uids = [Verification, *sorted(RPI_SOP_CLASS_UIDS)]
    return [build_context(uid, list(SCP_TRANSFER_SYNTAXES)) for uid in uids]


def scu_contexts(
    sop_class_uids: list[str], transfer_syntaxes: tuple[str, ...] = SCU_TRANSFER_SYNTAXES
) -> list[PresentationContext]:
    """Requested contexts: Verification plus the given SOP classes."""
    uids = [Verification, *sop_class_uids]
    return [build_context(uid, list(transfer_syntaxes)) for uid in uids]
