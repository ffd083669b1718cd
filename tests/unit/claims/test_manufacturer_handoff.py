"""DJI's official service (issue 25 section 3; DJI terms §2, §8, §9, §13): an operator hands a
claimed DJI unit to the manufacturer and records its return. The days there pause the DJI
60-working-day deadline like the customer's; the statement that comes back is the one a DJI
replacement needs. Every rule's refusal changes nothing (tests.support.claims_rules.refusal)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from services.claims import handlers
from services.claims.domain.claim import DecisionInput
from services.claims.domain.intake import Label
from services.claims.domain.refusals import Refusal
from services.claims.entrypoints import manufacturer
from services.claims.entrypoints.refusals import business_error
from shared import idempotency
from shared.events import (
    ClaimBackFromManufacturer,
    ClaimSentToManufacturer,
    ClaimStatusChanged,
    ParcelReceived,
)
from shared.idempotency import IdempotentRequest
from tests.support.claims_rules import answer, in_inspection, move, refusal, shown
from tests.support.claims_service import Desk

# The clock starts on Monday 2 March 2026; the DJI repair deadline is 60 working days later.
MONDAY = date(2026, 3, 2)
DJI_DUE = date(2026, 5, 27)
STATEMENT = handlers.Attachment("oswiadczenie-dji.pdf", b"%PDF-1.4\n% DJI: cannot be repaired\n")


@pytest.fixture
def desk() -> Desk:
    return Desk()


async def dji_claim(desk: Desk, **form: Any) -> UUID:
    """A customer's DJI claim, received and in inspection, with the DJI repair deadline."""
    customer = await desk.customer()
    claim_id = await in_inspection(desk, customer, claim_type="dji", **form)
    await desk.assess(claim_id, dji_repair=DJI_DUE)
    return claim_id


async def send(desk: Desk, claim_id: UUID, case: str = "DJI-PL-42", sent_on: date = MONDAY) -> int:
    return await handlers.send_to_manufacturer(
        desk.ctx, claim_id, desk.operator, uuid4(), case, sent_on
    )


def back(
    back_on: date, statement: handlers.Attachment | None = None, remark: str | None = None
) -> Any:
    attachment = (
        handlers.checked_attachment(statement, "manufacturer_statement") if statement else None
    )
    return lambda claim, act: claim.receive_from_manufacturer(act, back_on, attachment, remark)


def dji_standing(claim: Any, today: date) -> Any:
    return next(s for s in claim.deadline_standings(today) if s.kind == "dji_repair")


async def test_the_hand_off_announces_the_trip_and_stops_the_dji_clock(desk: Desk) -> None:
    claim_id = await dji_claim(desk)
    assert await send(desk, claim_id, " DJI-PL-42 ") == 1
    sent, changed = desk.published[-2:]
    assert isinstance(sent, ClaimSentToManufacturer) and isinstance(changed, ClaimStatusChanged)
    assert (sent.data.case_number, sent.data.sent_on) == ("DJI-PL-42", MONDAY)
    assert sent.data.recorded_by == "operator:anna@serwis.example"
    assert (changed.data.from_status, changed.data.to_status) == (
        "in_inspection",
        "at_manufacturer",
    )
    claim = await desk.claim(claim_id)
    assert claim.status == "at_manufacturer" and claim.current_handoff is not None
    assert claim.timeline[-1].note == (
        "Przekazano do oficjalnego serwisu DJI 02.03.2026, numer zgłoszenia u producenta: "
        "DJI-PL-42. Termin naprawy DJI (60 dni roboczych) stoi do powrotu urządzenia."
    )
    later = MONDAY + timedelta(days=14)
    standing = dji_standing(claim, later)
    assert (standing.state, standing.manufacturer_paused_working_days) == (
        "paused_at_manufacturer",
        10,
    )
    assert standing.customer_paused_working_days == 0
    today = desk.clock().date()
    assert claim.operator_actions(today)[-1] == "receive_from_manufacturer"
    assert "send_to_manufacturer" not in claim.operator_actions(today)
    # The status form cannot take the unit out of the manufacturer's hands.
    assert claim.next_statuses("operator") == []


