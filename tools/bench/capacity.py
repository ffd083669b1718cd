"""`python -m tools.bench capacity RUN.json [--rates 10,50,100]`: what one core of each part
can carry, computed from a bench run's figures, not guessed.

- **Claims per day per core**: 86,400 CPU seconds a day over the part's CPU seconds per claim,
  as the run's end-to-end phase measured it (`cpu_seconds_per_claim`; every instance of a
  service summed). The part with the most CPU per claim is the first to need a core of its
  own: the first bottleneck when every part shares the same cores.
- **Partitions for a rate**: a partition is read by one consumer of a group at a time, so a
  consumer hop that handles R claims per second on one instance (`hops`, measured alone) needs
  at least rate / R instances, and its topic at least that many partitions.
- **SMTP sends per claim**: the emails the backlog phase counted per event.
- **Writes per claim** (`writes_per_claim`, the fixed-rate phase): PostgreSQL transactions
  committed (read-only ones too) and rows written in the services' databases, WAL bytes of the
  whole cluster, and Kafka messages on the platform's topics; each times the rates asked for.
  Where the same run measured a bare client's rate on that server (`baselines`: commits from
  a few connections, one producer's messages, a pool of SMTP connections), the claims per
  second that rate carries; the lowest is the first of them to limit. Those rates are floors
  of what each server can do (the client shares the cores), not its ceiling.
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.bench import baselines

SECONDS_A_DAY = 86_400
# The bench's own load generator: measured beside the parts, never deployed.
CLIENT = "bench"
# The consumer hops measured alone, and the topic their consumer reads.
HOPS_ALONE = {
    "warranty (rma.claims.v1)": "ClaimCreated -> WarrantyAssessed (warranty alone)",
    "notifications (rma.claims.v1, rma.warranty.v1)": (
        "event -> email accepted (notifications alone)"
    ),
}


@dataclass(frozen=True)
class PartCapacity:
    part: str
    cpu_ms_per_claim: float
    claims_per_day_per_core: int


def part_capacities(run: dict[str, Any]) -> list[PartCapacity]:
    """Each part (service, server, the bench's own client) by its CPU per claim, most first."""
    totals: dict[str, float] = {}
    for name, seconds in (run.get("cpu_seconds_per_claim") or {}).items():
        if seconds:
            part = name.split("#")[0]  # instances of a service: accounts#2
            totals[part] = totals.get(part, 0.0) + float(seconds)
    rows = [
        PartCapacity(part, round(seconds * 1000, 1), int(SECONDS_A_DAY / seconds))
        for part, seconds in totals.items()
    ]
    return sorted(rows, key=lambda row: row.cpu_ms_per_claim, reverse=True)


def partitions_for(run: dict[str, Any], rates: list[float]) -> dict[str, list[int]]:
    """For each consumer hop measured alone: the partitions (and instances) each rate needs."""
    measured = {hop["hop"]: float(hop["per_second"]) for hop in run.get("hops") or ()}
    needed: dict[str, list[int]] = {}
    for consumer, hop in HOPS_ALONE.items():
        if per_second := measured.get(hop):
            needed[consumer] = [max(1, math.ceil(rate / per_second)) for rate in rates]
    return needed


def smtp_sends_per_claim(run: dict[str, Any]) -> float | None:
    backlog = run.get("backlog") or {}
    if not backlog.get("events"):
        return None
    return round(float(backlog.get("emails", 0)) / float(backlog["events"]), 2)


# Per claim: what is counted, where in `writes_per_claim`, the baseline that rates its server.
WRITES = (
    ("PostgreSQL commits (read-only too)", ("postgres", "commits"), baselines.PG_COMMITS),
    ("PostgreSQL rows written", ("postgres", "rows_written"), None),
    ("PostgreSQL WAL bytes (whole cluster)", ("postgres", "wal_bytes_cluster"), None),
    ("Kafka messages (platform topics)", ("kafka", "messages"), baselines.KAFKA_PRODUCE),
)


@dataclass(frozen=True)
class BlockLoad:
    """One building block's work per claim, and what a rate measured in the run allows."""

    what: str
    per_claim: float
    baseline: str | None = None
    baseline_per_second: float | None = None

    @property
    def claims_per_second(self) -> float | None:
        if not self.baseline_per_second or not self.per_claim:
            return None
        return round(self.baseline_per_second / self.per_claim, 1)


def block_loads(run: dict[str, Any]) -> list[BlockLoad]:
    """Writes per claim of the fixed phase, and SMTP sends per claim of the backlog phase."""
    measured = {b["name"]: float(b["per_second"]) for b in run.get("baselines") or ()}
    counted = run.get("writes_per_claim") or {}
    loads = []
    for what, (block, key), baseline in WRITES:
        value = (counted.get(block) or {}).get(key)
        if value is not None:
            rate = measured.get(baseline) if baseline else None
            loads.append(BlockLoad(what, float(value), baseline if rate else None, rate))
    if (sends := smtp_sends_per_claim(run)) is not None:
        rate = measured.get(baselines.POOLED)
        loads.append(BlockLoad("SMTP sends", sends, baselines.POOLED if rate else None, rate))
    return loads


def first_to_limit(loads: list[BlockLoad]) -> BlockLoad | None:
    """Of the blocks with a rate measured in the run, the one that carries the fewest claims."""
    rated = [load for load in loads if load.claims_per_second is not None]
    return min(rated, key=lambda load: load.claims_per_second or 0.0, default=None)


def _write_lines(run: dict[str, Any], rates: list[float]) -> list[str]:
    loads = block_loads(run)
    if not loads:
        return []
    counted = run.get("writes_per_claim") or {}
    header = " | ".join(f"at {rate:g}/s" for rate in rates)
    lines = [
        "",
        f"Per claim ({counted.get('phase', 'no fixed phase counted')}, "
        f"{counted.get('claims', 0)} claims; SMTP from the backlog phase):",
        "",
        f"| building block | per claim | {header} | measured in the run | claims/s it carries |",
        "| --- | ---: |" + " ---: |" * len(rates) + " --- | ---: |",
    ]
    for load in loads:
        at_rates = " | ".join(f"{load.per_claim * rate:,.0f}/s" for rate in rates)
        rated = (
            f"{load.baseline} {load.baseline_per_second:,.1f}/s"
            if load.baseline and load.baseline_per_second
            else "-"
        )
        lines.append(
            f"| {load.what} | {load.per_claim:g} | {at_rates} | {rated} | "
            f"{'-' if load.claims_per_second is None else load.claims_per_second} |"
        )
    if (first := first_to_limit(loads)) is not None:
        lines += [
            "",
            f"First to limit of the building blocks rated in this run: {first.what}, at "
            f"{first.claims_per_second} claims/s (a bare client's rate on shared cores: a floor "
            "of the server's, not its ceiling).",
        ]
    return lines + _breakdown_lines(counted)


def _breakdown_lines(counted: dict[str, Any]) -> list[str]:
    """Each database's and topic's share of the totals."""
    databases = (counted.get("postgres") or {}).get("databases") or {}
    messages = (counted.get("kafka") or {}).get("topics") or {}
    lines = []
    if databases:
        each = [
            f"{name} {d['commits']:g} commits, {d['rows_written']:g} rows"
            for name, d in databases.items()
        ]
        lines.append("PostgreSQL per claim by database: " + "; ".join(each) + ".")
    if messages:
        each = [f"{topic} {n:g}" for topic, n in messages.items() if n]
        lines.append("Kafka messages per claim by topic: " + (", ".join(each) or "none") + ".")
    return ["", *lines] if lines else []


def render(run: dict[str, Any], rates: list[float]) -> str:
    machine = run.get("machine") or {}
    lines = [
        f"Capacity from the bench run of {run.get('started_at', '?')} on "
        f"{machine.get('cpus', '?')} x {machine.get('cpu_model', '?')}:",
        "",
        "| part | CPU ms per claim | claims per day per core |",
        "| --- | ---: | ---: |",
    ]
    parts = part_capacities(run)
    lines += [f"| {p.part} | {p.cpu_ms_per_claim} | {p.claims_per_day_per_core:,} |" for p in parts]
    deployed = [p for p in parts if p.part != CLIENT]
    if deployed:
        lines += [
            "",
            f"First bottleneck on shared cores: {deployed[0].part} (the bench's own "
            "client excluded).",
        ]
    needed = partitions_for(run, rates)
    if needed:
        header = " | ".join(f"{rate:g}/s" for rate in rates)
        lines += ["", f"| partitions (and instances) for | {header} |"]
        lines += ["| --- |" + " ---: |" * len(rates)]
        lines += [f"| {hop} | {' | '.join(map(str, n))} |" for hop, n in needed.items()]
    if (sends := smtp_sends_per_claim(run)) is not None:
        lines += ["", f"SMTP sends per claim: {sends}."]
    lines += _write_lines(run, rates)
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.bench capacity", description=__doc__)
    parser.add_argument("run", type=Path, help="a run's bench.json")
    parser.add_argument("--rates", default="10,50,100", help="claims per second, comma-separated")
    arguments = parser.parse_args(argv)
    try:
        run = json.loads(arguments.run.read_text())
        rates = [float(rate) for rate in arguments.rates.split(",")]
    except (OSError, json.JSONDecodeError, ValueError) as error:
        raise SystemExit(f"bench capacity: {error}") from None
    print(render(run, rates))
