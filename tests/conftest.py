"""Fixtures shared by the whole suite."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = REPO_ROOT.parent / "shared"
SYNTHEA_DIR = SHARED_DIR / "data" / "synthea"


@pytest.fixture(scope="session")
def synthea_dir() -> Path:
    """The ten Synthea patients, read in place from ../shared (never copied into the repo)."""
    if not SYNTHEA_DIR.is_dir():
        pytest.fail(f"test data missing: {SYNTHEA_DIR} (../shared must sit beside the repo)")
    return SYNTHEA_DIR
