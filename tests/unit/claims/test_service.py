"""Every command of the claims service through its handlers, on the in-memory unit of work: the
happy path saves the claim and publishes its events together; a refusal changes nothing. The
PostgreSQL side of the same promises is in tests/integration (the contract tests, the SQL and
the wiring)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from pypdf import PdfReader

from services.claims import handlers
from services.claims.adapters import customer_forms
from services.claims.domain import decisions
from services.claims.domain.claim import DecisionInput
from services.claims.domain.form import UnitDetails
from services.claims.domain.intake import IntakeCheck, Label, read_label
from services.claims.domain.refusals import Refusal
from services.claims.entrypoints.refusals import business_error, polish
from shared.events import (
    AccountEmailChanged,
    AccountEmailChangedData,
    ClaimCreated,
    ClaimDecided,
    ClaimRefunded,
    ClaimReplacementIssued,
    ClaimStatusChanged,
    ParcelReceived,
    ProductRegistered,
    ProductRegisteredData,
)
from tests.support.claims_service import ADDRESS, DRONE_EAN, Customer, Desk, refused


@pytest.fixture
def desk() -> Desk:
    return Desk()


# --- filing -------------------------------------------------------------------------------


async def test_a_filed_claim_gets_the_next_rma_number_and_one_claim_created(desk: Desk) -> None:
    customer = await desk.customer()
    first = await customer.file(customer_reference=" moje-1 ", tracking_number=" inpost123 ")
    second = await customer.file(line_no=2, serial_number=None)
    assert [first.data.rma_number, second.data.rma_number] == ["RMA/1/SR/2026", "RMA/2/SR/2026"]
    assert [type(e) for e in desk.published] == [ClaimCreated, ClaimCreated]
    claim = await desk.claim(first.data.claim_id)
    assert (claim.status, claim.customer_reference, claim.tracking_number) == (
        "submitted",
        "moje-1",
        "INPOST123",
    )
    assert claim.email == f"k.{customer.account_id.hex[:8]}@example.com"
    assert [e.status for e in claim.timeline] == ["submitted"]
    assert first.data.product.brand == "DJI" and first.data.serial_number == customer.serial
    view = await handlers.operator_claim_view(desk.ctx, claim.claim_id)
    [sales_document] = view.attachments
    assert (sales_document.purpose, sales_document.content_type) == (
        "sales_document",
        "application/pdf",
    )
    assert view.document is not None and view.document.total == Decimal("4499.00")


REFUSED_FORMS: list[tuple[str, dict[str, Any]]] = [
    ("product_not_on_linked_document", {"document_number": "2026/NOTMINE"}),
    ("product_not_on_linked_document", {"line_no": 5}),
    ("serial_number_required", {"serial_number": None}),
    ("serial_number_unknown", {"serial_number": "1581FOTHER"}),
    ("claim_type_dji_only", {"line_no": 2, "claim_type": "dji", "serial_number": None}),
    ("activation_in_future", {"unit_details": UnitDetails(activated_on=date(2026, 3, 3))}),
    ("attachment_type_invalid", {"attachment": handlers.Attachment("a.pdf", b"just text")}),
    (
        "attachment_too_large",
        {"attachment": handlers.Attachment("a.pdf", b"%PDF-" + b"0" * (10 << 20))},
    ),
]


@pytest.mark.parametrize(("code", "changes"), REFUSED_FORMS, ids=[c for c, _ in REFUSED_FORMS])
async def test_a_refused_claim_form_changes_nothing(
    desk: Desk, code: str, changes: dict[str, Any]
) -> None:
    customer = await desk.customer()
    await refused(desk, code, customer.file(**changes))


async def test_business_buyers_and_the_return_window(desk: Desk) -> None:
    company = await desk.customer(account_type="company")
    await refused(desk, "claim_type_consumers_only", company.file(claim_type="non_conformity"))
    late = await desk.customer(sold_days_ago=31)
    await refused(desk, "return_window_passed", late.file(claim_type="return"))
    in_time = await desk.customer(sold_days_ago=30)
    assert (await in_time.file(claim_type="return")).data.claim_type == "return"


async def test_a_product_with_a_problem_list_needs_one_of_its_problems(desk: Desk) -> None:
    customer = await desk.customer()
    await desk.catalogue_problems(DRONE_EAN, ["Nie startuje", "Gimbal"])
    await refused(desk, "problem_required", customer.file())
    await refused(desk, "problem_required", customer.file(problem_code="Inny"))
    created = await customer.file(problem_code="Gimbal")
    assert created.data.problem_code == "Gimbal"
    options = await handlers.claim_options(
        desk.ctx, customer.account_id, "PA", customer.document_number.lower(), 1
    )
    assert options.problems == ["Nie startuje", "Gimbal"]
    assert {v.claim_type for v in options.claim_types} >= {"warranty", "dji", "return"}


async def test_claim_options_refuse_a_document_not_linked(desk: Desk) -> None:
    customer = await desk.customer()
    stranger = await desk.customer()
    await refused(
        desk,
        "product_not_on_linked_document",
        handlers.claim_options(desk.ctx, stranger.account_id, "PA", customer.document_number, 1),
    )


async def test_the_return_address_comes_from_the_form_or_the_account(desk: Desk) -> None:
    without = await desk.customer()
    await refused(desk, "return_address_required", without.file(return_address=None))
    home = ADDRESS.model_copy(update={"street": "ul. Domowa 1"})
    with_contact = await desk.customer(contact_address=home)
    created = await with_contact.file(return_address=None)
    assert created.data.return_address == home
    other = ADDRESS.model_copy(update={"street": "ul. Inna 2"})
    assert (
        await with_contact.file(line_no=2, serial_number=None, return_address=other)
    ).data.return_address == other


async def test_one_open_claim_per_serial_until_it_ends(desk: Desk) -> None:
    customer = await desk.customer()
    first = await customer.file()
    refusal = await refused(
        desk, "open_claim_for_serial", customer.file(serial_number=customer.serial.lower())
    )
    assert business_error(refusal).extra == {"rma_number": first.data.rma_number}
    await desk.run(first.data.claim_id, customer.actor, lambda c, a: c.cancel(a))
    assert (await customer.file()).data.rma_number == "RMA/2/SR/2026"


async def test_the_serial_check_knows_sold_serials_only(desk: Desk) -> None:
    customer = await desk.customer()
    assert await handlers.serial_known(desk.ctx, customer.serial)
    assert not await handlers.serial_known(desk.ctx, "1581FNOTSOLD")


# --- commands on one claim ------------------------------------------------------------------


async def test_the_customer_cancels_their_own_claim_only(desk: Desk) -> None:
    customer = await desk.customer()
    claim_id = (await customer.file()).data.claim_id
    stranger = handlers.Actor("customer", uuid4())
    await refused(desk, "claim_not_found", desk.run(claim_id, stranger, lambda c, a: c.cancel(a)))
    [changed] = await desk.run(claim_id, customer.actor, lambda c, a: c.cancel(a))
    assert isinstance(changed, ClaimStatusChanged) and changed.data.to_status == "cancelled"
    assert (await desk.claim(claim_id)).status == "cancelled"
    assert desk.published[-1] == changed


async def test_no_cancel_once_the_service_holds_the_product(desk: Desk) -> None:
    customer = await desk.customer()
    created = await customer.file()
    await handlers.receive_parcel(
        desk.ctx, desk.scanner, read_label(created.data.rma_number), uuid4()
    )
    await refused(
        desk,
        "cancel_product_at_service",
        desk.run(created.data.claim_id, customer.actor, lambda c, a: c.cancel(a)),
    )


async def test_an_illegal_transition_is_refused_and_changes_nothing(desk: Desk) -> None:
    customer = await desk.customer()
    claim_id = (await customer.file()).data.claim_id
    with pytest.raises(Refusal):
        await desk.run(claim_id, desk.operator, lambda c, a: c.start_repair(a))
    assert (await desk.claim(claim_id)).status == "submitted"
    assert desk.published_types() == ["ClaimCreated"]


async def test_a_repair_from_receipt_to_closing(desk: Desk) -> None:
    customer = await desk.customer()
    claim_id = (await customer.file()).data.claim_id
    rma = (await desk.claim(claim_id)).rma_number
    await handlers.receive_parcel(desk.ctx, desk.scanner, read_label(rma), uuid4())
    desk.clock.advance(days=1)
    op = desk.operator
    await desk.run(claim_id, op, lambda c, a: c.start_inspection(a))
    await desk.run(claim_id, op, lambda c, a: c.ask_customer(a, "Prosimy o zdjęcie."))
    answer = handlers.checked_attachment(
        handlers.Attachment("foto.png", b"\x89PNG\r\n\x1a\nx"), "answer"
    )
    await desk.run(
        claim_id, customer.actor, lambda c, a: c.answer(a, "Zdjęcie w załączniku", (answer,))
    )
    await desk.run(
        claim_id, op, lambda c, a: c.decide(a, DecisionInput("repair", "Wymiana gimbala."))
    )
    await desk.run(claim_id, op, lambda c, a: c.start_repair(a))
    await desk.run(claim_id, op, lambda c, a: c.ship_back(a, "DPD", "DPD123"))
    await desk.run(claim_id, op, lambda c, a: c.close(a))
    claim = await desk.claim(claim_id)
    assert claim.status == "closed"
    assert claim.outbound is not None and claim.outbound.tracking_number == "DPD123"
    assert [p.ended_at for p in claim.pauses] == [desk.clock.now]
    assert [e.status for e in claim.timeline] == [
        "submitted", "received", "in_inspection", "awaiting_customer", "in_inspection",
        "decided", "in_repair", "shipped_back", "closed",
    ]  # fmt: skip
    assert desk.published_types() == [
        "ClaimCreated", "ParcelReceived", "ClaimStatusChanged", "ClaimStatusChanged",
        "ClaimStatusChanged", "ClaimStatusChanged", "ClaimStatusChanged", "ClaimDecided",
        "ClaimStatusChanged", "ClaimStatusChanged", "ClaimStatusChanged",
    ]  # fmt: skip
    files = {
        a.purpose for a in (await handlers.operator_claim_view(desk.ctx, claim_id)).attachments
    }
    assert files == {"sales_document", "answer"}


async def test_a_return_refunded_with_its_deductions(desk: Desk) -> None:
    customer = await desk.customer(sold_days_ago=10)
    claim_id = (await customer.file(claim_type="return")).data.claim_id
    rma = (await desk.claim(claim_id)).rma_number
    await handlers.receive_parcel(desk.ctx, desk.scanner, read_label(rma), uuid4())
    op = desk.operator
    await desk.run(claim_id, op, lambda c, a: c.start_inspection(a))
    await desk.run(
        claim_id, op, lambda c, a: c.decide(a, DecisionInput("refund", "Zwrot w terminie."))
    )
    payment = decisions.refund_payment("original_payment", None)
    await refused(
        desk,
        "amount_required",
        desk.run(claim_id, op, lambda c, a: c.record_refund(a, None, payment)),
    )
    await desk.run(claim_id, op, lambda c, a: c.record_refund(a, Decimal("4299.00"), payment))
    claim = await desk.claim(claim_id)
    assert claim.status == "refunded" and claim.refund is not None
    assert claim.refund.amount == Decimal("4299.00")
    assert desk.published_types()[-2:] == ["ClaimRefunded", "ClaimStatusChanged"]


# --- parcels ----------------------------------------------------------------------------------


async def test_a_parcel_by_rma_number_then_the_same_parcel_again(desk: Desk) -> None:
    customer = await desk.customer()
    created = await customer.file(tracking_number="INPOST1")
    label = read_label(created.data.rma_number.lower())
    first = await handlers.receive_parcel(
        desk.ctx, desk.scanner, label, uuid4(), IntakeCheck(serial_read="1581FOTHER")
    )
    assert (first.claim_id, first.duplicate, first.serial_mismatch) == (
        created.data.claim_id,
        False,
        True,
    )
    again = await handlers.receive_parcel(desk.ctx, desk.scanner, label, uuid4())
    assert (again.claim_id, again.duplicate) == (created.data.claim_id, True)
    assert desk.published_types() == ["ClaimCreated", "ParcelReceived", "ClaimStatusChanged"]
    claim = await desk.claim(created.data.claim_id)
    assert claim.serial_mismatch and claim.received_at == desk.clock.now


async def test_a_parcel_by_the_tracking_number_the_customer_announced(desk: Desk) -> None:
    customer = await desk.customer()
    created = await customer.file(tracking_number="inpost77")
    lookup = await handlers.look_up_label(desk.ctx, "INPOST 77")
    assert (lookup.outlook, lookup.claim and lookup.claim.claim_id) == (
        "receive",
        created.data.claim_id,
    )
    result = await handlers.receive_parcel(desk.ctx, desk.scanner, Label(None, "INPOST77"), uuid4())
    assert result.claim_id == created.data.claim_id
    known = await handlers.look_up_label(desk.ctx, "inpost77")
    assert (known.outlook, known.parcel_received_at) == ("parcel_known", desk.clock.now)
    by_rma = await handlers.look_up_label(desk.ctx, created.data.rma_number)
    assert by_rma.outlook == "already_received"


async def test_an_unknown_parcel_waits_until_an_operator_attaches_it(desk: Desk) -> None:
    customer = await desk.customer()
    created = await customer.file()
    assert (await handlers.look_up_label(desk.ctx, "NOBODY1")).outlook == "unknown"
    result = await handlers.receive_parcel(desk.ctx, desk.scanner, Label(None, "NOBODY1"), uuid4())
    assert (result.claim_id, result.duplicate) == (None, False)
    [waiting] = await handlers.parcels_for_operators(desk.ctx)
    assert (waiting.parcel_id, waiting.tracking_number) == (result.parcel_id, "NOBODY1")
    assert (
        isinstance(desk.published[-1], ParcelReceived) and desk.published[-1].data.claim_id is None
    )
    await refused(
        desk,
        "claim_not_found",
        handlers.attach_parcel(
            desk.ctx, result.parcel_id, "RMA/99/SR/2026", desk.operator, uuid4()
        ),
    )
    attached = await handlers.attach_parcel(
        desk.ctx, result.parcel_id, f" {created.data.rma_number} ", desk.operator, uuid4()
    )
    assert attached == created.data.claim_id
    assert (await desk.claim(attached)).status == "received"
    assert await handlers.parcels_for_operators(desk.ctx) == []
    await refused(
        desk,
        "parcel_not_unidentified",
        handlers.attach_parcel(
            desk.ctx, result.parcel_id, created.data.rma_number, desk.operator, uuid4()
        ),
    )


async def test_a_parcel_for_a_cancelled_claim_waits_for_an_operator(desk: Desk) -> None:
    customer = await desk.customer()
    created = await customer.file()
    await desk.run(created.data.claim_id, customer.actor, lambda c, a: c.cancel(a))
    label = read_label(created.data.rma_number)
    assert (await handlers.look_up_label(desk.ctx, created.data.rma_number)).outlook == "ended"
    result = await handlers.receive_parcel(desk.ctx, desk.scanner, label, uuid4())
    assert result.attention is not None and "cancelled" in result.attention
    assert (
        await handlers.look_up_label(desk.ctx, created.data.rma_number)
    ).outlook == "already_queued"
    again = await handlers.receive_parcel(desk.ctx, desk.scanner, label, uuid4())
    assert again.duplicate
    [waiting] = await handlers.parcels_for_operators(desk.ctx)
    assert waiting.claim_id == created.data.claim_id and waiting.attention == result.attention
    await handlers.resolve_attention_parcel(desk.ctx, waiting.parcel_id, desk.operator)
    assert await handlers.parcels_for_operators(desk.ctx) == []
    await refused(
        desk,
        "parcel_not_waiting",
        handlers.resolve_attention_parcel(desk.ctx, waiting.parcel_id, desk.operator),
    )


# --- queries ----------------------------------------------------------------------------------


async def test_a_claim_and_its_files_are_shown_to_their_owner_only(desk: Desk) -> None:
    customer = await desk.customer()
    claim_id = (await customer.file()).data.claim_id
    view = await handlers.claim_view(desk.ctx, claim_id, customer.account_id)
    assert view.claim.claim_id == claim_id and view.assessment is None
    await refused(desk, "claim_not_found", handlers.claim_view(desk.ctx, claim_id, uuid4()))
    [info] = (await handlers.operator_claim_view(desk.ctx, claim_id)).attachments
    stored = await handlers.attachment_file(
        desk.ctx, claim_id, info.attachment_id, customer.account_id
    )
    assert (stored.filename, stored.content) == ("paragon.pdf", b"%PDF-1.4\n% a receipt\n")
    await refused(
        desk,
        "claim_not_found",
        handlers.attachment_file(desk.ctx, claim_id, info.attachment_id, uuid4()),
    )
    await refused(
        desk, "attachment_not_found", handlers.attachment_file(desk.ctx, claim_id, uuid4(), None)
    )


async def test_own_claims_are_found_by_rma_serial_or_own_reference(desk: Desk) -> None:
    customer = await desk.customer()
    created = await customer.file(customer_reference="MOJE-1")
    other = await desk.customer()
    await other.file(customer_reference="MOJE-1")
    for query in ("", created.data.rma_number.lower(), customer.serial.lower(), " moje-1 "):
        found = await handlers.search_claims(desk.ctx, customer.account_id, query)
        assert [c.claim_id for c in found] == [created.data.claim_id], query
    assert await handlers.search_claims(desk.ctx, customer.account_id, "NIC") == []


async def test_the_operators_list_counts_and_deadlines(desk: Desk) -> None:
    customer = await desk.customer()
    first = await customer.file()
    desk.clock.advance(hours=1)
    second = await customer.file(line_no=2, serial_number=None)
    await desk.run(second.data.claim_id, customer.actor, lambda c, a: c.cancel(a))
    due = desk.clock.now.date() + timedelta(days=14)
    await desk.assess(first.data.claim_id, complaint_answer=due)
    newest = await handlers.claims_by_status(desk.ctx, None, 10, oldest_first=False)
    assert [c.listing.claim_id for c in newest] == [second.data.claim_id, first.data.claim_id]
    [submitted] = await handlers.claims_by_status(desk.ctx, ["submitted"], 10, oldest_first=True)
    assert submitted.listing.deadlines[0].due_on == due
    assert [s.state for s in submitted.deadline_standings] == ["running"]
    assert await handlers.count_claims_by_status(desk.ctx) == {"submitted": 1, "cancelled": 1}
    claim = await desk.claim(first.data.claim_id)
    assert claim.covered is True and claim.deadlines[0].due_on == due


async def test_a_changed_account_email_reaches_its_claims(desk: Desk) -> None:
    customer = await desk.customer()
    created = await customer.file()
    await desk.project(
        handlers.record_email_change,
        AccountEmailChanged(
            producer="accounts",
            key=str(customer.account_id),
            data=AccountEmailChangedData(
                account_id=customer.account_id,
                full_name="Jan Kowalski",
                old_email=f"k.{customer.account_id.hex[:8]}@example.com",
                email="nowy@example.com",
            ),
        ),
    )
    assert (await desk.claim(created.data.claim_id)).email == "nowy@example.com"
    later = await customer.file(line_no=2, serial_number=None)
    assert later.data.email == "nowy@example.com"


# --- Polish dates (issue 24, item 7) ------------------------------------------------------------


async def test_the_rma_number_takes_the_polish_year(desk: Desk) -> None:
    customer = await desk.customer()
    # 23:30 UTC on New Year's Eve is 00:30 on 1 January in Rybnik.
    desk.clock.now = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    created = await customer.file()
    assert created.data.rma_number == "RMA/1/SR/2027"


async def test_the_return_window_ends_on_the_polish_day(desk: Desk) -> None:
    desk.clock.now = datetime(2026, 3, 31, 21, 30, tzinfo=UTC)  # 23:30 in Poland (CEST)
    on_the_30th_day = await desk.customer(sold_days_ago=30)
    assert (await on_the_30th_day.file(claim_type="return")).data.claim_type == "return"
    desk.clock.now = datetime(2026, 3, 31, 22, 30, tzinfo=UTC)  # 00:30 on 1 April in Poland
    await refused(
        desk,
        "return_window_passed",
        on_the_30th_day.file(line_no=2, claim_type="return", serial_number=None),
    )


async def test_a_quote_expires_at_the_end_of_its_polish_day(desk: Desk) -> None:
    customer = await desk.customer()
    claim_id = (await customer.file(claim_type="warranty")).data.claim_id
    rma = (await desk.claim(claim_id)).rma_number
    await handlers.receive_parcel(desk.ctx, desk.scanner, read_label(rma), uuid4())
    await desk.run(claim_id, desk.operator, lambda c, a: c.start_inspection(a))
    quote = DecisionInput(
        "paid_repair",
        "Uszkodzenie mechaniczne.",
        amount=Decimal("300"),
        valid_until=date(2026, 3, 10),
    )
    await desk.run(claim_id, desk.operator, lambda c, a: c.decide(a, quote))
    desk.clock.now = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)  # 00:30 on the 11th in Poland
    accept = desk.run(
        claim_id, customer.actor, lambda c, a: c.answer_offer(a, "paid_repair_quote", True)
    )
    await refused(desk, "quote_expired", accept)


# --- withdrawal needs no reason (issue 24, item 1) -----------------------------------------------


async def test_a_return_needs_no_description_nor_a_problem_from_the_list(desk: Desk) -> None:
    customer = await desk.customer(sold_days_ago=5)
    await desk.catalogue_problems(DRONE_EAN, ["Nie startuje", "Gimbal"])
    created = await customer.file(claim_type="return", problem_description="  ")
    assert (created.data.problem_description, created.data.problem_code) == ("", None)
    assert (await desk.claim(created.data.claim_id)).status == "submitted"


@pytest.mark.parametrize("claim_type", ["warranty", "non_conformity", "dji"])
async def test_a_complaint_describes_its_defect(desk: Desk, claim_type: str) -> None:
    customer = await desk.customer(sold_days_ago=5)
    await refused(
        desk,
        "problem_description_required",
        customer.file(claim_type=claim_type, problem_description=" za krótko "[:9]),
    )


# --- activated, registered and sealed goods (issue 24, items 2 and 3) --------------------------


async def test_a_registered_unit_is_refused_a_return_with_the_reason(desk: Desk) -> None:
    customer = await desk.customer(sold_days_ago=5)
    await desk.project(
        handlers.record_registration,
        ProductRegistered(
            producer="warranty",
            key=customer.serial,
            data=ProductRegisteredData(
                registration_id=uuid4(),
                account_id=customer.account_id,
                ean=DRONE_EAN,
                serial_number=customer.serial.lower(),
                purchased_on=date(2026, 2, 25),
                registered_on=date(2026, 2, 27),
            ),
        ),
    )
    options = await handlers.claim_options(
        desk.ctx, customer.account_id, "PA", customer.document_number, 1
    )
    [return_option] = [v for v in options.claim_types if v.claim_type == "return"]
    assert return_option.refusal is not None and "27.02.2026" in polish(return_option.refusal)
    refusal = await refused(desk, "return_activated_unit", customer.file(claim_type="return"))
    assert "zarejestrowane" in polish(refusal)
    assert (await customer.file(claim_type="warranty")).data.claim_type == "warranty"


async def test_an_activated_unit_is_refused_a_return(desk: Desk) -> None:
    customer = await desk.customer(sold_days_ago=5)
    activated = UnitDetails(activated_on=desk.clock.now.date() - timedelta(days=2))
    await refused(
        desk, "return_activated_unit", customer.file(claim_type="return", unit_details=activated)
    )


async def test_a_sealed_return_is_filed_with_its_seal_and_refused_once_found_opened(
    desk: Desk,
) -> None:
    customer = await desk.customer(sold_days_ago=5)
    software = {"line_no": 3, "serial_number": None, "claim_type": "return"}
    options = await handlers.claim_options(
        desk.ctx, customer.account_id, "PA", customer.document_number, 3
    )
    assert options.asks_seal and {v.claim_type for v in options.claim_types if v.allowed} >= {
        "return"
    }
    await refused(desk, "seal_state_required", customer.file(**software))
    await refused(desk, "return_seal_opened", customer.file(**software, seal_intact=False))
    created = await customer.file(**software, seal_intact=True)
    label = read_label(created.data.rma_number)
    await handlers.receive_parcel(
        desk.ctx, desk.scanner, label, uuid4(), IntakeCheck(seal_intact=False)
    )
    claim_id = created.data.claim_id
    claim = await desk.claim(claim_id)
    assert claim.opened_seal_reason == "media_unsealed"
    assert "Opakowanie (plomba) produktu otwarte." in [e.note for e in claim.timeline]
    op = desk.operator
    await desk.run(claim_id, op, lambda c, a: c.start_inspection(a))
    refund = DecisionInput("refund", "Zwrot w terminie.")
    await refused(
        desk, "return_seal_opened", desk.run(claim_id, op, lambda c, a: c.decide(a, refund))
    )
    rejection = DecisionInput(
        "rejection",
        "Folia i plomba pudełka zerwane przed odesłaniem.",
        rejection_reason="media_unsealed",
    )
    await desk.run(claim_id, op, lambda c, a: c.decide(a, rejection))
    await desk.run(claim_id, op, lambda c, a: c.ship_back(a, "DPD", "DPD9"))
    assert (await desk.claim(claim_id)).status == "shipped_back"


# --- money within the policy (issue 24, item 8) -------------------------------------------------


async def inspected(desk: Desk, customer: Customer, **form: Any) -> UUID:
    """A claim of the customer's, received and in inspection."""
    created = await customer.file(**form)
    label = read_label(created.data.rma_number)
    await handlers.receive_parcel(desk.ctx, desk.scanner, label, uuid4())
    await desk.run(created.data.claim_id, desk.operator, lambda c, a: c.start_inspection(a))
    return created.data.claim_id


