"""`python -m tools.bench`: run the benchmark and write its table, JSON and plot."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shared import topics
from shared.runtime import ensure_topics
from tools.bench import (
    backlog,
    baselines,
    compare,
    create_path,
    report,
    scale_out,
    targets,
    writes,
)
from tools.bench.customers import Customer, receipt_pdf, sign_up
from tools.bench.http_baseline import BaselineServer, prepare_database
from tools.bench.load import ClaimFiler, FiledClaim, at_rate, in_flight
from tools.bench.mailpit import MailboxReader
from tools.bench.observe import (
    EventRecorder,
    ProcessSampler,
    cpu_seconds_of,
    emails_accepted,
    poll_until,
)
from tools.bench.servers import (
    REPO,
    SERVICES,
    BenchError,
    Servers,
    ServiceFleet,
    SlotServers,
    grow_partitions,
    position_groups_at_end,
)
from tools.support.kafka import caught_up

# Every run prints these of its figures beside a reference run kept in the repository (the one
# measured in its conditions, targets.pick_reference).
REFERENCE_FIGURES = ("cpu_seconds_per_claim", "hops", "highest_sustained_rate")


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__)
    parser.add_argument("--slot", type=int, default=8, help="port slot, as RMA_TEST_SLOT (8)")
    parser.add_argument("--state-dir", type=Path, help="servers' state (.run/bench/slotN)")
    parser.add_argument("--out", type=Path, default=REPO / ".run" / "bench")
    parser.add_argument("--rate", type=float, default=20.0, help="fixed offered claims/s")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the fixed phase")
    parser.add_argument("--step-seconds", type=float, default=20.0, help="each step of the search")
    parser.add_argument("--max-steps", type=int, default=6, help="rate steps of the search")
    parser.add_argument("--in-flight", type=int, default=16, help="concurrency of the HTTP phase")
    parser.add_argument("--http-seconds", type=float, default=20.0)
    parser.add_argument("--backlog", type=int, default=1000, help="ClaimCreated events at once")
    parser.add_argument("--baseline-count", type=int, default=2000)
    parser.add_argument("--customers", type=int, default=16)
    parser.add_argument("--instances", type=int, default=1, help="of claims/warranty/notifications")
    parser.add_argument(
        "--partitions",
        type=int,
        help="of the topics (3 per instance: each instance has 3 partition workers)",
    )
    parser.add_argument("--keep-servers", action="store_true", help="leave Kafka etc. running")
    parser.add_argument(
        "--database-sslmode",
        choices=("prefer", "disable"),
        default="prefer",
        help="asyncpg's sslmode for the services and the baseline (prefer: TLS when offered)",
    )
    parser.add_argument(
        "--fast-commit",
        action="store_true",
        help="PostgreSQL sessions with synchronous_commit=off (a crash may lose the last "
        "commits), for comparison; by default on, as on a production server",
    )
    parser.add_argument(
        "--smoke", action="store_true", help="a ~20-second run that only shows the tool works"
    )
    arguments = parser.parse_args(argv)
    if arguments.smoke:
        arguments.rate, arguments.seconds, arguments.step_seconds = 5.0, 6.0, 4.0
        # HTTP in flight for 1 s each: the HTTP phase, POST /api/claims and its bare baseline.
        arguments.max_steps, arguments.http_seconds, arguments.in_flight = 1, 1.0, 4
        arguments.backlog, arguments.baseline_count, arguments.customers = 20, 100, 2
    if arguments.partitions is None:
        arguments.partitions = 3 * arguments.instances
    arguments.own_servers = arguments.state_dir is None
    arguments.state_dir = arguments.state_dir or REPO / ".run" / "bench" / f"slot{arguments.slot}"
    return arguments


def database_query(a: argparse.Namespace) -> str:
    """After each database's name, for the services and the baseline alike. asyncpg sends the
    query's other parameters as the session's settings: synchronous_commit holds whatever the
    server's default (the dev and test clusters run with off)."""
    commit = "off" if a.fast_commit else "on"
    return f"?sslmode={a.database_sslmode}&synchronous_commit={commit}"


