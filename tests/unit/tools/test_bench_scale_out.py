"""`--instances N`: which instances start first, the CPU each is pinned to, and the rates."""

from __future__ import annotations

import os
from pathlib import Path

from tools.bench.scale_out import rate
from tools.bench.servers import Servers, ServiceFleet

SERVERS = Servers("127.0.0.1:1", "postgresql://x@127.0.0.1:1", 1, "http://x", Path("/tmp"))


def test_one_instance_each_runs_where_the_scheduler_puts_it() -> None:
    fleet = ServiceFleet(SERVERS, base_port=20000)

    assert fleet.first_instances() == ["accounts", "claims", "warranty", "notifications"]
    assert fleet.more_instances() == []
    assert {fleet.cpu_of(name) for name in fleet.names()} == {None}


def test_instance_k_of_each_scalable_service_gets_cpu_k_minus_1() -> None:
    fleet = ServiceFleet(SERVERS, base_port=20000, instances=2)

    assert fleet.more_instances() == ["claims#2", "warranty#2", "notifications#2"]
    assert [fleet.cpu_of(n) for n in ("claims", "warranty", "notifications")] == [0, 0, 0]
    assert [fleet.cpu_of(n) for n in fleet.more_instances()] == [1 % (os.cpu_count() or 1)] * 3
    assert fleet.cpu_of("accounts") is None  # one instance only, a small part of the work
    # Each instance keeps the port it would have had with every instance started at once.
    assert fleet.port("claims#2") == 20002


def test_a_rate_runs_from_the_start_to_the_last_completion() -> None:
    assert rate(10, 100.0, [100.5, 102.0]) == 5.0
    assert rate(0, 100.0, []) == 0.0


def test_the_claims_filed_go_only_to_the_instances_started() -> None:
    fleet = ServiceFleet(SERVERS, base_port=20000, instances=2)
    fleet.processes = {name: None for name in fleet.first_instances()}  # type: ignore[misc]

    assert fleet.urls_of("claims") == ["http://127.0.0.1:20001"]
    fleet.processes["claims#2"] = None  # type: ignore[assignment]
    assert fleet.urls_of("claims") == ["http://127.0.0.1:20001", "http://127.0.0.1:20002"]
