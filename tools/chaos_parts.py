"""The pieces of `make chaos` (tools/chaos.py): the running pipeline and its faults, the claim
load, the watcher that counts what arrived, and the report.

The servers and service processes are the test suite's own (tools/support), so that the chaos
run starts everything exactly as `make test` does, on the same 127.0.0.1 test ports.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx

from services.notifications.settings import NotificationsSettings
from shared import topics
from shared.auth import Principal, issue_token
from shared.events import (
    DocumentLinked,
    DocumentLinkedData,
    SaleRecorded,
)
from tools.support.days import polish_today
from tools.support.kafka import TopicProbe, publish
from tools.support.mailbox import Mailbox
from tools.support.sales import dji_drone_sale
from tools.support.services import RunningServices
from tools.support.smtp_relay import SmtpRelay
from tools.support.stack import (
    KAFKA_NODES,
    STATE_DIR,
    Stack,
    run_script,
    start_local_stack,
    start_postgres,
    stop_postgres,
)

SERVERS = ("kafka", "postgres", "mailpit")
PDF = ("paragon.pdf", b"%PDF-1.4\n% a receipt\n", "application/pdf")
MESSAGE_ID_DOMAIN = "rma.innpro.example"
# Where the unit goes back to: the claims API wants one with every claim (the chaos customers
# keep none on an account).
# The chaos run's notifications settings: backoff capped low enough that 200 refusals drain
# within a phase (a phase files a dozen claims, whose two dozen e-mails take all 200; at 15 s,
# 8 were still being refused when the 240 s drain ran out). The phase of the long refusal
# runs without them, on the service's own (production) defaults.
SHORT_BACKOFF = {"RMA_SMTP_MAX_RETRY_SECONDS": "3", "RMA_SMTP_TIMEOUT_SECONDS": "5"}
# The service's own defaults, also for the first retry (the test environment shortens it).
PRODUCTION_BACKOFF = {
    f"RMA_{name.upper()}": str(NotificationsSettings.model_fields[name].default)
    for name in (
        "smtp_first_retry_seconds",
        "smtp_max_retry_seconds",
        "smtp_timeout_seconds",
        "smtp_probe_seconds",
    )
}
RETURN_ADDRESS = {
    "return_recipient": "Klient Chaos",
    "return_street": "ul. Zielona 5",
    "return_postal_code": "44-200",
    "return_city": "Rybnik",
}


# --- the pipeline and its faults ----------------------------------------------------------------


@dataclass
class Pipeline:
    stack: Stack
    services: RunningServices
    mailbox: Mailbox
    relay: SmtpRelay | None = None
    started_servers: list[str] = field(default_factory=list)
    owned: bool = False

    @classmethod
    async def start_own(cls, *, relay_smtp: bool) -> Pipeline:
        """Servers (those not running yet) and the four services, as `make test` starts them."""
        down = [s for s in SERVERS if not await asyncio.to_thread(_answers, s)]
        stack = await asyncio.to_thread(start_local_stack)
        services = RunningServices(stack)
        if KAFKA_NODES >= 3:
            # As `make run KAFKA_NODES=3`: an acks=all write survives one node down.
            for service in ("accounts", "claims", "warranty", "notifications"):
                services.overrides[service] = {
                    "RMA_TOPIC_REPLICATION_FACTOR": "3",
                    "RMA_TOPIC_MIN_INSYNC_REPLICAS": "2",
                }
        notifications = dict(SHORT_BACKOFF)
        relay = None
        if relay_smtp:
            relay = await SmtpRelay(stack.smtp_host, stack.smtp_port).start()
            notifications |= {"RMA_SMTP_HOST": "127.0.0.1", "RMA_SMTP_PORT": str(relay.port)}
        services.overrides["notifications"] = {
            **services.overrides.get("notifications", {}),
            **notifications,
        }
        await asyncio.to_thread(services.start_all)
        return cls(stack, services, Mailbox(stack.mailbox_url), relay, down, owned=True)

    async def stop_own(self) -> None:
        if not self.owned:
            return
        await asyncio.to_thread(self.services.stop_all)
        if self.relay is not None:
            await self.relay.stop()
        for server in reversed(self.started_servers):
            await asyncio.to_thread(run_script, f"{server}.sh", "down")

    def kill(self, service: str) -> None:
        self.services.kill(service)

    def restart(self, service: str) -> None:
        self.services.stop(service)
        self.services.start(service)
        self.services.wait_healthy(service, timeout=120)

    async def kill_broker(self, node: int | None = None, down_for: float = 0.0) -> None:
        """kill -9 one Kafka node, or every one (kafka.sh keeps one folder per node), leave it
        down for `down_for` seconds, then start it again."""
        pid_files = sorted((STATE_DIR / "kafka").glob("node-*/kafka.pid"))
        if node is not None:
            pid_files = [f for f in pid_files if f.parent.name == f"node-{node}"]
        pids = [int(f.read_text()) for f in pid_files]
        if not pids:
            raise RuntimeError(f"no Kafka node's pid file under {STATE_DIR / 'kafka'}")
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        for pid in pids:
            await asyncio.to_thread(_wait_gone, pid)
        await asyncio.sleep(down_for)
        await asyncio.to_thread(run_script, "kafka.sh", "up")

    async def stop_database(self, seconds: float) -> None:
        await asyncio.to_thread(stop_postgres)
        await asyncio.sleep(seconds)
        await asyncio.to_thread(start_postgres)

    async def notifications_backoff(self, *, production: bool) -> None:
        """Restart notifications with the service's default SMTP backoff, or the run's short one."""
        settings = self.services.overrides.setdefault("notifications", {})
        for name in PRODUCTION_BACKOFF:
            settings.pop(name, None)
        settings |= PRODUCTION_BACKOFF if production else SHORT_BACKOFF
        await asyncio.to_thread(self.restart, "notifications")

    async def refuse_mail_for(self, seconds: float, code: int = 451) -> datetime:
        """The SMTP server refuses every message for `seconds`; returns when it accepted again."""
        await self.mailbox.refuse(code)
        try:
            await asyncio.sleep(seconds)
        finally:
            await self.mailbox.accept()
        return datetime.now(UTC)

    async def kill_after_acceptance(self, service: str, address: str) -> None:
        if self.relay is None:
            raise RuntimeError("the acceptance kill needs notifications behind the SMTP relay")
        self.relay.hold_acceptance_for(address)
        await self.relay.wait_held(timeout=120)
        self.kill(service)
        self.relay.release()
        await asyncio.to_thread(self.restart, service)

    async def not_ready(self, timeout: float) -> list[str]:
        """Services that do not become ready on their own within `timeout`."""
        deadline = time.monotonic() + timeout
        waiting = set(self.services.processes)
        async with httpx.AsyncClient(timeout=2) as client:
            while waiting and time.monotonic() < deadline:
                for service in list(waiting):
                    with contextlib.suppress(httpx.HTTPError):
                        answer = await client.get(f"{self.services.url(service)}/ready")
                        if answer.status_code == 200:
                            waiting.discard(service)
                await asyncio.sleep(0.5)
        crashed = [s for s, p in self.services.processes.items() if p.poll() is not None]
        return sorted(waiting | set(crashed))


def _answers(server: str) -> bool:
    try:
        run_script(f"{server}.sh", "status")
    except RuntimeError:
        return False
    return True


def _wait_gone(pid: int) -> None:
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)


# --- customers and the claim load ---------------------------------------------------------------


@dataclass(frozen=True)
class Lane:
    """One customer with one purchase document, filing claim after claim on its line 1.

    A unit has one open claim at most: each claim names a unit of its own (the lane's serial
    and a random suffix), and the sale lists no serial numbers, so the claims API takes any.
    """

    account_id: uuid.UUID
    email: str
    document_number: str
    serial: str
    headers: dict[str, str]


async def make_lanes(pipeline: Pipeline, count: int) -> list[Lane]:
    lanes = []
    private_key = (pipeline.stack.keys_dir / "token_private.pem").read_bytes()
    for _ in range(count):
        account_id, number = uuid.uuid4(), f"2026/CH{uuid.uuid4().hex[:8].upper()}"
        serial = f"1581F{number[-8:]}"
        token = issue_token(private_key, Principal(subject=account_id, role="customer"))
        lane = Lane(
            account_id,
            f"chaos.{account_id.hex[:10]}@example.com",
            number,
            serial,
            {"Authorization": f"Bearer {token}"},
        )
        await publish(pipeline.stack.kafka_bootstrap, _sale(lane))
        await publish(pipeline.stack.kafka_bootstrap, _linked(lane))
        lanes.append(lane)
    await _wait_documents(pipeline, lanes)
    return lanes


def _sale(lane: Lane) -> SaleRecorded:
    sold_on = polish_today() - timedelta(days=60)
    return dji_drone_sale(lane.document_number, sold_on, buyer="Klient Chaos", delivered_on=sold_on)


def _linked(lane: Lane) -> DocumentLinked:
    data = DocumentLinkedData(
        account_id=lane.account_id,
        account_type="private",
        email=lane.email,
        document_type="PA",
        document_number=lane.document_number,
    )
    return DocumentLinked(producer="accounts", key=str(lane.account_id), data=data)


async def _wait_documents(pipeline: Pipeline, lanes: list[Lane], timeout: float = 120) -> None:
    numbers = [lane.document_number for lane in lanes]
    conn = await asyncpg.connect(pipeline.services.database_url("claims"))
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            linked = await conn.fetchval(
                """SELECT count(*) FROM document_owners o JOIN sales_documents d
                   USING (document_type, document_number) WHERE o.document_number = ANY($1)""",
                numbers,
            )
            if linked == len(lanes):
                return
            await asyncio.sleep(0.3)
        raise RuntimeError("the claims service never learnt the customers' documents")
    finally:
        await conn.close()


class Load:
    """Files claims at a steady rate; each is retried with its Idempotency-Key until answered."""

    def __init__(self, pipeline: Pipeline, lanes: list[Lane], rate: float) -> None:
        self._url = pipeline.services.url("claims")
        self._lanes = lanes
        self._interval = 1.0 / rate
        self._stopping = asyncio.Event()
        self.filed = 0
        self.claims: dict[str, Lane] = {}
        self.unanswered = 0
        self.refused: list[str] = []
        # Retries answered from their key (`Idempotent-Replayed`): the first try's claim.
        self.replayed = 0
        # Each acknowledged claim's request (its form and headers, with the key).
        self.requests: dict[str, tuple[dict[str, str], dict[str, str]]] = {}

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        async with httpx.AsyncClient(base_url=self._url, timeout=10) as client:
            filing: set[asyncio.Task[None]] = set()
            while not self._stopping.is_set():
                lane = self._lanes[self.filed % len(self._lanes)]
                self.filed += 1
                filing.add(asyncio.create_task(self._file(client, lane)))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self._interval)
            await asyncio.gather(*filing)

    async def _file(self, client: httpx.AsyncClient, lane: Lane) -> None:
        form = {
            "document_type": "PA",
            "document_number": lane.document_number,
            "line_no": "1",
            "claim_type": "warranty",
            "serial_number": f"{lane.serial}N{uuid.uuid4().hex[:8].upper()}",
            "problem_description": "Dron nie łączy się z aparaturą.",
            "package_contents": "Dron, aparatura",
            **RETURN_ADDRESS,
        }
        headers = {**lane.headers, "Idempotency-Key": str(uuid.uuid4())}
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                answer = await client.post(
                    "/api/claims", data=form, files={"attachment": PDF}, headers=headers
                )
            except httpx.HTTPError:
                await asyncio.sleep(0.5)
                continue
            if answer.status_code == 201:
                self.claims[answer.json()["claim_id"]] = lane
                self.requests[answer.json()["claim_id"]] = (form, headers)
                self.replayed += answer.headers.get("idempotent-replayed") == "true"
                return
            if answer.status_code == 409 or answer.status_code >= 500:
                await asyncio.sleep(0.5)
                continue
            self.refused.append(f"{answer.status_code} {answer.text[:200]}")
            return
        self.unanswered += 1

    async def resend_acknowledged(self) -> tuple[int, int]:
        """Every acknowledged request once more with its key, as a client that never heard its
        answer would: (sent, answered with anything but its own claim)."""
        gate = asyncio.Semaphore(8)

        async def resend(claim_id: str, form: dict[str, str], headers: dict[str, str]) -> bool:
            async with gate:
                answer = await client.post(
                    "/api/claims", data=form, files={"attachment": PDF}, headers=headers
                )
            return answer.status_code == 201 and answer.json()["claim_id"] == claim_id

        async with httpx.AsyncClient(base_url=self._url, timeout=30) as client:
            same = await asyncio.gather(
                *(resend(claim, *request) for claim, request in self.requests.items())
            )
        return len(same), same.count(False)


# --- counting what arrived ----------------------------------------------------------------------


@dataclass
class ClaimCounts:
    stored: bool = False
    created: set[str] = field(default_factory=set)  # distinct ClaimCreated event ids
    assessed: set[str] = field(default_factory=set)
    copies: Counter[str] = field(default_factory=Counter)  # e-mails per Message-ID
    arrived_at: dict[str, datetime] = field(default_factory=dict)  # first copy's, per Message-ID

    def expected_message_ids(self) -> set[str]:
        return {f"<{eid}@{MESSAGE_ID_DOMAIN}>" for eid in self.created | self.assessed}

    @property
    def through(self) -> bool:
        expected = self.expected_message_ids()
        return (
            self.stored
            and bool(self.created)
            and bool(self.assessed)
            and all(self.copies[m] > 0 for m in expected)
        )


class Watcher:
    """Reads the claims and warranty topics from before the first claim, all run long."""

    def __init__(self, pipeline: Pipeline) -> None:
        self._pipeline = pipeline
        bootstrap = pipeline.stack.kafka_bootstrap
        self._probes = [
            TopicProbe(bootstrap, topics.CLAIMS),
            TopicProbe(bootstrap, topics.WARRANTY),
        ]
        self._reading: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Watcher:
        for probe in self._probes:
            await probe.__aenter__()
        self._reading = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._reading is not None:
            self._reading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reading
        for probe in self._probes:
            await probe.__aexit__()

    async def _read(self) -> None:
        while True:
            for probe in self._probes:
                with contextlib.suppress(Exception):  # the broker may be down for a while
                    await probe.settle(0.3)

    async def drain(self, claims: dict[str, Lane], timeout: float) -> dict[str, ClaimCounts]:
        """Wait until every claim went all the way through, then a while for duplicates."""
        deadline = time.monotonic() + timeout
        counts = await self.count(claims)
        while not all(c.through for c in counts.values()) and time.monotonic() < deadline:
            await asyncio.sleep(1.0)
            counts = await self.count(claims)
        await asyncio.sleep(5.0)
        return await self.count(claims)

    async def count(self, claims: dict[str, Lane]) -> dict[str, ClaimCounts]:
        counts = {claim_id: ClaimCounts() for claim_id in claims}
        for body in self._bodies():
            claim_id = str(body.get("data", {}).get("claim_id"))
            if claim_id in counts and body.get("type") == "ClaimCreated":
                counts[claim_id].created.add(str(body["event_id"]))
            elif claim_id in counts and body.get("type") == "WarrantyAssessed":
                counts[claim_id].assessed.add(str(body["event_id"]))
        with contextlib.suppress(OSError, asyncpg.PostgresError):
            for claim_id in await self._stored(list(claims)):
                counts[claim_id].stored = True
        for address in {lane.email for lane in claims.values()}:
            with contextlib.suppress(httpx.HTTPError):
                messages = await self._pipeline.mailbox.messages(address)  # oldest first
                mailed = Counter(m["message_id"] for m in messages)
                first: dict[str, datetime] = {}
                for m in messages:
                    first.setdefault(m["message_id"], datetime.fromisoformat(m["received_at"]))
                for claim_id, lane in claims.items():
                    if lane.email == address:
                        ids = counts[claim_id].expected_message_ids()
                        counts[claim_id].copies = Counter({m: mailed[m] for m in ids})
                        counts[claim_id].arrived_at = {m: first[m] for m in ids if m in first}
        return counts

    def _bodies(self) -> list[dict[str, Any]]:
        import json

        bodies = []
        for probe in self._probes:
            for record in list(probe.records):
                with contextlib.suppress(ValueError, TypeError):
                    body = json.loads(record.value or b"")
                    if isinstance(body, dict):
                        bodies.append(body)
        return bodies

    async def stored_since(self, lanes: list[Lane], since: datetime) -> int:
        """Claims of these customers stored since `since`, acknowledged or not."""
        conn = await asyncpg.connect(self._pipeline.services.database_url("claims"))
        try:
            count: int = await conn.fetchval(
                """SELECT count(*) FROM claims
                   WHERE account_id = ANY($1::uuid[]) AND created_at >= $2""",
                [lane.account_id for lane in lanes],
                since,
            )
        finally:
            await conn.close()
        return count

    async def _stored(self, claim_ids: list[str]) -> list[str]:
        conn = await asyncpg.connect(self._pipeline.services.database_url("claims"))
        try:
            rows = await conn.fetch(
                "SELECT claim_id::text FROM claims WHERE claim_id = ANY($1::uuid[])", claim_ids
            )
        finally:
            await conn.close()
        return [row["claim_id"] for row in rows]


# --- the report ---------------------------------------------------------------------------------


@dataclass
class Report:
    phase: str
    filed: int
    acknowledged: int
    stored: int
    claim_created: int
    warranty_assessed: int
    emails_expected: int
    emails_arrived: int
    emails_per_message_id_max: int
    lost: int
    duplicated: int
    repeats_allowed: int
    recovery_seconds: float
    unanswered: int
    refused: list[str]
    # Claims stored that no client was told about: a retry filed a second one.
    stored_unacknowledged: int = 0
    # Acknowledged requests sent again with their key, and those answered with another claim.
    keys_resent: int = 0
    resent_other_answer: int = 0
    retries_replayed: int = 0  # retries answered with their first try's claim
    # After an SMTP outage: seconds from the server's return to the last e-mail's first copy,
    # and the most the phase allows (None: the phase has no such promise).
    last_email_after_return_seconds: float | None = None
    after_return_limit_seconds: float | None = None

    @classmethod
    def of(
        cls,
        phase: str,
        load: Load,
        counts: dict[str, ClaimCounts],
        recovery: float,
        repeats_allowed: int,
        server_back: datetime | None = None,
        after_return_limit: float | None = None,
    ) -> Report:
        claims = list(counts.values())
        expected_emails = 2 * len(claims)  # the new claim's, and the warranty verdict's
        arrived = sum(sum(1 for n in c.copies.values() if n > 0) for c in claims)
        extra_copies = sum(sum(max(n - 1, 0) for n in c.copies.values()) for c in claims)
        extra_events = sum(max(len(c.created) - 1, 0) + max(len(c.assessed) - 1, 0) for c in claims)
        lost = (
            sum(1 for c in claims if not c.stored)
            + sum(1 for c in claims if not c.created)
            + sum(1 for c in claims if not c.assessed)
            + (expected_emails - arrived)
        )
        return cls(
            phase=phase,
            filed=load.filed,
            acknowledged=len(claims),
            stored=sum(1 for c in claims if c.stored),
            claim_created=sum(1 for c in claims if c.created),
            warranty_assessed=sum(1 for c in claims if c.assessed),
            emails_expected=expected_emails,
            emails_arrived=arrived,
            emails_per_message_id_max=max(
                (max(c.copies.values(), default=0) for c in claims), default=0
            ),
            lost=lost,
            duplicated=extra_copies + extra_events,
            repeats_allowed=repeats_allowed,
            recovery_seconds=round(recovery, 1),
            unanswered=load.unanswered,
            refused=load.refused,
            retries_replayed=load.replayed,
            last_email_after_return_seconds=last_arrival_after(claims, server_back),
            after_return_limit_seconds=after_return_limit,
        )

    def problems(self) -> list[str]:
        found = []
        if self.lost:
            found.append(f"{self.phase}: {self.lost} lost")
        if self.duplicated > self.repeats_allowed:
            found.append(f"{self.phase}: {self.duplicated} duplicated")
        if self.emails_per_message_id_max > (2 if self.repeats_allowed else 1):
            found.append(f"{self.phase}: an e-mail went out {self.emails_per_message_id_max} times")
        if self.stored_unacknowledged:
            found.append(
                f"{self.phase}: {self.stored_unacknowledged} claims stored, not acknowledged"
            )
        if self.resent_other_answer:
            found.append(
                f"{self.phase}: {self.resent_other_answer} of {self.keys_resent} keys sent "
                "again got another answer than their claim"
            )
        late = self.last_email_after_return_seconds
        if self.after_return_limit_seconds is not None and (
            late is None or late > self.after_return_limit_seconds
        ):
            found.append(
                f"{self.phase}: the last e-mail arrived {late} s after the SMTP server's return "
                f"(at most {self.after_return_limit_seconds:g} s)"
            )
        if self.unanswered or self.refused:
            found.append(f"{self.phase}: {self.unanswered} never answered, refused: {self.refused}")
        return found

    @staticmethod
    def table(reports: list[Report]) -> str:
        header = (
            "| fault | claims filed / acknowledged | stored | ClaimCreated | WarrantyAssessed "
            "| e-mails expected / arrived | max per Message-ID | lost | duplicated "
            "| stored, not acknowledged | retries answered from their key "
            "| keys sent again: other answer | last e-mail after SMTP's return s | recovery s |"
        )
        lines = [header, "|" + " --- |" * 14]
        for r in reports:
            allowed = f" (allowed {r.repeats_allowed})" if r.repeats_allowed else ""
            resent = f"{r.resent_other_answer} of {r.keys_resent}" if r.keys_resent else "-"
            late = r.last_email_after_return_seconds
            after_return = "-" if late is None else f"{late}"
            lines.append(
                f"| {r.phase} | {r.filed} / {r.acknowledged} | {r.stored} | {r.claim_created} "
                f"| {r.warranty_assessed} | {r.emails_expected} / {r.emails_arrived} "
                f"| {r.emails_per_message_id_max} | {r.lost} | {r.duplicated}{allowed} "
                f"| {r.stored_unacknowledged} | {r.retries_replayed} | {resent} "
                f"| {after_return} | {r.recovery_seconds} |"
            )
        return "\n".join(lines)


def last_arrival_after(claims: list[ClaimCounts], moment: datetime | None) -> float | None:
    """Seconds from `moment` to the latest first copy of the claims' e-mails (0 when all came
    before it); None without a moment or without any e-mail."""
    arrivals = [at for c in claims for at in c.arrived_at.values()]
    if moment is None or not arrivals:
        return None
    return round(max(0.0, (max(arrivals) - moment).total_seconds()), 1)
