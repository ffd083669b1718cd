"""`make fuzz`: schemathesis against the four APIs as real processes, with a customer's, an
operator's and a scanner's token. Every answer must be no server error and conform to the
OpenAPI document (status code, content type, headers, body schema). RMA_FUZZ_EXAMPLES bounds
the examples per operation (CI uses the default)."""

from __future__ import annotations

import os
import subprocess
import sys
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


@pytest.mark.parametrize(("service", "role", "paths"), RUNS)
def test_the_api_answers_as_its_openapi_document_says(
    stack: Stack,
    services: RunningServices,
    service: str,
    role: Role,
    paths: dict[str, str],
    tmp_path: Path,
) -> None:
    authorization = bearer(stack, role)["Authorization"]
    command = [
        str(Path(sys.executable).with_name("st")),
        "run",
        f"{services.url(service)}/openapi.json",
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
    result = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False
    )
    output = result.stdout[-12000:] + result.stderr[-3000:]
    assert result.returncode == 0, f"schemathesis found problems in {service} as {role}:\n{output}"
