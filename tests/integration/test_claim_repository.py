"""The Claim repository against the real PostgreSQL: what is saved is what is loaded, every part
of the aggregate (decision, pauses, shipment, replacement, refund, timeline, files, parcels)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import asyncpg
import pytest

from services.claims.adapters.claim_repository import PostgresClaimRepository
from services.claims.domain import decisions
from services.claims.domain.claim import (
    Act,
    Claim,
    DecisionInput,
    NewAttachment,
    ParcelRecord,
)
from shared.db import create_pool, migrate
from shared.events import Deadline
from tests.support.claims import new_claim

pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database_url)
    await migrate(pool, "shared.migrations", "services.claims.migrations")
    yield pool
    await pool.close()


def act(role: str = "operator", days: int = 0) -> Act:
    return Act(role, f"{role}:test", NOW + timedelta(days=days), uuid4())


async def test_a_claim_saved_through_its_life_loads_back_the_same(pool: asyncpg.Pool) -> None:
    claim = new_claim(NOW)
    async with pool.acquire() as conn, conn.transaction():
        await PostgresClaimRepository(conn).add(claim)

    async def step(command: object) -> Claim:
        async with pool.acquire() as conn, conn.transaction():
            repo = PostgresClaimRepository(conn)
            loaded = await repo.get(claim.claim_id, lock=True)
            assert loaded is not None
            command(loaded)  # type: ignore[operator]
            await repo.save(loaded)
        return loaded

    await step(lambda c: c.receive_parcel(act("scanner"), ParcelRecord(uuid4(), "T1", "s", NOW)))
    await step(lambda c: c.start_inspection(act()))
    await step(lambda c: c.ask_customer(act(days=1), "Zdjęcie?"))
    photo = NewAttachment(uuid4(), "answer", "foto.jpg", "image/jpeg", b"\xff\xd8\xff")
    await step(lambda c: c.answer(act("customer", days=3), "Proszę.", (photo,)))
    decision = DecisionInput(
        kind="refund", justification="Zwrot.", deduction_percents={"packaging": 10}
    )
    await step(lambda c: c.decide(act(days=4), decision))
    await step(lambda c: c.answer_offer(act("customer", days=5), "return_deductions", True))
    payment = decisions.refund_payment("bank_transfer", "PL61109010140000071219812874")
    expected = await step(lambda c: c.record_refund(act(days=6), Decimal("900.00"), payment))

    async with pool.acquire() as conn:
        loaded = await PostgresClaimRepository(conn).get(claim.claim_id)
        files = await conn.fetch(
            "SELECT purpose, content FROM claim_attachments WHERE claim_id = $1 ORDER BY purpose",
            claim.claim_id,
        )
        parcels = await conn.fetchval(
            "SELECT count(*) FROM parcels WHERE claim_id = $1", claim.claim_id
        )
    assert loaded is not None
    assert loaded.status == "refunded"
    assert loaded.received_at == NOW
    assert loaded.pauses == expected.pauses and loaded.pauses[0].ended_at == NOW + timedelta(days=3)
    assert loaded.decision == expected.decision
    assert loaded.decision is not None and loaded.decision.customer_response == "accepted"
    assert loaded.decision.deductions[0].amount == Decimal("100.00")
    assert loaded.refund == expected.refund
    assert loaded.return_address == claim.return_address
    assert [e.status for e in loaded.timeline] == [
        "submitted", "received", "in_inspection", "awaiting_customer", "in_inspection",
        "decided", "decided", "refunded",
    ]  # fmt: skip
    assert all(e.entry_id is not None for e in loaded.timeline)
    assert [(f["purpose"], bytes(f["content"])) for f in files] == [
        ("answer", b"\xff\xd8\xff"),
        ("sales_document", b"%PDF-1"),
    ]
    assert parcels == 1


async def test_shipment_replacement_and_deadlines_round_trip(pool: asyncpg.Pool) -> None:
    claim = replace(new_claim(NOW), claim_type="warranty")
    async with pool.acquire() as conn, conn.transaction():
        repo = PostgresClaimRepository(conn)
        await repo.add(claim)
        await conn.execute(
            "UPDATE claims SET deadlines = $2, assessment = $3 WHERE claim_id = $1",
            claim.claim_id,
            [{"kind": "dji_repair", "due_on": "2026-05-01", "description": "60 dni"}],
            {"covered": True},
        )
    async with pool.acquire() as conn, conn.transaction():
        repo = PostgresClaimRepository(conn)
        loaded = await repo.get(claim.claim_id, lock=True)
        assert loaded is not None
        assert loaded.covered is True
        assert loaded.deadlines == (
            Deadline(kind="dji_repair", due_on=datetime(2026, 5, 1).date(), description="60 dni"),
        )
        loaded.receive_parcel(act("scanner"), ParcelRecord(uuid4(), None, "s", NOW))
        loaded.start_inspection(act())
        loaded.decide(act(), DecisionInput(kind="replacement", justification="Wymiana."))
        loaded.record_replacement(act(), "NEW-0001", None)
        loaded.ship_back(act(), "DPD", "D 1")
        await repo.save(loaded)
    async with pool.acquire() as conn:
        again = await PostgresClaimRepository(conn).get(claim.claim_id)
        by_rma = await PostgresClaimRepository(conn).by_rma_number(claim.rma_number.lower())
    assert again is not None and by_rma is not None and by_rma.claim_id == claim.claim_id
    assert again.replacement == loaded.replacement
    assert again.outbound == loaded.outbound and again.outbound is not None
    assert (again.outbound.carrier, again.outbound.tracking_number) == ("DPD", "D1")
    assert again.tracking_number == "INPOST1"
    assert again.status == "shipped_back"
