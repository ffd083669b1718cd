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
