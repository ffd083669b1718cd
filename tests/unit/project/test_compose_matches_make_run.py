"""docker-compose.yml runs what `make run` runs: the same Kafka and Mailpit versions, the same
ports, every service's variables settings that service reads, the same health check. (`make
lint` checks the file's validity with compose's own loader: deploy/scripts/compose-check.sh.)
The PostgreSQL major version is compared with the server `make test` runs, in
tests/integration/test_compose_postgres.py."""

from __future__ import annotations

import re

import pytest
import yaml
from pydantic_settings import BaseSettings

from services.accounts.settings import AccountsSettings
from services.claims.settings import ClaimsSettings
from services.notifications.settings import NotificationsSettings
from services.warranty.settings import WarrantySettings
from services.web.settings import WebSettings
from tools.support.stack import REPO

COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
RUN_SH = (REPO / "deploy/scripts/run.sh").read_text(encoding="utf-8")
SETTINGS: dict[str, type[BaseSettings]] = {
    "accounts": AccountsSettings,
    "claims": ClaimsSettings,
    "warranty": WarrantySettings,
    "notifications": NotificationsSettings,
    "web": WebSettings,
}


def default_of(value: object) -> str:
    """A compose value `${VARIABLE:-default}` as compose reads it with the variable unset."""
    return re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", str(value))


def image_tag(service: str) -> str:
    return str(COMPOSE["services"][service]["image"]).rpartition(":")[2]


def make_run_ports() -> dict[str, int]:
    """run.sh's SERVICES=(name:port ...)."""
    found = re.search(r"^SERVICES=\(([^)]*)\)", RUN_SH, re.MULTILINE)
    assert found, "run.sh names its services in SERVICES=(...)"
    return {name: int(port) for name, port in (e.split(":") for e in found.group(1).split())}


def test_kafka_is_the_version_make_run_downloads() -> None:
    pom = (REPO / "deploy/kafka/pom.xml").read_text(encoding="utf-8")
    found = re.search(r"<kafka.version>([^<]+)</kafka.version>", pom)
    assert found
    kafka_images = {
        image_tag(name) for name, service in COMPOSE["services"].items()
        if str(service.get("image", "")).startswith("apache/kafka:")
    }  # fmt: skip
    assert kafka_images == {found.group(1)}


def test_mailpit_is_the_version_make_run_builds() -> None:
    script = (REPO / "deploy/scripts/mailpit.sh").read_text(encoding="utf-8")
    found = re.search(r"^MAILPIT_VERSION=(\S+)", script, re.MULTILINE)
    assert found
    assert image_tag("mailpit") == found.group(1)


def test_every_service_listens_and_publishes_on_the_port_make_run_gives_it() -> None:
    ports = make_run_ports()
    assert set(ports) == set(SETTINGS)
    for name, port in ports.items():
        service = COMPOSE["services"][name]
        assert int(default_of(service["environment"]["RMA_HTTP_PORT"])) == port, name
        assert [default_of(p) for p in service["ports"]] == [f"127.0.0.1:{port}:{port}"], name


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_every_variable_compose_sets_is_a_setting_of_that_service(name: str) -> None:
    """A misspelt variable would be ignored without a word (settings ignore unknown names)."""
    fields = {f"RMA_{field.upper()}" for field in SETTINGS[name].model_fields}
    environment = COMPOSE["services"][name]["environment"]
    assert environment, name
    assert sorted(set(environment) - fields) == [], name


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_compose_sets_what_make_run_sets_for_the_service(name: str) -> None:
    """Every variable run.sh gives every service, compose gives it too (the values differ:
    container paths and names)."""
    start_service = RUN_SH[RUN_SH.index("start_service() {") :]
    start_service = start_service[: start_service.index("\n}\n")]
    given = set(re.findall(r"\b(RMA_[A-Z_]+)=", start_service))
    given |= {"RMA_KAFKA_BOOTSTRAP_SERVERS", "RMA_KAFKA_USERNAME", "RMA_KAFKA_PASSWORD"}
    fields = {f"RMA_{field.upper()}" for field in SETTINGS[name].model_fields}
    environment = set(COMPOSE["services"][name]["environment"])
    # Only what the service reads: the web panel has no database nor token signing key.
    missing = sorted((given & fields) - environment - {"RMA_SMTP_HOST", "RMA_SMTP_PORT"})
    if name == "notifications":
        missing = sorted(set(missing) | ({"RMA_SMTP_HOST", "RMA_SMTP_PORT"} - environment))
    assert missing == [], name


def test_compose_checks_each_service_at_the_health_path_make_run_checks() -> None:
    assert "/health'" in RUN_SH or '/health"' in RUN_SH or "/health)" in RUN_SH
    for name in SETTINGS:
        test = " ".join(COMPOSE["services"][name]["healthcheck"]["test"])
        assert "/health" in test and "/ready" not in test, name
