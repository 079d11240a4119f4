"""rpiq.conformance: a conformance battery for any Relevant Patient Information Query SCP.

The tool a vendor runs before a connectathon (``rpiq conformance HOST PORT --patient-id ID``):
it associates with the SCP and checks, for each RPI SOP class it accepts, the PS3.4 Annex Q
rules (match, final Success without data set, A900, C100, C200, no match, empty issuer,
default root, cancel), every root template the SOP class allows, and the template validator
on each answer. Layer: beside the CLI; uses ``rpiq.net`` (the client) and the validator.

- :func:`run_battery` (``ConformanceOptions`` → :class:`Report`);
- :mod:`rpiq.conformance.catalogue`: every check id and what it checks;
- :mod:`rpiq.conformance.report`: text and JSON output.
"""

from __future__ import annotations

from rpiq.conformance.battery import run_battery
from rpiq.conformance.context import ConformanceOptions
from rpiq.conformance.results import CheckResult, Outcome, Report, Target

__all__ = ["CheckResult", "ConformanceOptions", "Outcome", "Report", "Target", "run_battery"]
