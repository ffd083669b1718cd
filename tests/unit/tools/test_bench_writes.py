"""Writes per claim from two readings of the counters (tools/bench/writes.py), as the report
and `compare` show them."""

from __future__ import annotations

from tools.bench import compare, report
from tools.bench.writes import PLATFORM_TOPICS, Counters, per_claim

BEFORE = Counters(
    databases={
        "claims": {"commits": 100, "rows_written": 1000},
        "warranty": {"commits": 50, "rows_written": 400},
    },
    wal_bytes=1_000_000,
    topics={"rma.claims.v1": 10, "rma.warranty.v1": 7},
)
AFTER = Counters(
    databases={
        "claims": {"commits": 140, "rows_written": 1090},
        "warranty": {"commits": 70, "rows_written": 440},
        # Only in the later reading: not counted (no start to count from).
        "accounts": {"commits": 9, "rows_written": 9},
    },
    wal_bytes=1_300_000,
    # A dead-letter topic made meanwhile started empty.
    topics={"rma.claims.v1": 30, "rma.warranty.v1": 27, "rma.deadletter.warranty.v1": 1},
)


def test_each_counter_changes_by_so_much_per_claim_and_the_totals_add_up() -> None:
    found = per_claim(BEFORE, AFTER, 20)
    assert found["postgres"] == {
        "commits": 3.0,
        "rows_written": 6.5,
        "databases": {
            "claims": {"commits": 2.0, "rows_written": 4.5},
            "warranty": {"commits": 1.0, "rows_written": 2.0},
        },
        "wal_bytes_cluster": 15000.0,
    }
    assert found["kafka"] == {
        "messages": 2.05,
        "topics": {
            "rma.claims.v1": 1.0,
            "rma.warranty.v1": 1.0,
            "rma.deadletter.warranty.v1": 0.05,
        },
    }


def test_no_claims_no_figures_and_no_wal_reading_no_wal_figure() -> None:
    assert per_claim(BEFORE, AFTER, 0) == {"claims": 0}
    without_wal = Counters(AFTER.databases, None, AFTER.topics)
    assert "wal_bytes_cluster" not in per_claim(BEFORE, without_wal, 20)["postgres"]


def test_the_platform_topics_and_their_dead_letters_are_counted_not_the_baselines() -> None:
    assert "rma.claims.v1" in PLATFORM_TOPICS and "rma.deadletter.warranty.v1" in PLATFORM_TOPICS
    assert not [topic for topic in PLATFORM_TOPICS if topic.startswith("bench.")]


def test_the_report_prints_the_writes_per_claim() -> None:
    lines = report.writes_lines({"phase": "fixed 20/s", **per_claim(BEFORE, AFTER, 20)})
    assert lines[0] == "\nwrites per claim, fixed 20/s (20 claims created):"
    assert (
        "  PostgreSQL: 3 commits (read-only ones too), 6.5 rows written, "
        "15,000 WAL bytes (whole cluster)"
    ) in lines
    assert "  Kafka: 2.05 messages on the platform's topics" in lines


def test_compare_lines_up_runs_whose_databases_had_other_names() -> None:
    """Databases are named by service, not by the run's database name (rma_bench_<run>_claims):
    two runs' figures line up, and a run from before they were counted shows them as new."""
    old_run = {"writes_per_claim": {"phase": "fixed 20/s", **per_claim(BEFORE, AFTER, 20)}}
    new_run = {"writes_per_claim": {"phase": "fixed 20/s", **per_claim(BEFORE, AFTER, 10)}}
    rows = {
        name: (was, now, change) for name, was, now, change in compare.changes(old_run, new_run)
    }
    assert rows["writes_per_claim.postgres.commits"] == ("3", "6", "+3 (+100.0%)")
    assert rows["writes_per_claim.postgres.databases.claims.rows_written"] == (
        "4.5",
        "9",
        "+4.5 (+100.0%)",
    )
    assert rows["writes_per_claim.kafka.topics.rma.warranty.v1"][2] == "+1 (+100.0%)"
    older = {name: change for name, _, _, change in compare.changes({}, new_run)}
    assert older["writes_per_claim.kafka.messages"] == "new"
