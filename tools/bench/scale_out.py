"""`--instances N`: the pipeline's rate with one instance of each scalable service, then with N,
in one run (issue 27, item 6).

The run starts one instance of claims, warranty and notifications, as with `--instances 1`.
After the other phases, this one pins them to CPU 0 and measures, then starts instance k of each
pinned (taskset) to CPU k-1, one core of its own per instance as far as the machine has them,
and measures again:
- HTTP: `in_flight` customers filing for `http_seconds`, round-robin over the claims instances;
- the consumer hops: a backlog of ClaimCreated events drained by warranty and notifications
  together, in claims/s with both emails.
Kafka, PostgreSQL, the mailbox and the bench itself are not pinned: they share every core.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from tools.bench import backlog, report
from tools.bench.create_path import cpu_of
from tools.bench.load import ClaimFiler, FiledClaim, in_flight
from tools.bench.mailpit import MailboxReader
from tools.bench.observe import ClaimEvents, ProcessSampler
from tools.bench.servers import ServiceFleet


@dataclass
class ScaleOut:
    """What the phase uses of the run."""

    fleet: ServiceFleet
    sampler: ProcessSampler
    filer: ClaimFiler
    events: ClaimEvents
    mailbox: MailboxReader
    kafka_bootstrap: str
    # Waits (bounded) until the claims filed have both emails; the journeys' list.
    settle: Callable[[list[FiledClaim], float], Awaitable[Any]]
    in_flight: int
    http_seconds: float
    backlog_events: int


def rate(count: int, start: float, instants: list[float]) -> float:
    return round(count / (max(instants) - start), 1) if instants else 0.0


async def _step(
    phase: ScaleOut, filer: ClaimFiler, label: str
) -> tuple[dict[str, Any], list[FiledClaim]]:
    ours = [name for name in phase.fleet.processes if name != "accounts"]
    cpu, start = phase.sampler.sample().cpu, time.time()
    filed = await in_flight(filer, label, phase.in_flight, phase.http_seconds)
    answered = [c.responded_at for c in filed if c.status == 201]
    http_cpu = report.cpu_per_claim(cpu, phase.sampler.sample().cpu, len(answered))
    await phase.settle(filed, max(60.0, 3 * phase.http_seconds))
    assert phase.events.sample_created is not None
    cpu, start_backlog = phase.sampler.sample().cpu, time.time()
    claim_ids = await backlog.publish_backlog(
        phase.kafka_bootstrap, phase.events.sample_created, phase.backlog_events
    )
    _, emails = await backlog.drain_backlog(
        claim_ids, phase.events, phase.mailbox, timeout=max(120.0, phase.backlog_events / 2)
    )
    backlog_cpu = report.cpu_per_claim(cpu, phase.sampler.sample().cpu, phase.backlog_events)
    figures = {
        "processes": sorted(ours),
        "http_created": len(answered),
        "http_per_second": rate(len(answered), start, answered),
        "http_cpu_seconds_per_claim": round(cpu_of(_known(http_cpu), ours), 5),
        "backlog_events": phase.backlog_events,
        "backlog_emails": len(emails),
        # Both emails of a claim are what the pipeline owes it: claims/s through both hops.
        "backlog_claims_per_second": round(rate(len(emails), start_backlog, emails) / 2, 1),
        "backlog_cpu_seconds_per_claim": round(cpu_of(_known(backlog_cpu), ours), 5),
    }
    return figures, filed


def _known(cpu: dict[str, float | None]) -> dict[str, float]:
    return {name: value for name, value in cpu.items() if value is not None}


def _ratio(more: float, one: float) -> float | None:
    return round(more / one, 2) if one else None


async def measure(phase: ScaleOut) -> tuple[dict[str, Any], list[FiledClaim]]:
    """One instance each, then every instance: the figures, and every claim filed meanwhile."""
    fleet = phase.fleet
    # The first instances ran unpinned through the other phases, as with --instances 1.
    fleet.pin(fleet.first_instances())
    one, filed = await _step(phase, phase.filer, "scale-out, one instance each")
    assert fleet.log_dir is not None
    started = fleet.more_instances()
    fleet.start(fleet.log_dir, started, pinned=True)
    for name in started:
        phase.sampler.watch(name, fleet.processes[name].pid)
    filer = phase.filer.aimed_at(fleet.urls_of("claims"))
    try:
        await filer.warm_up(1)
        # Through the consumer groups' rebalance before anything is measured.
        assert phase.events.sample_created is not None
        warm = await backlog.publish_backlog(
            phase.kafka_bootstrap, phase.events.sample_created, min(50, phase.backlog_events)
        )
        await backlog.drain_backlog(warm, phase.events, phase.mailbox, timeout=120.0)
        more, filed_more = await _step(phase, filer, f"scale-out, {fleet.instances} instances each")
    finally:
        await filer.close()
    backlog_rates = (more["backlog_claims_per_second"], one["backlog_claims_per_second"])
    return {
        "instances": fleet.instances,
        "cpus": os.cpu_count(),
        "pinned": {name: fleet.cpu_of(name) for name in fleet.names()},
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "one_instance": one,
        "more_instances": more,
        "http_ratio": _ratio(more["http_per_second"], one["http_per_second"]),
        "backlog_ratio": _ratio(*backlog_rates),
    }, filed + filed_more
