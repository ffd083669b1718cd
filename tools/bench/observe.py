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
    """The server listening on `port`. A child just forked holds its socket too for a moment
    (PostgreSQL's backends, before they close it), and psutil may name it instead: then its
    parent that listens on the port is the server (the child may be gone when sampled)."""
    for _ in range(3):  # a holder gone before it was looked at: look again
        pid = next(
            (
                connection.pid
                for connection in psutil.net_connections(kind="tcp")
                if connection.status == psutil.CONN_LISTEN and connection.laddr.port == port
            ),
            None,
        )
        if not pid:
            return None
        with contextlib.suppress(psutil.Error):
            process = psutil.Process(pid)
            while (parent := process.parent()) is not None and _listens_on(parent, port):
                process = parent
            return int(process.pid)
    return None


def _listens_on(process: psutil.Process, port: int) -> bool:
    with contextlib.suppress(psutil.Error):
        return any(
            c.status == psutil.CONN_LISTEN and c.laddr.port == port
            for c in process.net_connections(kind="tcp")
        )
    return False


def _cpu_seconds(process: psutil.Process, with_children: bool) -> float | None:
    """The process, with its children those alive and those it already reaped (PostgreSQL's
    backends come and go); None when the process is gone."""
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
    return None


def cpu_seconds_of(pid: int) -> float:
    """One process's CPU seconds so far (0 when it is gone)."""
    with contextlib.suppress(psutil.Error):
        return _cpu_seconds(psutil.Process(pid), with_children=False) or 0.0
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
    """Samples RSS and CPU time of the named processes twice a second.

    A server found by its port (Kafka, PostgreSQL, the mailbox) whose process went away (a
    restart during the run) is looked up by its port again; its CPU goes on from the last sample
    of the old process, so a phase's figure is never a difference between two processes, and the
    restart is listed in `replaced`. A process that cannot be read is left out of that sample:
    its figure is missing, never 0."""

    # PostgreSQL is the postmaster and its backends; everything else is one process (the bench's
    # own children are the services, counted on their own).
    WITH_CHILDREN = frozenset({"postgresql"})

    def __init__(
        self, pids: dict[str, int], interval: float = 0.5, ports: dict[str, int] | None = None
    ) -> None:
        self._processes = {name: psutil.Process(pid) for name, pid in pids.items()}
        self._ports = dict(ports or {})
        self._interval = interval
        self.samples: list[ProcessSample] = []
        # CPU seconds of the processes a server's port had before its current one.
        self._carried: dict[str, float] = {}
        self._last_cpu: dict[str, float] = {}
        self.replaced: list[dict[str, Any]] = []
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def for_run(
        cls, services: dict[str, int], kafka_port: int, postgres_port: int, smtp_port: int
    ) -> ProcessSampler:
        pids = {**services, "bench": os.getpid()}
        ports = {"kafka": kafka_port, "postgresql": postgres_port, "mailbox": smtp_port}
        for name, port in ports.items():
            if (pid := listening_pid(port)) is not None:
                pids[name] = pid
        return cls(pids, ports={name: port for name, port in ports.items() if name in pids})

    def watch(self, name: str, pid: int) -> None:
        """One more process from now on (an instance started during the run)."""
        self._processes[name] = psutil.Process(pid)

    def _cpu_of(self, name: str, process: psutil.Process) -> float | None:
        seconds = _cpu_seconds(process, name in self.WITH_CHILDREN)
        if seconds is None and name in self._ports:
            seconds = self._found_again(name)
        if seconds is None:
            return None
        total = self._carried.get(name, 0.0) + seconds
        self._last_cpu[name] = total
        return total

    def _found_again(self, name: str) -> float | None:
        """The CPU seconds of the process now listening on the server's port, if it is another."""
        pid = listening_pid(self._ports[name])
        if pid is None or pid == self._processes[name].pid:
            return None
        with contextlib.suppress(psutil.Error):
            process = psutil.Process(pid)
            seconds = _cpu_seconds(process, name in self.WITH_CHILDREN)
            if seconds is None:
                return None
            # The new process's CPU before this moment is not the run's to count.
            self._carried[name] = self._last_cpu.get(name, 0.0) - seconds
            self.replaced.append(
                {
                    "process": name,
                    "old_pid": self._processes[name].pid,
                    "pid": pid,
                    "at": time.time(),
                }
            )
            self._processes[name] = process
            return seconds
        return None

    def sample(self) -> ProcessSample:
        cpu = {name: self._cpu_of(name, process) for name, process in self._processes.items()}
        taken = ProcessSample(
            time.time(),
            {n: _rss_bytes(p, n in self.WITH_CHILDREN) for n, p in self._processes.items()},
            {name: seconds for name, seconds in cpu.items() if seconds is not None},
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
