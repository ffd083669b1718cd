"""Issue 27's targets, each a ratio measured in one bench run, and whether the run met it."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from tools.bench import baselines

EMAILS_PER_CLAIM = 2  # ClaimCreated's and WarrantyAssessed's


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 2)


def _hop_ratio(figures: dict[str, Any], hop: str) -> float | None:
    for found in figures.get("hops", []):
        if found["hop"] == hop:
            ratio: float | None = found["ratio"]
            return ratio
    return None


def notifications_cpu_per_email(figures: dict[str, Any]) -> dict[str, float | None]:
    """Notifications' CPU per email on its backlog alone (its label included) against the bare
    pooled sender's per email, in the same run."""
    alone = figures.get("backlog_hops_alone", {})
    per_claim = alone.get("notifications_cpu_seconds_per_claim", {}).get("notifications")
    ours = None if per_claim is None else per_claim / EMAILS_PER_CLAIM
    sender = next(
        (
            b.get("cpu_seconds_per_item")
            for b in figures.get("baselines", [])
            if b["name"] == baselines.POOLED
        ),
        None,
    )
    return {
        "notifications": None if ours is None else round(ours, 6),
        "bare_sender": sender,
        "ratio": _ratio(ours, sender),
    }


def targets(figures: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target: its name, the run's value, the bound and whether the value is within it."""
    create = figures.get("create_path", {})
    found = [
        (
            "POST /api/claims rate / bare HTTP baseline's",
            create.get("rate_ratio"),
            ">=",
            0.5,
        ),
        (
            "claims CPU per created claim / bare HTTP baseline's",
            create.get("cpu_ratio"),
            "<=",
            2.0,
        ),
        (
            "notifications alone, emails/s / pool-of-4 sender's",
            _hop_ratio(figures, "event -> email accepted (notifications alone) vs pooled SMTP"),
            ">=",
            0.5,
        ),
        (
            "notifications CPU per email / bare pooled sender's",
            notifications_cpu_per_email(figures)["ratio"],
            "<=",
            2.0,
        ),
        (
            "warranty alone / batched bare consumer",
            _hop_ratio(figures, "ClaimCreated -> WarrantyAssessed (warranty alone) vs batched"),
            ">=",
            0.6,
        ),
    ]
    return [
        {
            "target": name,
            "value": value,
            "bound": f"{sense} {bound:g}",
            "met": None if value is None else (value >= bound if sense == ">=" else value <= bound),
        }
        for name, value, sense, bound in found
    ]


def table(found: list[dict[str, Any]]) -> str:
    lines = ["targets (issue 27), ratios in this run:"]
    for target in found:
        met = {True: "met", False: "NOT met", None: "not measured"}[target["met"]]
        lines.append(f"  {target['target']:54} {target['value']!s:>6}  {target['bound']:7} {met}")
    return "\n".join(lines)


def markdown(figures: dict[str, Any]) -> str:
    """The targets of a run as docs/performance.md shows them, with the run's load average."""
    machine = figures.get("machine", {})
    load = ", ".join(f"{x:g}" for x in machine.get("load_average_at_start", []))
    at_end = ", ".join(f"{x:g}" for x in machine.get("load_average_at_end", []))
    lines = [
        f"Run of {figures.get('started_at')} on {machine.get('cpus')} x "
        f"{machine.get('cpu_model')}, load average at its start {load}"
        + (f", at its end {at_end}:" if at_end else ":"),
        "",
        "| target (issue 27) | this run | bound | met |",
        "| --- | ---: | --- | --- |",
    ]
    for target in figures.get("targets") or targets(figures):
        met = {True: "yes", False: "**no**", None: "not measured"}[target["met"]]
        lines.append(f"| {target['target']} | {target['value']} | {target['bound']} | {met} |")
    if scale := figures.get("scale_out"):
        lines.append(
            f"| {scale['instances']} instances each vs one (no bound): HTTP creates/s, "
            f"backlog claims/s | {scale['http_ratio']}, {scale['backlog_ratio']} | | |"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.bench targets", description=__doc__)
    parser.add_argument("run", type=Path, help="a run's bench.json")
    arguments = parser.parse_args(argv)
    try:
        run = json.loads(arguments.run.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise SystemExit(f"bench targets: {error}") from None
    print(markdown(run))
