"""`python -m tools.bench compare OLD.json NEW.json`: each figure of two runs and its change.

Every number of a bench.json is a figure, named by its path: `hops[warranty alone].ratio`,
`phases[fixed 20/s].stages.end_to_end.p99_ms`, `cpu_seconds_per_claim.claims`. Lists of
phases, baselines and hops are matched by their name, not their position, so a run with one
more search step still lines up. Besides, the CPU per claim of our four services together
(accounts, claims, warranty, notifications; every instance) is a figure of its own.
What describes a run rather than measures it (its settings, machine, start times) is left out.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

# What names a list's entries, in the order tried.
_ENTRY_NAMES = ("phase", "hop", "name")
# Descriptions of a run, not measurements.
_NOT_FIGURES = {"settings", "machine", "started_at", "start"}
OUR_SERVICES = ("accounts", "claims", "warranty", "notifications")
OUR_SERVICES_FIGURE = "cpu_seconds_per_claim.our four services"


def figures(run: dict[str, Any]) -> dict[str, float]:
    """Every number of a run by its path, and the CPU per claim of our services together."""
    found: dict[str, float] = {}
    _collect(run, "", found)
    cpu = run.get("cpu_seconds_per_claim") or {}
    ours = [v for name, v in cpu.items() if name.split("#")[0] in OUR_SERVICES]
    if ours and all(v is not None for v in ours):
        found[OUR_SERVICES_FIGURE] = round(sum(ours), 4)
    return found


def _collect(value: Any, path: str, found: dict[str, float]) -> None:
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        found[path] = float(value)
    elif isinstance(value, dict):
        for key, inner in value.items():
            if key not in _NOT_FIGURES:
                _collect(inner, f"{path}.{key}" if path else str(key), found)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            _collect(inner, f"{path}[{_entry_name(inner, index)}]", found)


def _entry_name(entry: Any, index: int) -> str:
    if isinstance(entry, dict):
        for key in _ENTRY_NAMES:
            if isinstance(entry.get(key), str):
                return str(entry[key])
    return str(index)


def changes(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(figure, old, new, change) for every figure of either run, in the new run's order."""
    before, after = figures(old), figures(new)
    names = list(after) + [name for name in before if name not in after]
    rows = []
    for name in names:
        was, now = before.get(name), after.get(name)
        rows.append((name, _number(was), _number(now), _change(was, now)))
    return rows


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _change(was: float | None, now: float | None) -> str:
    if was is None:
        return "new"
    if now is None:
        return "gone"
    difference = now - was
    if was == 0:
        return "same" if difference == 0 else f"{difference:+g}"
    return f"{difference:+.4g} ({difference / abs(was):+.1%})"


def _describe(run: dict[str, Any]) -> str:
    machine = run.get("machine") or {}
    return (
        f"{run.get('started_at', '?')} on {machine.get('host', '?')} "
        f"({machine.get('cpus', '?')} CPUs, {machine.get('cpu_model', '?')})"
    )


def render(old: dict[str, Any], new: dict[str, Any], only: tuple[str, ...] = ()) -> str:
    """The table of changes; `only`: just the figures whose names start so."""
    rows = [row for row in changes(old, new) if not only or row[0].startswith(only)]
    width = max((len(row[0]) for row in rows), default=10)
    lines = [f"old: {_describe(old)}", f"new: {_describe(new)}", ""]
    lines.append(f"{'figure':{width}}  {'old':>12}  {'new':>12}  change")
    lines += [f"{name:{width}}  {was:>12}  {now:>12}  {change}" for name, was, now, change in rows]
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.bench compare", description=__doc__)
    parser.add_argument("old", type=Path, help="the earlier run's bench.json")
    parser.add_argument("new", type=Path, help="the later run's bench.json")
    arguments = parser.parse_args(argv)
    try:
        old, new = (json.loads(path.read_text()) for path in (arguments.old, arguments.new))
    except (OSError, json.JSONDecodeError) as error:
        raise SystemExit(f"bench compare: {error}") from None
    print(render(old, new))
