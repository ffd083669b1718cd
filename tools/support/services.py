"""The four services as real processes, each with its own new database, on test ports."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tools.support.stack import PORT_OFFSET, REPO, STATE_DIR, Stack

WEB_PORT = 18000 + PORT_OFFSET
SERVICE_PORTS = {
    service: 18001 + PORT_OFFSET + index
    for index, service in enumerate(("accounts", "claims", "warranty", "notifications"))
}


def wait_until_healthy(
    process: subprocess.Popen[bytes],
    url: str,
    name: str,
    log_tail: Callable[[], str],
    timeout: float = 240.0,
) -> None:
    """Until `url`/health answers 200; fails with the log's tail if the process exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{log_tail()}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{name} not healthy after {timeout}s:\n{log_tail()}")


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, and SIGKILL if it has not ended within 20 s."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass
class RunningServices:
    stack: Stack
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    logs: dict[str, Path] = field(default_factory=dict)
    # Extra environment of one service (its SMTP port behind a relay, say), applied at start.
    overrides: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def public_base_url(self) -> str:
        return f"http://127.0.0.1:{WEB_PORT}"

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{SERVICE_PORTS[service]}"

    def database_url(self, service: str) -> str:
        return f"{self.stack.postgres_url}/rma_e2e_{self.run_id}_{service}"

    def consumer_group(self, service: str) -> str:
        return f"{service}-e2e"

    def environment(self, service: str) -> dict[str, str]:
        keys = self.stack.keys_dir
        return {
            **os.environ,
            "RMA_ENVIRONMENT": "test",
            "RMA_KAFKA_BOOTSTRAP_SERVERS": self.stack.kafka_bootstrap,
            # Each service as its own Kafka user, held to its ACLs as in `make run`.
            "RMA_KAFKA_USERNAME": service,
            "RMA_KAFKA_PASSWORD": self.stack.kafka_passwords[service],
            "RMA_DATABASE_URL": self.database_url(service),
            # Apart from the in-process copies of the integration tests, and the same from one run
            # to the next, so a re-run resumes where the last one stopped instead of replaying
            # (and, for notifications, re-sending) the test broker's whole history.
            "RMA_CONSUMER_GROUP": self.consumer_group(service),
            "RMA_HTTP_PORT": str(SERVICE_PORTS[service]),
            "RMA_LOG_FORMAT": "json",
            "RMA_TOKEN_PUBLIC_KEY_FILE": str(keys / "token_public.pem"),
            "RMA_TOKEN_PRIVATE_KEY_FILE": str(keys / "token_private.pem"),
            "RMA_SEAL_PUBLIC_KEY_FILE": str(keys / "seal_public.pem"),
            "RMA_SEAL_PRIVATE_KEY_FILE": str(keys / "seal_private.pem"),
            # The emailed links open the web panel's pages (tests/e2e/test_web_panel.py runs it).
            "RMA_PUBLIC_BASE_URL": self.public_base_url,
            "RMA_SMTP_HOST": self.stack.smtp_host,
            "RMA_SMTP_PORT": str(self.stack.smtp_port),
            "RMA_SMTP_FIRST_RETRY_SECONDS": "0.5",
            **self.overrides.get(service, {}),
        }

    def start(self, service: str) -> None:
        log_dir = STATE_DIR / "logs" / self.run_id
        log_dir.mkdir(parents=True, exist_ok=True)
        self.logs[service] = log_dir / f"{service}.log"
        with self.logs[service].open("ab") as log:
            self.processes[service] = subprocess.Popen(
                [sys.executable, "-m", f"services.{service}"],
                cwd=REPO,
                env=self.environment(service),
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    # Generous: on a loaded machine (CI shares its cores) a service can take minutes to start.
    def wait_healthy(self, service: str, timeout: float = 240.0) -> None:
        wait_until_healthy(
            self.processes[service], self.url(service), service, lambda: self.tail(service), timeout
        )

    def stop(self, service: str) -> None:
        process = self.processes.pop(service, None)
        if process is not None:
            stop_process(process)

    def kill(self, service: str) -> None:
        """kill -9: no shutdown, no cleanup, as a crash or the OOM killer would end it."""
        process = self.processes.pop(service)
        process.kill()
        process.wait()

    def tail(self, service: str, lines: int = 60) -> str:
        path = self.logs.get(service)
        if path is None or not path.exists():
            return "(no log)"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def start_all(self) -> None:
        for service in SERVICE_PORTS:
            self.start(service)
        for service in SERVICE_PORTS:
            self.wait_healthy(service)

    def stop_all(self) -> None:
        for service in list(self.processes):
            self.stop(service)
