"""The rules of a claim's life (transitions, the operator's questions and decisions, offers the
customer answers, cancelling, parcels of ended claims), on the in-memory unit of work: each
refusal is answered with its HTTP status and code and changes nothing. (These ran through HTTP,
PostgreSQL and Kafka in tests/integration/test_claims.py and test_claim_lifecycle.py; the SQL,
the events on Kafka, the emails and the HTTP contract stay tested there.)"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from services.claims import handlers
from services.claims.domain import decisions
from services.claims.domain.claim import DecisionInput
from shared.events import ClaimDecided, ClaimOfferAnswered, ClaimRefunded, Event, OfferKind
from tests.support.claims_rules import answer, in_inspection, move, refusal, scan, shown
from tests.support.claims_service import Customer, Desk

REJECTION = "Pęknięta obudowa i ślady uderzenia po upadku drona."


@pytest.fixture
def desk() -> Desk:
    return Desk()


async def decide(desk: Desk, claim_id: UUID, kind: str, **details: Any) -> list[Event]:
    """The operator's decision form (POST /api/operator/claims/{id}/decision)."""
    decision = DecisionInput(kind, details.pop("justification", "Po diagnozie."), **details)  # type: ignore[arg-type]
    return await desk.run(claim_id, desk.operator, lambda c, a: c.decide(a, decision))


async def refund(desk: Desk, claim_id: UUID, amount: str, reason: str | None = None) -> list[Event]:
    """The operator's refund form, paid back the way the customer paid."""
    payment = decisions.refund_payment("original_payment", None)
    return await desk.run(
        claim_id, desk.operator, lambda c, a: c.record_refund(a, Decimal(amount), payment, reason)
    )


async def reply(
    desk: Desk, customer: Customer, claim_id: UUID, offer: OfferKind, accept: bool
) -> list[Event]:
    """The customer's answer to an offer (deductions, price reduction, paid repair)."""
    return await desk.run(claim_id, customer.actor, lambda c, a: c.answer_offer(a, offer, accept))


async def test_a_move_the_lifecycle_does_not_allow_is_refused(desk: Desk) -> None:
    customer = await desk.customer()
    submitted = (await customer.file()).data.claim_id
    closing = await refusal(desk, move(desk, submitted, status="closed"))
    assert answer(closing) == (409, "illegal_transition")
    received = await desk.customer()
    created = await received.file()
    await scan(desk, created.data.rma_number)
    stranger = desk.run(created.data.claim_id, customer.actor, lambda c, a: c.cancel(a))
    assert answer(await refusal(desk, stranger)) == (404, "claim_not_found")
    early = await refusal(desk, decide(desk, created.data.claim_id, "repair"))
    assert answer(early) == (409, "illegal_transition")


async def test_a_question_a_rejection_and_the_way_back(desk: Desk) -> None:
    customer = await desk.customer(sold_days_ago=10)
    claim_id = await in_inspection(desk, customer)
    no_note = await refusal(desk, move(desk, claim_id, status="awaiting_customer"))
    assert answer(no_note) == (422, "note_required")
    await move(desk, claim_id, status="awaiting_customer", note="Prosimy o zdjęcie.")
    await desk.run(claim_id, customer.actor, lambda c, a: c.answer(a, "Zdjęcie w załączniku."))
    unjustified = decide(
        desk, claim_id, "rejection", justification="Nie.", rejection_reason="misuse"
    )
    assert answer(await refusal(desk, unjustified)) == (422, "justification_required")
    unknown = decide(desk, claim_id, "rejection", justification="x" * 30, rejection_reason="zle")
    assert answer(await refusal(desk, unknown)) == (422, "rejection_reason_unknown")
    [*_, decided] = await decide(
        desk, claim_id, "rejection", justification=REJECTION, rejection_reason="misuse"
    )
    assert isinstance(decided, ClaimDecided)
    assert decided.data.rejection_reason == "misuse"
    no_tracking = await refusal(desk, move(desk, claim_id, status="shipped_back"))
    assert answer(no_tracking) == (422, "tracking_required")
    await move(desk, claim_id, status="shipped_back", tracking_number="DPD1")
    await move(desk, claim_id, status="closed")
    claim = await shown(desk, customer, claim_id)
    assert [entry["status"] for entry in claim["timeline"]] == [
        "submitted", "received", "in_inspection", "awaiting_customer", "in_inspection",
        "decided", "shipped_back", "closed",
    ]  # fmt: skip
    assert claim["decision"]["justification"] == REJECTION


