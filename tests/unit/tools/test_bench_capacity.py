"""The capacity table is computed from a run's figures (tools/bench/capacity.py)."""

from __future__ import annotations

from tools.bench import capacity

RUN = {
    "started_at": "2026-12-05T13:51:10+00:00",
    "machine": {"cpus": 2, "cpu_model": "AMD EPYC"},
    "cpu_seconds_per_claim": {
        "claims": 0.010,
        "warranty#1": 0.004,
        "warranty#2": 0.004,
        "kafka": 0.009,
        "bench": 0.050,
        "accounts": 0.0,
    },
    "hops": [
        {"hop": "ClaimCreated -> WarrantyAssessed (warranty alone)", "per_second": 40.0},
        {"hop": "event -> email accepted (notifications alone)", "per_second": 25.0},
    ],
    "backlog": {"events": 1000, "emails": 2000},
}


def test_each_part_carries_a_day_of_cpu_over_its_cpu_per_claim() -> None:
    rows = {row.part: row for row in capacity.part_capacities(RUN)}
    assert rows["claims"].claims_per_day_per_core == 8_640_000
    # Two instances of a service add up; a part that used no CPU is left out.
    assert rows["warranty"].cpu_ms_per_claim == 8.0
    assert "accounts" not in rows


def test_a_rate_needs_as_many_partitions_as_instances_of_the_slowest_hop() -> None:
    needed = capacity.partitions_for(RUN, [10, 50, 100])
    assert needed == {
        "warranty (rma.claims.v1)": [1, 2, 3],
        "notifications (rma.claims.v1, rma.warranty.v1)": [1, 2, 4],
    }


def test_the_first_bottleneck_is_the_deployed_part_with_the_most_cpu_per_claim() -> None:
    text = capacity.render(RUN, [10])
    assert "First bottleneck on shared cores: claims" in text  # not the bench's own client
    assert "SMTP sends per claim: 2.0." in text


# A run with the fixed phase's writes (tools/bench/writes.py) and the baselines that rate them.
WRITES_RUN = {
    **RUN,
    "writes_per_claim": {
        "phase": "fixed 20/s",
        "claims": 100,
        "postgres": {
            "commits": 12.5,
            "rows_written": 30.0,
            "wal_bytes_cluster": 9000.0,
            "databases": {
                "claims": {"commits": 8.0, "rows_written": 20.0},
                "warranty": {"commits": 4.5, "rows_written": 10.0},
            },
        },
        "kafka": {
            "messages": 2.0,
            "topics": {"rma.claims.v1": 1.0, "rma.warranty.v1": 1.0, "rma.sales.v1": 0.0},
        },
    },
    "baselines": [
        {"name": "pg_commits_4_connections", "per_second": 1000.0},
        {"name": "kafka_produce", "per_second": 5000.0},
        {"name": "smtp_pool_of_4", "per_second": 300.0},
    ],
}


def test_each_building_block_carries_its_measured_rate_over_its_work_per_claim() -> None:
    loads = {load.what: load for load in capacity.block_loads(WRITES_RUN)}
    # 1,000 commits/s measured over 12.5 commits per claim: 80 claims/s.
    assert loads["PostgreSQL commits (read-only too)"].claims_per_second == 80.0
    assert loads["Kafka messages (platform topics)"].claims_per_second == 2500.0
    assert loads["SMTP sends"].claims_per_second == 150.0
    # No rate of the server measured for rows or WAL: no claims/s claimed for them.
    assert loads["PostgreSQL rows written"].claims_per_second is None
    assert loads["PostgreSQL WAL bytes (whole cluster)"].per_claim == 9000.0
    first = capacity.first_to_limit(list(loads.values()))
    assert first is not None and first.what == "PostgreSQL commits (read-only too)"


def test_the_capacity_table_shows_the_writes_at_each_rate_and_the_first_to_limit() -> None:
    text = capacity.render(WRITES_RUN, [10, 100])
    assert "Per claim (fixed 20/s, 100 claims; SMTP from the backlog phase):" in text
    assert (
        "| PostgreSQL commits (read-only too) | 12.5 | 125/s | 1,250/s "
        "| pg_commits_4_connections 1,000.0/s | 80.0 |"
    ) in text
    assert "| PostgreSQL rows written | 30 | 300/s | 3,000/s | - | - |" in text
    assert "First to limit of the building blocks rated in this run: PostgreSQL commits" in text
    assert "claims 8 commits, 20 rows; warranty 4.5 commits, 10 rows." in text
    # Topics the phase did not write to are left out of the breakdown.
    assert "Kafka messages per claim by topic: rma.claims.v1 1, rma.warranty.v1 1." in text


def test_a_run_from_before_the_writes_were_counted_still_renders() -> None:
    text = capacity.render(RUN, [10])
    assert "PostgreSQL" not in text and "First to limit" not in text
    assert "| SMTP sends | 2 | 20/s | - | - |" in text
