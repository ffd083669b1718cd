"""Fixtures shared by the integration and end-to-end tests: real servers, fresh databases."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest

from tools.support.mailbox import Mailbox
from tools.support.stack import (
    ContainerStack,
    Stack,
    docker_engine_answers,
    external_stack,
    start_local_stack,
)


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    if (existing := external_stack()) is not None:
        yield existing
    elif docker_engine_answers():
        containers = ContainerStack()
        yield containers.start()
        containers.stop()
    else:
        yield start_local_stack()


@pytest.fixture(scope="session")
def mailbox(stack: Stack) -> Mailbox:
    return Mailbox(stack.mailbox_url)


async def create_database(stack: Stack, prefix: str = "rma_test") -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(f"{stack.postgres_url}/postgres")
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return f"{stack.postgres_url}/{name}"


async def drop_database(stack: Stack, url: str, attempts: int = 20) -> None:
    """Drop a test's database. FORCE ends the test's own connections, but not an autovacuum
    worker of the superuser that may be busy there on a loaded machine (PostgreSQL refuses with
    InsufficientPrivilegeError): such a worker is done in moments, so try again."""
    name = url.rsplit("/", 1)[1]
    conn = await asyncpg.connect(f"{stack.postgres_url}/postgres")
    try:
        for attempt in range(attempts):
            try:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                return
            except asyncpg.InsufficientPrivilegeError:
                if attempt == attempts - 1:
                    raise
                await asyncio.sleep(0.25)
    finally:
        await conn.close()


@pytest.fixture
async def database_url(stack: Stack) -> AsyncIterator[str]:
    """A new, empty database for one test, dropped afterwards."""
    url = await create_database(stack)
    yield url
    await drop_database(stack, url)
