"""What every warranty unit of work promises, as one test class: tests/unit runs it on the
in-memory store, tests/integration on PostgreSQL, so the fake the service-layer tests rely on
cannot drift from the database.

A subclass gives a `store` fixture: a fresh, empty store with `uow()` and `published_ids()`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol
from uuid import UUID, uuid4

from services.warranty.unit_of_work import (
    AccountUnit,
    Assessment,
    CatalogueProduct,
    RepairPeriod,
    Replacement,
    UnitClaim,
    UnitOverview,
    UnitRegistration,
    UnitSale,
    UnitVoidMark,
    WarrantyUnitOfWork,
)
from shared.events import (
    Buyer,
    ProductCatalogued,
    ProductCataloguedData,
    ProductRegisteredData,
    SaleLine,
    SaleRecordedData,
)

SCOOTER, DRONE = "5901234123457", "5901234123464"
SOLD_ON = date(2025, 3, 3)


class Store(Protocol):
    def uow(self) -> WarrantyUnitOfWork: ...
    async def published_ids(self) -> list[UUID]: ...


def line(ean: str, *serials: str, brand: str = "Dualtron", **more: Any) -> SaleLine:
    return SaleLine(
        line_no=1,
        ean=ean,
        sku=f"SKU-{ean[-4:]}",
        name=f"{brand} {ean[-4:]}",
        brand=brand,
        category="scooter" if brand == "Dualtron" else "drone",
        quantity=max(1, len(serials)),
        unit_price=Decimal("100.00"),
        serial_numbers=serials,
        **more,
    )


def sale(
    number: str, issued_on: date, *lines: SaleLine, buyer: str = "consumer"
) -> SaleRecordedData:
    return SaleRecordedData(
        document_type="PA",
        document_number=number,
        issued_on=issued_on,
        delivered_on=issued_on + timedelta(days=2),
        buyer=Buyer(type=buyer),
        total=Decimal("100.00"),
        lines=lines,
    )


def unit_claim(serial: str, rma: str, at: datetime, **more: Any) -> UnitClaim:
    return UnitClaim(
        claim_id=uuid4(),
        ean=SCOOTER,
        serial_number=serial,
        rma_number=rma,
        claim_type="warranty",
        problem="Nie włącza się",
        claimed_at=at,
        **more,
    )


def replacement(old: str | None, new: str, issued_on: date) -> Replacement:
    return Replacement(uuid4(), f"RMA-{new}", SCOOTER, old, SCOOTER, new, issued_on)


def catalogue_entry(ean: str, name: str, **more: Any) -> CatalogueProduct:
    return CatalogueProduct(ean, f"SKU-{ean[-4:]}", name, "DJI", "drone", **more)


class WarrantyStoreContract:
    async def sold(self, store: Store, *sales: SaleRecordedData, owner: UUID | None = None) -> None:
        async with store.uow() as uow:
            for each in sales:
                await uow.products.record_sold(each)
                await uow.units.record_sold(each)
                if owner is not None:
                    await uow.units.link_document("PA", each.document_number, owner)
            await uow.commit()

    # --- the catalogue ----------------------------------------------------------------------

    async def test_sales_add_products_and_move_their_first_and_last_sale_dates(
        self, store: Store
    ) -> None:
        later, earlier = SOLD_ON + timedelta(days=30), SOLD_ON - timedelta(days=30)
        await self.sold(store, sale("1", SOLD_ON, line(SCOOTER, outlet=True)))
        await self.sold(store, sale("2", later, line(SCOOTER)), sale("3", earlier, line(SCOOTER)))
        async with store.uow() as uow:
            product = await uow.products.get(SCOOTER)
            assert await uow.products.get(DRONE) is None
        assert product is not None
        assert (product.first_sold_on, product.last_sold_on) == (earlier, later)
        assert (product.brand, product.category, product.outlet) == ("Dualtron", "scooter", False)
        assert (product.problems, product.problem_parts, product.serial_required) == ((), {}, None)

    async def test_an_import_changes_only_what_differs_and_keeps_the_sale_dates(
        self, store: Store
    ) -> None:
        await self.sold(store, sale("1", SOLD_ON, line(DRONE, brand="DJI")))
        parts = {"Uszkodzone śmigło": "propeller"}
        entry = catalogue_entry(
            DRONE, "DJI Mini", problems=("Uszkodzone śmigło", "Nie włącza się"), problem_parts=parts
        )
        async with store.uow() as uow:
            assert await uow.products.import_entry(entry) is True
            assert await uow.products.import_entry(entry) is False
            assert await uow.products.import_entry(catalogue_entry(SCOOTER, "New")) is True
            await uow.commit()
        async with store.uow() as uow:
            product = await uow.products.get(DRONE)
            assert await uow.products.import_entry(entry) is False
            assert await uow.products.import_entry(catalogue_entry(DRONE, "DJI Mini 2")) is True
            new = await uow.products.get(SCOOTER)
        assert product is not None and new is not None
        assert (product.name, product.problems, product.problem_parts) == (
            "DJI Mini",
            ("Uszkodzone śmigło", "Nie włącza się"),
            parts,
        )
        assert (product.first_sold_on, product.last_sold_on) == (SOLD_ON, SOLD_ON)
        assert (new.first_sold_on, new.last_sold_on, new.serial_required) == (None, None, None)

    # --- units, their owners and replacements ---------------------------------------------------

    async def test_a_sold_unit_has_its_sale_owner_and_trimmed_serial(self, store: Store) -> None:
        owner = uuid4()
        await self.sold(
            store, sale("1", SOLD_ON, line(SCOOTER, " du-1 ", activated_on=SOLD_ON)), owner=owner
        )
        async with store.uow() as uow:
            found = await uow.units.origin_sale(SCOOTER, "DU-1")
            assert await uow.units.origin_sale(SCOOTER, "du-1") is None
            assert await uow.units.origin_sale(DRONE, "DU-1") is None
        assert found == UnitSale(
            ean=SCOOTER,
            serial_number="DU-1",
            document_type="PA",
            document_number="1",
            issued_on=SOLD_ON,
            delivered_on=SOLD_ON + timedelta(days=2),
            buyer_type="consumer",
            activated_on=SOLD_ON,
            account_id=owner,
            depth=0,
            registered_on=None,
        )

    async def test_a_resale_and_a_new_owner_replace_the_old_ones(self, store: Store) -> None:
        first, second = uuid4(), uuid4()
        await self.sold(store, sale("1", SOLD_ON, line(SCOOTER, "DU-1")), owner=first)
        await self.sold(store, sale("2", SOLD_ON, line(SCOOTER, "DU-1"), buyer="business"))
        async with store.uow() as uow:
            unlinked = await uow.units.origin_sale(SCOOTER, "DU-1")
            await uow.units.link_document("PA", "1", second)
            await uow.units.link_document("PA", "2", second)
            await uow.commit()
        async with store.uow() as uow:
            linked = await uow.units.origin_sale(SCOOTER, "DU-1")
        assert unlinked is not None and unlinked.account_id is None
        assert linked is not None
        assert (linked.document_number, linked.buyer_type, linked.account_id) == (
            "2",
            "business",
            second,
        )

    async def test_a_replacement_carries_the_sale_and_the_registration_on(
        self, store: Store
    ) -> None:
        owner = uuid4()
        await self.sold(store, sale("1", SOLD_ON, line(SCOOTER, "DU-1")), owner=owner)
        first, second = replacement("DU-1", "DU-2", day(10)), replacement("DU-2", "DU-3", day(40))
        async with store.uow() as uow:
            await uow.registrations.add(registration("DU-1", day(5)))
            assert await uow.units.add_replacement(first) is True
            assert await uow.units.add_replacement(second) is True
            assert await uow.units.add_replacement(first) is False  # the claim's, again
            assert await uow.units.add_replacement(replacement("DU-9", "DU-2", day(50))) is False
            await uow.units.hand_back_replacement(first.claim_id, day(12))
            await uow.commit()
        async with store.uow() as uow:
            origin = await uow.units.origin_sale(SCOOTER, "DU-3")
            registered_on = await uow.units.lineage_registration(SCOOTER, "DU-3")
            given = await uow.units.replacement_of(SCOOTER, "DU-2")
            replaced_by = await uow.units.replaced_by(SCOOTER, "DU-2")
            assert await uow.units.replacement_of(SCOOTER, "DU-1") is None
            assert await uow.units.lineage_registration(SCOOTER, "DU-9") is None
        assert origin is not None
        assert (origin.serial_number, origin.depth, origin.account_id) == ("DU-1", 2, owner)
        assert origin.registered_on == registered_on == day(5)
        assert given == Replacement(
            first.claim_id, first.rma_number, SCOOTER, "DU-1", SCOOTER, "DU-2", day(10), day(12)
        )
        assert replaced_by == second

    async def test_a_replacement_of_a_unit_without_serial_leads_to_no_sale(
        self, store: Store
    ) -> None:
        await self.sold(store, sale("1", SOLD_ON, line(SCOOTER, "DU-1")))
        async with store.uow() as uow:
            await uow.units.add_replacement(replacement(None, "DU-2", day(10)))
            await uow.commit()
        async with store.uow() as uow:
            assert await uow.units.origin_sale(SCOOTER, "DU-2") is None

    async def test_an_accounts_units_newest_first_with_their_replacements(
        self, store: Store
    ) -> None:
        owner = uuid4()
        await self.sold(
            store,
            sale("1", SOLD_ON, line(SCOOTER, "DU-1", "DU-0")),
            sale("2", day(100), line(DRONE, "DJ-1", brand="DJI")),
            owner=owner,
        )
        await self.sold(store, sale("3", day(200), line(SCOOTER, "DU-7")), owner=uuid4())
        async with store.uow() as uow:
            await uow.registrations.add(registration("DU-1", day(3)))
            await uow.units.add_replacement(replacement("DU-1", "DU-2", day(20)))
            await uow.units.add_replacement(replacement("DU-2", "DU-3", day(30)))
            await uow.registrations.add(registration("DU-3", day(31)))
            await uow.commit()
        async with store.uow() as uow:
            units = await uow.units.of_account(owner)
            assert await uow.units.of_account(uuid4()) == []
        assert [
            (u.serial_number, u.replaces_serial_number, u.replaced_by_serial_number) for u in units
        ] == [
            ("DJ-1", None, None),
            ("DU-0", None, None),
            ("DU-1", None, "DU-2"),
            ("DU-2", "DU-1", "DU-3"),
            ("DU-3", "DU-2", None),
        ]
        assert [u.registered_on for u in units] == [None, None, day(3), day(3), day(31)]
        assert units[3] == AccountUnit(
            ean=SCOOTER,
            serial_number="DU-2",
            name="Dualtron 3457",
            brand="Dualtron",
            category="scooter",
            document_type="PA",
            document_number="1",
            issued_on=SOLD_ON,
            buyer_type="consumer",
            registered_on=day(3),
            replaces_serial_number="DU-1",
            replaced_by_serial_number="DU-3",
        )

    # --- registrations ---------------------------------------------------------------------

    async def test_a_unit_is_registered_once(self, store: Store) -> None:
        async with store.uow() as uow:
            assert await uow.registrations.add(registration("DU-1", day(5))) is True
            assert await uow.registrations.add(registration("DU-1", day(6))) is False
            await uow.commit()
        async with store.uow() as uow:
            assert await uow.registrations.of_unit(SCOOTER, "DU-1") == UnitRegistration(
                day(5), SOLD_ON
            )
            assert await uow.registrations.of_unit(SCOOTER, "DU-2") is None

    async def test_a_unit_keeps_its_first_void_mark_with_its_evidence(self, store: Store) -> None:
        first = void_mark("DU-1", "disassembly", evidence=(uuid4(), uuid4()), note="Plomba.")
        async with store.uow() as uow:
            assert await uow.void_marks.add(first) is True
            assert await uow.void_marks.add(void_mark("DU-1", "misuse")) is False
            await uow.commit()
        async with store.uow() as uow:
            assert await uow.void_marks.of_unit(SCOOTER, "DU-1") == first
            assert await uow.void_marks.of_unit(SCOOTER, "DU-2") is None
        async with store.uow() as uow:
            await uow.void_marks.add(void_mark("DU-3", "misuse"))  # never committed
        async with store.uow() as uow:
            assert await uow.void_marks.of_unit(SCOOTER, "DU-3") is None

    # --- claims and repairs ------------------------------------------------------------------

    async def test_a_units_claims_oldest_first_with_status_decision_and_repair(
        self, store: Store
    ) -> None:
        flag = {"claim_count": 2, "problem": "Nie włącza się"}
        later = unit_claim("DU-1", "RMA-2", at(20), repeated_defect=flag)
        earlier = unit_claim("DU-1", "RMA-1", at(10))
        async with store.uow() as uow:
            await uow.claims.add(later)
            await uow.claims.add(earlier)
            await uow.claims.add(unit_claim("DU-2", "RMA-3", at(5)))
            await uow.claims.add(replace(earlier, problem="Inny"))  # the same claim again: ignored
            await uow.claims.start_repair(earlier.claim_id, SCOOTER, "DU-1", day(11))
            await uow.claims.start_repair(earlier.claim_id, SCOOTER, "DU-1", day(12))  # ignored
            await uow.claims.set_status(earlier.claim_id, "shipped_back", day(15))
            await uow.claims.record_decision(earlier.claim_id, "repair", day(13), True, "silnik")
            await uow.claims.end_repair(earlier.claim_id, day(15))
            await uow.claims.end_repair(earlier.claim_id, day(16))  # ended already
            await uow.commit()
        async with store.uow() as uow:
            claims = await uow.claims.of_unit(SCOOTER, "DU-1")
            repairs = await uow.claims.repairs_of_unit(SCOOTER, "DU-1")
        assert claims == [
            replace(
                earlier,
                status="shipped_back",
                status_changed_on=day(15),
                decision="repair",
                decided_on=day(13),
                substantial_repair=True,
                replaced_part="silnik",
                repaired=True,
            ),
            later,
        ]
        assert repairs == [
            RepairPeriod(earlier.claim_id, "RMA-1", day(11), day(15), True, "silnik")
        ]

    async def test_a_claim_decided_otherwise_was_no_repair(self, store: Store) -> None:
        replaced, under_way = unit_claim("DU-1", "RMA-1", at(1)), unit_claim("DU-1", "RMA-2", at(2))
        orphan = uuid4()  # a repair whose claim warranty never assessed (no serial known then)
        async with store.uow() as uow:
            for claim in (replaced, under_way):
                await uow.claims.add(claim)
            await uow.claims.start_repair(replaced.claim_id, SCOOTER, "DU-1", day(3))
            await uow.claims.record_decision(replaced.claim_id, "replacement", day(4), None, None)
            await uow.claims.end_repair(replaced.claim_id, day(5))
            await uow.claims.start_repair(under_way.claim_id, SCOOTER, "DU-1", day(7))
            await uow.claims.start_repair(orphan, SCOOTER, "DU-1", day(1))
            await uow.claims.end_repair(orphan, day(2))
            await uow.commit()
        async with store.uow() as uow:
            claims = await uow.claims.of_unit(SCOOTER, "DU-1")
            repairs = await uow.claims.repairs_of_unit(SCOOTER, "DU-1")
        assert [c.repaired for c in claims] == [False, False]
        assert repairs == [
            RepairPeriod(orphan, None, day(1), day(2), None, None),
            RepairPeriod(under_way.claim_id, "RMA-2", day(7), None, None, None),
        ]

    async def test_a_units_overview_says_what_else_there_is_to_read(self, store: Store) -> None:
        """A claim's assessment first reads the unit's sale, its registration and which of its
        other records exist, in one read: the same as the reads of each say."""
        await self.sold(store, sale("1", SOLD_ON, line(SCOOTER, "DU-1", "DU-5", "DU-6")))
        given = replacement("DU-1", "DU-2", day(10))
        repaired, replaced = unit_claim("DU-2", "RMA-1", at(20)), unit_claim("DU-6", "RMA-2", at(3))
        async with store.uow() as uow:
            await uow.registrations.add(registration("DU-1", day(5)))
            await uow.units.add_replacement(given)
            for claim in (repaired, replaced):
                await uow.claims.add(claim)
            await uow.claims.start_repair(repaired.claim_id, SCOOTER, "DU-2", day(21))
            await uow.void_marks.add(void_mark("DU-2", "misuse"))
            # Decided otherwise: no repair (as repairs_of_unit says).
            await uow.claims.start_repair(replaced.claim_id, SCOOTER, "DU-6", day(4))
            await uow.claims.record_decision(replaced.claim_id, "replacement", day(5), None, None)
            await uow.commit()
        async with store.uow() as uow:
            seen = {s: await uow.units.overview(SCOOTER, s) for s in ("DU-2", "DU-5", "DU-6", "X")}
            sales = {s: await uow.units.origin_sale(SCOOTER, s) for s in ("DU-2", "DU-5", "DU-6")}
        assert sales["DU-2"] is not None and sales["DU-2"].depth == 1  # DU-1's sale
        assert seen["DU-2"] == UnitOverview(sales["DU-2"], day(5), True, True, True, True)
        assert seen["DU-5"] == UnitOverview(sales["DU-5"], None, False, False, False, False)
        assert seen["DU-6"] == UnitOverview(sales["DU-6"], None, True, False, False, False)
        assert seen["X"] == UnitOverview(None, None, False, False, False, False)

    async def test_a_units_overview_brings_its_products_wear_parts(self, store: Store) -> None:
        """The product's problems that concern a wear part come in the same read (a claim's
        wear part): as the catalogue gives them; none for a product it does not know."""
        parts = {"Nie trzyma ładowania": "scooter_battery"}
        problems = ("Nie trzyma ładowania", "Hamulec piszczy")
        async with store.uow() as uow:
            await uow.products.import_entry(
                catalogue_entry(SCOOTER, "Dualtron", problems=problems, problem_parts=parts)
            )
            await uow.commit()
        async with store.uow() as uow:
            # A unit never sold: still its product's parts.
            known = await uow.units.overview(SCOOTER, "DU-1")
            unknown = await uow.units.overview(DRONE, "DJ-1")
            product = await uow.products.get(SCOOTER)
        assert product is not None and known.problem_parts == product.problem_parts == parts
        assert unknown.problem_parts == {}

    # --- assessments --------------------------------------------------------------------------

    async def test_an_assessment_keeps_the_claims_facts_and_the_latest_verdict(
        self, store: Store
    ) -> None:
        first, second = unit_claim("DU-1", "RMA-1", at(1)), unit_claim("DU-1", "RMA-2", at(9))
        async with store.uow() as uow:
            assert await uow.assessments.latest_claim_of_unit(SCOOTER, "DU-1") is None
            for claim, facts in ((first, {"n": 1}), (second, {"n": 2})):
                await uow.claims.add(claim)
                await uow.assessments.save(claim.claim_id, claim.rma_number, facts, {"v": 1})
            await uow.assessments.save(first.claim_id, "RMA-1", {"n": "other"}, {"v": 2})
            await uow.commit()
        async with store.uow() as uow:
            assert await uow.assessments.get(first.claim_id) == Assessment({"n": 1}, {"v": 2})
            assert await uow.assessments.get(uuid4()) is None
            assert await uow.assessments.latest_claim_of_unit(SCOOTER, "DU-1") == {"n": 2}

    async def test_an_assessment_saved_with_its_unit_claim_stores_both(self, store: Store) -> None:
        """As `claims.add` and `assessments.save` each: the first save's facts and unit claim
        stand, a claim without a unit is no unit's."""
        claimed = unit_claim("DU-1", "RMA-1", at(1))
        unitless = uuid4()
        async with store.uow() as uow:
            save = uow.assessments.save_with_unit_claim
            await save(claimed.claim_id, "RMA-1", {"n": 1}, {"v": 1}, claimed)
            await save(unitless, "RMA-2", {"n": 2}, {"v": 1}, None)
            other = replace(claimed, problem="inny")
            await save(claimed.claim_id, "RMA-1", {"n": "other"}, {"v": 2}, other)
            await uow.commit()
        async with store.uow() as uow:
            assert await uow.claims.of_unit(SCOOTER, "DU-1") == [claimed]
            assert await uow.assessments.get(claimed.claim_id) == Assessment({"n": 1}, {"v": 2})
            assert await uow.assessments.get(unitless) == Assessment({"n": 2}, {"v": 1})
            assert await uow.assessments.latest_claim_of_unit(SCOOTER, "DU-1") == {"n": 1}

    # --- the unit of work ----------------------------------------------------------------------

    async def test_only_a_committed_unit_of_work_stores_and_publishes(self, store: Store) -> None:
        kept, dropped = announcement(SCOOTER), announcement(DRONE)
        async with store.uow() as uow:
            await uow.products.import_entry(catalogue_entry(DRONE, "Dropped"))
            await uow.publish(dropped)
        async with store.uow() as uow:
            await uow.products.import_entry(catalogue_entry(SCOOTER, "Kept"))
            await uow.publish(kept)
            await uow.commit()
        async with store.uow() as uow:
            assert await uow.products.get(DRONE) is None
            assert await uow.products.get(SCOOTER) is not None
        assert await store.published_ids() == [kept.event_id]


def day(offset: int) -> date:
    return SOLD_ON + timedelta(days=offset)


def at(offset: int) -> datetime:
    return datetime(2025, 3, 3, 9, tzinfo=UTC) + timedelta(days=offset)


def registration(serial: str, registered_on: date) -> ProductRegisteredData:
    return ProductRegisteredData(
        registration_id=uuid4(),
        account_id=uuid4(),
        ean=SCOOTER,
        serial_number=serial,
        purchased_on=SOLD_ON,
        registered_on=registered_on,
    )


def void_mark(serial: str, reason: str, **more: Any) -> UnitVoidMark:
    fields: dict[str, Any] = {"evidence": (), "note": None, **more}
    return UnitVoidMark(
        ean=SCOOTER,
        serial_number=serial,
        claim_id=uuid4(),
        rma_number="RMA/7/SR/2025",
        reason=reason,
        marked_at=at(9),
        marked_by="operator:anna@serwis.example",
        **fields,
    )


def announcement(ean: str) -> ProductCatalogued:
    return ProductCatalogued(
        producer="warranty",
        key=ean,
        data=ProductCataloguedData(ean=ean, sku="S", name="N", brand="DJI", category="drone"),
    )