async def test_the_return_moves_the_deadline_and_the_claim_goes_on_where_it_left(
    desk: Desk,
) -> None:
    claim_id = await dji_claim(desk)
    await send(desk, claim_id, sent_on=MONDAY)
    desk.clock.advance(days=9)  # Wednesday 11 March
    await desk.run(claim_id, desk.operator, back(date(2026, 3, 10), STATEMENT, " Płyta główna. "))
    returned, changed = desk.published[-2:]
    assert isinstance(returned, ClaimBackFromManufacturer)
    assert (returned.data.back_on, returned.data.paused_working_days) == (date(2026, 3, 10), 6)
    assert returned.data.statement_attached and returned.data.remark == "Płyta główna."
    # Tuesday 3 to Tuesday 10 March: 6 working days at the manufacturer.
    assert returned.data.deadline_moved_to == date(2026, 6, 5)
    assert (changed.data.from_status, changed.data.to_status) == (
        "at_manufacturer",
        "in_inspection",
    )
    claim = await desk.claim(claim_id)
    assert claim.status == "in_inspection" and claim.current_handoff is None
    [trip] = claim.manufacturer_handoffs
    assert (trip.case_number, trip.sent_on, trip.back_on) == (
        "DJI-PL-42",
        MONDAY,
        date(2026, 3, 10),
    )
    statement = next(a for a in claim.attachments if a.purpose == "manufacturer_statement")
    assert claim.manufacturer_statement == statement.attachment_id
    standing = dji_standing(claim, desk.clock().date())
    assert (standing.state, standing.moved_to) == ("running", date(2026, 6, 5))


async def test_the_timeline_tells_both_kinds_of_pause(desk: Desk) -> None:
    customer = await desk.customer()
    claim_id = await in_inspection(desk, customer, claim_type="dji")
    await desk.assess(claim_id, dji_repair=DJI_DUE)
    await move(desk, claim_id, status="awaiting_customer", note="Prosimy o zdjęcie tabliczki.")
    desk.clock.advance(days=2)  # the customer answers on Wednesday: 2 working days waited
    await desk.run(claim_id, customer.actor, lambda c, a: c.answer(a, "Zdjęcie w załączniku."))
    await send(desk, claim_id, sent_on=date(2026, 3, 4))
    desk.clock.advance(days=7)  # Wednesday 11 March
    await desk.run(claim_id, desk.operator, back(date(2026, 3, 11)))
    claim = await desk.claim(claim_id)
    standing = dji_standing(claim, desk.clock().date())
    assert (standing.customer_paused_working_days, standing.manufacturer_paused_working_days) == (
        2,
        5,
    )
    assert standing.paused_working_days == 7 and standing.moved_to == date(2026, 6, 8)
    assert claim.timeline[-1].note == (
        "Wróciło z oficjalnego serwisu DJI 11.03.2026 (zgłoszenie DJI-PL-42, wysłane "
        "04.03.2026). Termin naprawy DJI przesunięty o 7 dni robocze do 08.06.2026: 2 "
        "oczekiwania na klienta, 5 po stronie producenta."
    )
    view = await shown(desk, customer, claim_id)
    [trip] = view["manufacturer_handoffs"]
    assert (trip["sent_on"], trip["back_on"]) == ("2026-03-04", "2026-03-11")
    [deadline] = view["deadline_standings"]
    assert (
        deadline["customer_paused_working_days"],
        deadline["manufacturer_paused_working_days"],
    ) == (2, 5)


async def test_a_dji_unit_is_replaced_only_with_the_statement_that_came_back(desk: Desk) -> None:
    claim_id = await dji_claim(desk)
    await send(desk, claim_id)
    await desk.run(claim_id, desk.operator, back(MONDAY))
    replacement = DecisionInput(kind="replacement", justification="DJI: nie do naprawy.")
    error = await refusal(
        desk, desk.run(claim_id, desk.operator, lambda c, a: c.decide(a, replacement))
    )
    assert answer(error) == (422, "dji_statement_required")
    # A second trip brings the statement: now the replacement is allowed.
    await send(desk, claim_id, "DJI-PL-43")
    await desk.run(claim_id, desk.operator, back(MONDAY, STATEMENT))
    await desk.run(claim_id, desk.operator, lambda c, a: c.decide(a, replacement))
    assert (await desk.claim(claim_id)).status == "decided"
    assert [t.case_number for t in (await desk.claim(claim_id)).manufacturer_handoffs] == [
        "DJI-PL-42",
        "DJI-PL-43",
    ]


async def test_a_unit_under_repair_goes_back_to_its_repair(desk: Desk) -> None:
    claim_id = await dji_claim(desk)
    repair = DecisionInput(kind="repair", justification="Naprawa w serwisie DJI.")
    await desk.run(claim_id, desk.operator, lambda c, a: c.decide(a, repair))
    await move(desk, claim_id, status="in_repair")
    await send(desk, claim_id)
    await desk.run(claim_id, desk.operator, back(MONDAY))
    assert (await desk.claim(claim_id)).status == "in_repair"


