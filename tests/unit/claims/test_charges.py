"""Charges to the customer (issue 25 §1): each kind's rule, paying and waiving, and the product
kept at the service while a charge is due; on the in-memory store through the handlers."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from services.claims import handlers
from services.claims.domain import decisions, finance
from services.claims.domain.charges import ChargeFacts
from services.claims.domain.claim import Act, Claim, DecisionInput, ParcelRecord
from services.claims.domain.evidence import EvidenceFacts
from services.claims.domain.intake import read_label
from services.claims.domain.parts import Decision, Shipment
from services.claims.domain.refusals import Refusal
from services.claims.entrypoints.operators import _operator_view
from services.claims.entrypoints.refusals import polish
from shared.events import ClaimChargeChanged, ClaimedProduct
from shared.idempotency import IdempotentRequest, KeyInUse
from tests.support.claims import new_claim
from tests.support.claims_service import MONDAY, PDF, Desk, refused


@pytest.fixture
def desk() -> Desk:
    return Desk()


async def decided_claim(desk: Desk, kind: str = "repair", claim_type: str = "dji") -> UUID:
    customer = await desk.customer(sold_days_ago=10)
    claim_id = (await customer.file(claim_type=claim_type)).data.claim_id
    rma = (await desk.claim(claim_id)).rma_number
    await handlers.receive_parcel(desk.ctx, desk.scanner, read_label(rma), uuid4())
    # Intake found the product dirty: the cleaning charge these tests add is allowed.
    dirty = handlers.IntakeEvidenceForm(EvidenceFacts("original", dirty=True))
    await handlers.record_intake_evidence(desk.ctx, claim_id, desk.scanner, uuid4(), dirty)
    await desk.run(claim_id, desk.operator, lambda c, a: c.start_inspection(a))
    decision = DecisionInput(kind, "Decyzja po diagnozie.", amount=Decimal("100.00"))  # type: ignore[arg-type]
    if kind == "exchange":
        decision = replace(decision, exchange_product="DJI Mini 4 Pro Fly More")
    if kind == "replacement":  # a DJI unit is replaced with DJI's statement
        statement = handlers.checked_attachment(PDF, "manufacturer_statement")
        await desk.run(
            claim_id, desk.operator, lambda c, a: c.attach_manufacturer_statement(a, statement)
        )
    await desk.run(claim_id, desk.operator, lambda c, a: c.decide(a, decision))
    return claim_id


async def charge(desk: Desk, claim_id: UUID, kind: str, amount: str | None, **more: Any) -> Any:
    money = None if amount is None else Decimal(amount)
    command = handlers.NewCharge(kind, money, "Uzasadnienie opłaty dla klienta.", **more)
    return await handlers.add_charge(desk.ctx, claim_id, desk.operator, uuid4(), command)


def ship(claim: Claim, act: Act) -> list[Any]:
    return claim.ship_back(act, "DPD", "DPD123")


async def test_a_due_charge_keeps_the_product_until_it_is_paid(desk: Desk) -> None:
    claim_id = await decided_claim(desk)
    [added] = await charge(desk, claim_id, "cleaning", "49.90")
    assert isinstance(added, ClaimChargeChanged)
    assert (added.data.state, added.data.amount, added.data.total_due) == (
        "due", Decimal("49.90"), Decimal("49.90"),
    )  # fmt: skip
    refusal = await refused(desk, "charge_due", desk.run(claim_id, desk.operator, ship))
    assert "49.90" in polish(refusal)
    assert "ship_back" not in (await desk.claim(claim_id)).operator_actions(MONDAY.date())
    paid = added.data.charge_id
    [event] = await desk.run(claim_id, desk.operator, lambda c, a: c.mark_charge_paid(a, paid))
    assert isinstance(event, ClaimChargeChanged)
    assert (event.data.state, event.data.total_due) == ("paid", Decimal("0.00"))
    await desk.run(claim_id, desk.operator, ship)
    claim = await desk.claim(claim_id)
    assert claim.status == "shipped_back"
    assert [(c.state, c.settled_by) for c in claim.charges] == [("paid", desk.operator.label)]


async def test_a_waived_charge_lets_the_product_go_and_keeps_the_reason(desk: Desk) -> None:
    claim_id = await decided_claim(desk)
    [added] = await charge(desk, claim_id, "cleaning", "30")
    charge_id = added.data.charge_id
    await refused(
        desk,
        "charge_reason_required",
        desk.run(claim_id, desk.operator, lambda c, a: c.waive_charge(a, charge_id, "bo tak")),
    )
    reason = "Klient stały, gest handlowy."
    await desk.run(claim_id, desk.operator, lambda c, a: c.waive_charge(a, charge_id, reason))
    await refused(
        desk,
        "charge_not_due",
        desk.run(claim_id, desk.operator, lambda c, a: c.mark_charge_paid(a, charge_id)),
    )
    await desk.run(claim_id, desk.operator, ship)
    [waived] = (await desk.claim(claim_id)).charges
    assert (waived.state, waived.waiver_reason, waived.amount) == (
        "waived", reason, Decimal("30.00"),
    )  # fmt: skip


async def test_an_amount_must_be_positive_with_at_most_two_places(desk: Desk) -> None:
    claim_id = await decided_claim(desk)
    await refused(desk, "amount_required", charge(desk, claim_id, "cleaning", None))
    await refused(desk, "amount_required", charge(desk, claim_id, "cleaning", "-5"))
    await refused(desk, "charge_amount_precision", charge(desk, claim_id, "cleaning", "1.005"))
    await refused(
        desk, "charge_amount_too_large", charge(desk, claim_id, "cleaning", "10000000000")
    )
    await refused(desk, "charge_kind_unknown", charge(desk, claim_id, "parking", "5"))
    await refused(
        desk,
        "charge_unknown",
        desk.run(claim_id, desk.operator, lambda c, a: c.mark_charge_paid(a, uuid4())),
    )


async def test_no_charge_before_the_product_arrived(desk: Desk) -> None:
    customer = await desk.customer()
    claim_id = (await customer.file()).data.claim_id
    await refused(desk, "charge_not_now", charge(desk, claim_id, "cleaning", "10"))


@pytest.mark.parametrize(
    ("kind", "decision"),
    [("missing_equipment", "replacement"), ("exchange_difference", "exchange")],
)
async def test_a_charge_only_with_the_decision_it_belongs_to(
    desk: Desk, kind: str, decision: str
) -> None:
    """Missing equipment: a unit being replaced; a price difference: an exchange."""
    repaired = await decided_claim(desk, "repair")
    await refused(desk, f"{kind}_not_due", charge(desk, repaired, kind, "80"))
    allowed = await decided_claim(desk, decision)
    [added] = await charge(desk, allowed, kind, "80")
    assert (added.data.kind, added.data.amount) == (kind, Decimal("80.00"))


def at_service(claim: Claim, **more: Any) -> Claim:
    return replace(claim, status="in_inspection", **more)


def act() -> Act:
    return Act("operator", "operator:test", MONDAY, uuid4())


def add(claim: Claim, kind: str, facts: ChargeFacts | None = None) -> list[Any]:
    return claim.add_charge(act(), kind, Decimal("20.00"), "Uzasadnienie opłaty.", facts)


def test_reshipping_only_after_a_refused_delivery_and_not_for_transport_damage() -> None:
    never_shipped = at_service(new_claim(MONDAY))
    with pytest.raises(Refusal, match="reshipping_not_refused"):
        add(never_shipped, "reshipping")
    shipped = replace(
        new_claim(MONDAY, "dji"), status="shipped_back", outbound=Shipment("DPD", "D1", MONDAY)
    )
    shipped.receive_parcel(act(), ParcelRecord(uuid4(), "D1", "magazyn", MONDAY))
    assert shipped.status == "received"  # the customer refused it: it came back
    with pytest.raises(Refusal, match="reshipping_transport_damage"):
        add(shipped, "reshipping", ChargeFacts(transport_damage_reported=True))
    [event] = add(shipped, "reshipping")
    assert event.data.kind == "reshipping" and shipped.charges[0].state == "due"


def test_transport_both_ways_only_for_a_rejected_scooter_claim() -> None:
    scooter = ClaimedProduct(ean="1", sku="K", name="Kaabo Mantis", brand="Kaabo", category="x")
    rejection = Decision("rejection", "Nieuzasadniona.", "op", MONDAY)
    rejected_drone = at_service(new_claim(MONDAY, "warranty"), decision=rejection)
    with pytest.raises(Refusal, match="scooter_transport_not_due"):
        add(rejected_drone, "scooter_transport")
    repair = Decision("repair", "Naprawa.", "op", MONDAY)
    repaired_scooter = at_service(new_claim(MONDAY, "warranty"), product=scooter, decision=repair)
    with pytest.raises(Refusal, match="scooter_transport_not_due"):
        add(repaired_scooter, "scooter_transport")
    rejected_scooter = replace(repaired_scooter, decision=rejection)
    [event] = add(rejected_scooter, "scooter_transport")
    assert event.data.kind == "scooter_transport"


def test_the_administrative_fee_from_the_fourth_return_is_ten_percent() -> None:
    a_return = at_service(new_claim(MONDAY, "return"))
    with pytest.raises(Refusal, match="administrative_fee_not_due") as third:
        add(a_return, "administrative_fee", ChargeFacts(returns_in_year=3))
    assert "zwrot nr 3" in polish(third.value)
    [event] = a_return.add_charge(
        act(),
        "administrative_fee",
        None,
        "Czwarty zwrot w 12 miesiącach.",
        ChargeFacts(returns_in_year=4),
    )
    assert event.data.amount == Decimal("100.00")  # 10 % of 1000.00
    warranty = at_service(new_claim(MONDAY, "warranty"))
    with pytest.raises(Refusal, match="administrative_fee_not_due"):
        add(warranty, "administrative_fee", ChargeFacts(returns_in_year=9))


async def test_the_fee_counts_the_customers_returns_of_the_last_12_months(desk: Desk) -> None:
    account_id = uuid4()
    filed = [MONDAY - timedelta(days=400), MONDAY - timedelta(days=300)]
    filed += [MONDAY - timedelta(days=100), MONDAY - timedelta(days=1)]
    async with desk.ctx.uow() as uow:
        for when in filed:
            claim = new_claim(when, "return")
            claim.account_id = account_id
            await uow.claims.add(claim)
        latest = new_claim(MONDAY, "return")
        latest.account_id, latest.status = account_id, "in_inspection"
        await uow.claims.add(latest)
        await uow.commit()
    # The one of 400 days ago is out of the 12 months: this is the 4th return.
    [event] = await charge(desk, latest.claim_id, "administrative_fee", None)
    assert event.data.amount == Decimal("100.00")


# --- the finance export ----------------------------------------------------------------------


async def refunded_return(desk: Desk, paid: str, reason: str | None) -> UUID:
    customer = await desk.customer(sold_days_ago=10)
    claim_id = (await customer.file(claim_type="return")).data.claim_id
    rma = (await desk.claim(claim_id)).rma_number
    await handlers.receive_parcel(desk.ctx, desk.scanner, read_label(rma), uuid4())
    await desk.run(claim_id, desk.operator, lambda c, a: c.start_inspection(a))
    decision = DecisionInput("refund", "Zwrot w terminie.")
    await desk.run(claim_id, desk.operator, lambda c, a: c.decide(a, decision))
    payment = decisions.refund_payment("original_payment", None)
    await desk.run(
        claim_id,
        desk.operator,
        lambda c, a: c.record_refund(a, Decimal(paid), payment, reason),
    )
    return claim_id


async def test_the_months_refunds_and_paid_charges_one_row_each_summed_in_grosze(
    desk: Desk,
) -> None:
    # February: a charge paid (not March's); March: two refunds, one with a difference whose
    # reason a spreadsheet would run as a formula, and two charges paid, one left due.
    desk.clock.now = datetime(2026, 2, 27, 9, tzinfo=UTC)
    february = await decided_claim(desk)
    [early] = await charge(desk, february, "cleaning", "5.00")
    await desk.run(
        february, desk.operator, lambda c, a: c.mark_charge_paid(a, early.data.charge_id)
    )
    desk.clock.now = datetime(2026, 3, 2, 9, tzinfo=UTC)
    whole = await refunded_return(desk, "4299.00", None)
    less = await refunded_return(desk, "4198.99", "=HYPERLINK(1) opakowanie zniszczone")
    charged = await decided_claim(desk)
    [cleaning] = await charge(desk, charged, "cleaning", "0.10")
    [due] = await charge(desk, charged, "cleaning", "0.20")
    desk.clock.now = datetime(2026, 3, 31, 21, 59, tzinfo=UTC)  # 22:59 in Poland, still March
    paid = cleaning.data.charge_id
    await desk.run(charged, desk.operator, lambda c, a: c.mark_charge_paid(a, paid))
    assert due.data.state == "due"

    text = await handlers.finance_export(desk.ctx, "2026-03")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(finance.HEADER)
    rma = {claim_id: (await desk.claim(claim_id)).rma_number for claim_id in (whole, less, charged)}
    assert rows[1:] == [
        ["2026-03-02", rma[whole], "refund", "", "-429900", "-429900", "0", "", "original_payment"],
        [
            "2026-03-02", rma[less], "refund", "", "-419899", "-429900", "10001",
            "'=HYPERLINK(1) opakowanie zniszczone", "original_payment",
        ],
        ["2026-03-31", rma[charged], "charge", "cleaning", "10", "", "", "", ""],
        ["", "", "total", "", str(-429900 - 419899 + 10), "", "", "", ""],
    ]  # fmt: skip
    february_rows = list(
        csv.reader(io.StringIO(await handlers.finance_export(desk.ctx, "2026-02")))
    )
    assert [row[4] for row in february_rows[1:]] == ["500", "500"]


@pytest.mark.parametrize("month", ["2026-13", "2026-3", "marzec", "2026-03-01", ""])
async def test_a_month_not_written_yyyy_mm_is_refused_in_polish(desk: Desk, month: str) -> None:
    with pytest.raises(Refusal) as refusal:
        await handlers.finance_export(desk.ctx, month)
    assert refusal.value.code == "month_invalid" and "RRRR-MM" in polish(refusal.value)


async def earlier_returns(desk: Desk, account_id: UUID, days_ago: list[int]) -> None:
    async with desk.ctx.uow() as uow:
        for days in days_ago:
            earlier = replace(
                new_claim(desk.clock() - timedelta(days=days), "return"),
                account_id=account_id,
                status="closed",
            )
            await uow.claims.add(earlier)
        await uow.commit()


async def test_the_fee_of_a_4th_return_is_told_before_the_return_is_filed(desk: Desk) -> None:
    customer = await desk.customer(sold_days_ago=10)

    async def fee() -> Decimal | None:
        options = await handlers.claim_options(
            desk.ctx, customer.account_id, "PA", customer.document_number, 1
        )
        return options.return_fee

    await earlier_returns(desk, customer.account_id, [400, 200, 100])
    assert await fee() is None  # the one of 400 days ago is out: this would be the 3rd
    await earlier_returns(desk, customer.account_id, [30])
    assert await fee() == Decimal("429.90")  # the 4th: 10 % of 4299.00


async def test_a_charge_keeps_its_idempotency_key_and_a_repeat_adds_none(desk: Desk) -> None:
    claim_id = await decided_claim(desk)
    request = IdempotentRequest(f"operator:{desk.operator.subject}", str(uuid4()), "fingerprint")
    command = handlers.NewCharge("cleaning", Decimal("10.00"), "Produkt bardzo zabrudzony.")
    [added] = await handlers.add_charge(
        desk.ctx, claim_id, desk.operator, uuid4(), command, request
    )
    made = desk.database.state.made_by_request[request.owner, request.key]
    assert made == ("fingerprint", str(added.data.charge_id))
    with pytest.raises(KeyInUse):
        await handlers.add_charge(desk.ctx, claim_id, desk.operator, uuid4(), command, request)
    assert len((await desk.claim(claim_id)).charges) == 1


async def test_the_operators_view_says_when_a_charge_and_a_void_mark_are_taken(
    desk: Desk,
) -> None:
    """The claim page offers the charge form only while the service holds the product, and the
    void mark only for a unit with a serial number: the view says what the aggregate would do."""
    customer = await desk.customer(sold_days_ago=10)
    filed = (await customer.file()).data.claim_id
    band = (await customer.file(line_no=2, serial_number=None)).data.claim_id
    view = _operator_view(desk.ctx, await handlers.operator_claim_view(desk.ctx, filed))
    assert (view.may_add_charge, view.may_mark_warranty_void) == (False, True)
    await refused(
        desk,
        "charge_not_now",
        handlers.add_charge(
            desk.ctx,
            filed,
            desk.operator,
            uuid4(),
            handlers.NewCharge("cleaning", Decimal("9.90"), "Produkt bardzo zabrudzony."),
        ),
    )
    held = await decided_claim(desk)
    view = _operator_view(desk.ctx, await handlers.operator_claim_view(desk.ctx, held))
    assert view.may_add_charge is True
    no_serial = _operator_view(desk.ctx, await handlers.operator_claim_view(desk.ctx, band))
    assert no_serial.may_mark_warranty_void is False