async def test_a_return_refunded_less_the_deductions_of_seed_002_once_accepted(
    desk: Desk,
) -> None:
    customer = await desk.customer(sold_days_ago=10)
    claim_id = await in_inspection(desk, customer, claim_type="return")
    out_of_range = decide(desk, claim_id, "refund", deduction_percents={"packaging": 5})
    assert answer(await refusal(desk, out_of_range)) == (422, "deduction_out_of_range")
    [*_, decided] = await decide(
        desk,
        claim_id,
        "refund",
        deduction_percents={"packaging": 10, "electronics_handling": 15},
        missing_accessories_value=Decimal("100.00"),
    )
    # 4299.00 - 10% (429.90) - 15% (644.85) - (100.00 + 15%) = 3109.25
    assert isinstance(decided, ClaimDecided) and decided.data.amount == Decimal("3109.25")
    assert [d.amount for d in decided.data.deductions] == [
        Decimal("429.90"),
        Decimal("644.85"),
        Decimal("115.00"),
    ]
    not_agreed = await refusal(desk, refund(desk, claim_id, "3109.25"))
    assert answer(not_agreed) == (409, "nothing_to_refund")
    await reply(desk, customer, claim_id, "return_deductions", True)
    [refunded, *_] = await refund(desk, claim_id, "3109.25")
    assert isinstance(refunded, ClaimRefunded) and refunded.data.amount == Decimal("3109.25")
    assert (await shown(desk, customer, claim_id))["status"] == "refunded"


def cosmetic_reduction(amount: str) -> dict[str, Any]:
    return {
        "kind": "price_reduction",
        "amount": Decimal(amount),
        "reduction_kind": "cosmetic_defect",
    }


@pytest.mark.parametrize("accept", [True, False], ids=["accepted", "refused"])
async def test_a_price_reduction_offered_within_the_policy_then_answered_once(
    desk: Desk, accept: bool
) -> None:
    customer = await desk.customer()
    claim_id = await in_inspection(desk, customer)
    # Issue 24, item 8: a cosmetic defect is 5-20 % of the price paid (4,299.00): up to 859.80.
    beyond = decide(desk, claim_id, **cosmetic_reduction("859.81"))
    assert answer(await refusal(desk, beyond)) == (422, "price_reduction_out_of_range")
    await decide(desk, claim_id, **cosmetic_reduction("400.00"))
    [answered, *_] = await reply(desk, customer, claim_id, "price_reduction", accept)
    assert isinstance(answered, ClaimOfferAnswered) and answered.data.accepted is accept
    twice = await refusal(desk, reply(desk, customer, claim_id, "price_reduction", accept))
    assert answer(twice) == (409, "no_offer_to_answer")
    claim = await shown(desk, customer, claim_id)
    if not accept:
        assert claim["status"] == "in_inspection"
        return
    assert (claim["status"], claim["decision"]["customer_response"]) == ("decided", "accepted")
    differs = await refusal(desk, refund(desk, claim_id, "380.00"))
    assert answer(differs) == (422, "refund_differs_from_decision")
    [paid, *_] = await refund(desk, claim_id, "380.00", "Część obniżki wypłacona wcześniej bonem.")
    assert isinstance(paid, ClaimRefunded) and paid.data.decided_amount == Decimal("400.00")


async def test_a_second_open_claim_for_a_serial_names_the_first_until_it_ends(
    desk: Desk,
) -> None:
    customer = await desk.customer()
    first = (await customer.file()).data
    second = await refusal(desk, customer.file())
    assert answer(second) == (409, "open_claim_for_serial")
    assert second.extra["rma_number"] == first.rma_number
    await desk.run(first.claim_id, customer.actor, lambda c, a: c.cancel(a))
    assert (await customer.file()).data.serial_number == customer.serial


async def test_no_cancelling_once_the_service_holds_the_product(desk: Desk) -> None:
    customer = await desk.customer()
    claim_id = await in_inspection(desk, customer)
    cancelled = desk.run(claim_id, customer.actor, lambda c, a: c.cancel(a))
    assert answer(await refusal(desk, cancelled)) == (409, "cancel_product_at_service")
    assert (await shown(desk, customer, claim_id))["status"] == "in_inspection"


async def test_a_parcel_of_a_cancelled_claim_waits_for_an_operator_who_resolves_it(
    desk: Desk,
) -> None:
    customer = await desk.customer()
    created = (await customer.file()).data
    await desk.run(created.claim_id, customer.actor, lambda c, a: c.cancel(a))
    scanned = await scan(desk, created.rma_number)
    assert (scanned.claim_id, scanned.duplicate) == (created.claim_id, False)
    assert scanned.attention
    assert (await scan(desk, created.rma_number)).duplicate
    [waiting] = await handlers.parcels_for_operators(desk.ctx)
    assert (waiting.parcel_id, waiting.claim_id) == (scanned.parcel_id, created.claim_id)
    assert waiting.attention
    await handlers.resolve_attention_parcel(desk.ctx, waiting.parcel_id, desk.operator)
    assert await handlers.parcels_for_operators(desk.ctx) == []
    assert (await shown(desk, customer, created.claim_id))["status"] == "cancelled"
