"""A claim's filing on the real PostgreSQL, in the round trips its rules need (issue 27, item 2):
each statement is a wait for the database on every `POST /api/claims`."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from asyncpg.connection import LoggedQuery

from services.claims import handlers
from services.claims.adapters.postgres import PostgresUnitOfWork
from services.claims.bootstrap import postgres_context
from services.claims.domain.claim import Claim
from services.claims.domain.evidence import EvidenceFacts
from services.claims.domain.parts import NewAttachment, ParcelRecord
from services.claims.domain.refusals import Refusal
from shared.db import create_pool
from shared.events import ClaimCreated, Deadline, WarrantyAssessed
from tests.support.claims import new_claim
from tests.support.claims_contract import NOW, ClaimsStoreContract, act
from tests.support.claims_service import ADDRESS, Clock, Desk, covered_verdict
from tests.support.stores import postgres_store

pytestmark = pytest.mark.integration


async def test_a_filing_reads_in_two_statements_and_writes_in_two(database_url: str) -> None:
    """The ledger's facts (document, contact, problems, registration) with the serial's lock in
    one read, its open claim with the RMA number and the claim that settled its defect (a
    statement after the lock's, so that it sees a concurrent filing's commit); the claim with
    its timeline entry and file in one write, the outbox row."""
    async with postgres_store(
        database_url, PostgresUnitOfWork, "services.claims.migrations"
    ) as store:
        clock = Clock()
        desk = Desk(clock=clock, ctx=replace(postgres_context(store.pool), clock=clock))
        first, customer = [await desk.customer(contact_address=ADDRESS) for _ in range(2)]
        await desk.catalogue_problems("5901234123457", ["Nie startuje"])
        statements: list[str] = []

        def logged(query: LoggedQuery) -> None:
            statements.append(query.query)

        async with store.pool.acquire() as conn:
            # The unit of work on a connection in a transaction of the test's (BEGIN and COMMIT
            # are the 2 more of each filing).
            ctx = replace(desk.ctx, uow=lambda: PostgresUnitOfWork(conn))  # type: ignore[arg-type]
            for filer, logger in ((first, None), (customer, logged)):
                # The first filing on a connection also asks PostgreSQL about the types it sends.
                if logger is not None:
                    conn.add_query_logger(logger)
                async with conn.transaction():
                    form = filer.claim_form(problem_code="Nie startuje")
                    created = await handlers.create_claim(ctx, form, uuid4())
            conn.remove_query_logger(logged)
        assert len(statements) == 4 + 2, "\n---\n".join(statements)
        view = await handlers.claim_view(desk.ctx, created.data.claim_id, customer.account_id)
    claim = view.claim
    assert (claim.rma_number, claim.problem_code) == (created.data.rma_number, "Nie startuje")
    assert [entry.status for entry in claim.timeline] == ["submitted"]
    assert [a.purpose for a in claim.attachments] == ["sales_document"]
    assert claim.return_address == ADDRESS


async def test_a_second_filing_of_a_serial_waits_for_the_first_and_is_refused(
    database_url: str,
) -> None:
    """The serial's lock, taken in the ledger's read, holds a second filing of the unit until
    the first commits; its open claim's read then sees the first (the RMA number's row alone
    would let it through with a snapshot taken before that commit)."""
    async with postgres_store(
        database_url, PostgresUnitOfWork, "services.claims.migrations"
    ) as store:
        clock = Clock()
        desk = Desk(clock=clock, ctx=replace(postgres_context(store.pool), clock=clock))
        customer = await desk.customer()
        async with store.pool.acquire() as conn:
            ctx = replace(desk.ctx, uow=lambda: PostgresUnitOfWork(conn))  # type: ignore[arg-type]
            async with conn.transaction():
                first = await handlers.create_claim(ctx, customer.claim_form(), uuid4())
                second = asyncio.create_task(customer.file())
                await asyncio.sleep(0.5)
                assert not second.done(), "the second filing waits for the serial's lock"
        with pytest.raises(Refusal) as refusal:
            await second
        assert refusal.value.code == "open_claim_for_serial"
        listed = await handlers.search_claims(desk.ctx, customer.account_id, "")
    assert [claim.rma_number for claim in listed] == [first.data.rma_number]


async def test_a_claim_loads_for_a_change_in_two_statements(database_url: str) -> None:
    """A command or event that changes a claim loads it first: its row with the lock, then its
    decision, timeline, files, parcels, charges and evidence in one statement of records."""
    async with postgres_store(
        database_url, PostgresUnitOfWork, "services.claims.migrations"
    ) as store:
        clock = Clock()
        desk = Desk(clock=clock, ctx=replace(postgres_context(store.pool), clock=clock))
        created = await (await desk.customer()).file()
        statements: list[str] = []

        def logged(query: LoggedQuery) -> None:
            statements.append(query.query)

        async with store.pool.acquire() as conn:
            # The first load on a connection also asks PostgreSQL about the records it reads.
            async with PostgresUnitOfWork(conn) as uow:
                await uow.claims.get(created.data.claim_id)
            conn.add_query_logger(logged)
            async with conn.transaction(), PostgresUnitOfWork(conn) as uow:
                claim = await uow.claims.get(created.data.claim_id, lock=True)
            conn.remove_query_logger(logged)
    assert len(statements) == 2 + 2, "\n---\n".join(statements)  # BEGIN and COMMIT: 2 more
    assert claim is not None and claim.rma_number == created.data.rma_number
    assert [entry.status for entry in claim.timeline] == ["submitted"]
    assert [a.purpose for a in claim.attachments] == ["sales_document"]
    assert (claim.decision, claim.parcels, claim.charges, claim.evidence) == (None, [], [], None)


async def test_a_claim_locked_by_another_loads_with_what_that_one_committed(
    database_url: str,
) -> None:
    """The parts are read in a statement after the row's lock: a change that waited for the
    lock loads the timeline the other change committed, not the one before it."""
    async with postgres_store(
        database_url, PostgresUnitOfWork, "services.claims.migrations"
    ) as store:
        clock = Clock()
        desk = Desk(clock=clock, ctx=replace(postgres_context(store.pool), clock=clock))
        claim_id = (await (await desk.customer()).file()).data.claim_id

        async def locked() -> Claim | None:
            async with store.uow() as uow:
                return await uow.claims.get(claim_id, lock=True)

        async with store.uow() as first:
            claim = await first.claims.get(claim_id, lock=True)
            assert claim is not None
            claim.cancel(act(role="customer"))
            await first.claims.save(claim)
            second = asyncio.create_task(locked())
            await asyncio.sleep(0.5)
            assert not second.done(), "the second change waits for the claim's lock"
            await first.commit()
        waited = await second
    assert waited is not None and waited.status == "cancelled"
    assert [entry.status for entry in waited.timeline] == ["submitted", "cancelled"]


async def test_a_claim_with_every_part_loads_whole_on_a_new_connection(database_url: str) -> None:
    """The parts' records hold only types asyncpg decodes without having met them on the
    connection before (a service's first load after a start reads them so)."""
    contract = ClaimsStoreContract()
    async with postgres_store(
        database_url, PostgresUnitOfWork, "services.claims.migrations"
    ) as store:
        claim = new_claim(NOW)
        await contract.add(store, claim)
        photo = NewAttachment(uuid4(), "intake_photo", "IMG.jpg", "image/jpeg", b"\xff\xd8\xff")
        found = EvidenceFacts("other", dirty=True, serial_legible=True)

        def changed(c: Claim) -> None:
            c.receive_parcel(act(role="scanner"), ParcelRecord(uuid4(), "TRK1", "s", NOW))
            c.record_intake_evidence(act(1, role="scanner"), found, (photo,))
            c.add_charge(act(1), "cleaning", Decimal("49.90"), "Produkt bardzo zabrudzony.")

        saved = await contract.change(store, claim.claim_id, changed)
    pool = await create_pool(database_url)
    try:
        async with PostgresUnitOfWork(pool) as uow:
            loaded = await uow.claims.get(claim.claim_id, lock=True)
    finally:
        await pool.close()
    assert loaded is not None
    assert (loaded.evidence, loaded.charges) == (saved.evidence, saved.charges)
    assert loaded.evidence is not None and loaded.evidence.photos == (photo.attachment_id,)
    assert [p.tracking_number for p in loaded.parcels] == ["TRK1"]
    assert [e.status for e in loaded.timeline] == [e.status for e in saved.timeline]


def verdict(claim: ClaimCreated, due: date) -> WarrantyAssessed:
    data = claim.data
    return covered_verdict(
        data.claim_id,
        rma_number=data.rma_number,
        account_id=data.account_id,
        email=data.email,
        deadlines=(Deadline(kind="complaint_answer", due_on=due, description="14 dni"),),
    )


async def test_a_warranty_verdict_is_stored_in_one_statement(database_url: str) -> None:
    """WarrantyAssessed, once per claim: its verdict and the deadlines it sets in one UPDATE (the
    consumer waits for each round trip; its inbox row, BEGIN and COMMIT are the consumer's)."""
    async with postgres_store(
        database_url, PostgresUnitOfWork, "services.claims.migrations"
    ) as store:
        clock = Clock()
        desk = Desk(clock=clock, ctx=replace(postgres_context(store.pool), clock=clock))
        created = await (await desk.customer()).file()
        due = clock().date() + timedelta(days=14)
        statements: list[str] = []

        def logged(query: LoggedQuery) -> None:
            statements.append(query.query)

        async with store.pool.acquire() as conn:
            conn.add_query_logger(logged)
            async with conn.transaction(), PostgresUnitOfWork(conn) as uow:
                await handlers.record_assessment(uow, verdict(created, due))
            conn.remove_query_logger(logged)
        assert len(statements) == 1 + 2, "\n---\n".join(statements)  # BEGIN and COMMIT: 2 more
        claim = await desk.claim(created.data.claim_id)
        async with store.uow() as uow:
            stored = await uow.claims.assessment(created.data.claim_id)
    assert [(d.kind, d.due_on) for d in claim.deadlines] == [("complaint_answer", due)]
    assert stored is not None and stored["covered"] is True
    assert stored["deadlines"][0]["due_on"] == due.isoformat()