@dataclass
class Run:
    arguments: argparse.Namespace
    servers: Servers
    recorder: EventRecorder
    sampler: ProcessSampler
    filer: ClaimFiler
    fleet: ServiceFleet
    mailbox: MailboxReader
    http_baseline: BaselineServer
    phases: list[dict[str, Any]] = field(default_factory=list)
    filed: list[FiledClaim] = field(default_factory=list)
    # PostgreSQL and Kafka writes per claim of the fixed phase (writes.per_claim).
    writes_per_claim: dict[str, Any] = field(default_factory=dict)

    async def write_counters(self) -> writes.Counters:
        """The fleet's databases' and the platform topics' counters (not the baselines')."""
        databases = {service: self.fleet.database_name(service) for service in SERVICES}
        return await writes.read_counters(
            self.servers.postgres_url, databases, self.servers.kafka_bootstrap
        )

    async def consumers_caught_up(self, timeout: float = 60.0) -> None:
        """Every service's group has committed what it reads: its writes are done (the emails
        alone do not show claims' reading of the verdicts)."""
        reading = {self.fleet.group(s): topics.CONSUMED_BY[s] for s in SERVICES}
        await writes.groups_caught_up(self.servers.kafka_bootstrap, reading, timeout)

    async def journeys(self, filed: list[FiledClaim]) -> list[report.ClaimJourney]:
        emails = await emails_accepted(self.mailbox, self.recorder.events)
        return report.journeys(filed, self.recorder.events, emails)

    async def settle(self, filed: list[FiledClaim], timeout: float) -> list[report.ClaimJourney]:
        """Wait (bounded) until every created claim of `filed` has both its emails."""
        return await poll_until(
            lambda: self.journeys(filed), lambda found: all(j.completed for j in found), timeout
        )

    async def phase(
        self, name: str, filed: list[FiledClaim], start: float, cpu: dict[str, float], settle: float
    ) -> dict[str, Any]:
        end = time.time()
        found = await self.settle(filed, settle)
        figures = report.phase_figures(name, filed, found, start, end)
        figures["start"] = start
        figures["cpu_seconds_per_claim"] = report.cpu_per_claim(
            cpu, self.sampler.sample().cpu, figures["created"]
        )
        self.phases.append(figures)
        self.filed.extend(filed)
        return figures


async def _fixed_and_search(run: Run) -> float | None:
    """The fixed rate, then rising rates until the pipeline no longer keeps up; the highest kept."""
    a = run.arguments
    # The warm-up's claims handled and their counts published before the first reading.
    await run.consumers_caught_up()
    counted = await run.write_counters()
    cpu, start = run.sampler.sample().cpu, time.time()
    filed = await at_rate(run.filer, "fixed", a.rate, a.seconds)
    fixed = await run.phase(f"fixed {a.rate:g}/s", filed, start, cpu, settle=max(120.0, a.seconds))
    await run.consumers_caught_up()
    run.writes_per_claim = {
        "phase": fixed["phase"],
        **writes.per_claim(counted, await run.write_counters(), fixed["created"]),
    }
    sustained, rate = None, a.rate
    for _ in range(a.max_steps):
        rate *= 1.5
        cpu, start = run.sampler.sample().cpu, time.time()
        filed = await at_rate(run.filer, "search", rate, a.step_seconds)
        step = await run.phase(f"search {rate:.0f}/s", filed, start, cpu, settle=10.0)
        if not report.kept_up(step, a.step_seconds):
            break
        sustained = rate
    return sustained


async def _http_phase(run: Run) -> None:
    a = run.arguments
    cpu, start = run.sampler.sample().cpu, time.time()
    filed = await in_flight(run.filer, f"http {a.in_flight} in flight", a.in_flight, a.http_seconds)
    await run.phase(
        f"http {a.in_flight} in flight", filed, start, cpu, settle=max(60.0, 3 * a.http_seconds)
    )


