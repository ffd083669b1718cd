from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from tests.support.services import SERVICE_PORTS, RunningServices
from tests.support.stack import Stack


@pytest.fixture(scope="session")
async def services(stack: Stack) -> AsyncIterator[RunningServices]:
    running = RunningServices(stack)
    try:
        running.start_all()
        yield running
    finally:
        running.stop_all()
        conn = await asyncpg.connect(f"{stack.postgres_url}/postgres")
        try:
            for service in SERVICE_PORTS:
                name = running.database_url(service).rsplit("/", 1)[1]
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
