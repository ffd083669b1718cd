"""The bench's CPU sampler: a server restarted during a run is found again by its port, and a
process it cannot read has a missing figure, never a 0 (the 2026-12-06 00:55 run printed
PostgreSQL's CPU as 0 after its postmaster had been replaced)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psutil
import pytest

from tools.bench.observe import ProcessSampler, listening_pid
from tools.bench.report import cpu_per_claim

# Listens on the given port, burns about 0.3 s of CPU, then waits to be killed.
_SERVER = """
import socket, sys, time
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", int(sys.argv[1])))
server.listen()
started = time.process_time()
while time.process_time() - started < 0.3:
    pass
print("ready", flush=True)
time.sleep(60)
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _server(port: int) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [sys.executable, "-c", _SERVER, str(port)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        yield process
    finally:
        process.kill()
        process.wait()


def test_a_server_restarted_on_its_port_keeps_counting_from_where_the_old_one_stopped() -> None:
    port = _free_port()
    with _server(port) as first:
        assert listening_pid(port) == first.pid
        sampler = ProcessSampler({"postgresql": first.pid}, ports={"postgresql": port})
        before = sampler.sample().cpu
        first_cpu = before["postgresql"]
        assert first_cpu >= 0.25
    deadline = time.monotonic() + 5
    while listening_pid(port) is not None and time.monotonic() < deadline:
        time.sleep(0.05)

    with _server(port) as second:
        after = sampler.sample().cpu

        assert [(r["process"], r["old_pid"], r["pid"]) for r in sampler.replaced] == [
            ("postgresql", first.pid, second.pid)
        ]
        # The new process's own CPU before it was found does not count; the old one's does.
        assert after["postgresql"] == first_cpu
        burned_later = sampler.sample().cpu["postgresql"]
        assert burned_later >= first_cpu


# Listens on the given port, then forks a child that holds the listening socket as well (as a
# PostgreSQL backend does until it closes it); prints the child's pid.
_FORKING_SERVER = """
import os, socket, sys, time
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", int(sys.argv[1])))
server.listen()
child = os.fork()
if child == 0:
    time.sleep(60)
    os._exit(0)
print(child, flush=True)
time.sleep(60)
"""


def test_the_server_is_found_by_its_port_not_a_child_holding_its_socket(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", _FORKING_SERVER, str(port)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        child = int(server.stdout.readline())
        listed = psutil.net_connections

        def the_child_named(kind: str) -> list[Any]:
            """As psutil may list the shared socket: under the child's pid."""
            return [c._replace(pid=child) if c.laddr.port == port else c for c in listed(kind)]

        monkeypatch.setattr(psutil, "net_connections", the_child_named)
        assert listening_pid(port) == server.pid
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, 9)
        server.kill()
        server.wait()


def test_a_process_that_cannot_be_read_has_no_figure_instead_of_zero() -> None:
    port = _free_port()
    with _server(port) as only:
        sampler = ProcessSampler({"postgresql": only.pid}, ports={"postgresql": port})
        before = sampler.sample().cpu
    after = sampler.sample().cpu

    assert "postgresql" in before
    assert "postgresql" not in after
    assert cpu_per_claim(before, after, 10) == {"postgresql": None}


def test_cpu_per_claim_counts_a_process_started_in_between_from_zero() -> None:
    figures = cpu_per_claim({"claims": 1.0}, {"claims": 2.0, "claims-2": 0.5}, 10)

    assert figures == {"claims": 0.1, "claims-2": 0.05}