def reduction(kind: str | None, amount: str) -> DecisionInput:
    return DecisionInput(
        "price_reduction", "Rysa na obudowie.", amount=Decimal(amount), reduction_kind=kind
    )


@pytest.mark.parametrize(
    ("kind", "amount", "code"),
    [
        (None, "300.00", "price_reduction_kind_required"),
        ("cosmetic_defect", "200.00", "price_reduction_out_of_range"),  # 4.7 % of 4299
        ("cosmetic_defect", "900.00", "price_reduction_out_of_range"),  # 20.9 %
        ("defect_kept", "1800.00", "price_reduction_out_of_range"),  # 41.9 %
        ("missing_accessory", "4299.01", "price_reduction_above_price"),
    ],
)
async def test_a_price_reduction_outside_the_policy_is_refused(
    desk: Desk, kind: str | None, amount: str, code: str
) -> None:
    claim_id = await inspected(desk, await desk.customer())
    op = desk.operator
    await refused(
        desk, code, desk.run(claim_id, op, lambda c, a: c.decide(a, reduction(kind, amount)))
    )


@pytest.mark.parametrize(
    ("kind", "amount"),
    [("cosmetic_defect", "214.95"), ("cosmetic_defect", "859.80"), ("defect_kept", "1719.60"),
     ("missing_accessory", "89.00")],
)  # fmt: skip
async def test_a_price_reduction_within_its_range_is_decided(
    desk: Desk, kind: str, amount: str
) -> None:
    claim_id = await inspected(desk, await desk.customer())
    events = await desk.run(
        claim_id, desk.operator, lambda c, a: c.decide(a, reduction(kind, amount))
    )
    decided = events[-1]
    assert isinstance(decided, ClaimDecided)
    assert (decided.data.reduction_kind, decided.data.amount) == (kind, Decimal(amount))
    claim = await desk.claim(claim_id)
    assert claim.decision is not None and claim.decision.reduction_kind == kind


