"""Issue 27's targets, each a ratio measured in one bench run, and whether the run met it.

Item 5 compares the CPU per claim of our four services in the run's fixed phase with a
reference run's (a run of the code before issue 27, kept in `docs/bench/`). It means something
only when both ran on the same machine at the same fixed rate, so the reference is picked by
those (`pick_reference`), and the table says when the one found was measured otherwise.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from tools.bench import baselines, compare

EMAILS_PER_CLAIM = 2  # ClaimCreated's and WarrantyAssessed's
REFERENCES = Path(__file__).resolve().parents[2] / "docs" / "bench"
# The reference kept first; it stays the one printed when no other fits the run better.
DEFAULT_REFERENCE = REFERENCES / "reference.json"
OUR_FOUR = "our four services' CPU per claim / the reference run's"


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


def fixed_phase(run: dict[str, Any]) -> str | None:
    """The name of a run's first phase, its fixed rate ("fixed 10/s")."""
    phases = run.get("phases") or [{}]
    name: str | None = phases[0].get("phase")
    return name


def _cpu_model(run: dict[str, Any]) -> str | None:
    model: str | None = (run.get("machine") or {}).get("cpu_model")
    return model


def same_conditions(run: dict[str, Any], reference: dict[str, Any]) -> bool:
    """Whether the reference ran on the same machine model at the same fixed rate."""
    return _cpu_model(run) == _cpu_model(reference) and fixed_phase(run) == fixed_phase(reference)


def pick_reference(run: dict[str, Any], found: list[Path]) -> Path | None:
    """Of the reference runs `found` (the default one first), the first measured in the run's
    conditions; else the first on its machine model; else the default one."""
    if not found:
        return None
    runs = [(path, json.loads(path.read_text())) for path in found]
    same = [path for path, other in runs if same_conditions(run, other)]
    same_machine = [path for path, other in runs if _cpu_model(run) == _cpu_model(other)]
    return (same or same_machine or found)[0]


def reference_runs(directory: Path = REFERENCES) -> list[Path]:
    """The reference runs kept in `directory`: reference.json first, then reference-*.json."""
    default = directory / "reference.json"
    others = sorted(directory.glob("reference-*.json"))
    return ([default] if default.exists() else []) + others


def our_four_per_claim(run: dict[str, Any]) -> float | None:
    return compare.figures(run).get(compare.OUR_SERVICES_FIGURE)


def against_reference(run: dict[str, Any], reference: dict[str, Any] | None) -> dict[str, Any]:
    """Item 5: our four services' CPU per claim in the run's fixed phase, the reference's, their
    ratio, and in what conditions the reference was measured."""
    if reference is None:
        return {"ours": our_four_per_claim(run), "reference": None, "ratio": None}
    machine = reference.get("machine") or {}
    return {
        "ours": our_four_per_claim(run),
        "reference": our_four_per_claim(reference),
        "ratio": _ratio(our_four_per_claim(run), our_four_per_claim(reference)),
        "reference_started_at": reference.get("started_at"),
        "reference_machine": machine.get("cpu_model"),
        "reference_phase": fixed_phase(reference),
        "same_conditions": same_conditions(run, reference),
    }


def targets(
    figures: dict[str, Any], reference: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Each target: its name, the run's value, the bound and whether the value is within it.
    Item 5 is measured only against a `reference` run."""
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
        (OUR_FOUR, against_reference(figures, reference)["ratio"], "<=", 0.5),
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


def markdown(figures: dict[str, Any], reference: dict[str, Any] | None = None) -> str:
    """The targets of a run as docs/performance.md shows them, with the run's load average and
    the reference run item 5 is measured against (`reference`, else the one the run kept)."""
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
    found = targets(figures, reference) if reference else figures.get("targets") or targets(figures)
    for target in found:
        met = {True: "yes", False: "**no**", None: "not measured"}[target["met"]]
        lines.append(f"| {target['target']} | {target['value']} | {target['bound']} | {met} |")
    if scale := figures.get("scale_out"):
        lines.append(
            f"| {scale['instances']} instances each vs one (no bound): HTTP creates/s, "
            f"backlog claims/s | {scale['http_ratio']}, {scale['backlog_ratio']} | | |"
        )
    item5 = against_reference(figures, reference) if reference else figures.get("item_5")
    if item5 and item5.get("reference") is not None:
        lines += ["", describe_reference(item5)]
    return "\n".join(lines)


def describe_reference(item5: dict[str, Any]) -> str:
    conditions = (
        "the same machine model and fixed rate as this run"
        if item5["same_conditions"]
        else "**another machine model or fixed rate than this run: the ratio compares unlike runs**"
    )
    return (
        f"Item 5: our four services {item5['ours']} s of CPU per claim in this run's fixed phase, "
        f"the reference run {item5['reference']} s (its {item5['reference_phase']}, "
        f"{item5['reference_started_at']} on {item5['reference_machine']}: {conditions})."
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.bench targets", description=__doc__)
    parser.add_argument("run", type=Path, help="a run's bench.json")
    parser.add_argument(
        "--reference",
        type=Path,
        help="the reference run for item 5 (by default the one of docs/bench/ measured in the "
        "run's conditions, else reference.json)",
    )
    arguments = parser.parse_args(argv)
    try:
        run = json.loads(arguments.run.read_text())
        path = arguments.reference or pick_reference(run, reference_runs())
        reference = json.loads(path.read_text()) if path else None
    except (OSError, json.JSONDecodeError) as error:
        raise SystemExit(f"bench targets: {error}") from None
    print(markdown(run, reference))
