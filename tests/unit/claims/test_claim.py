"""The Claim aggregate without a database: each command checks its rule and returns events."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from mypy import api as mypy_api

from services.claims.domain import decisions
from services.claims.domain.claim import Act, Claim, DecisionInput, NewAttachment, ParcelRecord
from services.claims.domain.refusals import Refusal
from services.claims.entrypoints.refusals import polish
from shared.events import (
    ClaimDecided,
    ClaimedProduct,
    ClaimOfferAnswered,
    ClaimRefunded,
    ClaimRepairDelayed,
    ClaimReplacementIssued,
    ClaimStatus,
    ClaimStatusChanged,
    ClaimType,
    Deadline,
    ParcelReceived,
    PostalAddress,
)

MONDAY = datetime(2026, 3, 2, 9, tzinfo=UTC)
ADDRESS = PostalAddress(
    recipient="Jan Kowalski", street="Rudzka 1", postal_code="44-200", city="Rybnik"
)


def act(role: str = "operator", at: datetime = MONDAY) -> Act:
    return Act(role, f"{role}:test", at, uuid4())


def a_claim(
    status: ClaimStatus = "submitted",
    claim_type: ClaimType = "dji",
    brand: str = "DJI",
    **more: object,
) -> Claim:
    claim = Claim(
        claim_id=uuid4(),
        rma_number="RMA/1/SR/2026",
        account_id=uuid4(),
        email="jan@example.com",
        language="pl",
        buyer_type="consumer",
        claim_type=claim_type,
        status=status,
        document_type="PA",
        document_number="2026/1",
        line_no=1,
        product=ClaimedProduct(
            ean="5901234123457", sku="S", name="Mini 4 Pro", brand=brand, category="drone"
        ),
        serial_number="1581F000001",
        problem_description="Nie startuje.",
        problem_code=None,
        tracking_number="INPOST1",
        package_contents="Dron",
        customer_reference=None,
        unit_price=Decimal("1000.00"),
        return_address=ADDRESS,
        created_at=MONDAY - timedelta(days=3),
    )
    return replace(claim, **more)  # type: ignore[arg-type]


def parcel(tracking: str | None = None) -> ParcelRecord:
    return ParcelRecord(uuid4(), tracking, "scanner:magazyn-1", MONDAY)


def decided(kind: str, claim_type: ClaimType = "dji", **decision: object) -> Claim:
    claim = a_claim("in_inspection", claim_type)
    if kind == "replacement":  # a DJI unit is replaced only with DJI's statement
        claim.manufacturer_statement = uuid4()
    claim.decide(
        act(), DecisionInput(kind=kind, justification="Uzasadnienie decyzji serwisu.", **decision)
    )  # type: ignore[arg-type]
    return claim


def codes(events: list[object]) -> list[str]:
    return [type(e).__name__ for e in events]


def refused(call: object) -> Refusal:
    with pytest.raises(Refusal) as error:
        call()  # type: ignore[operator]
    return error.value


def test_a_parcel_is_received_once_and_announced_with_the_status_change() -> None:
    claim = a_claim()
    events = claim.receive_parcel(act("scanner"), parcel())
    assert codes(events) == ["ParcelReceived", "ClaimStatusChanged"]
    assert claim.status == "received" and claim.received_at == MONDAY
    assert claim.receive_parcel(act("scanner"), parcel()) == []  # scanned again: nothing
    assert len(claim.parcels) == 1


def test_a_parcel_for_a_cancelled_claim_is_kept_for_an_operator() -> None:
    claim = a_claim("cancelled")
    [event] = claim.receive_parcel(act("scanner"), parcel("DPD9"))
    assert isinstance(event, ParcelReceived) and event.data.attention
    assert claim.status == "cancelled" and claim.parcels[0].attention


def test_no_cancel_once_the_service_holds_the_product() -> None:
    claim = a_claim("received")
    error = refused(lambda: claim.cancel(act("customer")))
    assert error.code == "cancel_product_at_service" and "w serwisie" in polish(error)
    assert claim.status == "received"
    fresh = a_claim()
    assert codes(fresh.cancel(act("customer"))) == ["ClaimStatusChanged"]


def test_waiting_for_the_customer_moves_the_dji_deadline_by_the_working_days_waited() -> None:
    due = date(2026, 5, 1)
    claim = a_claim(
        "in_inspection", deadlines=(Deadline(kind="dji_repair", due_on=due, description="60 dni"),)
    )
    claim.ask_customer(act(), "Prosimy o zdjęcie tabliczki.")
    [paused] = claim.deadline_standings(MONDAY.date() + timedelta(days=1))
    assert paused.state == "paused"
    answered_at = MONDAY + timedelta(days=7)  # Monday to Monday: 5 working days waited
    [changed] = claim.answer(act("customer", answered_at), "Zdjęcie w załączniku.")
    assert isinstance(changed, ClaimStatusChanged) and changed.data.to_status == "in_inspection"
    [standing] = claim.deadline_standings(answered_at.date())
    assert standing.paused_working_days == 5
    assert standing.moved_to == date(2026, 5, 8)  # after Friday 1 May (a holiday): Mon 4 .. Fri 8
    assert "przesunięty o 5 dni" in (changed.data.note or "")


def test_a_consumer_complaint_not_answered_in_14_days_is_deemed_accepted() -> None:
    due = MONDAY.date() + timedelta(days=14)
    deadline = Deadline(kind="complaint_answer", due_on=due, description="14 dni")
    claim = a_claim("in_inspection", deadlines=(deadline,))
    assert claim.deadline_standings(due)[0].state == "running"
    late = claim.deadline_standings(due + timedelta(days=1))[0]
    # Unanswered past its day: overdue, for the operators' list of deadlines at risk.
    assert late.state == "deemed_accepted" and late.overdue
    claim.decide(
        act(at=MONDAY + timedelta(days=20)), DecisionInput(kind="repair", justification="Naprawa.")
    )
    answered_late = claim.deadline_standings(due + timedelta(days=30))[0]
    assert answered_late.state == "deemed_accepted" and not answered_late.overdue
    in_time = a_claim("in_inspection", deadlines=(deadline,))
    in_time.decide(act(), DecisionInput(kind="repair", justification="Naprawa."))
    assert in_time.deadline_standings(due + timedelta(days=30))[0].state == "kept"


def test_a_business_complaint_past_its_30_days_is_missed_never_accepted_by_law() -> None:
    """Issue 24: the statutory fiction is the consumer's; a business's term is the shop's."""
    due = MONDAY.date() + timedelta(days=30)
    deadline = Deadline(kind="business_assessment", due_on=due, description="30 dni")
    claim = a_claim("in_inspection", buyer_type="business", deadlines=(deadline,))
    late = claim.deadline_standings(due + timedelta(days=1))[0]
    assert (late.state, late.overdue) == ("missed", True)
    assert claim.apply_deadlines(act(at=MONDAY + timedelta(days=40))) == []
    assert claim.deemed_accepted_on is None
    claim.decide(act(at=MONDAY + timedelta(days=2)), DecisionInput("repair", "Naprawa."))
    assert claim.deadline_standings(due + timedelta(days=5))[0].state == "kept"


