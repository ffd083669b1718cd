"""Service start-up against the real PostgreSQL: instances of one service starting together."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from shared.db import ensure_database
from tools.support.stack import Stack

pytestmark = pytest.mark.integration


async def test_instances_starting_together_all_find_their_database(stack: Stack) -> None:
    # Two instances of a service in one group (make bench --instances 2) create the database at
    # the same moment; the one that loses the race must start all the same.
    name = f"rma_test_{uuid.uuid4().hex[:10]}"
    url = f"{stack.postgres_url}/{name}"
    try:
        await asyncio.gather(*(ensure_database(url) for _ in range(4)))
        conn = await asyncpg.connect(url)
        assert await conn.fetchval("SELECT current_database()") == name
        await conn.close()
    finally:
        admin = await asyncpg.connect(f"{stack.postgres_url}/postgres")
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
