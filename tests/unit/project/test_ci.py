"""`.ci/run`, the CI entry point: lint first, then the whole suite, and any failure fails it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

CI_RUN = Path(__file__).resolve().parents[3] / ".ci" / "run"


def _run_ci_with_make(tmp_path: Path, failing_target: str | None) -> tuple[int, list[str]]:
    """Runs `.ci/run` with a stand-in `make` on the PATH that records its targets and fails
    for `failing_target`."""
    calls = tmp_path / "calls"
    fake_make = tmp_path / "make"
    script = [
        "#!/usr/bin/env bash",
        f'echo "$*" >> "{calls}"',
        f'[ "$1" != "{failing_target or ""}" ]',
    ]
    fake_make.write_text("\n".join(script) + "\n", encoding="utf-8")
    fake_make.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(["bash", str(CI_RUN)], env=env, capture_output=True, check=False)
    recorded = calls.read_text(encoding="utf-8").split() if calls.exists() else []
    return result.returncode, recorded


def test_ci_lints_before_the_suite(tmp_path: Path) -> None:
    code, targets = _run_ci_with_make(tmp_path, failing_target=None)
    assert (code, targets) == (0, ["lint", "test"])


def test_a_lint_failure_fails_ci_before_the_suite_runs(tmp_path: Path) -> None:
    code, targets = _run_ci_with_make(tmp_path, failing_target="lint")
    assert code != 0
    assert targets == ["lint"]


def test_a_test_failure_fails_ci(tmp_path: Path) -> None:
    code, targets = _run_ci_with_make(tmp_path, failing_target="test")
    assert code != 0
    assert targets == ["lint", "test"]