async def _create_path(run: Run) -> dict[str, Any]:
    """POST /api/claims with warranty and notifications stopped, and the bare HTTP baseline with
    every service stopped, in alternating windows: the same customers, in flight and seconds
    for each (issue 27, item 2)."""
    a, fleet = run.arguments, run.fleet
    claims_names = [name for name in fleet.processes if name.split("#")[0] == "claims"]
    windows = create_path.rounds(a.http_seconds)
    seconds = a.http_seconds / windows
    pid = run.http_baseline.wait_ready()
    filer = run.filer.aimed_at([run.http_baseline.url])
    claims: list[create_path.Filing] = []
    baseline: list[create_path.Filing] = []
    try:
        await filer.warm_up(1)
        with fleet.paused("warranty", "notifications"):
            for _ in range(windows):
                claims.append(
                    await create_path.file_for(
                        lambda: in_flight(run.filer, "create path", a.in_flight, seconds),
                        lambda: create_path.cpu_of(run.sampler.sample().cpu, claims_names),
                    )
                )
                with fleet.paused("claims", "accounts"):
                    baseline.append(
                        await create_path.file_for(
                            lambda: in_flight(filer, "http baseline", a.in_flight, seconds),
                            lambda: cpu_seconds_of(pid),
                        )
                    )
    finally:
        await filer.close()
        run.http_baseline.stop()
    ours, floor = create_path.Filing.joined(claims), create_path.Filing.joined(baseline)
    run.filed.extend(ours.filed)
    return create_path.figures(ours, floor, a.in_flight, windows)


def _http_baseline(servers: Servers, fleet: ServiceFleet, out: Path) -> BaselineServer:
    database = f"{servers.postgres_url}/rma_bench_{fleet.run_id}_http_baseline"
    return BaselineServer(
        database + fleet.database_query,
        fleet.base_port + 40,
        servers.state_dir / "keys" / "token_public.pem",
        out / "logs" / fleet.run_id / "http_baseline.log",
    )


async def _scale_out(run: Run) -> dict[str, Any]:
    a = run.arguments
    found, filed = await scale_out.measure(
        scale_out.ScaleOut(
            fleet=run.fleet,
            sampler=run.sampler,
            filer=run.filer,
            events=run.recorder.events,
            mailbox=run.mailbox,
            kafka_bootstrap=run.servers.kafka_bootstrap,
            settle=run.settle,
            in_flight=a.in_flight,
            http_seconds=a.http_seconds,
            backlog_events=a.backlog,
        )
    )
    run.filed.extend(filed)
    return found


async def _backlog_phase(run: Run) -> dict[str, Any]:
    a, events = run.arguments, run.recorder.events
    if events.sample_created is None:
        raise BenchError("no ClaimCreated seen on the topic: the pipeline did not run")
    # From an idle pipeline: emails still owed from the phases before would count against it.
    await run.settle(run.filed, timeout=600.0)
    cpu, start = run.sampler.sample().cpu, time.time()
    claim_ids = await backlog.publish_backlog(
        run.servers.kafka_bootstrap, events.sample_created, a.backlog
    )
    assessed, emails = await backlog.drain_backlog(
        claim_ids, events, run.mailbox, timeout=max(120.0, a.backlog / 2)
    )

    return {
        "events": a.backlog,
        "assessed": len(assessed),
        "emails": len(emails),
        "warranty_per_second": _rate_since(start, assessed),
        "notifications_emails_per_second": _rate_since(start, emails),
        "cpu_seconds_per_claim": report.cpu_per_claim(cpu, run.sampler.sample().cpu, a.backlog),
    }


def _rate_since(start: float, instants: list[float]) -> float:
    return round(len(instants) / (max(instants) - start), 1) if instants else 0.0


async def _hops_alone(run: Run) -> dict[str, Any]:
    """Each consumer hop on a backlog with the other consumers stopped, as its baseline runs:
    warranty alone, then notifications alone on the two emails of each claim (claims, which
    also reads the verdicts, stopped throughout and caught up after)."""
    a, events, fleet = run.arguments, run.recorder.events, run.fleet
    assert events.sample_created is not None
    with fleet.paused("claims"):
        with fleet.paused("notifications"):
            cpu, start = run.sampler.sample().cpu, time.time()
            claim_ids = await backlog.publish_backlog(
                run.servers.kafka_bootstrap, events.sample_created, a.backlog
            )
            assessed = await backlog.drain_assessed(claim_ids, events, max(120.0, a.backlog / 2))
            warranty_cpu = report.cpu_per_claim(cpu, run.sampler.sample().cpu, a.backlog)
        with fleet.paused("warranty"):
            cpu, resumed = run.sampler.sample().cpu, time.time()
            _, emails = await backlog.drain_backlog(
                claim_ids, events, run.mailbox, timeout=max(120.0, a.backlog)
            )
            notifications_cpu = report.cpu_per_claim(cpu, run.sampler.sample().cpu, a.backlog)
    await caught_up(run.servers.kafka_bootstrap, fleet.group("claims"), [topics.WARRANTY], 600.0)
    return {
        "events": a.backlog,
        "assessed": len(assessed),
        "emails": len(emails),
        "warranty_per_second": _rate_since(start, assessed),
        "notifications_emails_per_second": _rate_since(resumed, emails),
        "warranty_cpu_seconds_per_claim": warranty_cpu,
        "notifications_cpu_seconds_per_claim": notifications_cpu,
    }


