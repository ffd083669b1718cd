"""The warranty service layer on the in-memory unit of work: every command and every consumed
event, its outcome and each refusal, on a calendar the test sets (no server, no sleeping)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta

from services.warranty import handlers, passport
from services.warranty.adapters.memory import MemoryDatabase, MemoryUnitOfWork
from services.warranty.domain.ean import InvalidEan
from services.warranty.unit_of_work import CatalogueProduct
from shared.auth import Principal
from shared.consumer import UnprocessableMessage
from shared.errors import BusinessRuleError
from shared.events import ClaimedProduct, ProductCatalogued, ProductRegistered
from shared.unit_of_work import TransactionConflict
from tests.support.warranty_service import (
    Desk,
    claim,
    decided,
    on,
    random_ean,
    replaced,
    sale,
    status,
)

TODAY = date(2026, 3, 2)  # a Monday


@pytest.fixture
def desk() -> Desk:
    return Desk(today=TODAY)


def days_ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def wrong_check_digit(ean: str) -> str:
    return ean[:-1] + str((int(ean[-1]) + 1) % 10)


def refused(error: pytest.ExceptionInfo[BusinessRuleError]) -> tuple[str, int]:
    return error.value.code, error.value.status_code


def operator() -> Principal:
    return Principal(subject=uuid.uuid4(), role="operator")


def customer(account_id: uuid.UUID) -> Principal:
    return Principal(subject=account_id, role="customer")


# --- the support period by EAN and the catalogue ------------------------------------------------


async def test_the_support_period_runs_from_the_last_sale(desk: Desk) -> None:
    ean = random_ean()
    for sold_on in (date(2025, 3, 1), date(2025, 6, 30), date(2025, 5, 1)):
        await desk.sold(sale(ean, "DJI", "battery", sold_on))
    found = await handlers.support_period(desk.ctx, ean)
    assert (found.last_sold_on, found.brand) == (date(2025, 6, 30), "DJI")
    assert (found.verdict.rule, found.verdict.ends_on) == ("dji-consumable", date(2026, 6, 30))


async def test_the_support_period_refuses_a_wrong_check_digit(desk: Desk) -> None:
    with pytest.raises(InvalidEan):
        await handlers.support_period(desk.ctx, wrong_check_digit(random_ean()))


async def test_the_support_period_of_a_product_never_sold_is_unknown(desk: Desk) -> None:
    imported = random_ean()  # in the catalogue, but the ledger never sold it
    await handlers.import_catalogue(desk.ctx, [entry(imported)])
    for ean in (random_ean(), imported):
        with pytest.raises(BusinessRuleError) as error:
            await handlers.support_period(desk.ctx, ean)
        assert refused(error) == ("product_unknown", 404)
        assert "w sprzedaży INNPRO" in error.value.message.pl


def entry(ean: str, *problems: str, **more: Any) -> CatalogueProduct:
    return CatalogueProduct(ean, "DJI-X", "DJI X", "DJI", "drone", problems=problems, **more)


async def test_a_catalogue_product_answers_its_problem_list(desk: Desk) -> None:
    ean = random_ean()
    await handlers.import_catalogue(desk.ctx, [entry(ean, "Nie włącza się")])
    found = await handlers.catalogue_product(desk.ctx, ean)
    assert (found.name, found.problems) == ("DJI X", ("Nie włącza się",))
    with pytest.raises(BusinessRuleError) as error:
        await handlers.catalogue_product(desk.ctx, random_ean())
    assert refused(error) == ("product_unknown", 404)
    with pytest.raises(InvalidEan):
        await handlers.catalogue_product(desk.ctx, wrong_check_digit(ean))


def announced(desk: Desk) -> list[str]:
    return [e.data.ean for e in desk.database.published if isinstance(e, ProductCatalogued)]


async def test_an_import_announces_only_new_and_changed_entries_in_ean_order(desk: Desk) -> None:
    low, high = sorted((random_ean(), random_ean()))
    catalogue = [entry(high, "Nie włącza się"), entry(low, "Nie włącza się")]
    assert await handlers.import_catalogue(desk.ctx, catalogue) == 2
    assert await handlers.import_catalogue(desk.ctx, catalogue) == 0
    assert announced(desk) == [low, high]
    catalogue[0] = entry(high, "Nie włącza się", "Gimbal drży")
    assert await handlers.import_catalogue(desk.ctx, catalogue) == 1
    assert announced(desk) == [low, high, high]
    assert (await handlers.catalogue_product(desk.ctx, high)).problems[-1] == "Gimbal drży"


class ConflictingUnitOfWork(MemoryUnitOfWork):
    """Its commit fails as a deadlock PostgreSQL broke would, while `conflicts` lasts."""

    def __init__(self, database: MemoryDatabase, conflicts: list[int]) -> None:
        super().__init__(database)
        self.conflicts = conflicts

    async def commit(self) -> None:
        if self.conflicts[0] > 0:
            self.conflicts[0] -= 1
            raise TransactionConflict("deadlock detected")
        await super().commit()


def conflicting(desk: Desk, conflicts: int, pauses: list[float]) -> handlers.WarrantyContext:
    left = [conflicts]

    async def pause(seconds: float) -> None:
        pauses.append(seconds)

    return replace(desk.ctx, uow=lambda: ConflictingUnitOfWork(desk.database, left), sleep=pause)


async def test_an_import_aborted_by_a_deadlock_is_tried_again_after_a_pause(desk: Desk) -> None:
    pauses: list[float] = []
    ctx = conflicting(desk, 2, pauses)
    assert await handlers.import_catalogue(ctx, [entry(random_ean(), "Nie włącza się")]) == 1
    assert pauses == [0.5, 1.0]
    assert len(announced(desk)) == 1  # the aborted tries announced nothing


async def test_an_import_that_keeps_deadlocking_gives_up(desk: Desk) -> None:
    pauses: list[float] = []
    ctx = conflicting(desk, handlers.IMPORT_ATTEMPTS, pauses)
    with pytest.raises(TransactionConflict):
        await handlers.import_catalogue(ctx, [entry(random_ean(), "Nie włącza się")])
    assert len(pauses) == handlers.IMPORT_ATTEMPTS - 1
    assert announced(desk) == []


# --- scooter registrations and the customer's units ---------------------------------------------


async def scooter_of(desk: Desk, owner: uuid.UUID, bought: date, serial: str = "dt-7") -> str:
    ean = random_ean()
    await desk.sold(sale(ean, "Dualtron", "scooter", bought, serial), owner)
    return ean


def registration(owner: uuid.UUID, ean: str, serial: str = "dt-7") -> handlers.ProductRegistration:
    return handlers.ProductRegistration(owner, ean, serial)


def registered_events(desk: Desk) -> list[ProductRegistered]:
    return [e for e in desk.database.published if isinstance(e, ProductRegistered)]


async def test_a_scooter_registered_within_30_days_has_24_months(desk: Desk) -> None:
    owner, correlation = uuid.uuid4(), uuid.uuid4()
    bought = days_ago(20)
    ean = await scooter_of(desk, owner, bought)
    done = await handlers.register_product(desk.ctx, registration(owner, ean), correlation)
    assert (done.standing.state, done.standing.deadline) == (
        "registered_in_time",
        bought + timedelta(days=30),
    )
    [published] = registered_events(desk)
    assert published == done.event and published.correlation_id == correlation
    data = published.data
    assert (data.serial_number, data.account_id, data.purchased_on) == ("DT-7", owner, bought)
    assert data.registered_on == TODAY


async def test_a_scooter_registered_after_30_days_has_12_months(desk: Desk) -> None:
    owner = uuid.uuid4()
    ean = await scooter_of(desk, owner, days_ago(40))
    done = await handlers.register_product(desk.ctx, registration(owner, ean), uuid.uuid4())
    assert done.standing.state == "registered_late"


async def test_only_a_dualtron_kaabo_or_nami_scooter_is_registered(desk: Desk) -> None:
    owner, drone = uuid.uuid4(), random_ean()
    await desk.sold(sale(drone, "DJI", "drone", days_ago(5), "dt-7"), owner)
    for ean in (drone, random_ean()):  # not a scooter; a product never sold
        with pytest.raises(BusinessRuleError) as error:
            await handlers.register_product(desk.ctx, registration(owner, ean), uuid.uuid4())
        assert refused(error) == ("registration_not_needed", 422)
    assert registered_events(desk) == []


async def test_a_unit_not_on_the_callers_documents_is_not_theirs_to_register(desk: Desk) -> None:
    owner, stranger = uuid.uuid4(), uuid.uuid4()
    ean = await scooter_of(desk, owner, days_ago(5))
    unlinked = random_ean()
    await desk.sold(sale(unlinked, "Kaabo", "scooter", days_ago(5), "KB-1"))  # nobody's yet
    for command in (
        registration(stranger, ean),  # another's: answered as an unknown unit
        registration(owner, ean, "DT-8"),  # not sold
        registration(owner, unlinked, "KB-1"),  # its document linked to no account
    ):
        with pytest.raises(BusinessRuleError) as error:
            await handlers.register_product(desk.ctx, command, uuid.uuid4())
        assert refused(error) == ("unit_not_on_your_documents", 404)
        assert error.value.field == "serial_number"
    assert registered_events(desk) == []


async def test_a_unit_is_registered_once(desk: Desk) -> None:
    owner = uuid.uuid4()
    ean = await scooter_of(desk, owner, days_ago(5))
    await handlers.register_product(desk.ctx, registration(owner, ean), uuid.uuid4())
    with pytest.raises(BusinessRuleError) as error:
        await handlers.register_product(desk.ctx, registration(owner, ean, " DT-7 "), uuid.uuid4())
    assert refused(error) == ("already_registered", 409)
    assert len(registered_events(desk)) == 1


async def test_a_registration_refuses_a_wrong_check_digit(desk: Desk) -> None:
    owner = uuid.uuid4()
    ean = await scooter_of(desk, owner, days_ago(5))
    with pytest.raises(InvalidEan):
        command = registration(owner, wrong_check_digit(ean))
        await handlers.register_product(desk.ctx, command, uuid.uuid4())


async def test_the_customers_units_say_how_each_registration_stands(desk: Desk) -> None:
    owner = uuid.uuid4()
    ean = await scooter_of(desk, owner, days_ago(10))
    [unit] = await handlers.account_units(desk.ctx, owner)
    assert (unit.ean, unit.serial_number, unit.name, unit.purchased_on) == (
        ean,
        "DT-7",
        "Dualtron product",
        days_ago(10),
    )
    assert (unit.registration.state, unit.registration.deadline) == (
        "open",
        days_ago(10) + timedelta(days=30),
    )
    desk.today += timedelta(days=30)
    [unit] = await handlers.account_units(desk.ctx, owner)
    assert unit.registration.state == "missed"
    assert await handlers.account_units(desk.ctx, uuid.uuid4()) == []


# --- assessing claims -------------------------------------------------------------------------


async def test_a_claim_gets_its_verdict_and_deadlines(desk: Desk) -> None:
    sold_on = days_ago(30)
    created = claim(random_ean(), "DJI", "drone", sold_on)
    verdict = await desk.assessed(created)
    [published] = [e for e in desk.database.published if e.data is not None]
    assert published.correlation_id == created.correlation_id
    assert (verdict.rule, verdict.covered) == ("dji-standard", True)
    assert verdict.warranty_until == sold_on + relativedelta(months=24)
    assert {d.kind for d in verdict.deadlines} == {"complaint_answer", "dji_repair"}
    assert (verdict.email, verdict.deadlines_update) == ("klient@example.com", False)


async def test_a_claim_of_a_bulk_shipment_names_its_shipment_in_its_verdict(desk: Desk) -> None:
    """Issue 25 §6: notifications emails the shipment once, not each claim's verdict."""
    single = await desk.assessed(claim(random_ean(), "Xiaomi", "other", days_ago(30)))
    created = claim(random_ean(), "Xiaomi", "other", days_ago(30), shipment_number="WYS/4/SR/2026")
    verdict = await desk.assessed(created)
    assert (single.shipment_number, verdict.shipment_number) == (None, "WYS/4/SR/2026")


