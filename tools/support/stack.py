"""The real servers the integration and end-to-end tests run against.

Kafka (with SASL/SCRAM and ACLs) and Mailpit always come from the project's own scripts, on the
test ports (they never collide with `make run`); PostgreSQL from testcontainers when a Docker
engine answers, else from the scripts too. Nothing is faked, and a server that cannot be started
fails the run with the script's own message.

The test session talks to Kafka as its admin (a super user): `use_kafka_user` puts that user in
the environment, where `shared.kafka.client_options` and every ServiceSettings find it. A test
about authorisation, and the services started as processes, use their own users instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from shared.kafka import KafkaConnectionSettings

REPO = Path(__file__).resolve().parents[2]
# RMA_TEST_STATE_DIR: where the servers keep their state (`make chaos` keeps its own, per
# cluster layout); RMA_TEST_KAFKA_NODES: 1, or 3 for a cluster (make chaos KAFKA_NODES=3).
STATE_DIR = Path(os.environ.get("RMA_TEST_STATE_DIR") or REPO / ".run" / "test")
KAFKA_NODES = int(os.environ.get("RMA_TEST_KAFKA_NODES") or "1")

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
    # Kafka user -> password (admin, accounts, claims, warranty, notifications, web, erp-feed).
    kafka_passwords: Mapping[str, str] = field(default_factory=dict)

    def kafka_user(self, user: str) -> KafkaConnectionSettings:
        """The connection settings of one Kafka user, for `client_options` and ServiceSettings."""
        return KafkaConnectionSettings(
            kafka_username=user, kafka_password=self.kafka_passwords[user]
        )


class StackError(RuntimeError):
    pass


def _script_env() -> dict[str, str]:
    return {
        **os.environ,
        **TEST_PORTS,
        "RMA_STATE_DIR": str(STATE_DIR),
        "PG_CLUSTER": PG_CLUSTER,
        "RMA_DATABASES": "",
        "KAFKA_NODES": str(KAFKA_NODES),
    }


def run_script(name: str, *args: str) -> str:
    """One deploy script (`kafka.sh up`, `postgres.sh down`...) on this slot's servers; its
    output, or StackError with the script's own message."""
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


def kafka_passwords(state_dir: Path = STATE_DIR) -> dict[str, str]:
    """The passwords deploy/scripts/kafka.sh generated for its Kafka users."""
    folder = state_dir / "kafka" / "credentials"
    return {path.name: path.read_text().strip() for path in sorted(folder.glob("*"))}


def use_kafka_user(stack: Stack, user: str = "admin") -> None:
    """Make `user` the Kafka user of this process's clients that are given no settings."""
    os.environ["RMA_KAFKA_USERNAME"] = user
    os.environ["RMA_KAFKA_PASSWORD"] = stack.kafka_passwords[user]


def _as_admin(stack: Stack) -> Stack:
    if "admin" in stack.kafka_passwords:
        use_kafka_user(stack, "admin")
    return stack


def external_stack() -> Stack | None:
    """Servers someone already runs, named by RMA_TEST_KAFKA_BOOTSTRAP and RMA_TEST_POSTGRES_URL."""
    kafka, postgres = (
        os.environ.get("RMA_TEST_KAFKA_BOOTSTRAP"),
        os.environ.get("RMA_TEST_POSTGRES_URL"),
    )
    if not (kafka and postgres):
        return None
    return _as_admin(
        Stack(
            kafka_bootstrap=kafka,
            postgres_url=postgres.rstrip("/"),
            smtp_host="127.0.0.1",
            smtp_port=int(os.environ.get("RMA_TEST_SMTP_PORT", TEST_PORTS["SMTP_PORT"])),
            mailbox_url=os.environ.get(
                "RMA_TEST_MAILBOX_URL", f"http://127.0.0.1:{TEST_PORTS['MAILBOX_HTTP_PORT']}"
            ),
            keys_dir=_ensure_keys(),
            kafka_passwords=kafka_passwords(),
        )
    )


def start_kafka() -> str:
    """The test cluster's bootstrap servers, once it answers (started if it was not)."""
    run_script("kafka.sh", "up")
    return run_script("kafka.sh", "bootstrap").splitlines()[-1]


def start_local_stack() -> Stack:
    kafka_bootstrap = start_kafka()
    run_script("postgres.sh", "up")
    postgres_url = run_script("postgres.sh", "url").splitlines()[-1]
    run_script("mailpit.sh", "up")
    return _as_admin(
        Stack(
            kafka_bootstrap=kafka_bootstrap,
            postgres_url=postgres_url,
            smtp_host="127.0.0.1",
            smtp_port=int(TEST_PORTS["SMTP_PORT"]),
            mailbox_url=f"http://127.0.0.1:{TEST_PORTS['MAILBOX_HTTP_PORT']}",
            keys_dir=_ensure_keys(),
            kafka_passwords=kafka_passwords(),
        )
    )


class ContainerStack:
    """PostgreSQL from testcontainers, for machines with a Docker engine.

    Kafka comes from the project's script there too: it is the one configured with the
    platform's users and ACLs.
    """

    def __init__(self) -> None:
        from testcontainers.postgres import PostgresContainer

        self._postgres = PostgresContainer("postgres:16", username="rma", password="rma")

    def start(self) -> Stack:
        kafka_bootstrap = start_kafka()
        self._postgres.start()
        run_script("mailpit.sh", "up")
        host = self._postgres.get_container_host_ip()
        port = self._postgres.get_exposed_port(5432)
        return _as_admin(
            Stack(
                kafka_bootstrap=kafka_bootstrap,
                postgres_url=f"postgresql://rma:rma@{host}:{port}",
                smtp_host="127.0.0.1",
                smtp_port=int(TEST_PORTS["SMTP_PORT"]),
                mailbox_url=f"http://127.0.0.1:{TEST_PORTS['MAILBOX_HTTP_PORT']}",
                keys_dir=_ensure_keys(),
                kafka_passwords=kafka_passwords(),
            )
        )

    def stop(self) -> None:
        self._postgres.stop()


def _local_servers_only(what: str) -> None:
    if external_stack() is not None or docker_engine_answers():
        raise StackError(f"{what} needs the local test servers of deploy/scripts")


def stop_postgres() -> None:
    """Stop this slot's PostgreSQL cluster (fast shutdown: sessions end), as an outage would."""
    _local_servers_only("stopping PostgreSQL")
    run_script("postgres.sh", "down")


def start_postgres() -> None:
    _local_servers_only("starting PostgreSQL")
    run_script("postgres.sh", "up")


def restart_postgres() -> None:
    stop_postgres()
    start_postgres()