def test_a_quote_on_a_covered_claim_is_refused_and_changes_nothing() -> None:
    claim = a_claim("in_inspection", covered=True)
    command = DecisionInput(
        kind="paid_repair",
        justification="Płatna.",
        amount=Decimal("300"),
        valid_until=date(2026, 3, 20),
    )
    error = refused(lambda: claim.decide(act(), command))
    assert (error.code, error.field) == ("quote_on_covered_claim", "decision")
    assert claim.status == "in_inspection" and claim.decision is None


def test_paid_quote_accepted_goes_to_repair_then_back() -> None:
    claim = decided("paid_repair", amount=Decimal("300"), valid_until=date(2026, 3, 20))
    assert refused(lambda: claim.ship_back(act(), "DPD", "DPD1")).code == "offer_unanswered"
    events = claim.answer_offer(act("customer"), "paid_repair_quote", True)
    assert codes(events) == ["ClaimOfferAnswered", "ClaimStatusChanged"]
    assert claim.status == "in_repair"
    claim.ship_back(act(), "DPD", "dpd 123")
    assert claim.status == "shipped_back" and claim.outbound is not None
    assert claim.outbound.tracking_number == "DPD123" and claim.tracking_number == "INPOST1"


def test_paid_quote_refused_ships_back_unrepaired_and_expired_cannot_be_accepted() -> None:
    claim = decided("paid_repair", amount=Decimal("300"), valid_until=date(2026, 3, 20))
    [answered] = claim.answer_offer(act("customer"), "paid_repair_quote", False)
    assert isinstance(answered, ClaimOfferAnswered) and not answered.data.accepted
    assert claim.status == "decided"
    claim.ship_back(act(), "InPost", "IP1")
    late = decided("paid_repair", amount=Decimal("300"), valid_until=date(2026, 3, 3))
    error = refused(
        lambda: late.answer_offer(
            act("customer", MONDAY + timedelta(days=2)), "paid_repair_quote", True
        )
    )
    assert error.code == "quote_expired"