async def test_the_claim_type_is_the_claims_services_verdict_not_decided_again(
    desk: Desk,
) -> None:
    """Claims owns which claim types a buyer may file: warranty passes its verdict on and
    judges coverage only."""
    created = claim(
        random_ean(),
        "Xiaomi",
        "software",
        days_ago(5),
        claim_type="return",
        claim_type_rule="return-within-30-days",
        claim_type_reason="Zwrot w terminie 30 dni od odbioru towaru.",
    )
    verdict = await desk.assessed(created)
    assert verdict.claim_type_allowed is True
    assert verdict.claim_type_reason == "Zwrot w terminie 30 dni od odbioru towaru."
    assert {d.kind for d in verdict.deadlines} == {"return_refund"}


async def test_receipt_publishes_the_repair_deadline_marked_as_only_that(desk: Desk) -> None:
    created = claim(random_ean(), "DJI", "drone", date(2025, 10, 1))
    await desk.assessed(created, on(date(2025, 11, 28)))
    await desk.project(
        handlers.record_status_change, status(created, "received", on(date(2025, 12, 1)))
    )
    first, updated = desk.verdicts(created)
    assert (first.deadlines_update, updated.deadlines_update) == (False, True)
    # 60 working days from 2025-12-01, counted by hand across Christmas: 2026-03-02.
    assert {d.kind: d.due_on for d in updated.deadlines}["dji_repair"] == date(2026, 3, 2)
    assert (updated.rule, updated.warranty_until) == ("dji-standard", first.warranty_until)


