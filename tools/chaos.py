"""`make chaos`: faults one at a time under a steady load of real claims, then exact counts.

    python -m tools.chaos [--short] [--rate 1.0] [--only PHASE] [--out .run/chaos]
    make chaos [KAFKA_NODES=3] [RATE=R] [ONLY=PHASE]  (RMA_TEST_SLOT=N: the ports of slot N)

It starts the servers as `make test` does (Kafka, PostgreSQL and Mailpit on the test ports
of RMA_TEST_SLOT, all on 127.0.0.1; `make chaos` keeps their state in .run/chaos/servers-N,
N the Kafka nodes: one, or a cluster of RMA_TEST_KAFKA_NODES=3 whose topics the services
create with replication 3 and min.insync.replicas 2) and the four services as processes, files
claims through
`POST /api/claims` at a steady rate (each with an Idempotency-Key, retried with the same key
until acknowledged) and, one phase at a time:
- kills each service with kill -9 and starts it again;
- kills claims with kill -9 during a burst of four times the rate, while every client retries
  with its key until answered; then sends every acknowledged request again with its key: each
  must get its own claim back, and no claim may be stored that no client was told about;
- kills the broker with kill -9 and starts it again; of three nodes, kills one and leaves it
  down for a minute while the claims go on;
- stops PostgreSQL for 20 s;
- makes the SMTP server refuse the next 200 messages (451);
- makes it refuse every message for 5 minutes (451), notifications running with its production
  backoff settings (its defaults, up to 600 s between tries, not the run's 3 s): every e-mail
  must arrive within 30 s of the server's return;
- kills notifications in the moment the SMTP server has accepted a message (an SMTP relay
  holds the server's answer back, so the kill lands in that window every time).

After each fault it stops filing, waits for the backlog to drain and counts, per claim filed in
that phase: acknowledged to the client, stored, ClaimCreated on the topic, WarrantyAssessed,
e-mails, e-mails per Message-ID. It prints a table (expected, arrived, lost, duplicated,
recovery time), writes it to OUT/report.md and OUT/report.json, and exits non-zero on any loss,
any duplicate e-mail (but the one repeat the acceptance kill may cause, see
services/notifications/delivery.py), an e-mail later than 30 s after the long SMTP refusal,
or any service that needed a restart it was not given. `--only 'burst|5 min'` runs the phases
whose name contains either text. `--short` (CI's version, tests/e2e/test_reliability.py) runs
the claims kill during a burst and one broker restart. The whole run is bounded (22 minutes)
and stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from tools.chaos_parts import Lane, Load, Pipeline, Report, Watcher, make_lanes
from tools.support.stack import KAFKA_NODES

DEADLINE_SECONDS = 22 * 60
DRAIN_SECONDS = 240.0
READY_SECONDS = 90.0
ONE_NODE_DOWN_SECONDS = 60.0
SMTP_OUTAGE_SECONDS = 5 * 60.0
# Every e-mail of the long SMTP refusal's phase arrives within this after the server's return.
AFTER_SMTP_RETURN_SECONDS = 30.0
OUTAGE_PHASE = "SMTP refuses every message for 5 min (451), production backoff"
# E-mails a kill of notifications may repeat, once each: those in flight (RMA_SMTP_CONNECTIONS,
# 4) and those accepted and waiting for their group's mark (at most 16).
REPEATS_AFTER_A_KILL = 4 + 16


@dataclass
class Phase:
    name: str
    # Injects the fault; returns when the SMTP server accepted again, where that is promised.
    inject: Callable[[list[Lane]], Awaitable[datetime | None]]
    repeats_allowed: int = 0  # e-mails that may go out twice (never thrice), same Message-ID
    burst: float = 1.0  # claims filed at this many times the run's rate
    # Afterwards every acknowledged claim's request is sent again with its key: each must get
    # its own claim back, and none may file another.
    resend_keys: bool = False
    # Notifications runs the phase with its production SMTP backoff (its defaults).
    production_backoff: bool = False


@dataclass
class Chaos:
    pipeline: Pipeline
    rate: float
    phases: list[Phase] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)
    manual_restarts: list[str] = field(default_factory=list)

    async def run(self) -> list[Report]:
        lanes = await make_lanes(self.pipeline, count=4)
        async with Watcher(self.pipeline) as watcher:
            for phase in self.phases:
                self.reports.append(await self._phase(phase, lanes, watcher))
        return self.reports

    async def _phase(self, phase: Phase, lanes: list[Lane], watcher: Watcher) -> Report:
        print(f"chaos: {phase.name}", flush=True)
        if phase.production_backoff:
            await self.pipeline.notifications_backoff(production=True)
        started = datetime.now(UTC)
        load = Load(self.pipeline, lanes, self.rate * phase.burst)
        filing = asyncio.create_task(load.run())
        await asyncio.sleep(4 if phase.burst == 1 else 2)
        server_back = await phase.inject(lanes)
        fault_over = time.monotonic()
        await asyncio.sleep(4)
        load.stop()
        await filing
        counts = await watcher.drain(load.claims, timeout=DRAIN_SECONDS)
        recovery = time.monotonic() - fault_over
        for service in await self.pipeline.not_ready(READY_SECONDS):
            self.manual_restarts.append(f"{service} after {phase.name}")
            await asyncio.to_thread(self.pipeline.restart, service)
        limit = AFTER_SMTP_RETURN_SECONDS if server_back else None
        report = Report.of(
            phase.name, load, counts, recovery, phase.repeats_allowed, server_back, limit
        )
        if phase.resend_keys:
            report.keys_resent, report.resent_other_answer = await load.resend_acknowledged()
        report.stored_unacknowledged = await watcher.stored_since(lanes, started) - len(counts)
        if phase.production_backoff:
            await self.pipeline.notifications_backoff(production=False)
        print(Report.table([report]), flush=True)
        return report


def phases(pipeline: Pipeline, short: bool) -> list[Phase]:
    def kill(service: str) -> Phase:
        async def inject(_lanes: list[Lane]) -> None:
            pipeline.kill(service)
            await asyncio.to_thread(pipeline.restart, service)

        # A kill at a random moment may land between the SMTP server's acceptance and the mark
        # of any email in flight (RMA_SMTP_CONNECTIONS, 4) or accepted and waiting for its
        # group's mark (16, services/notifications/delivery.py): each goes out once more.
        return Phase(
            f"kill -9 {service}", inject, REPEATS_AFTER_A_KILL if service == "notifications" else 0
        )

    async def broker(_lanes: list[Lane]) -> None:
        await pipeline.kill_broker()

    async def one_node(_lanes: list[Lane]) -> None:
        # The claims go on meanwhile: the producers' acks=all writes need two of three.
        await pipeline.kill_broker(node=1, down_for=ONE_NODE_DOWN_SECONDS)

    broker_phase = (
        Phase(f"kill -9 one of {KAFKA_NODES} Kafka nodes, down 60 s", one_node)
        if KAFKA_NODES >= 3
        else Phase("kill -9 Kafka, restart", broker)
    )

    async def database(_lanes: list[Lane]) -> None:
        await pipeline.stop_database(seconds=20)

    async def refusals(_lanes: list[Lane]) -> None:
        await pipeline.mailbox.fail_next(200, code=451)

    async def outage(_lanes: list[Lane]) -> datetime:
        return await pipeline.refuse_mail_for(SMTP_OUTAGE_SECONDS)

    async def after_acceptance(lanes: list[Lane]) -> None:
        await pipeline.kill_after_acceptance("notifications", lanes[0].email)

    claims_burst = replace(
        kill("claims"), name="kill -9 claims during a burst (4x), keys retried", burst=4.0,
        resend_keys=True,
    )  # fmt: skip
    if short:
        return [claims_burst, broker_phase]
    return [
        *(kill(service) for service in ("accounts", "claims", "warranty", "notifications")),
        claims_burst,
        broker_phase,
        Phase("PostgreSQL stopped 20 s", database),
        Phase("SMTP refuses 200 messages (451)", refusals),
        Phase(OUTAGE_PHASE, outage, production_backoff=True),
        # The held email goes out again, and so may any other the server accepted in the same
        # instant whose mark had not landed (a gathered batch's emails leave together, their
        # marks grouped), as in a kill at a random moment.
        Phase(
            "kill -9 notifications after SMTP acceptance",
            after_acceptance,
            repeats_allowed=REPEATS_AFTER_A_KILL,
        ),
    ]


def chosen_by(only: str, name: str) -> bool:
    return any(text.strip() and text.strip() in name for text in only.split("|"))


def verdict(reports: list[Report], manual_restarts: list[str]) -> list[str]:
    problems = [problem for report in reports for problem in report.problems()]
    return problems + [f"needed a restart: {what}" for what in manual_restarts]


def write(
    out: Path, reports: list[Report], problems: list[str], load: tuple[float, ...] | None = None
) -> str:
    """The table and verdict to OUT/report.md and .json, with the machine's load average at the
    end (1, 5 and 15 min): a shared machine's neighbours move every figure."""
    out.mkdir(parents=True, exist_ok=True)
    load = load or os.getloadavg()
    machine = {"cpus": os.cpu_count(), "load_average_at_end": [round(x, 2) for x in load]}
    table = Report.table(reports)
    text = table + "\n" + ("\n".join(f"- {p}" for p in problems) or "No loss, no duplicate.")
    averages = ", ".join(f"{x:.1f}" for x in load)
    text += f"\nLoad average at the end: {averages} on {os.cpu_count()} CPUs."
    (out / "report.md").write_text(text + "\n")
    report = {"phases": [asdict(r) for r in reports], "problems": problems, "machine": machine}
    (out / "report.json").write_text(json.dumps(report, indent=1))
    return text


