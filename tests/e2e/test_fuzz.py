"""`make fuzz`: schemathesis against the four APIs as real processes, with a customer's, an
operator's and a scanner's token. Every answer must be no server error and conform to the
OpenAPI document (status code, content type, headers, body schema). RMA_FUZZ_EXAMPLES bounds
the examples per operation (CI uses the default)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from shared.auth import Role
from tests.e2e.test_security import bearer
from tools.support.services import SERVICE_PORTS, RunningServices
from tools.support.stack import Stack

pytestmark = pytest.mark.e2e

CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    )
)
EXAMPLES = os.environ.get("RMA_FUZZ_EXAMPLES", "10")
# The fuzzer's logins come from an address of their own (forwarded, as the web panel does), so
# that its hundreds of failed logins slow down only itself.
FUZZER_ADDRESS = "192.0.2.250"


# Each operation is fuzzed with the token of the role it serves (and the public ones with the
# customer's): (service, role, the paths of that role).
STAFF_PATHS = "^/api/(operator|admin|emails|parcels|scanner)"
RUNS = [
    # Not the logout: it revokes the fuzzer's token, and every later answer would be a 401.
    ("accounts", "customer", {"--exclude-path-regex": f"{STAFF_PATHS}|^/api/auth/logout$"}),
    ("claims", "customer", {"--exclude-path-regex": STAFF_PATHS}),
    ("claims", "operator", {"--include-path-regex": "^/api/operator/"}),
    ("claims", "scanner", {"--include-path-regex": "^/api/(parcels$|scanner/)"}),
    ("warranty", "customer", {"--exclude-path-regex": STAFF_PATHS}),
    ("warranty", "operator", {"--include-path-regex": "^/api/admin/"}),
    ("notifications", "operator", {"--include-path-regex": "^/api/emails"}),
]
assert {service for service, _, _ in RUNS} == set(SERVICE_PORTS)


@dataclass
class FuzzRun:
    """One `st run` as a process; its output goes to a file (seven pipes at once could fill)."""

    name: str
    process: subprocess.Popen[bytes]
    output: Path

    def result(self) -> tuple[int, str]:
        try:
            code = self.process.wait(timeout=600)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise
        text = self.output.read_text(errors="replace")
        return code, text[-15000:]


# The `st` command, with one import done first in its main thread: schemathesis imports anyio
# lazily in its worker threads, and two threads compiling anyio's source at once trip CPython
# 3.11's "AST constructor recursion depth mismatch" (python/cpython#106905; seen in make test).
SCHEMATHESIS = (
    "import sys, schemathesis.transport.asgi; from schemathesis.cli import schemathesis; "
    "sys.argv[0] = 'st'; sys.exit(schemathesis())"
)


def fuzz_command(url: str, authorization: str, paths: dict[str, str]) -> list[str]:
    return [
        sys.executable,
        "-c",
        SCHEMATHESIS,
        "run",
        f"{url}/openapi.json",
        *(part for option in paths.items() for part in option),
        "--phases",
        "examples,fuzzing",
        "--header",
        f"Authorization: {authorization}",
        "--header",
        f"X-Forwarded-For: {FUZZER_ADDRESS}",
        "--checks",
        CHECKS,
        "--max-examples",
        EXAMPLES,
        "--seed",
        "13",
        "--workers",
        "2",
        "--request-timeout",
        "30",
        "--suppress-health-check",
        "all",
    ]


@pytest.fixture(scope="module")
def fuzz_runs(
    stack: Stack, services: RunningServices, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[tuple[str, str], FuzzRun]]:
    """Every run of RUNS started at once: each spends most of its time waiting for answers
    and on its own start-up, so together they take little more than the longest alone. The
    same runs, checks, seed and examples as one after another; each test below judges its own."""
    runs: dict[tuple[str, str], FuzzRun] = {}
    try:
        for service, role, paths in RUNS:
            folder = tmp_path_factory.mktemp(f"fuzz-{service}-{role}")
            output = folder / "st.log"
            authorization = bearer(stack, role)["Authorization"]
            with output.open("wb") as log:
                process = subprocess.Popen(
                    fuzz_command(services.url(service), authorization, paths),
                    cwd=folder,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            runs[(service, role)] = FuzzRun(f"{service} as {role}", process, output)
        yield runs
    finally:
        for run in runs.values():
            if run.process.poll() is None:
                run.process.kill()
                run.process.wait()


@pytest.mark.parametrize(("service", "role", "paths"), RUNS)
def test_the_api_answers_as_its_openapi_document_says(
    fuzz_runs: dict[tuple[str, str], FuzzRun], service: str, role: Role, paths: dict[str, str]
) -> None:
    del paths  # in the test's name; the fixture started the run with them
    run = fuzz_runs[(service, role)]
    code, output = run.result()
    assert code == 0, f"schemathesis found problems in {run.name}:\n{output}"
