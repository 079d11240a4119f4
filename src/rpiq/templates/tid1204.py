"""TID 1204 Language of Content Item and Descendants (PS3.16-2024c; digest §2.5.4).

Non-Extensible. Row 1 only: row 2 (Country of Language, U) is left out because the RFC 5646
tag ``en-US`` already names the region.
"""

from __future__ import annotations

from rpiq.templates._codes import ENGLISH_UNITED_STATES, LANGUAGE_OF_CONTENT_ITEM_AND_DESCENDANTS
from rpiq.templates._items import HAS_CONCEPT_MOD, code_item, row
from rpiq.templates.content import ContentItem

TEMPLATE_ID = "1204"


class Tid1204:
    """The language of the content tree: English (United States), DCID 5000 (RFC5646)."""

    def build(self) -> ContentItem:
        return code_item(
            HAS_CONCEPT_MOD,  # row 1
            LANGUAGE_OF_CONTENT_ITEM_AND_DESCENDANTS,
            ENGLISH_UNITED_STATES,
            row=row(TEMPLATE_ID, 1),
        )
