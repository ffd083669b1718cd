"""What every claims unit of work promises, as one test class: tests/unit runs it on the
in-memory store, tests/integration on PostgreSQL, so the fake the service-layer tests rely on
cannot drift from the database.

A subclass gives a `store` fixture: a fresh, empty store with `uow()`, `published_ids()` and
`made_by_request(owner, key)` (what the Idempotency-Key's request made, as committed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Protocol
from uuid import UUID, uuid4

import pytest

from services.claims.domain import decisions
from services.claims.domain.claim import Act, Claim, DecisionInput, NewAttachment, ParcelRecord
from services.claims.domain.evidence import EvidenceFacts
from services.claims.domain.shipment import RefusedRow, Shipment, ShippedClaim
from services.claims.domain.statistics import DeadlinesOfWeek, deadlines_kept_per_week
from services.claims.unit_of_work import ClaimsUnitOfWork, DailyCount, DecisionTime, SerialFacts
from shared.events import (
    AccountContactChangedData,
    Buyer,
    ClaimStatusChanged,
    ClaimStatusChangedData,
    ClaimType,
    Deadline,
    DocumentLinkedData,
    PostalAddress,
    SaleRecordedData,
)
from shared.idempotency import IdempotentRequest, KeyInUse
from tests.support.claims import new_claim
from tests.support.claims_service import sale_lines

TODAY = date(2026, 3, 2)  # a Monday
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
DIRTY = EvidenceFacts("original", dirty=True)  # intake found dirt: a cleaning charge is allowed


class Store(Protocol):
    def uow(self) -> ClaimsUnitOfWork: ...
    async def published_ids(self) -> list[UUID]: ...
    async def made_by_request(self, owner: str, key: str) -> str | None: ...


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


def at(offset: int, hour: int = 9) -> datetime:
    return datetime.combine(day(offset), time(hour), UTC)


def act(offset: int = 0, hour: int = 9, role: str = "operator") -> Act:
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


def assessment(deadlines: dict[str, int], covered: bool = True) -> dict[str, Any]:
    due = [
        {"kind": kind, "due_on": day(offset).isoformat(), "description": kind}
        for kind, offset in deadlines.items()
    ]
    return {"covered": covered, "deadlines": due}


class ClaimsStoreContract:
    async def add(
        self, store: Store, claim: Claim, deadlines: dict[str, int] | None = None
    ) -> None:
        async with store.uow() as uow:
            await uow.claims.add(claim)
            if deadlines is not None:
                await uow.claims.store_assessment(claim.claim_id, assessment(deadlines))
            await uow.commit()

    async def change(self, store: Store, claim_id: UUID, command: Step) -> Claim:
        async with store.uow() as uow:
            loaded = await uow.claims.get(claim_id, lock=True)
            assert loaded is not None
            command(loaded)
            await uow.claims.save(loaded)
            await uow.commit()
        return loaded

    async def load(self, store: Store, claim_id: UUID) -> Claim:
        async with store.uow() as uow:
            loaded = await uow.claims.get(claim_id)
        assert loaded is not None
        return loaded

    # --- the aggregate -----------------------------------------------------------------------

    async def test_a_claim_saved_through_its_life_loads_back_the_same(self, store: Store) -> None:
        claim = new_claim(NOW)
        await self.add(store, claim)
        parcel = ParcelRecord(uuid4(), "T1", "s", NOW)
        await self.change(
            store, claim.claim_id, lambda c: c.receive_parcel(act(role="scanner"), parcel)
        )
        await self.change(store, claim.claim_id, lambda c: c.start_inspection(act()))
        await self.change(store, claim.claim_id, lambda c: c.ask_customer(act(1), "Zdjęcie?"))
        photo = NewAttachment(uuid4(), "answer", "foto.jpg", "image/jpeg", b"\xff\xd8\xff")
        await self.change(
            store, claim.claim_id, lambda c: c.answer(act(3, role="customer"), "Proszę.", (photo,))
        )
        decision = DecisionInput("refund", "Zwrot.", deduction_percents={"packaging": 10})
        await self.change(store, claim.claim_id, lambda c: c.decide(act(4), decision))
        await self.change(
            store,
            claim.claim_id,
            lambda c: c.answer_offer(act(5, role="customer"), "return_deductions", True),
        )
        payment = decisions.refund_payment("bank_transfer", "PL61109010140000071219812874")
        expected = await self.change(
            store, claim.claim_id, lambda c: c.record_refund(act(6), Decimal("900.00"), payment)
        )

        loaded = await self.load(store, claim.claim_id)
        assert loaded.status == "refunded" and loaded.received_at == NOW
        assert loaded.pauses == expected.pauses and loaded.pauses[0].ended_at == at(3)
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
        # The claim's parts load with it (a file without its bytes), each stored once.
        assert [(a.purpose, a.content) for a in loaded.attachments] == [
            ("sales_document", None),
            ("answer", None),
        ]
        assert [p.parcel_id for p in loaded.parcels] == [parcel.parcel_id]
        async with store.uow() as uow:
            files = await uow.claims.attachments(claim.claim_id)
            contents = [
                await uow.claims.attachment_file(claim.claim_id, f.attachment_id) for f in files
            ]
            assert await uow.parcels.by_tracking("t1") is not None
        assert sorted((f.purpose, f.size_bytes) for f in files) == [
            ("answer", 3),
            ("sales_document", 6),
        ]
        assert sorted(c.content for c in contents if c) == [b"%PDF-1", b"\xff\xd8\xff"]

    async def test_shipment_replacement_and_the_assessment_round_trip(self, store: Store) -> None:
        claim = replace(new_claim(NOW), claim_type="warranty")
        await self.add(store, claim, {"dji_repair": 60})
        loaded = await self.load(store, claim.claim_id)
        assert loaded.covered is True
        assert loaded.deadlines == (
            Deadline(kind="dji_repair", due_on=day(60), description="dji_repair"),
        )

        def steps(c: Claim) -> None:
            c.receive_parcel(act(role="scanner"), ParcelRecord(uuid4(), None, "s", NOW))
            c.start_inspection(act())
            c.manufacturer_statement = uuid4()  # a DJI unit is replaced with DJI's statement
            c.decide(act(), DecisionInput(kind="replacement", justification="Wymiana."))
            c.record_replacement(act(), "NEW-0001", None)
            c.ship_back(act(), "DPD", "D 1")

        changed = await self.change(store, claim.claim_id, steps)
        again = await self.load(store, claim.claim_id)
        assert again.replacement == changed.replacement
        assert again.manufacturer_statement == changed.manufacturer_statement
        assert again.outbound == changed.outbound and again.outbound is not None
        assert (again.outbound.carrier, again.outbound.tracking_number) == ("DPD", "D1")
        async with store.uow() as uow:
            by_rma = await uow.claims.by_rma_number(claim.rma_number.lower())
            by_outbound = await uow.claims.by_outbound_tracking("d1")
            by_inbound = await uow.claims.by_inbound_tracking("inpost1")
            stored = await uow.claims.assessment(claim.claim_id)
        assert by_rma is not None and by_rma.claim_id == claim.claim_id
        assert by_outbound is not None and by_outbound.claim_id == claim.claim_id
        assert by_inbound is None  # no longer waiting for the customer's parcel
        assert stored is not None and stored["covered"] is True

    async def test_intake_evidence_round_trips_with_its_photos_and_report(
        self, store: Store
    ) -> None:
        claim = new_claim(NOW)
        await self.add(store, claim)
        photos = tuple(
            NewAttachment(
                uuid4(), "intake_photo", f"IMG_{n}.jpg", "image/jpeg", b"\xff\xd8\xff%d" % n
            )
            for n in range(2)
        )
        report = NewAttachment(
            uuid4(), "damage_report", "protokol.pdf", "application/pdf", b"%PDF-r"
        )
        found = EvidenceFacts(
            "other",
            seal_intact=False,
            visible_damage=True,
            dirty=True,
            serial_legible=False,
            transport_damage=True,
        )

        def recorded(c: Claim) -> None:
            c.receive_parcel(act(role="scanner"), ParcelRecord(uuid4(), None, "s", NOW))
            c.record_intake_evidence(act(1, role="scanner"), found, photos[:1], report)

        first = await self.change(store, claim.claim_id, recorded)
        loaded = await self.load(store, claim.claim_id)
        assert loaded.evidence == first.evidence
        assert loaded.evidence is not None and loaded.evidence.facts == found
        assert loaded.evidence.transport_damage_reported
        more = EvidenceFacts("original", serial_legible=True)
        again = await self.change(
            store, claim.claim_id, lambda c: c.record_intake_evidence(act(2), more, photos[1:])
        )
        reloaded = await self.load(store, claim.claim_id)
        assert reloaded.evidence == again.evidence
        assert reloaded.evidence is not None
        assert reloaded.evidence.photos == tuple(p.attachment_id for p in photos)
        assert (reloaded.evidence.facts, reloaded.evidence.damage_report) == (
            more, report.attachment_id,
        )  # fmt: skip
        assert (reloaded.evidence.recorded_by, reloaded.evidence.recorded_at) == (
            "operator:test", at(2),
        )  # fmt: skip
        async with store.uow() as uow:
            files = {
                f.attachment_id: await uow.claims.attachment_file(claim.claim_id, f.attachment_id)
                for f in await uow.claims.attachments(claim.claim_id)
            }
        stored = [files[p.attachment_id] for p in (*photos, report)]
        assert [(f.content_type, f.content) for f in stored if f] == [
            (p.content_type, p.content) for p in (*photos, report)
        ]

    async def test_a_manufacturer_handoff_and_its_pause_round_trip(self, store: Store) -> None:
        """DJI's case number, the days sent and back, the pause on the manufacturer's side and
        the statement that came back: loaded as saved, and the listing's deadlines see them."""
        claim = new_claim(NOW, claim_type="dji")
        await self.add(store, claim, {"dji_repair": 60})
        await self.change(store, claim.claim_id, received(0))
        sent = await self.change(
            store, claim.claim_id, lambda c: c.send_to_manufacturer(act(1), "DJI-PL-1", day(1))
        )
        away = await self.load(store, claim.claim_id)
        assert away.status == "at_manufacturer"
        assert away.manufacturer_handoffs == sent.manufacturer_handoffs
        assert away.pauses == sent.pauses and away.pauses[0].cause == "manufacturer"
        async with store.uow() as uow:
            [listed] = await uow.listings.by_status(["at_manufacturer"], 10, False)
        [standing] = listed.deadline_facts.standings(day(3))
        assert standing.state == "paused_at_manufacturer"
        statement = NewAttachment(
            uuid4(), "manufacturer_statement", "dji.pdf", "application/pdf", b"%PDF-1"
        )
        back = await self.change(
            store,
            claim.claim_id,
            lambda c: c.receive_from_manufacturer(act(8), day(8), statement, "Wymiana płyty."),
        )
        loaded = await self.load(store, claim.claim_id)
        assert loaded.status == "in_inspection"
        assert loaded.manufacturer_handoffs == back.manufacturer_handoffs
        assert loaded.manufacturer_handoffs[0].back_on == day(8)
        assert loaded.manufacturer_handoffs[0].remark == "Wymiana płyty."
        assert loaded.pauses == back.pauses and loaded.pauses[0].ended_at is not None
        assert loaded.manufacturer_statement == statement.attachment_id
        async with store.uow() as uow:
            [listed] = await uow.listings.by_status(["in_inspection"], 10, False)
        [standing] = listed.deadline_facts.standings(day(9))
        # Sent Tuesday 3 March, back Tuesday 10 March: 5 working days at the manufacturer.
        assert (standing.state, standing.manufacturer_paused_working_days) == ("running", 5)
        assert standing.moved_to == date(2026, 5, 8)

    async def test_charges_round_trip_with_their_states(self, store: Store) -> None:
        claim = new_claim(NOW)
        await self.add(store, claim)

        def charged(c: Claim) -> None:
            c.receive_parcel(act(role="scanner"), ParcelRecord(uuid4(), None, "s", NOW))
            c.record_intake_evidence(act(role="scanner"), DIRTY)
            c.add_charge(act(), "cleaning", Decimal("49.90"), "Produkt bardzo zabrudzony.")
            c.add_charge(act(1), "cleaning", Decimal("0.01"), "Drugie czyszczenie obudowy.")

        added = await self.change(store, claim.claim_id, charged)
        first, second = (c.charge_id for c in added.charges)
        loaded = await self.load(store, claim.claim_id)
        assert loaded.charges == added.charges
        assert [c.amount for c in loaded.charges] == [Decimal("49.90"), Decimal("0.01")]

        def settled(c: Claim) -> None:
            c.mark_charge_paid(act(2), first)
            c.waive_charge(act(3), second, "Gest handlowy dla klienta.")

        changed = await self.change(store, claim.claim_id, settled)
        again = await self.load(store, claim.claim_id)
        assert again.charges == changed.charges
        assert [(c.state, c.settled_at) for c in again.charges] == [
            ("paid", at(2)),
            ("waived", at(3)),
        ]
        assert again.charges[1].waiver_reason == "Gest handlowy dla klienta."

    async def test_money_movements_of_a_period(self, store: Store) -> None:
        refunded, charged = new_claim(NOW), new_claim(NOW)
        await self.add(store, refunded)
        await self.add(store, charged)
        payment = decisions.refund_payment("original_payment", None)

        def refund(c: Claim) -> None:
            received(0)(c)
            c.decide(act(1), DecisionInput("refund", "Zwrot."))
            c.record_refund(act(2), Decimal("990.10"), payment, "Potrącenie za opakowanie.")

        def charge(c: Claim) -> None:
            received(0)(c)
            c.record_intake_evidence(act(0), DIRTY)
            c.add_charge(act(1), "cleaning", Decimal("12.34"), "Produkt bardzo zabrudzony.")
            c.add_charge(act(1), "cleaning", Decimal("1.00"), "Drugie czyszczenie, due.")
            c.mark_charge_paid(act(3), c.charges[0].charge_id)

        decided = (await self.change(store, refunded.claim_id, refund)).decision
        await self.change(store, charged.claim_id, charge)
        async with store.uow() as uow:
            moved = await uow.listings.money_movements(at(0), at(30))
            before = await uow.listings.money_movements(at(0), at(3))
        assert decided is not None
        assert sorted((m.movement, m.kind, m.amount, m.decided, m.at) for m in moved) == [
            ("charge", "cleaning", Decimal("12.34"), None, at(3)),
            ("refund", "original_payment", Decimal("990.10"), decided.amount, at(2)),
        ]
        assert [m.movement for m in before] == ["refund"]  # the charge was paid at its end

    async def test_returns_of_an_account_counted_over_a_period(self, store: Store) -> None:
        account_id = uuid4()
        for offset, claim_type, status in [
            (-400, "return", "closed"),
            (-300, "return", "closed"),
            (-200, "return", "cancelled"),
            (-100, "warranty", "closed"),
            (0, "return", "received"),
        ]:
            claim = replace(new_claim(at(offset), claim_type), account_id=account_id, status=status)
            await self.add(store, claim)
        await self.add(store, new_claim(NOW))  # another account's
        async with store.uow() as uow:
            counted = await uow.claims.returns_filed(account_id, at(-365), NOW)
            everything = await uow.claims.returns_filed(account_id, at(-500), NOW)
        assert (counted, everything) == (2, 3)

    async def test_what_the_deadline_rules_did_round_trips(self, store: Store) -> None:
        claim = new_claim(NOW)
        await self.add(store, claim)

        def acted(c: Claim) -> None:
            c.deemed_accepted_on, c.repair_delay_announced_on = day(14), day(20)
            c.collection_reminders, c.marked_for_disposal_on = 2, day(31)

        await self.change(store, claim.claim_id, acted)
        loaded = await self.load(store, claim.claim_id)
        assert (loaded.deemed_accepted_on, loaded.repair_delay_announced_on) == (day(14), day(20))
        assert (loaded.collection_reminders, loaded.marked_for_disposal_on) == (2, day(31))
        async with store.uow() as uow:
            assert await uow.claims.first_digest_of(day(1))
            assert not await uow.claims.first_digest_of(day(1))
            await uow.commit()
        async with store.uow() as uow:
            assert not await uow.claims.first_digest_of(day(1))
            assert await uow.claims.first_digest_of(day(2))

    async def test_what_is_not_committed_is_neither_kept_nor_published(self, store: Store) -> None:
        claim = new_claim(NOW)
        event = ClaimStatusChanged(
            producer="claims",
            key=str(claim.claim_id),
            data=ClaimStatusChangedData(
                claim_id=claim.claim_id,
                rma_number=claim.rma_number,
                account_id=claim.account_id,
                email=claim.email,
                claim_type=claim.claim_type,
                product=claim.product,
                from_status="submitted",
                to_status="cancelled",
                changed_at=NOW,
                actor="customer:test",
            ),
        )
        async with store.uow() as uow:
            await uow.claims.add(claim)
            await uow.publish(event)
            assert await uow.claims.next_rma_sequence(2026) == 1
        async with store.uow() as uow:
            assert await uow.claims.get(claim.claim_id) is None
            assert await uow.claims.next_rma_sequence(2026) == 1
            await uow.publish(event)
            await uow.claims.add(claim)
            await uow.commit()
        assert await store.published_ids() == [event.event_id]
        async with store.uow() as uow:
            assert await uow.claims.next_rma_sequence(2026) == 2
            assert await uow.claims.next_rma_sequence(2027) == 1

    async def test_an_idempotency_key_is_kept_only_with_what_it_made(self, store: Store) -> None:
        claim = new_claim(NOW)
        request = IdempotentRequest("customer:test", "key-1", "fingerprint")
        async with store.uow() as uow:
            await uow.claims.add(claim)
            await uow.remember_request(request, claim.claim_id)
        assert await store.made_by_request("customer:test", "key-1") is None
        async with store.uow() as uow:
            await uow.claims.add(claim)
            await uow.remember_request(request, claim.claim_id)
            await uow.commit()
        assert await store.made_by_request("customer:test", "key-1") == str(claim.claim_id)
        assert await store.made_by_request("customer:other", "key-1") is None
        # A second request that got past the key's lock makes nothing: its work is refused.
        async with store.uow() as uow:
            with pytest.raises(KeyInUse):
                await uow.remember_request(request, uuid4())

    async def test_an_open_claim_per_serial_and_emails_of_an_account(self, store: Store) -> None:
        claim, other = new_claim(NOW), new_claim(NOW + timedelta(hours=1))
        await self.add(store, claim)
        await self.add(store, other)
        async with store.uow() as uow:
            assert await uow.claims.open_claim_for_serial("1581f000001") == claim.rma_number
            await uow.claims.change_email(claim.account_id, "nowy@example.com")
            await uow.commit()
        await self.change(store, claim.claim_id, lambda c: c.cancel(act(role="customer")))
        async with store.uow() as uow:
            assert await uow.claims.open_claim_for_serial("1581F000001") == other.rma_number
        assert (await self.load(store, claim.claim_id)).email == "nowy@example.com"
        assert (await self.load(store, other.claim_id)).email == "jan@example.com"

    async def test_the_open_claim_and_the_next_rma_number_read_together(self, store: Store) -> None:
        """As `open_claim_for_serial` and then `next_rma_sequence`; kept only with the commit."""
        claim = new_claim(NOW)
        await self.add(store, claim)
        async with store.uow() as uow:
            assert await uow.claims.serial_facts("1581f000001", 2026) == SerialFacts(
                claim.rma_number, 1
            )
            assert await uow.claims.serial_facts("1581F000002", 2026) == SerialFacts(None, 2)
        async with store.uow() as uow:
            assert await uow.claims.serial_facts("1581F000002", 2026) == SerialFacts(None, 1)
            await uow.commit()
        async with store.uow() as uow:
            assert await uow.claims.next_rma_sequence(2026) == 2

    async def test_a_defect_settled_by_an_accepted_price_reduction(self, store: Store) -> None:
        claim = replace(new_claim(NOW), claim_type="warranty", problem_code="Rysa")

        def settle(c: Claim) -> None:
            c.receive_parcel(act(role="scanner"), ParcelRecord(uuid4(), None, "s", NOW))
            c.start_inspection(act())
            reduce = DecisionInput(
                "price_reduction", "Rysa.", amount=Decimal("100"), reduction_kind="cosmetic_defect"
            )
            c.decide(act(), reduce)

        await self.add(store, claim)
        await self.change(store, claim.claim_id, settle)
        async with store.uow() as uow:
            assert await uow.claims.settled_defect("1581f000001", "Rysa") is None  # not accepted
        await self.change(
            store,
            claim.claim_id,
            lambda c: c.answer_offer(act(role="customer"), "price_reduction", True),
        )
        async with store.uow() as uow:
            assert await uow.claims.settled_defect("1581f000001", "Rysa") == claim.rma_number
            assert await uow.claims.settled_defect("1581F000001", "Gimbal") is None
            # Read with the serial's other facts too, as a filing with a problem code does.
            facts = [
                (await uow.claims.serial_facts("1581f000001", 2026, code)).settled_defect
                for code in ("Rysa", "Gimbal", None)
            ]
            assert facts == [claim.rma_number, None, None]
        loaded = await self.load(store, claim.claim_id)
        assert loaded.decision is not None and loaded.decision.reduction_kind == "cosmetic_defect"

    # --- parcels and the sales ledger ---------------------------------------------------------

    async def test_parcels_unidentified_attached_and_waiting(self, store: Store) -> None:
        claim = new_claim(NOW)
        await self.add(store, claim)
        loose = ParcelRecord(uuid4(), "LOOSE1", "magazyn-1", NOW)
        async with store.uow() as uow:
            await uow.parcels.add_unidentified(loose, None)
            await uow.commit()
        await self.change(store, claim.claim_id, lambda c: c.cancel(act(role="customer")))
        late = ParcelRecord(uuid4(), "LATE1", "magazyn-1", NOW + timedelta(hours=1))
        await self.change(store, claim.claim_id, lambda c: c.receive_parcel(act(), late))
        async with store.uow() as uow:
            waiting = await uow.parcels.needing_operator()
            assert [p.parcel_id for p in waiting] == [loose.parcel_id, late.parcel_id]
            assert waiting[1].attention and waiting[1].claim_id == claim.claim_id
            assert await uow.parcels.attention_open_for(claim.claim_id)
            found = await uow.parcels.by_tracking("loose1")
            assert found is not None and found.claim_id is None
            assert await uow.parcels.unidentified(late.parcel_id) is None
            assert await uow.parcels.unidentified(loose.parcel_id) == found
            assert await uow.parcels.get(loose.parcel_id) == found
            kept = await uow.parcels.get(late.parcel_id)
            assert kept is not None and kept.claim_id == claim.claim_id
            assert await uow.parcels.get(uuid4()) is None
            await uow.parcels.assign(loose.parcel_id, claim.claim_id, "operator:anna")
            assert await uow.parcels.resolve_attention(late.parcel_id, "operator:anna")
            assert not await uow.parcels.resolve_attention(late.parcel_id, "operator:anna")
            await uow.commit()
        async with store.uow() as uow:
            assert await uow.parcels.needing_operator() == []
            assert not await uow.parcels.attention_open_for(claim.claim_id)
            assigned = await uow.parcels.by_tracking("LOOSE1")
            assert assigned is not None and assigned.claim_id == claim.claim_id

    async def test_the_sales_ledger(self, store: Store) -> None:
        account_id, number = uuid4(), "2026/abc"
        sale = SaleRecordedData(
            document_type="FS",
            document_number=number,
            issued_on=day(-10),
            delivered_on=None,
            buyer=Buyer(type="business", name="Firma sp. z o.o."),
            total=Decimal("4499.00"),
            lines=sale_lines("1581FSERIAL1"),
        )
        address = PostalAddress(
            recipient="Jan", street="Zielona 5", postal_code="44-200", city="Rybnik"
        )
        async with store.uow() as uow:
            await uow.sales.record_sale(sale)
            await uow.sales.record_owner(
                DocumentLinkedData(
                    account_id=account_id,
                    account_type="company",
                    email="firma@example.com",
                    document_type="FS",
                    document_number="2026/ABC",
                )
            )
            await uow.sales.record_contact(
                AccountContactChangedData(
                    account_id=account_id, full_name="Jan", email="firma@example.com",
                    address=address,
                )
            )  # fmt: skip
            await uow.sales.record_problems("5901234123457", ["Nie startuje"])
            await uow.sales.record_problems("5901234123457", ["Nie startuje", "Gimbal"])
            await uow.sales.change_owner_email(account_id, "nowy@example.com")
            await uow.sales.record_registration("1581fserial1", day(-3))
            await uow.sales.record_registration("1581FSERIAL1", day(-1))
            await uow.commit()
        async with store.uow() as uow:
            owned = await uow.sales.owned_document(account_id, "FS", "2026/ABC")
            assert await uow.sales.owned_document(uuid4(), "FS", "2026/ABC") is None
            document = await uow.sales.document("FS", "2026/ABC")
            contact = await uow.sales.contact(account_id)
            assert await uow.sales.problems("5901234123457") == ["Nie startuje", "Gimbal"]
            assert await uow.sales.problems("0000000000000") == []
            assert await uow.sales.serial_sold("1581FSERIAL1")
            assert not await uow.sales.serial_sold("1581FSERIAL2")
            assert await uow.sales.registered_on("1581fSerial1") == day(-3)
            assert await uow.sales.registered_on("1581FSERIAL2") is None
        assert owned is not None and owned.document == document
        assert (owned.email, owned.language) == ("nowy@example.com", "pl")
        assert document is not None and document.document_number == "2026/ABC"
        assert (document.buyer_type, document.buyer_name, document.total) == (
            "business",
            "Firma sp. z o.o.",
            Decimal("4499.00"),
        )
        assert document.handed_over_on == day(-10) and owned.line(2) is not None
        assert contact is not None and contact.address == address

    async def test_filing_records_are_the_single_reads_at_once(self, store: Store) -> None:
        """A filing's one read of the ledger answers as its four reads one by one do."""
        account_id, stranger = uuid4(), uuid4()
        sale = SaleRecordedData(
            document_type="PA",
            document_number="PA/7",
            issued_on=day(-10),
            delivered_on=day(-8),
            buyer=Buyer(type="consumer"),
            total=Decimal("4699.00"),
            lines=sale_lines("1581FREC1"),
        )
        async with store.uow() as uow:
            await uow.sales.record_sale(sale)
            await uow.sales.record_owner(
                DocumentLinkedData(
                    account_id=account_id, email="jan@example.com", document_type="PA",
                    document_number="PA/7", language="en", account_type="private",
                )
            )  # fmt: skip
            await uow.sales.record_problems("5901234123457", ["Nie startuje", "Gimbal"])
            await uow.sales.record_problems("0000000000000", ["Nie mój produkt"])
            await uow.sales.record_registration("1581frec1", day(-5))
            await uow.commit()
        async with store.uow() as uow:
            bare = await uow.sales.filing_records(account_id, "PA", "PA/7", None)
            assert await uow.sales.filing_records(stranger, "PA", "PA/7", "1581FREC1") is None
            assert await uow.sales.filing_records(account_id, "PA", "PA/8", None) is None
        # No contact yet, no serial asked about, a product of the document without a list.
        assert bare is not None and bare.contact is None and bare.registered_on is None
        assert bare.problems("5901234123464") == [] and bare.problems("0000000000000") == []
        async with store.uow() as uow:
            await uow.sales.record_contact(
                AccountContactChangedData(
                    account_id=account_id, full_name="Jan", email="jan@example.com",
                    phone="+48600100200", address=PostalAddress(
                        recipient="Jan", street="Zielona 5", postal_code="44-200", city="Rybnik"
                    ),
                )
            )  # fmt: skip
            await uow.commit()
        async with store.uow() as uow:
            records = await uow.sales.filing_records(account_id, "PA", "PA/7", "1581fRec1")
            owned = await uow.sales.owned_document(account_id, "PA", "PA/7")
            contact = await uow.sales.contact(account_id)
            problems = await uow.sales.problems("5901234123457")
            registered = await uow.sales.registered_on("1581fRec1")
            unregistered = await uow.sales.filing_records(account_id, "PA", "PA/7", "1581FREC2")
        assert records is not None and records.owned == owned
        assert records.contact == contact and contact is not None
        assert records.problems("5901234123457") == problems == ["Nie startuje", "Gimbal"]
        assert records.registered_on == registered == day(-5)
        assert unregistered is not None and unregistered.registered_on is None

    # --- the read side ------------------------------------------------------------------------

    async def test_listings_search_statuses_and_counts(self, store: Store) -> None:
        first, second = new_claim(at(-2)), new_claim(at(-1))
        second = replace(second, account_id=first.account_id, customer_reference="INNY")
        await self.add(store, first, {"complaint_answer": 10})
        await self.add(store, second)
        await self.change(store, second.claim_id, lambda c: c.cancel(act(role="customer")))
        async with store.uow() as uow:
            found = await uow.listings.search(first.account_id, "moje-1")
            every = await uow.listings.search(first.account_id, "")
            newest = await uow.listings.by_status(None, 10, False)
            oldest = await uow.listings.by_status(["submitted", "cancelled"], 1, True)
            counts = await uow.listings.count_by_status()
        assert [c.claim_id for c in found] == [first.claim_id]
        assert [c.claim_id for c in every] == [second.claim_id, first.claim_id]
        assert [c.claim_id for c in newest] == [second.claim_id, first.claim_id]
        [listed] = oldest
        assert listed.claim_id == first.claim_id and listed.product == first.product
        assert listed.deadlines[0].due_on == day(10) and not listed.serial_mismatch
        assert [s.state for s in listed.deadline_facts.standings(TODAY)] == ["running"]
        assert counts == {"submitted": 1, "cancelled": 1}

    async def test_statistics_of_an_empty_store(self, store: Store) -> None:
        async with store.uow() as uow:
            assert await uow.listings.daily_counts(day(-89), TODAY) == []
            assert await uow.listings.deadline_facts(day(-89)) == []
            assert await uow.listings.decision_times(day(-89), TODAY) == []

    async def test_statistics_of_the_last_90_days_as_worked_out_by_hand(self, store: Store) -> None:
        await self._ninety_days(store)
        since = day(-89)
        async with store.uow() as uow:
            daily = await uow.listings.daily_counts(since, TODAY)
            times = await uow.listings.decision_times(since, TODAY)
            facts = await uow.listings.deadline_facts(since)
            week_times = await uow.listings.decision_times(day(-6), TODAY)
        assert daily == [
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
        assert times == [
            DecisionTime(None, decided=5, median_days=4.0),
            DecisionTime("dji", decided=1, median_days=2.0),
            DecisionTime("non_conformity", decided=2, median_days=7.25),
            DecisionTime("return", decided=1, median_days=1.5),
            DecisionTime("warranty", decided=1, median_days=5.0),
        ]
        assert deadlines_kept_per_week(facts, since, TODAY) == [
            DeadlinesOfWeek(day(-21), "complaint_answer", kept=1, missed=0, deemed_accepted=1),
            DeadlinesOfWeek(day(-14), "scooter_repair", kept=0, missed=1, deemed_accepted=0),
            DeadlinesOfWeek(day(-7), "dji_repair", kept=1, missed=0, deemed_accepted=0),
            DeadlinesOfWeek(day(0), "return_refund", kept=0, missed=1, deemed_accepted=0),
        ]
        assert week_times[0] == DecisionTime(None, decided=2, median_days=1.75)

    async def _ninety_days(self, store: Store) -> None:
        """Claims A to H of the figures worked out by hand, today being Monday 2026-03-02."""

        async def save(
            claim_type: ClaimType, filed: int, steps: list[Step], deadlines: dict[str, int]
        ) -> None:
            claim = new_claim(at(filed), claim_type)
            for step in steps:
                step(claim)
            await self.add(store, claim, deadlines)

        # A: DJI, received -8, decided -6 (2 days), shipped back -4 (its repair deadline, due in
        # 50 days, kept on Thursday 02-26), closed -2.
        await save(
            "dji",
            -10,
            [received(-8), decided(-6), repaired(-5, -4), closed(-2)],
            {"dji_repair": 50},
        )
        # B: received -18, decided -14 (4 days), two days after its 14-day answer was due
        # (-16): deemed accepted the day after, Sunday 02-15.
        await save("non_conformity", -20, [received(-18), decided(-14)], {"complaint_answer": -16})
        # C: received -28 09:00, decided -18 21:00 (10.5 days) before its answer was due
        # (-14): kept on Thursday 02-12; shipped back -16, closed -15.
        await save(
            "non_conformity", -30,
            [received(-28), decided(-18, 21), repaired(-17, -16), closed(-15)],
            {"complaint_answer": -14},
        )  # fmt: skip
        # D: a return received -4 09:00, decided -3 21:00 (1.5 days); its refund, due
        # yesterday, not made: missed today.
        await save("return", -5, [received(-4), decided(-3, 21, "refund")], {"return_refund": -1})
        # E: cancelled by the customer the day after filing; no deadline of it counts.
        await save(
            "warranty", -2, [lambda claim: claim.cancel(act(-1, role="customer"))],
            {"complaint_answer": 12},
        )  # fmt: skip
        # G: DJI received -2, in inspection, its repair deadline running: nothing final.
        await save("dji", -3, [received(-2)], {"dji_repair": 30})
        # H: received -45, decided -40 (5 days), in repair past its 30 days (due -10, Friday
        # 02-20): missed on Saturday 02-21.
        await save(
            "warranty", -50, [received(-45), decided(-40), lambda c: c.start_repair(act(-39))],
            {"scooter_repair": -10},
        )  # fmt: skip
        # F: everything 95 to 100 days ago, before the 90 days (from 2025-12-03): not counted.
        await save(
            "warranty", -100, [received(-99), decided(-97), repaired(-97, -96), closed(-95)],
            {"scooter_repair": -60},
        )  # fmt: skip

    # --- shipments of claims filed in bulk (issue 25 §6) --------------------------------------

    async def test_a_shipment_round_trips_with_its_checklist(self, store: Store) -> None:
        first, second = new_claim(NOW, "warranty"), new_claim(NOW, "warranty")
        for claim in (first, second):
            await self.add(store, claim)
        await self.change(store, second.claim_id, received(0, 10))
        shipment = Shipment(
            shipment_id=uuid4(),
            shipment_number="WYS/7/SR/2026",
            account_id=first.account_id,
            email="firma@example.com",
            language="pl",
            created_at=NOW,
            claims=(
                ShippedClaim(second.claim_id, second.rma_number, 5),
                ShippedClaim(first.claim_id, first.rma_number, 2),
            ),
            refused=(
                RefusedRow(3, "open_claim_for_serial", "serial_number",
                           {"rma_number": "RMA/1/SR/2026"}, "Zgłoszenie RMA/1/SR/2026 trwa.",
                           "RMA/1/SR/2026 is open."),
            ),
        )  # fmt: skip
        async with store.uow() as uow:
            # The serials' locks, one of them twice in two spellings: taken, held to the end.
            await uow.shipments.lock_serials(["sn-2", "SN-1", "sn-1"])
            assert await uow.shipments.next_shipment_sequence(2026) == 1
            assert await uow.shipments.next_shipment_sequence(2026) == 2
            assert await uow.shipments.next_shipment_sequence(2027) == 1
            await uow.shipments.add(shipment)
            await uow.commit()
        async with store.uow() as uow:
            loaded = await uow.shipments.get(shipment.shipment_id)
            by_number = await uow.shipments.by_number("WYS/7/SR/2026")
            checklist = await uow.shipments.checklist(shipment.shipment_id)
            assert await uow.shipments.by_number("WYS/8/SR/2026") is None
            assert await uow.shipments.get(uuid4()) is None
        in_file_order = replace(shipment, claims=tuple(reversed(shipment.claims)))
        assert loaded == by_number == in_file_order
        assert [(i.rma_number, i.row_no, i.status, i.received_at) for i in checklist] == [
            (first.rma_number, 2, "submitted", None),
            (second.rma_number, 5, "in_inspection", at(0, 10)),
        ]
        assert checklist[0].product_name == "Mini 4 Pro"

    async def test_the_open_claims_and_registrations_of_many_serials_in_one_read(
        self, store: Store
    ) -> None:
        """What a bulk filing reads at once is what the one-serial reads answer."""
        older, newer, ended = (new_claim(at(-3)), new_claim(at(-1)), new_claim(at(-2)))
        ended = replace(ended, serial_number="ENDED-1", status="closed")
        newer = replace(newer, serial_number=older.serial_number)
        for claim in (older, newer, ended):
            await self.add(store, claim)
        async with store.uow() as uow:
            await uow.sales.record_registration("reg-1", day(-5))
            await uow.commit()
        serials = [older.serial_number.lower(), "ended-1", "reg-1", "nothing"]  # type: ignore[union-attr]
        async with store.uow() as uow:
            open_claims = await uow.shipments.open_claims_of(serials)
            registered = await uow.shipments.registered_of(serials)
            one_by_one = {s.upper(): await uow.claims.open_claim_for_serial(s) for s in serials}
            registered_one = {s.upper(): await uow.sales.registered_on(s) for s in serials}
        assert open_claims == {older.serial_number.upper(): older.rma_number}  # type: ignore[union-attr]
        assert open_claims == {s: rma for s, rma in one_by_one.items() if rma is not None}
        assert registered == {"REG-1": day(-5)}
        assert registered == {s: on for s, on in registered_one.items() if on is not None}

    async def test_an_accounts_type_is_what_its_linked_documents_say(self, store: Store) -> None:
        company, private = uuid4(), uuid4()
        async with store.uow() as uow:
            for account_id, kind, number in (
                (company, "company", "F/1"),
                (private, "private", "P/1"),
            ):
                await uow.sales.record_owner(
                    DocumentLinkedData(
                        account_id=account_id,
                        account_type=kind,  # type: ignore[arg-type]
                        email="k@example.com",
                        document_type="FS",
                        document_number=number,
                    )
                )
            await uow.commit()
        async with store.uow() as uow:
            assert await uow.shipments.account_type(company) == "company"
            assert await uow.shipments.account_type(private) == "private"
            assert await uow.shipments.account_type(uuid4()) is None
