"""DCMTK ``echoscu`` against ``rpiq serve``: Verification (C-ECHO)."""

from __future__ import annotations

import pytest

from interop.peers import Endpoint, echoscu
from interop.server import HOST, free_port

pytestmark = pytest.mark.interop


def test_echoscu_gets_a_success_echo_response(rpiq_server: Endpoint) -> None:
    result = echoscu(rpiq_server)

    assert result.returncode == 0, result.stderr
    log = result.stdout + result.stderr  # DCMTK logs to stdout or stderr by version
    assert "Association Accepted" in log
    assert "Received Echo Response (Success)" in log
    assert "Releasing Association" in log


def test_echoscu_reports_failure_without_a_server() -> None:
    """The readiness probe can fail: nothing listens on a port nobody bound."""
    result = echoscu(Endpoint(HOST, free_port()), timeout_s=2)

    assert result.returncode != 0
