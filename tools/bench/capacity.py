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
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