async def test_receipt_of_a_claim_never_assessed_publishes_nothing(desk: Desk) -> None:
    created = claim(random_ean(), "DJI", "drone", days_ago(30))
    await desk.project(handlers.record_status_change, status(created, "received", on(TODAY)))
    assert desk.database.published == []


async def test_outlet_verdict_counts_from_the_activation_on_the_sale(desk: Desk) -> None:
    """The ERP sends the outlet drone's activation date: 2025-03-01 + 24 months = 2027-03-01,
    though the customer gave another date on the claim."""
    ean = random_ean()
    receipt = sale(ean, "DJI", "drone", date(2025, 1, 10), "OUT-1")
    line = receipt.data.lines[0].model_copy(
        update={"outlet": True, "activated_on": date(2025, 3, 1)}
    )
    await desk.sold(
        receipt.model_copy(update={"data": receipt.data.model_copy(update={"lines": (line,)})})
    )
    outlet = claim(
        ean,
        "DJI",
        "drone",
        date(2025, 1, 10),
        serial_number="out-1",
        activated_on=date(2025, 2, 1),
        product=ClaimedProduct(
            ean=ean, sku="S", name="n", brand="DJI", category="drone", outlet=True
        ),
    )
    verdict = await desk.assessed(outlet)
    assert (verdict.rule, verdict.warranty_from, verdict.warranty_until) == (
        "dji-outlet",
        date(2025, 3, 1),
        date(2027, 3, 1),
    )
    assert verdict.counted_from == "activation_from_sale"
    assert "Data aktywacji 2025-03-01 z dokumentu sprzedaży." in verdict.reason


