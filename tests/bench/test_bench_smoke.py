"""`make bench` works: a short smoke run of the benchmark against this slot's real servers.

It only shows that the tool runs the whole pipeline and reports every figure; the figures
themselves come from `make bench` on a quiet machine, never from a test (no threshold here).
`make test` runs it after every other test: consumers that read the topics from the start would
otherwise replay the claims it files.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tools.bench.report import STAGES
from tools.bench.servers import SERVICES
from tools.support.stack import REPO, STATE_DIR, TEST_SLOT, Stack, docker_engine_answers

pytestmark = pytest.mark.e2e


def run_smoke(out: Path) -> dict[str, Any]:
    command = [sys.executable, "-m", "tools.bench", "--smoke", "--slot", str(TEST_SLOT)]
    command += ["--out", str(out)]
    if not docker_engine_answers():
        # The servers make test started: the bench uses them and leaves them running.
        command += ["--state-dir", str(STATE_DIR), "--keep-servers"]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=800)
    assert result.returncode == 0, f"{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
    assert "highest sustained rate" in result.stdout
    figures: dict[str, Any] = json.loads((out / "bench.json").read_text())
    return figures


def test_smoke_run_reports_every_figure(stack: Stack, tmp_path: Path) -> None:
    del stack  # only its servers: they are up before the bench looks for them
    figures = run_smoke(tmp_path)

    # The load before the servers and services started, and after the phases.
    assert len(figures["machine"]["load_average_at_start"]) == 3
    assert len(figures["machine"]["load_average_at_end"]) == 3
    fixed = figures["phases"][0]
    assert fixed["created"] == fixed["offered"] > 0
    assert fixed["completed_end_to_end"] == fixed["created"]
    assert 0 <= fixed["completed_by_end_plus_2s"] <= fixed["completed_end_to_end"]
    for stage in STAGES:
        for figure in ("per_second", "p50_ms", "p95_ms", "p99_ms"):
            assert fixed["stages"][stage][figure] is not None, (stage, figure)
    names = [phase["phase"] for phase in figures["phases"]]
    assert any(name.startswith("search") for name in names)
    assert any(name.startswith("http") for name in names)

    assert figures["backlog"]["assessed"] > 0 and figures["backlog"]["emails"] > 0
    # Each hop alone (the others stopped) drained the whole backlog; claims caught up after.
    alone = figures["backlog_hops_alone"]
    assert alone["assessed"] == alone["events"] and alone["emails"] == 2 * alone["events"]
    baselines = {b["name"]: b for b in figures["baselines"]}
    assert set(baselines) >= {
        "kafka_pg_per_message",
        "kafka_pg_batched",
        "smtp_connection_per_email",
        "smtp_one_connection",
        "smtp_pool_of_4",
        "kafka_produce",
        "pg_commits_4_connections",
    }
    assert all(b["per_second"] > 0 for b in baselines.values())
    assert all(hop["ratio"] is not None for hop in figures["hops"])
    # POST /api/claims and its bare HTTP baseline, the same customers in flight (issue 27).
    create = figures["create_path"]
    assert create["claims"]["created"] > 0 and create["baseline"]["created"] > 0
    assert create["rate_ratio"] is not None and create["cpu_ratio"] is not None
    assert all(target["value"] is not None for target in figures["targets"])

    processes = {"accounts", "claims", "warranty", "notifications", "kafka", "postgresql"}
    assert processes <= {name for name, mb in figures["peak_rss_mb"].items() if mb > 0}
    assert processes <= {
        name for name, cpu in figures["cpu_seconds_per_claim"].items() if cpu is not None
    }
    assert (tmp_path / "bench.png").read_bytes().startswith(b"\x89PNG")

    # The fixed phase's writes per claim (issue 27, item 6): each claim is at least a
    # ClaimCreated and a WarrantyAssessed, and commits rows in the services' databases.
    writes = figures["writes_per_claim"]
    assert writes["claims"] == fixed["created"]
    assert writes["kafka"]["topics"]["rma.claims.v1"] >= 1
    assert writes["kafka"]["topics"]["rma.warranty.v1"] >= 1
    assert writes["postgres"]["commits"] >= 1 and writes["postgres"]["rows_written"] >= 1
    assert set(writes["postgres"]["databases"]) == processes & set(SERVICES)