async def test_the_key_of_the_hand_off_is_kept_with_the_trip_it_made(desk: Desk) -> None:
    claim_id = await dji_claim(desk)
    request = IdempotentRequest("operator", "klucz-1", "odcisk")
    trip = await handlers.send_to_manufacturer(
        desk.ctx, claim_id, desk.operator, uuid4(), "DJI-PL-42", MONDAY, request
    )
    assert desk.database.state.made_by_request[("operator", "klucz-1")] == ("odcisk", str(trip))
    # The same request again, run afresh (its key not yet seen by this process): the unit is at
    # DJI already, and nothing is sent twice.
    error = await refusal(
        desk,
        handlers.send_to_manufacturer(
            desk.ctx, claim_id, desk.operator, uuid4(), "DJI-PL-42", MONDAY, request
        ),
    )
    assert answer(error) == (409, "handoff_not_now")


async def test_a_retry_after_a_crash_answers_with_the_trip_made_and_sends_nothing(
    desk: Desk,
) -> None:
    """The first request committed and died before its answer was recorded: the retry with its
    key finds the trip and answers with it, whatever its body says."""
    claim_id = await dji_claim(desk)
    request = IdempotentRequest("operator", "klucz-2", "odcisk")
    trip = await handlers.send_to_manufacturer(
        desk.ctx, claim_id, desk.operator, uuid4(), "DJI-PL-42", MONDAY, request
    )
    published = len(desk.published)
    served = idempotency._SERVED.set(replace(request, made=str(trip)))
    try:
        body = manufacturer.HandoffCreate(case_number="DJI-PL-99", sent_on=MONDAY)
        answer = await manufacturer.send_to_manufacturer(claim_id, body, None, desk.ctx, uuid4())
    finally:
        idempotency._SERVED.reset(served)
    assert (answer.trip, answer.case_number, answer.sent_on) == (1, "DJI-PL-42", MONDAY)
    assert len(desk.published) == published
    assert len((await desk.claim(claim_id)).manufacturer_handoffs) == 1


# --- the rules, each refused without a change -------------------------------------------------

CASE_NUMBERS = [
    ("", "handoff_case_number_required"),
    ("   ", "handoff_case_number_required"),
    ("AB", "handoff_case_number_invalid"),
    ("DJI PL 42", "handoff_case_number_invalid"),
    ("-DJI42", "handoff_case_number_invalid"),
    ("D" * 41, "handoff_case_number_invalid"),
    ("DJI<script>", "handoff_case_number_invalid"),
]


@pytest.mark.parametrize(("case", "code"), CASE_NUMBERS)
async def test_a_case_number_is_required_and_sane(desk: Desk, case: str, code: str) -> None:
    claim_id = await dji_claim(desk)
    error = await refusal(desk, send(desk, claim_id, case))
    assert answer(error) == (422, code) and error.field == "case_number"


async def test_the_days_sent_and_back_are_not_in_the_future(desk: Desk) -> None:
    claim_id = await dji_claim(desk)
    tomorrow = MONDAY + timedelta(days=1)
    error = await refusal(desk, send(desk, claim_id, sent_on=tomorrow))
    assert answer(error) == (422, "handoff_date_in_future") and error.field == "sent_on"
    assert "02.03.2026" in error.message.pl
    await send(desk, claim_id)
    error = await refusal(desk, desk.run(claim_id, desk.operator, back(tomorrow)))
    assert answer(error) == (422, "handoff_date_in_future") and error.field == "back_on"


async def test_the_dates_follow_the_unit(desk: Desk) -> None:
    """Not sent before the parcel came, not back before it was sent (the same day is fine)."""
    desk.clock.advance(days=7)  # the parcel arrives on Monday 9 March
    claim_id = await dji_claim(desk)
    error = await refusal(desk, send(desk, claim_id, sent_on=date(2026, 3, 6)))
    assert answer(error) == (422, "handoff_sent_before_receipt")
    await send(desk, claim_id, sent_on=date(2026, 3, 9))
    error = await refusal(desk, desk.run(claim_id, desk.operator, back(date(2026, 3, 8))))
    assert answer(error) == (422, "handoff_back_before_sent")
    await desk.run(claim_id, desk.operator, back(date(2026, 3, 9)))
    assert (await desk.claim(claim_id)).status == "in_inspection"


