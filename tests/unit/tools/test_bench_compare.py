"""`python -m tools.bench compare`: two runs' figures side by side, and the bench's PostgreSQL
sessions' commit setting."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tools.bench.cli import database_query, parse_arguments
from tools.bench.compare import OUR_SERVICES_FIGURE, changes, figures

REPO = Path(__file__).resolve().parents[3]


def a_run(warranty: float, claims_cpu: float, *, extra_step: bool = False) -> dict[str, Any]:
    phases = [{"phase": "fixed 20/s", "start": 1.0, "stages": {"end_to_end": {"p99_ms": 800}}}]
    if extra_step:
        phases.append({"phase": "search 30/s", "start": 2.0, "stages": {}})
    return {
        "started_at": "2026-12-05T12:00:00+00:00",
        "machine": {"host": "vm", "cpus": 2, "cpu_model": "Intel"},
        "settings": {"rate": 20.0, "fast_commit": False},
        "phases": phases,
        "highest_sustained_rate": 45.0,
        "hops": [{"hop": "warranty alone", "per_second": warranty, "baseline": "batched"}],
        "cpu_seconds_per_claim": {
            "accounts": 0.0004,
            "claims": claims_cpu,
            "warranty": 0.0061,
            "notifications": 0.013,
            "kafka": 0.0132,
        },
    }


def test_each_figure_is_named_by_its_path_and_lists_by_their_entries_names() -> None:
    found = figures(a_run(414.7, 0.0096))
    assert found["hops[warranty alone].per_second"] == 414.7
    assert found["phases[fixed 20/s].stages.end_to_end.p99_ms"] == 800
    assert found["highest_sustained_rate"] == 45.0
    # Our four services, not Kafka: 0.4 + 9.6 + 6.1 + 13.0 ms.
    assert found[OUR_SERVICES_FIGURE] == 0.0291
    # What describes the run is no figure.
    assert not [name for name in found if name.startswith(("settings", "machine"))]
    assert "phases[fixed 20/s].start" not in found


def test_the_change_of_each_figure_and_what_only_one_run_has() -> None:
    rows = {
        name: (old, new, change)
        for name, old, new, change in changes(
            a_run(414.7, 0.0096), a_run(829.4, 0.0048, extra_step=True)
        )
    }
    assert rows["hops[warranty alone].per_second"] == ("414.7", "829.4", "+414.7 (+100.0%)")
    assert rows["cpu_seconds_per_claim.claims"] == ("0.0096", "0.0048", "-0.0048 (-50.0%)")
    assert rows[OUR_SERVICES_FIGURE][2] == "-0.0048 (-16.5%)"
    assert rows["highest_sustained_rate"][2] == "+0 (+0.0%)"
    # The new run's extra step holds no number: nothing for it. A figure only one run has:
    older = a_run(414.7, 0.0096)
    older["backlog"] = {"emails": 2000}
    rows_back = {name: change for name, _, _, change in changes(a_run(1, 1), older)}
    assert rows_back["backlog.emails"] == "new"
    rows_gone = {name: change for name, _, _, change in changes(older, a_run(1, 1))}
    assert rows_gone["backlog.emails"] == "gone"


def test_the_command_prints_both_runs_and_every_change(tmp_path: Path) -> None:
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps(a_run(414.7, 0.0096)))
    new.write_text(json.dumps(a_run(829.4, 0.0096)))
    result = subprocess.run(
        [sys.executable, "-m", "tools.bench", "compare", str(old), str(new)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "old: 2026-12-05T12:00:00+00:00 on vm (2 CPUs, Intel)" in result.stdout
    line = next(ln for ln in result.stdout.splitlines() if ln.startswith("hops[warranty alone]"))
    assert line.split()[-4:] == ["414.7", "829.4", "+414.7", "(+100.0%)"]


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tools.bench", "compare", str(tmp_path / "a"), str(tmp_path / "b")],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "bench compare:" in result.stderr and "No such file" in result.stderr


def test_the_bench_commits_durably_unless_told_to_commit_fast() -> None:
    assert database_query(parse_arguments([])).endswith("&synchronous_commit=on")
    assert database_query(parse_arguments(["--fast-commit"])).endswith("&synchronous_commit=off")