async def run_chaos(
    pipeline: Pipeline,
    *,
    short: bool,
    rate: float,
    deadline: float = DEADLINE_SECONDS,
    only: str | None = None,
) -> tuple[list[Report], list[str]]:
    """The phases' reports (those finished before the deadline) and what went wrong; `only`:
    the phases whose name contains it (or one of its texts between `|`)."""
    chosen = [p for p in phases(pipeline, short) if only is None or chosen_by(only, p.name)]
    chaos = Chaos(pipeline, rate, chosen)
    late = []
    try:
        async with asyncio.timeout(deadline):
            await chaos.run()
    except TimeoutError:
        done = len(chaos.reports)
        late = [f"deadline of {deadline:.0f} s reached after {done} of {len(chaos.phases)} phases"]
    return chaos.reports, verdict(chaos.reports, chaos.manual_restarts) + late


async def main_async(args: argparse.Namespace) -> int:
    pipeline = await Pipeline.start_own(relay_smtp=not args.short)
    try:
        reports, problems = await run_chaos(
            pipeline, short=args.short, rate=args.rate, deadline=args.deadline, only=args.only
        )
    finally:
        await pipeline.stop_own()
    print(write(Path(args.out), reports, problems))
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.chaos", description=__doc__)
    parser.add_argument(
        "--short", action="store_true", help="the claims kill in a burst, one broker restart"
    )
    parser.add_argument("--rate", type=float, default=1.0, help="claims filed per second")
    parser.add_argument("--out", default=".run/chaos", help="where the report goes")
    parser.add_argument(
        "--only", help="run only the phases whose name contains this ('burst|5 min': either)"
    )
    parser.add_argument(
        "--deadline", type=float, default=DEADLINE_SECONDS, help="seconds the run may take"
    )
    args = parser.parse_args(argv)
    # The watcher's own Kafka clients would print every retry while the broker is down.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    # A Ctrl-C still stops the services this run started.
    signal.signal(signal.SIGTERM, lambda *_: os.kill(os.getpid(), signal.SIGINT))
    sys.exit(asyncio.run(main_async(args)))


if __name__ == "__main__":
    main()