def test_replacement_needs_its_new_serial_before_shipping() -> None:
    claim = decided("replacement")
    assert refused(lambda: claim.ship_back(act(), "DPD", "D1")).code == "replacement_serial_missing"
    assert (
        refused(lambda: claim.record_replacement(act(), "1581F000001", None)).code
        == "replacement_serial_unchanged"
    )
    assert refused(lambda: claim.record_replacement(act(), "NEW-1", "123")).code == "ean_invalid"
    [issued] = claim.record_replacement(act(), "1581f999999", None)
    assert isinstance(issued, ClaimReplacementIssued)
    assert (issued.data.old_serial_number, issued.data.new_serial_number) == (
        "1581F000001",
        "1581F999999",
    )
    assert issued.data.new_ean == issued.data.old_ean
    claim.ship_back(act(), "DPD", "D1")


def test_refund_needs_an_amount_and_keeps_its_deadline() -> None:
    due = MONDAY.date() + timedelta(days=5)
    claim = decided("refund", claim_type="warranty")
    claim.deadlines = (Deadline(kind="return_refund", due_on=due, description="14 dni"),)
    payment = decisions.refund_payment("original_payment", None)
    assert refused(lambda: claim.record_refund(act(), None, payment)).field == "amount"
    assert refused(lambda: claim.ship_back(act(), "DPD", "D1")).code == "nothing_to_ship"
    events = claim.record_refund(act(), Decimal("999.99"), payment)
    refunded = events[0]
    assert isinstance(refunded, ClaimRefunded) and refunded.data.in_time is True
    assert claim.status == "refunded"
    assert claim.deadline_standings(due + timedelta(days=3))[0].state == "kept"


def test_return_deductions_accepted_refund_or_refused_goods_back() -> None:
    accepted = decided("refund", claim_type="return", deduction_percents={"packaging": 10})
    assert accepted.decision is not None and accepted.decision.amount == Decimal("900.00")
    payment = decisions.refund_payment("bank_transfer", "PL61109010140000071219812874")
    assert (
        refused(lambda: accepted.record_refund(act(), Decimal("900"), payment)).code
        == "nothing_to_refund"
    )
    accepted.answer_offer(act("customer"), "return_deductions", True)
    accepted.record_refund(act(), Decimal("900"), payment)
    assert accepted.status == "refunded"
    taken_back = decided("refund", claim_type="return", deduction_percents={"packaging": 10})
    taken_back.answer_offer(act("customer"), "return_deductions", False)
    assert (
        refused(lambda: taken_back.record_refund(act(), Decimal("900"), payment)).code
        == "nothing_to_refund"
    )
    taken_back.ship_back(act(), "DPD", "D2")
    assert taken_back.status == "shipped_back"


def test_a_refused_parcel_comes_back_as_a_new_receipt_of_the_same_claim() -> None:
    claim = decided("repair")
    claim.ship_back(act(), "DPD", "D1")
    events = claim.receive_parcel(act("scanner"), parcel("D1"))
    assert codes(events) == ["ParcelReceived", "ClaimStatusChanged"]
    assert claim.status == "received" and claim.received_at is not None
    assert "odmowa odbioru" in (claim.timeline[-1].note or "")


