"""What the bench watches: the claim events on Kafka, the emails the SMTP server accepted, and the
memory and CPU of every process (the services, Kafka, PostgreSQL, the mailbox (Mailpit) and
itself)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import psutil
from aiokafka import AIOKafkaConsumer

from shared import topics
from shared.kafka import client_options
from tools.bench import mailpit
from tools.bench.servers import assign_whole_topics, stop_consumer

Found = TypeVar("Found")


async def poll_until(
    look: Callable[[], Awaitable[Found]],
    done: Callable[[Found], bool],
    timeout: float,
    interval: float = 1.0,
) -> Found:
    """What `look` finds once `done` says it is complete, or when `timeout` runs out."""
    deadline = time.monotonic() + timeout
    while True:
        found = await look()
        if done(found) or time.monotonic() > deadline:
            return found
        await asyncio.sleep(interval)


_MESSAGE_ID = re.compile(r"<([0-9a-f-]{36})@")


@dataclass
class ClaimEvents:
    """When each claim's events reached their topic (the broker's record timestamps, seconds)."""

    created: dict[str, float] = field(default_factory=dict)
    assessed: dict[str, float] = field(default_factory=dict)
    # event_id -> (claim id, event type): which email belongs to which claim.
    by_event: dict[str, tuple[str, str]] = field(default_factory=dict)
    # One ClaimCreated as the claims service published it: the payload of the backlog runs.
    sample_created: dict[str, Any] | None = None


class EventRecorder:
    """Reads rma.claims.v1 and rma.warranty.v1 from their end, for the whole run."""

    def __init__(self, bootstrap: str) -> None:
        self._consumer = AIOKafkaConsumer(**client_options(bootstrap), enable_auto_commit=False)
        self.events = ClaimEvents()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._consumer.start()
        await assign_whole_topics(self._consumer, (topics.CLAIMS, topics.WARRANTY))
        assigned = list(self._consumer.assignment())
        await self._consumer.seek_to_end(*assigned)
        for tp in assigned:
            await self._consumer.position(tp)
        self._task = asyncio.create_task(self._record())

    async def _record(self) -> None:
        while True:
            batches = await self._consumer.getmany(timeout_ms=200, max_records=2000)
            for records in batches.values():
                for record in records:
                    self._note(json.loads(record.value), record.timestamp / 1000)

    def _note(self, body: dict[str, Any], at: float) -> None:
        kind, claim_id = body.get("type"), (body.get("data") or {}).get("claim_id")
        if kind not in ("ClaimCreated", "WarrantyAssessed") or claim_id is None:
            return
        self.events.by_event[body["event_id"]] = (claim_id, kind)
        if kind == "ClaimCreated" and self.events.sample_created is None:
            self.events.sample_created = body
        seen = self.events.created if kind == "ClaimCreated" else self.events.assessed
        seen.setdefault(claim_id, at)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await stop_consumer(self._consumer)


async def emails_accepted(
    mailbox: mailpit.MailboxReader, events: ClaimEvents
) -> dict[str, dict[str, float]]:
    """claim id -> {event type: when the SMTP server accepted its email}, from the mailbox."""
    accepted: dict[str, dict[str, float]] = {}
    for entry in await mailbox.everything():
        found = _MESSAGE_ID.search(entry.get("message_id") or "")
        if found is None or (owner := events.by_event.get(found.group(1))) is None:
            continue
        claim_id, kind = owner
        at = datetime.fromisoformat(entry["received_at"]).timestamp()
        accepted.setdefault(claim_id, {}).setdefault(kind, at)
    return accepted


def listening_pid(port: int) -> int | None:
    for connection in psutil.net_connections(kind="tcp"):
        if connection.status == psutil.CONN_LISTEN and connection.laddr.port == port:
            return int(connection.pid) if connection.pid else None
    return None


def _cpu_seconds(process: psutil.Process, with_children: bool) -> float:
    """The process, with its children those alive and those it already reaped (PostgreSQL's
    backends come and go)."""
    with contextlib.suppress(psutil.Error):
        times = process.cpu_times()
        total = float(times.user + times.system)
        if not with_children:
            return total
        total += float(times.children_user + times.children_system)
        for child in process.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                child_times = child.cpu_times()
                total += float(child_times.user + child_times.system)
        return total
    return 0.0


def cpu_seconds_of(pid: int) -> float:
    """One process's CPU seconds so far (0 when it is gone)."""
    with contextlib.suppress(psutil.Error):
        return _cpu_seconds(psutil.Process(pid), with_children=False)
    return 0.0


def _rss_bytes(process: psutil.Process, with_children: bool) -> int:
    with contextlib.suppress(psutil.Error):
        children = process.children(recursive=True) if with_children else []
        return int(process.memory_info().rss) + sum(
            int(child.memory_info().rss) for child in children
        )
    return 0


@dataclass
class ProcessSample:
    at: float
    rss: dict[str, int]
    cpu: dict[str, float]


class ProcessSampler:
    """Samples RSS and CPU time of the named processes twice a second."""

    # PostgreSQL is the postmaster and its backends; everything else is one process (the bench's
    # own children are the services, counted on their own).
    WITH_CHILDREN = frozenset({"postgresql"})

    def __init__(self, pids: dict[str, int], interval: float = 0.5) -> None:
        self._processes = {name: psutil.Process(pid) for name, pid in pids.items()}
        self._interval = interval
        self.samples: list[ProcessSample] = []
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def for_run(
        cls, services: dict[str, int], kafka_port: int, postgres_port: int, smtp_port: int
    ) -> ProcessSampler:
        pids = {**services, "bench": os.getpid()}
        for name, port in (
            ("kafka", kafka_port),
            ("postgresql", postgres_port),
            ("mailbox", smtp_port),
        ):
            if (pid := listening_pid(port)) is not None:
                pids[name] = pid
        return cls(pids)

    def watch(self, name: str, pid: int) -> None:
        """One more process from now on (an instance started during the run)."""
        self._processes[name] = psutil.Process(pid)

    def sample(self) -> ProcessSample:
        taken = ProcessSample(
            time.time(),
            {n: _rss_bytes(p, n in self.WITH_CHILDREN) for n, p in self._processes.items()},
            {n: _cpu_seconds(p, n in self.WITH_CHILDREN) for n, p in self._processes.items()},
        )
        self.samples.append(taken)
        return taken

    async def start(self) -> None:
        async def loop() -> None:
            while True:
                await asyncio.to_thread(self.sample)
                await asyncio.sleep(self._interval)

        self._task = asyncio.create_task(loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def peak_rss(self) -> dict[str, int]:
        peaks: dict[str, int] = {}
        for taken in self.samples:
            for name, rss in taken.rss.items():
                peaks[name] = max(peaks.get(name, 0), rss)
        return peaks