async def test_a_refund_pays_the_decided_amount_or_says_why_not(desk: Desk) -> None:
    customer = await desk.customer(sold_days_ago=5)
    claim_id = await inspected(desk, customer, claim_type="return")
    op = desk.operator
    deducted = DecisionInput("refund", "Zwrot po potrąceniu.", deduction_percents={"packaging": 10})
    await desk.run(claim_id, op, lambda c, a: c.decide(a, deducted))
    await desk.run(
        claim_id, customer.actor, lambda c, a: c.answer_offer(a, "return_deductions", True)
    )
    assert (await desk.claim(claim_id)).decision.amount == Decimal("3869.10")  # type: ignore[union-attr]
    payment = decisions.refund_payment("original_payment", None)
    short = desk.run(claim_id, op, lambda c, a: c.record_refund(a, Decimal("3800.00"), payment))
    await refused(desk, "refund_differs_from_decision", short)
    events = await desk.run(
        claim_id,
        op,
        lambda c, a: c.record_refund(
            a, Decimal("3800.00"), payment, "Potrącony koszt brakującej ładowarki 69,10 zł."
        ),
    )
    refunded = events[0]
    assert isinstance(refunded, ClaimRefunded)
    assert refunded.data.decided_amount == Decimal("3869.10")
    assert refunded.data.difference_reason == "Potrącony koszt brakującej ładowarki 69,10 zł."
    claim = await desk.claim(claim_id)
    assert claim.refund is not None and claim.refund.difference_reason is not None


