"""Login limits against the real PostgreSQL and Kafka, over plain HTTP: failures slow down the
same account from the same address and the address, with growing delays and 429 Retry-After,
never the account's owner elsewhere; X-Forwarded-For counts only from a trusted proxy."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

from services.accounts.bootstrap import build_app
from services.accounts.settings import AccountsSettings
from tests.integration.test_accounts import Accounts, active_customer, email
from tests.support.accounts_service import PASSWORD
from tests.support.inprocess import running_app
from tools.support.stack import Stack

pytestmark = pytest.mark.integration

WRONG = "zle-haslo-123"


@dataclass
class Clock:
    """The service's clock, moved forward by the test instead of waiting."""

    ahead: timedelta = field(default_factory=timedelta)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.ahead


@dataclass
class LoginService:
    app: FastAPI
    accounts: Accounts
    clock: Clock

    def client_from(self, peer: str) -> httpx.AsyncClient:
        """A client whose connection comes from `peer` (a browser, or a proxy)."""
        transport = httpx.ASGITransport(app=self.app, client=(peer, 40000))
        return httpx.AsyncClient(transport=transport, base_url="http://service")

    async def login(
        self, peer: str, address: str, password: str, forwarded_for: str | None = None
    ) -> httpx.Response:
        headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
        async with self.client_from(peer) as client:
            return await client.post(
                "/api/auth/login", json={"email": address, "password": password}, headers=headers
            )


async def _service(stack: Stack, trusted_proxies: str | None) -> AsyncIterator[LoginService]:
    from tests.conftest import create_database, drop_database

    url = await create_database(stack, "rma_test_logins")
    keys = stack.keys_dir
    settings = AccountsSettings(
        kafka_bootstrap_servers=stack.kafka_bootstrap,
        database_url=url,
        consumer_group=f"test-logins-{uuid.uuid4().hex[:8]}",
        token_public_key_file=keys / "token_public.pem",
        token_private_key_file=keys / "token_private.pem",
        seal_public_key_file=keys / "seal_public.pem",
        trusted_proxies=trusted_proxies,
    )
    app = build_app(settings)
    async with running_app(app) as client:
        clock = Clock()
        app.state.accounts.clock = clock
        yield LoginService(app, Accounts(stack, client, url), clock)
    await drop_database(stack, url)


@pytest.fixture
async def service(stack: Stack) -> AsyncIterator[LoginService]:
    # Unset: the development and test default, which trusts the same host (the web panel).
    async for running in _service(stack, None):
        yield running


@pytest.fixture
async def behind_configured_proxy(stack: Stack) -> AsyncIterator[LoginService]:
    async for running in _service(stack, "10.0.0.7"):
        yield running


async def test_attackers_failures_slow_only_them_and_the_owner_logs_in_elsewhere(
    service: LoginService, stack: Stack
) -> None:
    owner, _ = await active_customer(service.accounts, stack)
    attacker = "203.0.113.7"
    statuses = [(await service.login(attacker, owner, WRONG)).status_code for _ in range(5)]
    assert statuses == [401] * 5
    refused = await service.login(attacker, owner, WRONG)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "30"
    assert refused.json()["detail"] == (
        "Zbyt wiele nieudanych prób logowania. Spróbuj ponownie za 30 s."
    )
    # Even the right password waits at the attacker's address...
    assert (await service.login(attacker, owner, PASSWORD)).status_code == 429
    # ...but the owner, from their own address, is not slowed down at all.
    assert (await service.login("198.51.100.20", owner, PASSWORD)).status_code == 200


async def test_delays_grow_with_every_further_failure(service: LoginService, stack: Stack) -> None:
    owner, _ = await active_customer(service.accounts, stack)
    attacker = "203.0.113.8"
    for _ in range(5):
        assert (await service.login(attacker, owner, WRONG)).status_code == 401
    waits = []
    for _ in range(3):
        refused = await service.login(attacker, owner, WRONG)
        assert refused.status_code == 429
        waits.append(int(refused.headers["Retry-After"]))
        service.clock.ahead += timedelta(seconds=waits[-1] + 1)
        assert (await service.login(attacker, owner, WRONG)).status_code == 401
    assert waits == [30, 60, 120]
    # The right password after the wait works, and forgets this address's failures.
    service.clock.ahead += timedelta(seconds=241)
    assert (await service.login(attacker, owner, PASSWORD)).status_code == 200
    assert (await service.login(attacker, owner, WRONG)).status_code == 401


async def test_an_address_trying_many_accounts_is_slowed_down(
    service: LoginService, stack: Stack
) -> None:
    owner, _ = await active_customer(service.accounts, stack)
    sprayer = "203.0.113.9"
    statuses = [(await service.login(sprayer, email(), WRONG)).status_code for _ in range(20)]
    assert statuses == [401] * 20
    refused = await service.login(sprayer, owner, PASSWORD)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "30"
    assert (await service.login("198.51.100.21", owner, PASSWORD)).status_code == 200


async def test_forwarded_address_counts_from_a_trusted_proxy_only(
    service: LoginService, stack: Stack
) -> None:
    owner, _ = await active_customer(service.accounts, stack)
    proxy = "127.0.0.1"  # the web panel on the same host, trusted by default outside production
    for _ in range(5):
        assert (await service.login(proxy, owner, WRONG, "203.0.113.10")).status_code == 401
    assert (await service.login(proxy, owner, WRONG, "203.0.113.10")).status_code == 429
    # Another customer behind the same proxy is someone else: not slowed down.
    assert (await service.login(proxy, owner, PASSWORD, "198.51.100.22")).status_code == 200
    # A caller that is not a proxy cannot pick its address: its own counts, whatever it claims.
    outsider = "192.0.2.50"
    for attempt in range(5):
        forged = f"198.51.100.{100 + attempt}"
        assert (await service.login(outsider, owner, WRONG, forged)).status_code == 401
    assert (await service.login(outsider, owner, WRONG, "198.51.100.200")).status_code == 429


async def test_only_the_configured_proxies_are_trusted(
    behind_configured_proxy: LoginService, stack: Stack
) -> None:
    service = behind_configured_proxy
    owner, _ = await active_customer(service.accounts, stack)
    # With RMA_TRUSTED_PROXIES=10.0.0.7, a local caller is not a proxy any more.
    for attempt in range(5):
        forged = f"198.51.100.{attempt + 1}"
        assert (await service.login("127.0.0.1", owner, WRONG, forged)).status_code == 401
    assert (await service.login("127.0.0.1", owner, WRONG, "198.51.100.9")).status_code == 429
    # The configured proxy's forwarded address is the client's.
    assert (await service.login("10.0.0.7", owner, PASSWORD, "198.51.100.9")).status_code == 200