async def test_a_scooter_part_installed_by_an_authorised_service_is_covered(desk: Desk) -> None:
    part = claim(
        random_ean(),
        "Dualtron",
        "scooter_part",
        days_ago(40),
        installed_by_authorised_service=True,
        installing_service_name="Serwis Hulajnóg Kraków",
    )
    verdict = await desk.assessed(part)
    assert (verdict.rule, verdict.covered) == ("scooter-service-part-authorised", True)
    assert "Serwis Hulajnóg Kraków" in verdict.reason


async def test_a_wear_part_of_a_kit_is_judged_at_its_own_period(desk: Desk) -> None:
    """Issue 24 item 5: a claim naming a problem the catalogue ties to a wear part is judged at
    the part's period (DJI: 12 months), not the kit's 24."""
    ean, battery, motor = random_ean(), "Akumulator szybko się rozładowuje", "Silnik nie startuje"
    kit = entry(ean, motor, battery, problem_parts={battery: "battery"})
    await handlers.import_catalogue(desk.ctx, [kit])
    sold_on = TODAY - relativedelta(months=13)
    verdicts = {
        problem: await desk.assessed(
            claim(ean, "DJI", "drone", sold_on, problem_code=problem, serial_number=None)
        )
        for problem in (battery, motor)
    }
    assert (verdicts[battery].rule, verdicts[battery].covered) == ("dji-consumable", False)
    assert verdicts[battery].warranty_until == sold_on + relativedelta(months=12)
    assert "(akumulator)" in verdicts[battery].reason
    assert (verdicts[motor].rule, verdicts[motor].covered) == ("dji-standard", True)