async def test_an_accepted_reduction_settles_that_defect_of_that_unit(desk: Desk) -> None:
    customer = await desk.customer()
    await desk.catalogue_problems(DRONE_EAN, ["Rysa na obudowie", "Gimbal"])
    claim_id = await inspected(desk, customer, problem_code="Rysa na obudowie")
    op = desk.operator
    await desk.run(claim_id, op, lambda c, a: c.decide(a, reduction("cosmetic_defect", "300.00")))
    await desk.run(
        claim_id, customer.actor, lambda c, a: c.answer_offer(a, "price_reduction", True)
    )
    payment = decisions.refund_payment("original_payment", None)
    await desk.run(claim_id, op, lambda c, a: c.record_refund(a, Decimal("300.00"), payment))
    await desk.run(claim_id, op, lambda c, a: c.ship_back(a, "DPD", "DPD1"))
    await desk.run(claim_id, op, lambda c, a: c.close(a))
    rma = (await desk.claim(claim_id)).rma_number
    again = await refused(
        desk, "defect_settled_by_price_reduction", customer.file(problem_code="Rysa na obudowie")
    )
    assert business_error(again).extra == {"rma_number": rma}
    assert (await customer.file(problem_code="Gimbal")).data.problem_code == "Gimbal"


async def test_made_to_order_goods_are_repaired_or_replaced_never_refunded(desk: Desk) -> None:
    customer = await desk.customer()
    claim_id = await inspected(desk, customer, line_no=4, serial_number=None)
    refund = DecisionInput("refund", "Zwrot kosztów wykonania.")
    await refused(
        desk,
        "custom_made_no_refund",
        desk.run(claim_id, desk.operator, lambda c, a: c.decide(a, refund)),
    )
    await desk.run(
        claim_id,
        desk.operator,
        lambda c, a: c.decide(a, DecisionInput("repair", "Poprawa graweru.")),
    )


