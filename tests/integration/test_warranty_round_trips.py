"""A claim's assessment on the real PostgreSQL, in the statements its rules need (issue 27):
each is a round trip of warranty's consumer for every ClaimCreated."""

from __future__ import annotations

from datetime import date

import pytest
from asyncpg.connection import LoggedQuery

from services.warranty import handlers
from services.warranty.adapters.postgres import PostgresUnitOfWork
from tests.support.stores import postgres_store
from tests.support.warranty_service import claim

pytestmark = pytest.mark.integration
DRONE = "5901234123464"


async def test_a_first_claim_for_a_unit_reads_in_two_statements_and_writes_in_three(
    database_url: str,
) -> None:
    """A unit without a past: one read of its sale, registration and which other records it has
    (none), the product; its claim, the assessment and the outbox row."""
    async with postgres_store(
        database_url, PostgresUnitOfWork, "services.warranty.migrations"
    ) as store:
        statements: list[str] = []

        def logged(query: LoggedQuery) -> None:
            statements.append(query.query)

        async with store.pool.acquire() as conn:
            for serial, logger in (("SN-1", None), ("SN-2", logged)):
                # The first assessment on a connection also asks PostgreSQL about its types.
                if logger is not None:
                    conn.add_query_logger(logger)
                created = claim(DRONE, "DJI", "drone", date(2026, 1, 5), serial_number=serial)
                # In the consumer this transaction (BEGIN and COMMIT, the 2 more) is the batch's.
                async with conn.transaction(), PostgresUnitOfWork(conn) as uow:  # type: ignore[arg-type]
                    await handlers.assess_claim(uow, created)
            conn.remove_query_logger(logged)
            assessed = await conn.fetchval(
                "SELECT count(*) FROM assessments WHERE claim_id = $1", created.data.claim_id
            )
        assert len(statements) == 2 + 3 + 2, "\n---\n".join(statements)
        assert assessed == 1