def test_the_scooter_delay_is_told_before_the_deadline_with_a_reason() -> None:
    due = MONDAY.date() + timedelta(days=3)
    deadline = Deadline(kind="scooter_repair", due_on=due, description="30 dni")
    claim = a_claim("in_inspection", "warranty", "Dualtron", deadlines=(deadline,))
    assert refused(lambda: claim.announce_repair_delay(act(), "brak", None)).field == "reason"
    [delayed] = claim.announce_repair_delay(
        act(), "Czekamy na sterownik od producenta.", due + timedelta(days=9)
    )
    assert isinstance(delayed, ClaimRepairDelayed) and delayed.data.due_on == due
    late = act(at=MONDAY + timedelta(days=4))
    assert (
        refused(lambda: claim.announce_repair_delay(late, "Czekamy na sterownik.", None)).code
        == "repair_deadline_passed"
    )
    no_deadline = a_claim("in_inspection")
    assert (
        refused(lambda: no_deadline.announce_repair_delay(act(), "Czekamy na części.", None)).code
        == "no_repair_deadline"
    )


def test_the_decision_is_announced_and_unknown_moves_are_refused() -> None:
    claim = a_claim("received")
    error = refused(lambda: claim.decide(act(), DecisionInput(kind="repair", justification="x")))
    assert (error.code, error.status_code) == ("illegal_transition", 409)
    claim.start_inspection(act())
    events = claim.decide(act(), DecisionInput(kind="repair", justification="Wymiana gimbala."))
    assert isinstance(events[1], ClaimDecided) and claim.status == "decided"
    assert claim.next_statuses("operator") == ["in_repair", "shipped_back", "refunded"]


def test_an_exchange_ships_the_other_product_and_refunds_the_difference() -> None:
    missing = a_claim("in_inspection", "return")
    error = refused(
        lambda: missing.decide(act(), DecisionInput(kind="exchange", justification="Wymiana."))
    )
    assert error.field == "exchange_product"
    claim = decided("exchange", claim_type="return", exchange_product="DJI Mini 4K")
    payment = decisions.refund_payment("original_payment", None)
    [refunded] = claim.record_refund(act(), Decimal("300.00"), payment)
    assert isinstance(refunded, ClaimRefunded) and claim.status == "decided"
    claim.ship_back(act(), "DPD", "EX1")  # the other product goes to the customer
    assert claim.status == "shipped_back" and claim.refund is not None


def test_a_repair_decision_tells_warranty_whether_it_was_substantial_and_which_part() -> None:
    claim = a_claim("in_inspection")
    decision = DecisionInput(
        kind="repair",
        justification="Wymiana silnika.",
        substantial_repair=True,
        replaced_part=" silnik ",
    )
    [_, announced] = claim.decide(act(), decision)
    assert isinstance(announced, ClaimDecided)
    assert (announced.data.substantial_repair, announced.data.replaced_part) == (True, "silnik")
    # Only a repair has repair details.
    rejected = a_claim("in_inspection")
    [_, announced] = rejected.decide(
        act(),
        DecisionInput(
            kind="rejection",
            justification="Użytkowanie niezgodne z instrukcją.",
            rejection_reason="misuse",
            substantial_repair=True,
            replaced_part="silnik",
        ),
    )
    assert isinstance(announced, ClaimDecided)
    assert (announced.data.substantial_repair, announced.data.replaced_part) == (None, None)


def test_the_operator_is_offered_only_the_commands_the_claim_allows_now() -> None:
    today = MONDAY.date()
    # A DJI claim without DJI's statement offers to attach it (a replacement needs it).
    statement = "attach_manufacturer_statement"
    # ... to hand the unit to DJI's official service while inspecting or repairing it, and,
    # before the decision, to record the evidence at intake (issue 25 §2).
    handoff = "send_to_manufacturer"
    evidence = "record_intake_evidence"
    expected = ["decide", statement, handoff, evidence]
    assert a_claim("in_inspection").operator_actions(today) == expected
    # A quote waiting for the customer: nothing to ship or refund yet.
    quote = decided("paid_repair", amount=Decimal("300"), valid_until=date(2026, 3, 20))
    assert quote.operator_actions(today) == [statement]
    quote.answer_offer(act("customer"), "paid_repair_quote", True)
    assert quote.operator_actions(today) == ["ship_back", statement, handoff]
    # A replacement: its serial first, then shipping back.
    swap = decided("replacement")
    assert swap.operator_actions(today) == ["record_replacement"]
    swap.record_replacement(act(), "1581F999999", None)
    assert swap.operator_actions(today) == ["ship_back"]
    # A return: the refund once the deductions are accepted (the goods stay), shipping back
    # once they are refused (the goods go back).
    kept = decided("refund", claim_type="return", deduction_percents={"packaging": 10})
    assert kept.operator_actions(today) == [statement]
    kept.answer_offer(act("customer"), "return_deductions", True)
    assert kept.operator_actions(today) == ["record_refund", statement]
    back = decided("refund", claim_type="return", deduction_percents={"packaging": 10})
    back.answer_offer(act("customer"), "return_deductions", False)
    assert back.operator_actions(today) == ["ship_back", statement]
    # A return in inspection: its refund carries the deductions of seed 002 (the form shows them).
    inspected_return = a_claim("in_inspection", claim_type="return")
    assert inspected_return.operator_actions(today) == [
        "decide",
        "decide_with_deductions",
        statement,
        evidence,
    ]
    # An exchange: the other product goes out and the difference is refunded.
    exchange = decided("exchange", claim_type="return", exchange_product="DJI Mini 4K")
    assert exchange.operator_actions(today) == ["ship_back", "record_refund", statement]


