"""rpiq: DICOM Relevant Patient Information Query (PS3.4 Annex Q) server, client and tools."""

__version__ = "0.1.0"