async def test_a_second_trip_is_not_dated_before_the_first_return(desk: Desk) -> None:
    claim_id = await dji_claim(desk)
    desk.clock.advance(days=3)
    await send(desk, claim_id, sent_on=MONDAY)
    await desk.run(claim_id, desk.operator, back(date(2026, 3, 4)))
    error = await refusal(desk, send(desk, claim_id, "DJI-PL-43", sent_on=date(2026, 3, 3)))
    assert answer(error) == (422, "handoff_sent_before_last_return")


async def test_only_a_claimed_dji_unit_goes_to_dji(desk: Desk) -> None:
    customer = await desk.customer()
    band = await in_inspection(desk, customer, line_no=2, serial_number=None)
    error = await refusal(desk, send(desk, band))
    assert answer(error) == (409, "handoff_not_dji")
    assert "DJI" in error.message.pl


async def test_only_while_the_service_holds_the_unit(desk: Desk) -> None:
    customer = await desk.customer()
    filed = (await customer.file(claim_type="dji")).data.claim_id
    error = await refusal(desk, send(desk, filed))
    assert answer(error) == (409, "handoff_not_now")
    assert "zgłoszone (czeka na przesyłkę)" in error.message.pl


async def test_back_only_after_sent_and_nothing_else_moves_it(desk: Desk) -> None:
    claim_id = await dji_claim(desk)
    error = await refusal(desk, desk.run(claim_id, desk.operator, back(MONDAY)))
    assert answer(error) == (409, "handoff_not_at_manufacturer")
    await send(desk, claim_id)
    error = await refusal(desk, move(desk, claim_id, status="in_inspection"))
    assert answer(error) == (409, "handoff_back_first")
    error = await refusal(desk, send(desk, claim_id, "DJI-PL-43"))
    assert answer(error) == (409, "handoff_not_now")


def test_a_return_of_a_dji_product_is_not_handed_to_dji() -> None:
    from tests.unit.claims.test_claim import a_claim, act

    claim = a_claim("in_inspection", claim_type="return")
    with pytest.raises(Refusal) as refused:
        claim.send_to_manufacturer(act(), "DJI-PL-42", MONDAY)
    assert business_error(refused.value).code == "handoff_not_dji"
    assert "send_to_manufacturer" not in claim.operator_actions(MONDAY)
    assert "at_manufacturer" not in claim.next_statuses("operator")


async def test_the_unit_back_from_dji_at_the_scanner_waits_for_the_operators_return(
    desk: Desk,
) -> None:
    """The warehouse scans the claim's number on the parcel DJI sent back: it is kept and
    queued for the operator (not "received already", not a second receipt), the claim stays at
    the manufacturer until the operator records the return with DJI's statement, and the
    customer gets no parcel email (ParcelReceived with `attention`)."""
    claim_id = await dji_claim(desk)
    await send(desk, claim_id)
    desk.clock.advance(days=7)  # the parcel from DJI arrives a week later
    rma = (await desk.claim(claim_id)).rma_number
    assert (await handlers.look_up_label(desk.ctx, rma)).outlook == "from_manufacturer"
    scanned = await handlers.receive_parcel(desk.ctx, desk.scanner, Label(rma, None), uuid4())
    assert (scanned.claim_id, scanned.duplicate) == (claim_id, False)
    assert scanned.attention is not None and "DJI-PL-42" in scanned.attention
    received = desk.published[-1]
    assert isinstance(received, ParcelReceived) and received.data.attention == scanned.attention
    claim = await desk.claim(claim_id)
    assert claim.status == "at_manufacturer" and claim.current_handoff is not None
    assert claim.timeline[-1].note == (
        "Przesyłka od serwisu DJI (sprawa DJI-PL-42): urządzenie wróciło, czeka na operatora."
    )
    [waiting] = await handlers.parcels_for_operators(desk.ctx)
    assert waiting.parcel_id == scanned.parcel_id
    # Scanned again: the parcel waits already; nothing more is stored or published.
    count = len(desk.published)
    assert (await handlers.look_up_label(desk.ctx, rma)).outlook == "already_queued"
    again = await handlers.receive_parcel(desk.ctx, desk.scanner, Label(rma, None), uuid4())
    assert again.duplicate and len(desk.published) == count
    # The operator's return command still brings the claim back to where it left.
    await desk.run(claim_id, desk.operator, back(MONDAY + timedelta(days=7), STATEMENT))
    assert (await desk.claim(claim_id)).status == "in_inspection"
