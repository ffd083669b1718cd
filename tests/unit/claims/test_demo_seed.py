"""The demo story of `make run` on the claims service layer (fake unit of work): every claim of
the plan reaches its outcome on its own days, and seeding again files nothing."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from services.claims import handlers
from services.claims.demo import DemoPlan, DemoSeeder
from tests.support.claims_service import Desk, demo_customer
from tools.demo_claims import STORY

TODAY = date(2026, 12, 5)
NOW = datetime(2026, 12, 5, 12, tzinfo=UTC)
OUTCOME_STATUS = {
    "submitted": "submitted",
    "cancelled": "cancelled",
    "received": "received",
    "in_inspection": "in_inspection",
    "awaiting_customer": "awaiting_customer",
    "quote_awaiting": "decided",
    "in_repair": "in_repair",
    "shipped_back": "shipped_back",
    "repaired": "closed",
    "rejected": "closed",
    "refunded": "refunded",
    "refund_closed": "closed",
}


@pytest.fixture
async def seeded() -> tuple[Desk, DemoPlan, DemoSeeder]:
    desk = Desk()
    plan = await demo_customer(desk, TODAY)
    seeder = DemoSeeder(desk.ctx.uow, now=lambda: NOW)
    report = await seeder.seed(plan)
    assert (report.filed, report.skipped, report.unidentified_parcels) == (len(STORY), 0, 1)
    return desk, plan, seeder


async def test_every_demo_claim_reaches_its_outcome(
    seeded: tuple[Desk, DemoPlan, DemoSeeder],
) -> None:
    desk, plan, _ = seeded
    listings = await handlers.search_claims(desk.ctx, plan.account_id, "")
    status_of = {listing.customer_reference: listing.status for listing in listings}
    expected = {c.reference: OUTCOME_STATUS[c.outcome] for c in plan.claims}
    assert status_of == expected
    assert set(Counter(c.claim_type for c in plan.claims)) == {
        "warranty",
        "non_conformity",
        "return",
        "dji",
    }
    # The statuses of the operators' board, every one of them shown at least once.
    assert set(OUTCOME_STATUS.values()) <= set(status_of.values())


async def test_demo_claims_are_spread_over_the_last_hundred_days(
    seeded: tuple[Desk, DemoPlan, DemoSeeder],
) -> None:
    desk, plan, _ = seeded
    listings = await handlers.search_claims(desk.ctx, plan.account_id, "")
    filed_days = sorted({listing.created_at.date() for listing in listings})
    assert len(filed_days) == len(STORY)
    assert TODAY - timedelta(days=100) <= filed_days[0] <= TODAY - timedelta(days=90)
    assert TODAY - timedelta(days=14) <= filed_days[-1] < TODAY
    # Each month of the last three has claims filed, so the charts have a shape.
    assert len({day.month for day in filed_days}) >= 3


async def test_the_demo_has_a_quote_awaiting_an_answer_and_an_unidentified_parcel(
    seeded: tuple[Desk, DemoPlan, DemoSeeder],
) -> None:
    desk, plan, _ = seeded
    quoted = [c for c in plan.claims if c.outcome == "quote_awaiting"]
    [listing] = await handlers.search_claims(desk.ctx, plan.account_id, quoted[0].reference)
    claim = await desk.claim(listing.claim_id)
    assert claim.offer_awaiting_answer == "paid_repair_quote"
    assert claim.decision is not None and claim.decision.valid_until >= TODAY
    parcels = await handlers.parcels_for_operators(desk.ctx)
    assert [p.tracking_number for p in parcels if p.claim_id is None] == [
        plan.unidentified_tracking
    ]


async def test_seeding_again_files_nothing(seeded: tuple[Desk, DemoPlan, DemoSeeder]) -> None:
    desk, plan, seeder = seeded
    published = len(desk.published)
    report = await seeder.seed(plan)
    assert (report.filed, report.skipped, report.unidentified_parcels) == (0, len(STORY), 0)
    assert len(desk.published) == published


async def test_a_plan_whose_outcome_would_come_after_now_is_refused() -> None:
    desk = Desk()
    plan = await demo_customer(desk, TODAY)
    late = plan.claims[0].model_copy(update={"filed_at": NOW - timedelta(days=3)})
    seeder = DemoSeeder(desk.ctx.uow, now=lambda: NOW)
    with pytest.raises(ValueError, match="would come after now"):
        await seeder.seed(plan.model_copy(update={"claims": [late]}))
    assert await handlers.search_claims(desk.ctx, plan.account_id, "") == []
