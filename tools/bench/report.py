"""From records to figures: stages per claim, percentiles, the table, the JSON and the plot."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.bench import targets
from tools.bench.load import FiledClaim
from tools.bench.observe import ClaimEvents

STAGES = (
    "http_create",
    "commit_to_topic",
    "created_to_assessed",
    "event_to_email",
    "end_to_end",
)
STAGE_NAMES = {
    "http_create": "HTTP create (POST /api/claims)",
    "commit_to_topic": "commit -> ClaimCreated on topic",
    "created_to_assessed": "ClaimCreated -> WarrantyAssessed",
    "event_to_email": "event -> email accepted by SMTP",
    "end_to_end": "end to end (POST -> both emails)",
}


@dataclass
class ClaimJourney:
    """One filed claim and when each of its stages ended (wall clock seconds; None: not seen)."""

    filed: FiledClaim
    created: float | None
    assessed: float | None
    created_email: float | None
    assessed_email: float | None

    @property
    def completed(self) -> float | None:
        if self.created_email is None or self.assessed_email is None:
            return None
        return max(self.created_email, self.assessed_email)

    def stage_seconds(self) -> dict[str, list[float]]:
        f = self.filed
        spans: dict[str, list[float]] = {"http_create": [f.responded_at - f.sent_at]}
        if self.created is not None:
            # The broker's timestamp is taken when the relay sends, the commit just before the
            # answer: a relay quicker than the HTTP answer shows as 0.
            spans["commit_to_topic"] = [max(0.0, self.created - f.responded_at)]
            if self.assessed is not None:
                spans["created_to_assessed"] = [self.assessed - self.created]
        emails = [(self.created, self.created_email), (self.assessed, self.assessed_email)]
        spans["event_to_email"] = [m - e for e, m in emails if e is not None and m is not None]
        if (done := self.completed) is not None:
            spans["end_to_end"] = [done - f.sent_at]
        return spans


def journeys(
    filed: Iterable[FiledClaim], events: ClaimEvents, emails: dict[str, dict[str, float]]
) -> list[ClaimJourney]:
    found = []
    for claim in filed:
        if claim.claim_id is None:
            continue
        mail = emails.get(claim.claim_id, {})
        found.append(
            ClaimJourney(
                claim,
                events.created.get(claim.claim_id),
                events.assessed.get(claim.claim_id),
                mail.get("ClaimCreated"),
                mail.get("WarrantyAssessed"),
            )
        )
    return found


def percentile(values: Sequence[float], share: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 1)


def latency(values: Sequence[float]) -> dict[str, float | int | None]:
    return {
        "count": len(values),
        "p50_ms": _ms(percentile(values, 0.50)),
        "p95_ms": _ms(percentile(values, 0.95)),
        "p99_ms": _ms(percentile(values, 0.99)),
        "max_ms": _ms(max(values) if values else None),
    }


def _rate(instants: list[float]) -> float:
    """Completions per second from the first completion of a stage to its last."""
    if len(instants) < 2:
        return 0.0
    return round((len(instants) - 1) / (max(instants) - min(instants)), 1)


# A step is kept up with when its claims have both emails by this long after it ends: a queue
# growing through the step would still drain within a generous settle, so that is not enough.
KEPT_UP_WITHIN_SECONDS = 2.0


def phase_figures(
    name: str, filed: list[FiledClaim], found: list[ClaimJourney], start: float, end: float
) -> dict[str, Any]:
    """Per stage: latency percentiles, and claims/s completed while the phase offered load."""
    spans: dict[str, list[float]] = {stage: [] for stage in STAGES}
    for journey in found:
        for stage, values in journey.stage_seconds().items():
            spans[stage].extend(values)
    completed = [j.completed for j in found if j.completed is not None]
    ends = _stage_instants(found)
    return {
        "phase": name,
        "seconds": round(end - start, 2),
        "offered": len(filed),
        "created": sum(1 for c in filed if c.status == 201),
        "refused_or_failed": sum(1 for c in filed if c.status != 201),
        "completed_end_to_end": len(completed),
        "completed_by_end_plus_2s": sum(1 for t in completed if t <= end + KEPT_UP_WITHIN_SECONDS),
        "stages": {
            stage: {**latency(spans[stage]), "per_second": _rate(ends[stage])} for stage in STAGES
        },
    }


def kept_up(step: dict[str, Any], planned_seconds: float) -> bool:
    """A step of the search is sustained when every claim was created, the last answered by
    2 s after the step's planned end (a client kept waiting for answers offers less than its
    rate: the step then runs long, and its emails keep up with a lower rate than the one
    named), and 95 % of the claims have both emails by 2 s after the step."""
    return bool(
        step["refused_or_failed"] == 0
        and step["seconds"] <= planned_seconds + KEPT_UP_WITHIN_SECONDS
        and step["completed_by_end_plus_2s"] >= 0.95 * step["offered"]
    )


def cpu_per_claim(
    before: dict[str, float], after: dict[str, float], claims: int
) -> dict[str, float | None]:
    """CPU seconds per claim of each process between two samples. A process missing from the
    later one (it could not be read) has no figure rather than a wrong one; one missing only from
    the earlier one started in between and counts from 0."""
    names = [*after, *(name for name in before if name not in after)]
    return {
        name: round((after[name] - before.get(name, 0.0)) / claims, 4)
        if claims and name in after
        else None
        for name in names
    }


def table(report: dict[str, Any]) -> str:
    commit = "off (--fast-commit)" if report["settings"].get("fast_commit") else "on"
    lines = [f"PostgreSQL synchronous_commit: {commit}"]
    for phase in report["phases"]:
        lines.append(
            f"\n{phase['phase']}: {phase['created']} claims created of {phase['offered']} offered"
            f" in {phase['seconds']} s, {phase['completed_end_to_end']} completed end to end"
            f" ({phase['completed_by_end_plus_2s']} by {KEPT_UP_WITHIN_SECONDS:g} s after its end)"
        )
        lines.append(
            f"  {'stage':36} {'per s':>7} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9} {'n':>6}"
        )
        for stage in STAGES:
            s = phase["stages"][stage]
            lines.append(
                f"  {STAGE_NAMES[stage]:36} {s['per_second']:>7} {_cell(s['p50_ms'])} "
                f"{_cell(s['p95_ms'])} {_cell(s['p99_ms'])} {s['count']:>6}"
            )
    if counted := report.get("writes_per_claim"):
        lines += writes_lines(counted)
    lines.append(f"\nhighest sustained rate: {report['highest_sustained_rate']} claims/s offered")
    lines.append("\nhop capacity (backlog on the topic) against its raw baseline, same run:")
    for hop in report["hops"]:
        lines.append(
            f"  {hop['hop']:62} {hop['per_second']:>7}/s  baseline {hop['baseline']} "
            f"{hop['baseline_per_second']:>7}/s  ratio {hop['ratio']}"
        )
    lines.append("\nbaselines:")
    for base in report["baselines"]:
        cpu = base.get("cpu_seconds_per_item")
        lines.append(
            f"  {base['name']:36} {base['per_second']:>8}/s ({base['count']})"
            + ("" if cpu is None else f", CPU {cpu * 1000:.2f} ms each")
        )
    if create := report.get("create_path"):
        lines.append(f"\ncreate path, {create['in_flight']} in flight:")
        for side in ("claims", "baseline"):
            f = create[side]
            lines.append(
                f"  {side:10} {f['per_second']:>7}/s  CPU {f['cpu_seconds_per_claim']} s per claim"
                f"  HTTP p50 {f['http']['p50_ms']} ms, p99 {f['http']['p99_ms']} ms"
            )
    if scale := report.get("scale_out"):
        lines.append(f"\nscale-out, pinned {scale['pinned']}, load {scale['load_average']}:")
        for key in ("one_instance", "more_instances"):
            step = scale[key]
            lines.append(
                f"  {len(step['processes'])} processes: HTTP {step['http_per_second']}/s,"
                f" backlog {step['backlog_claims_per_second']} claims/s"
            )
        lines.append(f"  ratios: HTTP {scale['http_ratio']}, backlog {scale['backlog_ratio']}")
    if found := report.get("targets"):
        lines.append("\n" + targets.table(found))
    lines.append("\nprocess          peak RSS MB   CPU s per claim")
    cpu = report["cpu_seconds_per_claim"]
    for name, rss in report["peak_rss_mb"].items():
        lines.append(f"  {name:16} {rss:>10}   {cpu.get(name)}")
    return "\n".join(lines)


def writes_lines(counted: dict[str, Any]) -> list[str]:
    """PostgreSQL's and Kafka's work per claim created in the fixed phase (bench/writes.py)."""
    lines = [f"\nwrites per claim, {counted.get('phase')} ({counted['claims']} claims created):"]
    if postgres := counted.get("postgres"):
        wal = postgres.get("wal_bytes_cluster")
        lines.append(
            f"  PostgreSQL: {postgres['commits']:g} commits (read-only ones too), "
            f"{postgres['rows_written']:g} rows written"
            + ("" if wal is None else f", {wal:,.0f} WAL bytes (whole cluster)")
        )
        lines += [
            f"    {name:14} {d['commits']:>8g} commits {d['rows_written']:>8g} rows"
            for name, d in postgres["databases"].items()
        ]
    if kafka := counted.get("kafka"):
        lines.append(f"  Kafka: {kafka['messages']:g} messages on the platform's topics")
        lines += [f"    {topic:28} {n:>8g}" for topic, n in kafka["topics"].items() if n]
    return lines


def _cell(value: float | None) -> str:
    return f"{'-' if value is None else value:>9}"


def plot(found: list[ClaimJourney], report: dict[str, Any], path: Path) -> None:
    """Latency over time (p95 per second of filing) and throughput per stage per second."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not found:
        return
    origin = min(j.filed.sent_at for j in found)
    figure, (latencies, rates) = plt.subplots(2, 1, figsize=(11, 8), sharex=True)
    for stage in STAGES:
        buckets: dict[int, list[float]] = {}
        for journey in found:
            for value in journey.stage_seconds().get(stage, []):
                buckets.setdefault(int(journey.filed.sent_at - origin), []).append(value)
        seconds = sorted(buckets)
        p95 = [(percentile(buckets[s], 0.95) or 0) * 1000 for s in seconds]
        latencies.plot(seconds, p95, label=STAGE_NAMES[stage], linewidth=1, marker=".")
    latencies.set_yscale("symlog", linthresh=10)
    latencies.set_ylabel("p95 latency, ms (by second filed)")
    latencies.legend(fontsize=8)
    latencies.set_title(f"make bench, {report['machine']['cpus']} CPUs, {report['started_at']}")
    instants_by_stage = _stage_instants(found)
    last = int(max(max(i) for i in instants_by_stage.values() if i) - origin) + 1
    for stage, instants in instants_by_stage.items():
        counts = [0] * (last + 1)
        for t in instants:
            counts[int(t - origin)] += 1
        rates.step(range(last + 1), counts, where="post", label=STAGE_NAMES[stage], linewidth=1)
    backlog = [0] * (last + 1)
    for journey in found:
        done = journey.completed
        for second in range(int(journey.filed.sent_at - origin), last + 1):
            if done is None or second < done - origin:
                backlog[second] += 1
    backlog_axis = rates.twinx()
    backlog_axis.plot(range(last + 1), backlog, color="black", linestyle="--", linewidth=1)
    backlog_axis.set_ylabel("backlog (- -): claims filed, not yet both emails")
    for phase in report["phases"]:
        rates.axvline(phase["start"] - origin, color="grey", linestyle=":", linewidth=0.8)
        rates.text(
            phase["start"] - origin,
            0.98,
            f" {phase['phase']}",
            fontsize=7,
            rotation=90,
            va="top",
            transform=rates.get_xaxis_transform(),
        )
    rates.set_ylabel("completed per second")
    rates.set_xlabel("seconds since the first claim")
    rates.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _stage_instants(found: list[ClaimJourney]) -> dict[str, list[float]]:
    return {
        "http_create": [j.filed.responded_at for j in found],
        "commit_to_topic": [j.created for j in found if j.created is not None],
        "created_to_assessed": [j.assessed for j in found if j.assessed is not None],
        "event_to_email": [
            m for j in found for m in (j.created_email, j.assessed_email) if m is not None
        ],
        "end_to_end": [j.completed for j in found if j.completed is not None],
    }
