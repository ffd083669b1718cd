"""The real servers the integration and end-to-end tests run against.

With a Docker engine, Kafka and PostgreSQL come from testcontainers; without one, the project's
own scripts install and start local servers on the test ports (they never collide with
`make run`). The SMTP server is Mailpit in both cases. Nothing is faked, and a
server that cannot be started fails the run with the script's own message.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
STATE_DIR = REPO / ".run" / "test"

# RMA_TEST_SLOT=N (0-9) moves every test port by 100 * N and names its own PostgreSQL cluster, so
# several checkouts on one machine can run their suites at once without sharing a server.
TEST_SLOT = int(os.environ.get("RMA_TEST_SLOT", "0"))
if not 0 <= TEST_SLOT <= 9:
    raise ValueError(f"RMA_TEST_SLOT must be 0 to 9, not {TEST_SLOT}")
PORT_OFFSET = 100 * TEST_SLOT
TEST_PORTS = {
    "KAFKA_PORT": str(19092 + PORT_OFFSET),
    "KAFKA_CONTROLLER_PORT": str(19093 + PORT_OFFSET),
    "PG_PORT": str(15433 + PORT_OFFSET),
    "SMTP_PORT": str(11025 + PORT_OFFSET),
    "MAILBOX_HTTP_PORT": str(18025 + PORT_OFFSET),
}
PG_CLUSTER = "rmatest" if TEST_SLOT == 0 else f"rmatest{TEST_SLOT}"


@dataclass(frozen=True)
class Stack:
    kafka_bootstrap: str
    postgres_url: str  # server URL without a database name
    smtp_host: str
    smtp_port: int
    mailbox_url: str
    keys_dir: Path


class StackError(RuntimeError):
    pass


def _script_env() -> dict[str, str]:
    return {
        **os.environ,
        **TEST_PORTS,
        "RMA_STATE_DIR": str(STATE_DIR),
        "PG_CLUSTER": PG_CLUSTER,
        "RMA_DATABASES": "",
    }


def _run_script(name: str, *args: str) -> str:
    script = REPO / "deploy" / "scripts" / name
    result = subprocess.run(
        ["bash", str(script), *args],
        env=_script_env(),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if result.returncode != 0:
        raise StackError(
            f"{name} {' '.join(args)} failed (exit {result.returncode}):\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result.stdout.strip()


def docker_engine_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        probe = subprocess.run(["docker", "info"], capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def _ensure_keys() -> Path:
    from shared.keys import ensure_dev_keys

    keys = STATE_DIR / "keys"
    ensure_dev_keys(keys)
    return keys


def external_stack() -> Stack | None:
    """Servers someone already runs, named by RMA_TEST_KAFKA_BOOTSTRAP and RMA_TEST_POSTGRES_URL."""
    kafka, postgres = (
        os.environ.get("RMA_TEST_KAFKA_BOOTSTRAP"),
        os.environ.get("RMA_TEST_POSTGRES_URL"),
    )
    if not (kafka and postgres):
        return None
    return Stack(
        kafka_bootstrap=kafka,
        postgres_url=postgres.rstrip("/"),
        smtp_host="127.0.0.1",
        smtp_port=int(os.environ.get("RMA_TEST_SMTP_PORT", TEST_PORTS["SMTP_PORT"])),
        mailbox_url=os.environ.get(
            "RMA_TEST_MAILBOX_URL", f"http://127.0.0.1:{TEST_PORTS['MAILBOX_HTTP_PORT']}"
        ),
        keys_dir=_ensure_keys(),
    )


def start_local_stack() -> Stack:
    _run_script("kafka.sh", "up")
    _run_script("postgres.sh", "up")
    postgres_url = _run_script("postgres.sh", "url").splitlines()[-1]
    _run_script("mailpit.sh", "up")
    return Stack(
        kafka_bootstrap=f"127.0.0.1:{TEST_PORTS['KAFKA_PORT']}",
        postgres_url=postgres_url,
        smtp_host="127.0.0.1",
        smtp_port=int(TEST_PORTS["SMTP_PORT"]),
        mailbox_url=f"http://127.0.0.1:{TEST_PORTS['MAILBOX_HTTP_PORT']}",
        keys_dir=_ensure_keys(),
    )


class ContainerStack:
    """Kafka and PostgreSQL from testcontainers, for machines with a Docker engine."""

    def __init__(self) -> None:
        from testcontainers.kafka import KafkaContainer
        from testcontainers.postgres import PostgresContainer

        self._kafka = KafkaContainer("apache/kafka:4.1.0").with_kraft()
        self._postgres = PostgresContainer("postgres:16", username="rma", password="rma")

    def start(self) -> Stack:
        self._kafka.start()
        self._postgres.start()
        _run_script("mailpit.sh", "up")
        host = self._postgres.get_container_host_ip()
        port = self._postgres.get_exposed_port(5432)
        return Stack(
            kafka_bootstrap=self._kafka.get_bootstrap_server(),
            postgres_url=f"postgresql://rma:rma@{host}:{port}",
            smtp_host="127.0.0.1",
            smtp_port=int(TEST_PORTS["SMTP_PORT"]),
            mailbox_url=f"http://127.0.0.1:{TEST_PORTS['MAILBOX_HTTP_PORT']}",
            keys_dir=_ensure_keys(),
        )

    def stop(self) -> None:
        self._kafka.stop()
        self._postgres.stop()
