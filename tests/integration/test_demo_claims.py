"""The demo claims of `make run` on the real PostgreSQL: filed on their own days, so the
operators' statistics of 90 days have a shape; seeding again files nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest

from services.claims import handlers
from services.claims.adapters.postgres import PostgresUnitOfWork
from services.claims.bootstrap import postgres_context
from services.claims.demo import DemoSeeder
from shared.calendar import polish_date
from shared.db import create_pool, migrate
from tests.support.claims_service import Desk, demo_customer
from tools.demo_claims import STORY

pytestmark = pytest.mark.integration


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database_url)
    await migrate(pool, "shared.migrations", "services.claims.migrations")
    yield pool
    await pool.close()


async def test_demo_claims_give_the_statistics_of_90_days_a_shape(pool: asyncpg.Pool) -> None:
    now = datetime.now(UTC)
    ctx = postgres_context(pool)
    plan = await demo_customer(Desk(ctx=ctx), polish_date(now))
    seeder = DemoSeeder(lambda: PostgresUnitOfWork(pool), now=lambda: now)
    report = await seeder.seed(plan)
    assert (report.filed, report.unidentified_parcels) == (len(STORY), 1)

    statistics = await handlers.claim_statistics(ctx, 90)
    filed_days = {row.day for row in statistics.daily if row.filed}
    # The claims of the last 90 days, on their own days (not all on the day of seeding).
    filed_in_window = [c for c in plan.claims if polish_date(c.filed_at) >= statistics.since]
    assert sum(row.filed for row in statistics.daily) == len(filed_in_window)
    assert len(filed_days) == len(filed_in_window)
    assert sum(row.closed for row in statistics.daily) > 10
    assert statistics.decision_times and statistics.decision_times[0].decided > 10

    counts = await handlers.count_claims_by_status(ctx)
    assert {"submitted", "received", "in_inspection", "decided", "closed", "refunded"} <= set(
        counts
    )
    unidentified = [p for p in await handlers.parcels_for_operators(ctx) if p.claim_id is None]
    assert [p.tracking_number for p in unidentified] == [plan.unidentified_tracking]

    again = await seeder.seed(plan)
    assert (again.filed, again.skipped, again.unidentified_parcels) == (0, len(STORY), 0)
    assert await handlers.count_claims_by_status(ctx) == counts
