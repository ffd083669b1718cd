"""The credential-change check of the claims service kept per process (shared/auth.py
NotBeforeCache) against the real Kafka and PostgreSQL: a token issued before a password change
is refused at once when this process recorded the change, and within the kept answer's age when
the change reached the database otherwise (another instance's consumer)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest

from services.claims.bootstrap import build_app
from services.claims.settings import ClaimsSettings
from shared.auth import Principal, issue_token
from shared.events import AccountCredentialsChanged, AccountCredentialsChangedData
from tests.support.inprocess import running_app
from tools.support.kafka import publish, start_from_now
from tools.support.stack import Stack

pytestmark = pytest.mark.integration


async def _claims(stack: Stack, url: str, cache_seconds: float) -> ClaimsSettings:
    settings = ClaimsSettings(
        kafka_bootstrap_servers=stack.kafka_bootstrap,
        database_url=url,
        consumer_group=f"test-claims-{uuid.uuid4().hex[:8]}",
        token_public_key_file=stack.keys_dir / "token_public.pem",
        credential_check_cache_seconds=cache_seconds,
    )
    await start_from_now(stack.kafka_bootstrap, [settings.consumer_group])
    return settings


@pytest.fixture
async def database(stack: Stack) -> AsyncIterator[str]:
    from tests.conftest import create_database, drop_database

    url = await create_database(stack, "rma_test_credentials")
    yield url
    await drop_database(stack, url)


def _headers(stack: Stack, subject: uuid.UUID, issued: datetime) -> dict[str, str]:
    private = (stack.keys_dir / "token_private.pem").read_bytes()
    token = issue_token(private, Principal(subject, "customer"), now=issued)
    return {"Authorization": f"Bearer {token}"}


async def _refused_within(
    client: httpx.AsyncClient, headers: dict[str, str], limit: float
) -> float:
    """Seconds until GET /api/claims answers 401 (failing after `limit`)."""
    started = time.monotonic()
    while (answer := await client.get("/api/claims", headers=headers)).status_code != 401:
        assert answer.status_code == 200, answer.text
        assert time.monotonic() - started < limit, "still accepted"
        await asyncio.sleep(0.1)
    return time.monotonic() - started


async def test_a_change_this_instance_consumed_refuses_older_tokens_at_once(
    stack: Stack, database: str
) -> None:
    # Kept for a minute: a refusal within the test's 30 s comes from the consumer's `forget`.
    app = build_app(await _claims(stack, database, cache_seconds=60))
    account = uuid.uuid4()
    issued = datetime.now(UTC) - timedelta(minutes=1)
    async with running_app(app) as client:
        headers = _headers(stack, account, issued)
        assert (await client.get("/api/claims", headers=headers)).status_code == 200
        await publish(
            stack.kafka_bootstrap,
            AccountCredentialsChanged(
                producer="accounts",
                key=str(account),
                data=AccountCredentialsChangedData(
                    account_id=account, changed_at=issued + timedelta(seconds=1), change="logout"
                ),
            ),
        )
        await _refused_within(client, headers, limit=30)
        newer = _headers(stack, account, datetime.now(UTC))
        assert (await client.get("/api/claims", headers=newer)).status_code == 200


async def test_a_change_another_instance_recorded_holds_here_within_the_kept_answers_age(
    stack: Stack, database: str
) -> None:
    app = build_app(await _claims(stack, database, cache_seconds=1))
    account = uuid.uuid4()
    issued = datetime.now(UTC) - timedelta(minutes=1)
    async with running_app(app) as client:
        headers = _headers(stack, account, issued)
        assert (await client.get("/api/claims", headers=headers)).status_code == 200
        conn = await asyncpg.connect(database)
        try:  # as another instance's consumer writes it, unseen by this process
            await conn.execute(
                "INSERT INTO token_not_before (subject, not_before) VALUES ($1, $2)",
                account,
                issued + timedelta(seconds=1),
            )
        finally:
            await conn.close()
        # The bound is 1 s after the write; the slack is for a loaded machine's requests.
        assert await _refused_within(client, headers, limit=1 + 4) < 1 + 4
