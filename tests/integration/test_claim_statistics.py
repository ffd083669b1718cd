"""The operators' statistics against the real PostgreSQL, over claims of the last 100 days.

Each claim goes through the Claim aggregate's own commands at backdated times and is saved by
the repository; its deadlines (the warranty service's, normally) are written straight to its
row. The expected figures are worked out by hand below, today being Monday 2026-03-02.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from uuid import uuid4

import asyncpg
import pytest

from services.claims import handlers
from services.claims.adapters.claim_repository import PostgresClaimRepository
from services.claims.bootstrap import postgres_context
from services.claims.domain.claim import Act, Claim, DecisionInput, ParcelRecord
from services.claims.domain.statistics import DeadlinesOfWeek
from services.claims.unit_of_work import DailyCount, DecisionTime
from shared.db import create_pool, migrate
from shared.events import ClaimType
from tests.support.claims import new_claim

pytestmark = pytest.mark.integration

TODAY = date(2026, 3, 2)


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


def at(offset: int, hour: int = 9) -> datetime:
    return datetime.combine(day(offset), time(hour), UTC)


def act(offset: int, hour: int = 9, role: str = "operator") -> Act:
    return Act(role, f"{role}:test", at(offset, hour), uuid4())


Step = Callable[[Claim], object]


def received(offset: int, hour: int = 9) -> Step:
    def step(claim: Claim) -> None:
        when = act(offset, hour, "scanner")
        claim.receive_parcel(when, ParcelRecord(uuid4(), None, "magazyn-1", when.at))
        claim.start_inspection(act(offset, hour))

    return step


def decided(offset: int, hour: int = 9, kind: str = "repair") -> Step:
    return lambda claim: claim.decide(act(offset, hour), DecisionInput(kind, "Po diagnozie."))  # type: ignore[arg-type]


def repaired(started: int, shipped: int) -> Step:
    def step(claim: Claim) -> None:
        claim.start_repair(act(started))
        claim.ship_back(act(shipped), "InPost", f"OUT{uuid4().hex[:8]}")

    return step


def closed(offset: int) -> Step:
    return lambda claim: claim.close(act(offset))


async def save_claim(
    pool: asyncpg.Pool,
    claim_type: ClaimType,
    filed: int,
    steps: list[Step],
    deadlines: dict[str, int],
) -> None:
    claim = new_claim(at(filed), claim_type)
    for step in steps:
        step(claim)
    due = [
        {"kind": kind, "due_on": day(offset).isoformat(), "description": kind}
        for kind, offset in deadlines.items()
    ]
    async with pool.acquire() as conn, conn.transaction():
        await PostgresClaimRepository(conn).add(claim)
        await conn.execute(
            "UPDATE claims SET deadlines = $2 WHERE claim_id = $1", claim.claim_id, due
        )


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database_url)
    await migrate(pool, "shared.migrations", "services.claims.migrations")
    yield pool
    await pool.close()


async def test_figures_of_the_last_90_days_as_worked_out_by_hand(pool: asyncpg.Pool) -> None:
    # A: DJI, received day -8 09:00, decided -6 09:00 (2 days), shipped back -4 (its repair
    # deadline, due in 50 days, kept on Thursday 02-26), closed -2.
    await save_claim(
        pool, "dji", -10, [received(-8), decided(-6), repaired(-5, -4), closed(-2)],
        {"dji_repair": 50},
    )  # fmt: skip
    # B: received -18, decided -14 (4 days), two days after its 14-day answer was due (-16):
    # deemed accepted the day after, Sunday 02-15.
    await save_claim(
        pool, "non_conformity", -20, [received(-18), decided(-14)], {"complaint_answer": -16}
    )
    # C: received -28 09:00, decided -18 21:00 (10.5 days) before its answer was due (-14):
    # kept on Thursday 02-12; shipped back -16, closed -15.
    await save_claim(
        pool, "non_conformity", -30,
        [received(-28), decided(-18, 21), repaired(-17, -16), closed(-15)],
        {"complaint_answer": -14},
    )  # fmt: skip
    # D: a return received -4 09:00, decided -3 21:00 (1.5 days); its refund, due yesterday,
    # not made: missed today.
    await save_claim(
        pool, "return", -5, [received(-4), decided(-3, 21, "refund")], {"return_refund": -1}
    )
    # E: cancelled by the customer the day after filing; no deadline of it counts.
    await save_claim(
        pool, "warranty", -2, [lambda claim: claim.cancel(act(-1, role="customer"))],
        {"complaint_answer": 12},
    )  # fmt: skip
    # G: in inspection, its DJI repair deadline runs (due in 30 days): not settled, not counted.
    await save_claim(pool, "dji", -3, [received(-2)], {"dji_repair": 30})
    # H: received -45, decided -40 (5 days), in repair past its 30 days (due -10, Friday 02-20):
    # missed on Saturday 02-21.
    await save_claim(
        pool, "warranty", -50, [received(-45), decided(-40), lambda c: c.start_repair(act(-39))],
        {"scooter_repair": -10},
    )  # fmt: skip
    # F: everything 95 to 100 days ago, before the 90 days (from 2025-12-03): not counted.
    await save_claim(
        pool, "warranty", -100,
        [received(-99), decided(-97), repaired(-97, -96), closed(-95)],
        {"scooter_repair": -60},
    )  # fmt: skip

    ctx = replace(postgres_context(pool), clock=lambda: at(0, 12))
    figures = await handlers.claim_statistics(ctx, 90)

    assert (figures.since, figures.until) == (date(2025, 12, 3), TODAY)
    assert figures.daily == [
        DailyCount(day(-50), "warranty", "in_repair", filed=1, closed=0),  # H
        DailyCount(day(-30), "non_conformity", "closed", filed=1, closed=0),  # C
        DailyCount(day(-20), "non_conformity", "decided", filed=1, closed=0),  # B
        DailyCount(day(-15), "non_conformity", "closed", filed=0, closed=1),  # C
        DailyCount(day(-10), "dji", "closed", filed=1, closed=0),  # A
        DailyCount(day(-5), "return", "decided", filed=1, closed=0),  # D
        DailyCount(day(-3), "dji", "in_inspection", filed=1, closed=0),  # G
        DailyCount(day(-2), "dji", "closed", filed=0, closed=1),  # A
        DailyCount(day(-2), "warranty", "cancelled", filed=1, closed=0),  # E
        DailyCount(day(-1), "warranty", "cancelled", filed=0, closed=1),  # E
    ]
    # Medians of the days from receipt to decision: A 2, B 4, C 10.5, D 1.5, H 5 -> 4;
    # non-conformity (B, C): (4 + 10.5) / 2.
    assert figures.decision_times == [
        DecisionTime(None, decided=5, median_days=4.0),
        DecisionTime("dji", decided=1, median_days=2.0),
        DecisionTime("non_conformity", decided=2, median_days=7.25),
        DecisionTime("return", decided=1, median_days=1.5),
        DecisionTime("warranty", decided=1, median_days=5.0),
    ]
    assert figures.deadlines == [
        DeadlinesOfWeek(date(2026, 2, 9), "complaint_answer", kept=1, missed=0, deemed_accepted=1),
        DeadlinesOfWeek(date(2026, 2, 16), "scooter_repair", kept=0, missed=1, deemed_accepted=0),
        DeadlinesOfWeek(date(2026, 2, 23), "dji_repair", kept=1, missed=0, deemed_accepted=0),
        DeadlinesOfWeek(date(2026, 3, 2), "return_refund", kept=0, missed=1, deemed_accepted=0),
    ]
    assert figures.deadlines[0].share_kept == 0.5  # deemed accepted is never kept

    # The last 7 days only: A's closing, D, E and G; H's and C's figures fall out.
    week = await handlers.claim_statistics(ctx, 7)
    assert {(row.day, row.claim_type) for row in week.daily} == {
        (day(-5), "return"), (day(-3), "dji"), (day(-2), "dji"), (day(-2), "warranty"),
        (day(-1), "warranty"),
    }  # fmt: skip
    assert week.decision_times[0] == DecisionTime(None, decided=2, median_days=1.75)
    assert [(row.week, row.kind) for row in week.deadlines] == [
        (date(2026, 2, 23), "dji_repair"),
        (date(2026, 3, 2), "return_refund"),
    ]
