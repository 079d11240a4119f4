"""Interop tests: the rpiq server, run through its CLI, queried by third-party DICOM peers."""
