"""The atheris fuzz targets in fuzz/, each run for a bounded time as a subprocess.

Both targets run at once (``FUZZ_SECONDS`` each, plus a few seconds to import and seed); a
crash (an exception the target does not allow, a timeout per input, memory over the limit)
makes libFuzzer exit non-zero and write the input to ``tmp_path``, which the failure names.
Longer runs: fuzz/README.md.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
FUZZ_DIR = REPO_ROOT / "fuzz"
TARGETS = ("fuzz_identifier", "fuzz_pdu")
FUZZ_SECONDS = 8
STARTUP_ALLOWANCE = 60  # seconds for imports and the demo database, on two busy cores
DONE = re.compile(r"Done (\d+) runs")


def _start(target: str, workdir: Path) -> subprocess.Popen[str]:
    corpus = workdir / f"{target}-corpus"
    command = [
        sys.executable,
        str(FUZZ_DIR / f"{target}.py"),
        f"-max_total_time={FUZZ_SECONDS}",
        "-timeout=10",
        "-rss_limit_mb=2048",
        f"-artifact_prefix={workdir / 'artifacts'}/{target}-",
        "-print_final_stats=1",
        str(corpus),
    ]
    return subprocess.Popen(
        command, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def test_fuzz_targets_run_without_a_crash(tmp_path: Path) -> None:
    (tmp_path / "artifacts").mkdir()
    running = {target: _start(target, tmp_path) for target in TARGETS}
    failures: list[str] = []
    for target, process in running.items():
        try:
            output, _ = process.communicate(timeout=FUZZ_SECONDS + STARTUP_ALLOWANCE)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
            failures.append(f"{target}: did not finish\n{output[-3000:]}")
            continue
        crashes = sorted(str(path) for path in (tmp_path / "artifacts").glob(f"{target}-*"))
        done = DONE.search(output)
        if process.returncode != 0 or crashes:
            failures.append(
                f"{target}: exit status {process.returncode}, inputs {crashes}\n{output[-3000:]}"
            )
        elif done is None or int(done.group(1)) == 0:
            failures.append(f"{target}: ran no inputs\n{output[-3000:]}")
    if failures:
        pytest.fail("\n\n".join(failures))
