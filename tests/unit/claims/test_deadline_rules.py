"""Deadlines that act by themselves (issue 24), through the service layer on the in-memory unit
of work, with the clock moved by hand: a consumer's complaint unanswered for 14 days is accepted
by law, offers expire, the scooter delay notice goes out, and the service desk hears of the
claims at risk once a day. Each rule acts once, however often the scheduler runs."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from services.claims import handlers
from services.claims.domain import decisions
from services.claims.domain.claim import DecisionInput
from services.claims.domain.intake import read_label
from services.claims.domain.refusals import Refusal
from shared.events import (
    ClaimCollectionReminder,
    ClaimDeemedAccepted,
    ClaimMarkedForDisposal,
    ClaimOfferExpired,
    ClaimRepairDelayed,
    DeadlinesAtRisk,
    Event,
)
from tests.support.claims_service import Customer, Desk


@pytest.fixture
def desk() -> Desk:
    return Desk()


async def run_until(desk: Desk, day: date) -> list[Event]:
    """The scheduler's run at 10:00 on `day` (Polish time is UTC+1 in March)."""
    desk.clock.now = desk.clock.now.replace(year=day.year, month=day.month, day=day.day, hour=9)
    return (await handlers.run_deadlines(desk.ctx)).events


def of_type(events: list[Event], kind: type[Event]) -> list[Any]:
    return [event for event in events if isinstance(event, kind)]


async def filed(desk: Desk, customer: Customer, **form: Any) -> UUID:
    return (await customer.file(**form)).data.claim_id


async def test_an_unanswered_consumer_complaint_is_accepted_by_law_once(desk: Desk) -> None:
    customer = await desk.customer()
    claim_id = await filed(desk, customer, claim_type="non_conformity")
    due = date(2026, 3, 16)
    await desk.assess(claim_id, complaint_answer=due)
    assert of_type(await run_until(desk, due), ClaimDeemedAccepted) == []  # the last day
    [deemed] = of_type(await run_until(desk, due + timedelta(days=1)), ClaimDeemedAccepted)
    assert (deemed.data.due_on, deemed.data.deemed_on) == (due, date(2026, 3, 17))
    assert await run_until(desk, due + timedelta(days=2)) == []  # once
    claim = await desk.claim(claim_id)
    assert claim.deemed_accepted_on == date(2026, 3, 17)
    assert "art. 7a" in (claim.timeline[-1].note or "")
    assert claim.timeline[-1].actor == "system:terminy"
    await handlers.receive_parcel(desk.ctx, desk.scanner, read_label(claim.rma_number), uuid4())
    op = desk.operator
    await desk.run(claim_id, op, lambda c, a: c.start_inspection(a))
    rejection = DecisionInput(
        "rejection",
        "Uszkodzenie mechaniczne obudowy i gimbala.",
        rejection_reason="mechanical_damage",
    )
    with pytest.raises(Refusal) as refused:
        await desk.run(claim_id, op, lambda c, a: c.decide(a, rejection))
    assert refused.value.code == "complaint_deemed_accepted"
    await desk.run(claim_id, op, lambda c, a: c.decide(a, DecisionInput("repair", "Naprawa.")))


async def test_a_decided_or_business_complaint_is_not_accepted_by_law(desk: Desk) -> None:
    company = await desk.customer(account_type="company")
    business = await filed(desk, company)
    consumer = await desk.customer()
    answered = await filed(desk, consumer)
    due = date(2026, 3, 16)
    await desk.assess(business, complaint_answer=due)
    await desk.assess(answered, complaint_answer=due)
    claim = await desk.claim(answered)
    await handlers.receive_parcel(desk.ctx, desk.scanner, read_label(claim.rma_number), uuid4())
    await desk.run(answered, desk.operator, lambda c, a: c.start_inspection(a))
    await desk.run(answered, desk.operator, lambda c, a: c.decide(a, DecisionInput("repair", "N.")))
    assert of_type(await run_until(desk, date(2026, 3, 20)), ClaimDeemedAccepted) == []