async def _baselines(run: Run) -> list[baselines.Baseline]:
    a, servers, events = run.arguments, run.servers, run.recorder.events
    assert events.sample_created is not None
    found = await baselines.kafka_to_postgres(
        servers.kafka_bootstrap,
        servers.postgres_url,
        events.sample_created,
        count=a.baseline_count,
        partitions=a.partitions,
        seconds=30.0,
        database_query=run.fleet.database_query,
    )
    message_ids = [
        f"<{event_id}@rma.innpro.example>" for event_id in list(events.by_event)[: a.baseline_count]
    ]
    emails = await baselines.delivered_emails(servers.mailbox_url, message_ids)
    found += await baselines.smtp(servers.smtp_port, emails, seconds=30.0)
    return found


def _hops(
    together: dict[str, Any], alone: dict[str, Any], bases: list[baselines.Baseline]
) -> list[dict[str, Any]]:
    by_name = {b.name: b.per_second for b in bases}
    warranty, emails = "warranty_per_second", "notifications_emails_per_second"
    pairs = (
        (
            "ClaimCreated -> WarrantyAssessed (warranty alone)",
            alone[warranty],
            baselines.PER_MESSAGE,
        ),
        (
            "ClaimCreated -> WarrantyAssessed (warranty alone) vs batched",
            alone[warranty],
            baselines.BATCHED,
        ),
        (
            "ClaimCreated -> WarrantyAssessed (with notifications)",
            together[warranty],
            baselines.PER_MESSAGE,
        ),
        ("event -> email accepted (notifications alone)", alone[emails], baselines.PER_EMAIL),
        (
            "event -> email accepted (notifications alone) vs pooled SMTP",
            alone[emails],
            baselines.POOLED,
        ),
        ("event -> email accepted (with warranty)", together[emails], baselines.PER_EMAIL),
    )
    return [
        {
            "hop": hop,
            "per_second": rate,
            "baseline": name,
            "baseline_per_second": round(by_name.get(name, 0.0), 1),
            "ratio": round(rate / by_name[name], 2) if by_name.get(name) else None,
        }
        for hop, rate, name in pairs
    ]