async def test_registration_and_repair_time_reach_the_scooters_verdict(desk: Desk) -> None:
    owner, bought = uuid.uuid4(), days_ago(20)
    ean = await scooter_of(desk, owner, bought)
    await handlers.register_product(desk.ctx, registration(owner, ean), uuid.uuid4())
    repaired = claim(ean, "Dualtron", "scooter", bought, serial_number="DT-7")
    await desk.project(
        handlers.record_status_change, status(repaired, "received", on(days_ago(15)))
    )
    await desk.project(
        handlers.record_status_change, status(repaired, "shipped_back", on(days_ago(3)))
    )
    verdict = await desk.assessed(claim(ean, "Dualtron", "scooter", bought, serial_number="dt-7"))
    assert verdict.rule == "scooter-registered"
    assert verdict.warranty_until == bought + relativedelta(months=24) + timedelta(days=12)
    assert "12 dni" in verdict.reason


async def test_a_repair_is_counted_only_for_warranty_claims(desk: Desk) -> None:
    ean = random_ean()
    returned = claim(ean, "DJI", "drone", days_ago(5), claim_type="return", serial_number="D-1")
    await desk.assessed(returned)
    await desk.project(handlers.record_status_change, status(returned, "received", on(TODAY)))
    found = await passport.passport(desk.ctx, ean, "D-1", operator())
    assert found["repairs"] == []
    assert [(c["status"], c["status_changed_on"]) for c in found["claims"]] == [("received", TODAY)]


# --- the passport: repeated defects, decisions and replacements ---------------------------------


async def repaired_once(desk: Desk, ean: str, serial: str, problem: str, bought: date) -> None:
    """A first claim for the unit, repaired: received 28 days ago, handed back 15 days ago."""
    first = claim(ean, "DJI", "drone", bought, serial_number=serial, problem_code=problem)
    assert (await desk.assessed(first, on(days_ago(30)))).repeated_defect is None
    await desk.project(handlers.record_status_change, status(first, "received", on(days_ago(28))))
    await desk.project(handlers.record_decision, decided(first, "repair", on(days_ago(20))))
    await desk.project(
        handlers.record_status_change, status(first, "shipped_back", on(days_ago(15)))
    )


async def test_the_suggested_remedy_follows_the_claim_type_and_the_buyer(desk: Desk) -> None:
    """Issue 24 item 6: after a repeated defect a DJI warranty claim suggests a repair (a new
    unit only on DJI's written statement), a consumer's non-conformity claim the consumer-law
    remedies, and a business buyer none of them; the passport answers with the same."""
    ean, serial, problem, bought = (
        random_ean(),
        "1581F5BKD25000001",
        "Błąd IMU lub kompasu",
        days_ago(90),
    )
    await repaired_once(desk, ean, serial, problem, bought)

    async def flag(days: int, **more: Any) -> dict[str, Any]:
        again = claim(
            ean, "DJI", "drone", bought, serial_number=serial, problem_code=problem, **more
        )
        verdict = await desk.assessed(again, on(days_ago(days)))
        assert verdict.repeated_defect is not None
        return verdict.repeated_defect.model_dump(mode="json")

    dji = await flag(3)
    assert (dji["remedy_rule"], dji["suggested_decisions"]) == ("dji-repair", ["repair"])
    assert "pisemnym oświadczeniem DJI, że naprawa jest niemożliwa" in dji["remedy_reason"]
    assert dji["message"].endswith(dji["remedy_reason"])
    consumer = await flag(2, claim_type="non_conformity")
    assert consumer["remedy_rule"] == "consumer-non-conformity"
    assert consumer["suggested_decisions"] == ["replacement", "price_reduction", "refund"]
    company = await flag(1, claim_type="non_conformity", buyer_type="business")
    assert (company["remedy_rule"], company["suggested_decisions"]) == ("dji-repair", ["repair"])
    found = await passport.passport(desk.ctx, ean, serial, operator())
    assert [c["repeated_defect"] for c in found["claims"]] == [None, dji, consumer, company]
    assert found["repeated_defect"] == company
    [repair] = found["repairs"]
    assert (repair["kind"], repair["days"], repair["started_on"]) == ("repair", 13, days_ago(28))
    assert found["claims"][0]["decision"] == "repair"