async def decided_offer(
    desk: Desk, customer: Customer, decision: DecisionInput, **form: Any
) -> UUID:
    claim_id = await filed(desk, customer, **form)
    claim = await desk.claim(claim_id)
    await handlers.receive_parcel(desk.ctx, desk.scanner, read_label(claim.rma_number), uuid4())
    await desk.run(claim_id, desk.operator, lambda c, a: c.start_inspection(a))
    await desk.run(claim_id, desk.operator, lambda c, a: c.decide(a, decision))
    return claim_id


async def test_an_unanswered_quote_expires_and_the_product_goes_back(desk: Desk) -> None:
    customer = await desk.customer()
    quote = DecisionInput(
        "paid_repair", "Zalanie płyty.", amount=Decimal("300"), valid_until=date(2026, 3, 9)
    )
    claim_id = await decided_offer(desk, customer, quote)
    assert of_type(await run_until(desk, date(2026, 3, 9)), ClaimOfferExpired) == []
    [expired] = of_type(await run_until(desk, date(2026, 3, 10)), ClaimOfferExpired)
    assert (expired.data.offer, expired.data.outcome) == ("paid_repair_quote", "goods_back")
    assert await run_until(desk, date(2026, 3, 11)) == []
    claim = await desk.claim(claim_id)
    assert claim.decision is not None and claim.decision.customer_response == "expired"
    assert "ship_back" in claim.operator_actions(date(2026, 3, 11))
    with pytest.raises(Refusal) as late:
        await desk.run(
            claim_id, customer.actor, lambda c, a: c.answer_offer(a, "paid_repair_quote", True)
        )
    assert late.value.code == "no_offer_to_answer"


async def test_unanswered_deductions_expire_and_the_goods_come_back(desk: Desk) -> None:
    customer = await desk.customer(sold_days_ago=5)
    deducted = DecisionInput("refund", "Potrącenie.", deduction_percents={"packaging": 10})
    claim_id = await decided_offer(desk, customer, deducted, claim_type="return")
    answer_by = date(2026, 3, 16)  # 14 days from the decision on 2 March
    assert of_type(await run_until(desk, answer_by), ClaimOfferExpired) == []
    [expired] = of_type(await run_until(desk, answer_by + timedelta(days=1)), ClaimOfferExpired)
    assert (expired.data.answer_by, expired.data.outcome) == (answer_by, "goods_back")
    claim = await desk.claim(claim_id)
    actions = claim.operator_actions(answer_by)
    assert "ship_back" in actions and "record_refund" not in actions
    payment = decisions.refund_payment("original_payment", None)
    with pytest.raises(Refusal):
        await desk.run(
            claim_id, desk.operator, lambda c, a: c.record_refund(a, Decimal(1), payment)
        )


async def test_an_unanswered_price_reduction_expires_into_another_remedy(desk: Desk) -> None:
    customer = await desk.customer()
    reduction = DecisionInput(
        "price_reduction", "Rysa.", amount=Decimal("300"), reduction_kind="cosmetic_defect"
    )
    claim_id = await decided_offer(desk, customer, reduction)
    events = await run_until(desk, date(2026, 3, 17))
    [expired] = of_type(events, ClaimOfferExpired)
    assert expired.data.outcome == "reinspection"
    assert (await desk.claim(claim_id)).status == "in_inspection"


async def test_the_scooter_delay_notice_goes_out_by_itself_once(desk: Desk) -> None:
    customer = await desk.customer()
    claim_id = await decided_offer(desk, customer, DecisionInput("repair", "Wymiana sterownika."))
    await desk.run(claim_id, desk.operator, lambda c, a: c.start_repair(a))
    due = date(2026, 3, 20)
    await desk.assess(claim_id, scooter_repair=due)
    assert of_type(await run_until(desk, date(2026, 3, 17)), ClaimRepairDelayed) == []
    [notice] = of_type(await run_until(desk, date(2026, 3, 18)), ClaimRepairDelayed)
    assert notice.data.due_on == due and len(notice.data.reason) >= 10
    assert of_type(await run_until(desk, date(2026, 3, 19)), ClaimRepairDelayed) == []