def _machine() -> dict[str, Any]:
    """The machine, and its load as the run starts (before its servers and services do)."""
    load = os.getloadavg()
    return {
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "python": platform.python_version(),
        "load_average_at_start": [round(x, 2) for x in load],
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


@dataclass(frozen=True)
class Start:
    at: str
    machine: dict[str, Any]


async def _measure(run: Run, start: Start) -> dict[str, Any]:
    a = run.arguments
    sustained = await _fixed_and_search(run)
    await _http_phase(run)
    creating = await _create_path(run)
    capacity = await _backlog_phase(run)
    alone = await _hops_alone(run)
    bases = await _baselines(run)
    figures: dict[str, Any] = {
        "started_at": start.at,
        "machine": {
            **start.machine,
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "settings": {
            key: str(value) if isinstance(value, Path) else value for key, value in vars(a).items()
        },
        "phases": run.phases,
        "highest_sustained_rate": sustained,
        "create_path": creating,
        "backlog": capacity,
        "backlog_hops_alone": alone,
        "baselines": [b.figures() for b in bases],
        "hops": _hops(capacity, alone, bases),
        "peak_rss_mb": {
            name: round(rss / 2**20, 1) for name, rss in run.sampler.peak_rss().items()
        },
        "cpu_seconds_per_claim": run.phases[0]["cpu_seconds_per_claim"],
        "writes_per_claim": run.writes_per_claim,
        # Servers that another process took over during the run (a restart): their CPU goes on.
        "servers_replaced": run.sampler.replaced,
    }
    if a.instances > 1:
        figures["scale_out"] = await _scale_out(run)
    reference = _reference_for(figures)
    figures["targets"] = targets.targets(figures, reference)
    figures["item_5"] = targets.against_reference(figures, reference)
    figures["notifications_cpu_per_email"] = targets.notifications_cpu_per_email(figures)
    found = await run.journeys(run.filed)
    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "bench.json").write_text(json.dumps(figures, indent=1))
    report.plot(found, figures, a.out / "bench.png")
    return figures


def _reference_for(figures: dict[str, Any]) -> dict[str, Any] | None:
    path = targets.pick_reference(figures, targets.reference_runs())
    return None if path is None else dict(json.loads(path.read_text()))


async def _run(
    a: argparse.Namespace,
    servers: Servers,
    fleet: ServiceFleet,
    recorder: EventRecorder,
    customers: list[Customer],
    http_baseline: BaselineServer,
    start: Start,
) -> dict[str, Any]:
    filer = ClaimFiler(fleet.urls_of("claims"), customers, receipt_pdf())
    try:
        await filer.warm_up(len(customers))
        sampler = ProcessSampler.for_run(
            {name: process.pid for name, process in fleet.processes.items()},
            servers.kafka_port,
            servers.postgres_port,
            servers.smtp_port,
        )
        await sampler.start()
        mailbox = MailboxReader(servers.mailbox_url)
        run = Run(a, servers, recorder, sampler, filer, fleet, mailbox, http_baseline)
        try:
            return await _measure(run, start)
        finally:
            await sampler.stop()
    finally:
        await filer.close()


async def bench(a: argparse.Namespace) -> dict[str, Any]:
    start = Start(datetime.now(UTC).isoformat(timespec="seconds"), _machine())
    slot_servers = SlotServers(a.slot, a.state_dir, own=a.own_servers)
    servers = slot_servers.up()
    servers.use_kafka_admin()
    fleet = ServiceFleet(
        servers,
        base_port=18051 + 100 * a.slot,
        instances=a.instances,
        partitions=a.partitions,
        database_query=database_query(a),
    )
    try:
        await ensure_topics(servers.kafka_bootstrap, partitions=a.partitions)
        if a.instances > 1:
            await grow_partitions(servers.kafka_bootstrap, topics.ALL, a.partitions)
        await position_groups_at_end(servers.kafka_bootstrap, [fleet.group(s) for s in SERVICES])
        # The other instances join in the scale-out phase, the last one.
        fleet.start(a.out / "logs" / fleet.run_id, fleet.first_instances())
        recorder = EventRecorder(servers.kafka_bootstrap)
        await recorder.start()
        # The bare HTTP baseline's database is made beside the sign-up, its process started
        # beside the warm-up.
        http_baseline = _http_baseline(servers, fleet, a.out)
        customers, _ = await asyncio.gather(
            sign_up(
                servers.kafka_bootstrap, fleet.url("accounts"), servers.mailbox_url, a.customers
            ),
            prepare_database(http_baseline.database_url),
        )
        http_baseline.launch()
        try:
            return await _run(a, servers, fleet, recorder, customers, http_baseline, start)
        finally:
            http_baseline.stop()
            await recorder.stop()
    finally:
        fleet.stop()
        if not a.keep_servers:
            slot_servers.down()


def main(argv: list[str] | None = None) -> None:
    arguments = parse_arguments(argv)
    try:
        figures = asyncio.run(bench(arguments))
    except BenchError as error:
        raise SystemExit(f"bench: {error}") from None
    print(report.table(figures))
    if (path := targets.pick_reference(figures, targets.reference_runs())) is not None:
        print(f"\nagainst the reference run ({path.relative_to(REPO)}):")
        print(compare.render(json.loads(path.read_text()), figures, only=REFERENCE_FIGURES))
        if figures["item_5"].get("reference") is not None:
            print(targets.describe_reference(figures["item_5"]))
    print(f"\n{arguments.out / 'bench.json'}\n{arguments.out / 'bench.png'}")