async def test_a_replacement_unit_counts_anew_from_its_hand_back(desk: Desk) -> None:
    owner, bought = uuid.uuid4(), days_ago(200)
    ean = await scooter_of(desk, owner, bought, "KB-100")
    broken = claim(ean, "Kaabo", "scooter", bought, serial_number="KB-100", account_id=owner)
    await desk.assessed(broken, on(days_ago(10)))
    await desk.project(handlers.record_status_change, status(broken, "received", on(days_ago(8))))
    await desk.project(handlers.record_decision, decided(broken, "replacement", on(days_ago(2))))
    await desk.project(handlers.record_replacement, replaced(broken, "kb-200", days_ago(2)))
    waiting = await passport.passport(desk.ctx, ean, "KB-200", customer(owner))
    assert (waiting["verdict"]["counted_from"], waiting["verdict"]["warranty_from"]) == (
        "replacement_issued",
        days_ago(2),
    )
    assert waiting["verdict"]["after_service_rules"] == ["art-581-replacement-pending"]
    assert waiting["sale"]["of_serial_number"] == "KB-100"
    await desk.project(
        handlers.record_status_change, status(broken, "shipped_back", on(days_ago(1)))
    )
    new = await passport.passport(desk.ctx, ean, "KB-200", customer(owner))
    assert (new["verdict"]["counted_from"], new["verdict"]["warranty_from"]) == (
        "hand_back",
        days_ago(1),
    )
    assert new["replaces"]["handed_back_on"] == days_ago(1)
    old = await passport.passport(desk.ctx, ean, "KB-100", operator())
    assert old["repairs"] == []  # a replacement was no repair
    assert (old["replaced_by"]["serial_number"], old["claims"][0]["decision"]) == (
        "KB-200",
        "replacement",
    )


async def test_a_replacement_without_the_new_serial_is_unprocessable(desk: Desk) -> None:
    broken = claim(random_ean(), "DJI", "drone", days_ago(30), serial_number="D-1")
    await desk.assessed(broken)
    event = replaced(broken, "  ", TODAY)
    with pytest.raises(UnprocessableMessage):
        await desk.project(handlers.record_replacement, event)


async def test_a_passport_is_read_by_operators_and_the_owner_only(desk: Desk) -> None:
    owner = uuid.uuid4()
    ean = await scooter_of(desk, owner, days_ago(10), "KB-1")
    assert (await passport.passport(desk.ctx, ean, "kb-1", customer(owner)))["account_id"] == owner
    assert (await passport.passport(desk.ctx, ean, "KB-1", operator()))["sale"] is not None
    for serial, reader in (("KB-1", customer(uuid.uuid4())), ("NIE-MA", operator())):
        with pytest.raises(BusinessRuleError) as error:
            await passport.passport(desk.ctx, ean, serial, reader)
        assert refused(error) == ("passport_unknown", 404)
    with pytest.raises(InvalidEan):
        await passport.passport(desk.ctx, wrong_check_digit(ean), "KB-1", operator())


async def test_a_claim_without_a_serial_number_has_no_unit_story(desk: Desk) -> None:
    ean = random_ean()
    await desk.assessed(claim(ean, "DJI", "drone", days_ago(30), serial_number=None))
    with pytest.raises(BusinessRuleError):
        await passport.passport(desk.ctx, ean, "SN-1", operator())