async def test_a_decision_tells_whether_it_answers_a_consumers_complaint(desk: Desk) -> None:
    """The rejection email names the consumer's rights only for a consumer's complaint."""
    consumer = await desk.customer(sold_days_ago=5)
    company = await desk.customer(account_type="company")
    cases = [(consumer, {}, True), (consumer, {"claim_type": "return", "line_no": 2}, False),
             (company, {}, False)]  # fmt: skip
    for customer, form, expected in cases:
        claim_id = await inspected(desk, customer, **{"serial_number": None, "line_no": 2, **form})
        rejection = DecisionInput(
            "rejection",
            "Ślady zalania wewnątrz obudowy opaski.",
            rejection_reason="misuse" if form.get("claim_type") != "return" else "intensively_used",
        )
        events = await desk.run(claim_id, desk.operator, lambda c, a, r=rejection: c.decide(a, r))
        assert isinstance(events[-1], ClaimDecided)
        assert events[-1].data.consumer_complaint is expected


@pytest.mark.parametrize(
    ("claim_type", "title", "law"),
    [("return", "Oświadczenie o odstąpieniu od umowy", "art. 27"),
     ("warranty", "Formularz reklamacyjny", "art. 7a")],
)  # fmt: skip
async def test_the_customers_paper_is_filled_in_from_the_claim(
    desk: Desk, claim_type: str, title: str, law: str
) -> None:
    """Issue 24: a withdrawal statement for a return, a complaint form otherwise, as PDFs."""
    customer = await desk.customer(sold_days_ago=5)
    created = await customer.file(claim_type=claim_type)
    claim = await desk.claim(created.data.claim_id)
    pdf = PdfReader(io.BytesIO(customer_forms.render_customer_form(claim)))
    text = " ".join((page.extract_text() or "") for page in pdf.pages)
    for expected in (title, claim.rma_number, customer.serial, "Rudzka 65C", law, "Zielona 5"):
        assert expected in " ".join(text.split()), expected
    assert customer_forms.file_name(claim).endswith(claim.rma_number.replace("/", "-") + ".pdf")


async def test_a_replacement_unit_sold_to_another_customer_is_refused(desk: Desk) -> None:
    """Issue 28: an operator's typo moved B's unit into C's claim; a stock unit is one the ERP
    never sold."""
    customer, other = await desk.customer(), await desk.customer()
    claim_id = await inspected(desk, customer, line_no=2, serial_number=None)
    decide = DecisionInput("replacement", "Wymiana opaski na nową.")
    await desk.run(claim_id, desk.operator, lambda c, a: c.decide(a, decide))
    sold = handlers.record_replacement(
        desk.ctx, claim_id, desk.operator, uuid4(), f" {other.serial.lower()} ", None
    )
    await refused(desk, "replacement_serial_sold", sold)
    [issued] = await handlers.record_replacement(
        desk.ctx, claim_id, desk.operator, uuid4(), "BAND-STOCK-7", None
    )
    assert isinstance(issued, ClaimReplacementIssued)
    assert issued.data.new_serial_number == "BAND-STOCK-7"