def test_the_customer_is_offered_only_what_the_claim_allows_now() -> None:
    """Issue 26: the claim page shows these forms; the claims domain alone decides them."""
    assert a_claim("submitted").customer_actions() == ["send_parcel", "cancel"]
    assert a_claim("received").customer_actions() == []
    assert a_claim("awaiting_customer").customer_actions() == ["answer"]
    quote = decided("paid_repair", amount=Decimal("300"), valid_until=date(2026, 3, 20))
    assert quote.customer_actions() == ["answer_offer"]
    quote.answer_offer(act("customer"), "paid_repair_quote", False)
    assert quote.customer_actions() == []
    assert decided("repair").customer_actions() == []


def test_a_scooter_delay_is_offered_while_its_repair_deadline_runs() -> None:
    due = MONDAY.date() + timedelta(days=10)
    deadline = Deadline(kind="scooter_repair", due_on=due, description="30 dni")
    claim = a_claim("in_inspection", brand="Kaabo", deadlines=(deadline,))
    evidence = "record_intake_evidence"
    assert claim.operator_actions(due) == ["decide", "announce_repair_delay", evidence]
    assert claim.operator_actions(due + timedelta(days=1)) == ["decide", evidence]


def test_an_event_field_the_contract_lacks_fails_the_type_check() -> None:
    """Issue 26: the contracts ignore unknown fields at run time, so a misspelt one would vanish;
    the aggregate builds each payload as its typed model, and mypy (the project's settings)
    refuses a field the model lacks."""
    built = """
from datetime import UTC, date, datetime
from services.claims.domain.claim import Claim
from shared.events import ClaimRepairDelayedData

def delayed(claim: Claim) -> ClaimRepairDelayedData:
    return ClaimRepairDelayedData(
        **claim._facts(), reason="Czekamy na części.", due_on=date(2026, 3, 2),
        announced_at=datetime.now(UTC), {field}=None,
    )
"""
    wrong, _, status = mypy_api.run(["-c", built.format(field="expected_onn")])
    assert status == 1 and 'Unexpected keyword argument "expected_onn"' in wrong
    right, _, status = mypy_api.run(["-c", built.format(field="expected_on")])
    assert status == 0, right


def test_a_dji_unit_is_replaced_only_with_djis_written_statement() -> None:
    """Issue 24, item 6 (DJI terms §13): the aggregate refuses otherwise, with the reason."""
    claim = a_claim("in_inspection")
    replace_it = DecisionInput(kind="replacement", justification="Naprawa niemożliwa.")
    assert refused(lambda: claim.decide(act(), replace_it)).code == "dji_statement_required"
    statement = NewAttachment(
        uuid4(), "manufacturer_statement", "dji.pdf", "application/pdf", b"%PDF"
    )
    assert claim.attach_manufacturer_statement(act(), statement) == []
    assert claim.manufacturer_statement == statement.attachment_id
    assert "attach_manufacturer_statement" not in claim.operator_actions(MONDAY.date())
    claim.decide(act(), replace_it)
    assert claim.decision is not None and claim.decision.kind == "replacement"
    scooter = a_claim("in_inspection", brand="Kaabo")
    scooter.decide(act(), replace_it)  # other brands need no statement
    refusal = refused(
        lambda: a_claim("in_inspection", brand="Kaabo").attach_manufacturer_statement(
            act(), statement
        )
    )
    assert refusal.code == "statement_not_expected"
