"""What docker-compose publishes and whom the APIs trust, and the production guard that the web
panel's forwarded addresses are believed (else every panel user is one client to the limits)."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from services.accounts.settings import AccountsSettings
from services.claims.settings import ClaimsSettings
from tools.support.stack import REPO

COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
APIS = ("accounts", "claims", "warranty", "notifications")


def default_of(value: str) -> str:
    """A compose value `${VARIABLE:-default}` as compose reads it with the variable unset."""
    return re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", str(value))


def test_every_published_port_is_on_the_loopback_unless_a_variable_says_otherwise() -> None:
    published = [
        (name, port)
        for name, service in COMPOSE["services"].items()
        for port in service.get("ports", [])
    ]
    assert len(published) >= 9  # the 5 APIs and the panel, Mailpit, Prometheus, Grafana, Jaeger
    for name, port in published:
        assert str(port).startswith("${RMA_PUBLISH_ADDRESS:-127.0.0.1}:"), (name, port)
        assert default_of(port).startswith("127.0.0.1:"), (name, port)


def test_the_apis_trust_the_web_panels_fixed_address() -> None:
    web = default_of(COMPOSE["services"]["web"]["networks"]["default"]["ipv4_address"])
    subnet = default_of(COMPOSE["networks"]["default"]["ipam"]["config"][0]["subnet"])
    assert ipaddress.ip_address(web) in ipaddress.ip_network(subnet)
    for api in APIS:
        environment = COMPOSE["services"][api]["environment"]
        settings = AccountsSettings(
            environment="production",
            database_url="postgresql://rma@postgres/rma_accounts",
            token_public_key_file=Path("/keys/token_public.pem"),
            seal_public_key_file=Path("/keys/seal_public.pem"),
            trusted_proxies=default_of(environment["RMA_TRUSTED_PROXIES"]),
            web_panel_address=default_of(environment["RMA_WEB_PANEL_ADDRESS"]),
        )
        assert settings.trusts(web), api


PRODUCTION: dict[str, Any] = {
    "environment": "production",
    "database_url": "postgresql://rma@db/rma_accounts",
    "token_public_key_file": Path("/keys/token_public.pem"),
    "seal_public_key_file": Path("/keys/seal_public.pem"),
}


@pytest.mark.parametrize(
    ("trusted", "panel", "refusal"),
    [
        (None, None, "RMA_WEB_PANEL_ADDRESS must be set"),
        (None, "10.0.0.5", "not in RMA_TRUSTED_PROXIES"),
        ("10.0.1.0/24", "10.0.0.5", "not in RMA_TRUSTED_PROXIES"),
        ("proxy.internal", "10.0.0.5", "not in RMA_TRUSTED_PROXIES"),
    ],
)
def test_accounts_refuses_to_start_in_production_when_the_panel_is_not_trusted(
    trusted: str | None, panel: str | None, refusal: str
) -> None:
    with pytest.raises(ValidationError, match=refusal):
        AccountsSettings(**PRODUCTION, trusted_proxies=trusted, web_panel_address=panel)


@pytest.mark.parametrize("trusted", ["10.0.0.5", "10.0.0.0/24", "192.0.2.1, 10.0.0.0/8", "*"])
def test_accounts_starts_in_production_when_the_panel_is_trusted(trusted: str) -> None:
    settings = AccountsSettings(**PRODUCTION, trusted_proxies=trusted, web_panel_address="10.0.0.5")
    assert settings.trusts("10.0.0.5")


def test_a_service_that_counts_no_clients_needs_no_panel_address() -> None:
    assert ClaimsSettings(**PRODUCTION).web_panel_address is None