async def test_an_operators_delay_notice_is_not_sent_again(desk: Desk) -> None:
    customer = await desk.customer()
    claim_id = await decided_offer(desk, customer, DecisionInput("repair", "Wymiana sterownika."))
    await desk.run(claim_id, desk.operator, lambda c, a: c.start_repair(a))
    await desk.assess(claim_id, scooter_repair=date(2026, 3, 20))
    reason = "Czekamy na sterownik od producenta."
    await desk.run(claim_id, desk.operator, lambda c, a: c.announce_repair_delay(a, reason, None))
    assert of_type(await run_until(desk, date(2026, 3, 18)), ClaimRepairDelayed) == []


async def test_the_service_desk_hears_of_claims_at_risk_once_a_day(desk: Desk) -> None:
    customer = await desk.customer()
    near, far = (
        await filed(desk, customer),
        await filed(desk, customer, line_no=2, serial_number=None),
    )
    await desk.assess(near, complaint_answer=date(2026, 3, 6))  # Friday
    await desk.assess(far, complaint_answer=date(2026, 3, 16))
    # Tuesday 3 March: Wednesday, Thursday, Friday left (3 working days).
    [digest] = of_type(await run_until(desk, date(2026, 3, 3)), DeadlinesAtRisk)
    [claim] = digest.data.claims
    assert (claim.claim_id, claim.deadline, claim.working_days_left) == (
        near,
        "complaint_answer",
        3,
    )
    assert of_type(await run_until(desk, date(2026, 3, 3)), DeadlinesAtRisk) == []  # once a day
    [next_day] = of_type(await run_until(desk, date(2026, 3, 4)), DeadlinesAtRisk)
    assert [c.working_days_left for c in next_day.data.claims] == [2]
    assert [type(e).__name__ for e in desk.published].count("DeadlinesAtRisk") == 2


async def test_a_rejected_return_not_collected_is_told_twice_then_marked_for_disposal(
    desk: Desk,
) -> None:
    customer = await desk.customer(sold_days_ago=5)
    rejection = DecisionInput(
        "rejection",
        "Produkt intensywnie używany, ślady upadku.",
        rejection_reason="intensively_used",
    )
    claim_id = await decided_offer(desk, customer, rejection, claim_type="return")
    decided_on = date(2026, 3, 2)
    reminders = []
    for day in range(1, 31):
        events = await run_until(desk, decided_on + timedelta(days=day))
        reminders += [(day, e.data.reminder) for e in of_type(events, ClaimCollectionReminder)]
        assert of_type(events, ClaimMarkedForDisposal) == []
    assert reminders == [(14, 1), (25, 2)]
    [marked] = of_type(
        await run_until(desk, decided_on + timedelta(days=31)), ClaimMarkedForDisposal
    )
    assert marked.data.collect_by == decided_on + timedelta(days=30)
    assert await run_until(desk, decided_on + timedelta(days=40)) == []
    claim = await desk.claim(claim_id)
    assert (claim.collection_reminders, claim.marked_for_disposal_on) == (2, date(2026, 4, 2))


async def test_a_rejected_return_shipped_back_is_not_chased(desk: Desk) -> None:
    customer = await desk.customer(sold_days_ago=5)
    rejection = DecisionInput(
        "rejection",
        "Produkt intensywnie używany, ślady upadku.",
        rejection_reason="intensively_used",
    )
    claim_id = await decided_offer(desk, customer, rejection, claim_type="return")
    await desk.run(claim_id, desk.operator, lambda c, a: c.ship_back(a, "DPD", "DPD5"))
    assert await run_until(desk, date(2026, 4, 20)) == []
