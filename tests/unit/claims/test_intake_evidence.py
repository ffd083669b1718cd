"""Evidence at intake (issue 25 §2): photos, packaging, the seal, damage, dirt, the serial label and
the courier's damage report, and the rules that read them; on the in-memory store through the
handlers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from services.claims import handlers
from services.claims.domain import form
from services.claims.domain.claim import DecisionInput
from services.claims.domain.evidence import MAX_PHOTOS, EvidenceFacts
from services.claims.domain.intake import read_label
from services.claims.entrypoints.refusals import polish
from shared.events import ClaimChargeChanged, IntakeEvidenceRecorded
from shared.idempotency import IdempotentRequest, KeyInUse
from tests.support.claims_service import PDF, Desk, refused

JPEG = handlers.Attachment("IMG_0001.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF photo")
PNG = handlers.Attachment("zrzut.png", b"\x89PNG\r\n\x1a\n a png photo")
REPORT = handlers.Attachment("protokol-szkody.pdf", b"%PDF-1.7\n% the courier's report\n")
CLEAN = EvidenceFacts(packaging="original")
REJECTION = "Obudowa pęknięta po upadku, ślady uderzenia na ramionach."


@pytest.fixture
def desk() -> Desk:
    return Desk()


async def received_claim(desk: Desk, **changes: Any) -> UUID:
    customer = await desk.customer(sold_days_ago=5)
    claim_id = (await customer.file(**changes)).data.claim_id
    rma = (await desk.claim(claim_id)).rma_number
    await handlers.receive_parcel(desk.ctx, desk.scanner, read_label(rma), uuid4())
    return claim_id


async def record(
    desk: Desk,
    claim_id: UUID,
    facts: EvidenceFacts = CLEAN,
    photos: tuple[handlers.Attachment, ...] = (),
    report: handlers.Attachment | None = None,
    actor: handlers.Actor | None = None,
) -> list[Any]:
    found = handlers.IntakeEvidenceForm(facts, photos, report)
    return await handlers.record_intake_evidence(
        desk.ctx, claim_id, actor or desk.scanner, uuid4(), found
    )


def decide(decision: DecisionInput) -> Any:
    return lambda claim, act: claim.decide(act, decision)


async def test_the_scanner_records_what_arrived_with_photos_and_the_report(desk: Desk) -> None:
    claim_id = await received_claim(desk)
    facts = EvidenceFacts(
        packaging="other",
        visible_damage=True,
        dirty=True,
        serial_legible=False,
        transport_damage=True,
    )
    [recorded] = await record(desk, claim_id, facts, (JPEG, PNG), REPORT)
    assert isinstance(recorded, IntakeEvidenceRecorded)
    claim = await desk.claim(claim_id)
    files = {a.attachment_id: (a.purpose, a.content_type) for a in claim.attachments}
    data = recorded.data
    assert [files[p] for p in data.photos] == [
        ("intake_photo", "image/jpeg"),
        ("intake_photo", "image/png"),
    ]
    assert data.damage_report is not None
    assert files[data.damage_report] == ("damage_report", "application/pdf")
    assert (data.packaging, data.visible_damage, data.dirty, data.serial_legible) == (
        "other", True, True, False,
    )  # fmt: skip
    assert data.transport_damage and data.parcel_id == claim.parcels[-1].parcel_id
    assert data.recorded_by == desk.scanner.label
    assert claim.evidence is not None and claim.evidence.photos == data.photos
    assert claim.timeline[-1].note == (
        "Dowody przyjęcia: Opakowanie zastępcze. Widoczne uszkodzenia. Produkt zabrudzony. "
        "Numer seryjny nieczytelny. Przesyłka uszkodzona w transporcie, protokół szkody "
        "dołączony. Zdjęcia: 2."
    )
    assert "IntakeEvidenceRecorded" in desk.published_types()


async def test_a_later_record_keeps_the_earlier_photos_and_report(desk: Desk) -> None:
    claim_id = await received_claim(desk)
    damaged = EvidenceFacts(packaging="none", transport_damage=True)
    [first] = await record(desk, claim_id, damaged, (JPEG,), REPORT)
    [second] = await record(desk, claim_id, damaged, (PNG,), actor=desk.operator)
    assert second.data.photos == (*first.data.photos, second.data.photos[-1])
    assert len(second.data.photos) == 2
    assert second.data.damage_report == first.data.damage_report
    assert second.data.recorded_by == desk.operator.label


async def test_photos_are_images_checked_by_content_and_size(desk: Desk) -> None:
    claim_id = await received_claim(desk)
    named_like_a_photo = handlers.Attachment("zdjecie.jpg", b"MZ\x90\x00 an executable")
    await refused(
        desk, "attachment_type_invalid", record(desk, claim_id, photos=(named_like_a_photo,))
    )
    refusal = await refused(desk, "intake_photo_not_image", record(desk, claim_id, photos=(PDF,)))
    assert refusal.status_code == 415
    too_large = handlers.Attachment("duze.jpg", b"\xff\xd8\xff" + b"0" * form.MAX_ATTACHMENT_BYTES)
    refusal = await refused(
        desk, "attachment_too_large", record(desk, claim_id, photos=(too_large,))
    )
    assert refusal.status_code == 413
    many = (JPEG,) * (MAX_PHOTOS + 1)
    await refused(desk, "intake_photos_too_many", record(desk, claim_id, photos=many))
    damaged = EvidenceFacts("original", transport_damage=True)
    not_a_report = handlers.Attachment("raport.pdf", b"not a pdf at all")
    await refused(
        desk, "attachment_type_invalid", record(desk, claim_id, damaged, report=not_a_report)
    )


async def test_a_damage_report_comes_only_with_transport_damage(desk: Desk) -> None:
    claim_id = await received_claim(desk)
    refusal = await refused(
        desk, "damage_report_without_transport_damage", record(desk, claim_id, report=REPORT)
    )
    assert "protokół szkody" in polish(refusal).lower()


async def test_evidence_is_recorded_while_the_product_is_at_the_service_before_the_decision(
    desk: Desk,
) -> None:
    customer = await desk.customer(sold_days_ago=5)
    waiting = (await customer.file()).data.claim_id
    await refused(desk, "evidence_not_now", record(desk, waiting))
    claim_id = await received_claim(desk)
    await desk.run(claim_id, desk.operator, lambda c, a: c.start_inspection(a))
    await record(desk, claim_id, actor=desk.operator)
    await desk.run(claim_id, desk.operator, decide(DecisionInput("repair", "Naprawa.")))
    await refused(desk, "evidence_not_now", record(desk, claim_id, actor=desk.operator))


# --- an opened seal excludes a return -----------------------------------------------------------


async def sealed_return(desk: Desk) -> UUID:
    """A return of boxed software, received without the seal checked at the receipt."""
    return await received_claim(
        desk, line_no=3, serial_number=None, claim_type="return", seal_intact=True
    )


async def test_a_seal_found_opened_at_intake_refuses_the_returns_refund(desk: Desk) -> None:
    claim_id = await sealed_return(desk)
    await record(desk, claim_id, EvidenceFacts("original", seal_intact=False), (JPEG,))
    op = desk.operator
    await desk.run(claim_id, op, lambda c, a: c.start_inspection(a))
    refund = DecisionInput("refund", "Zwrot w terminie.")
    refusal = await refused(desk, "return_seal_opened", desk.run(claim_id, op, decide(refund)))
    assert "media_unsealed" in polish(refusal)
    exchange = DecisionInput("exchange", "Wymiana.", exchange_product="Office 2024 Pro")
    await refused(desk, "return_seal_opened", desk.run(claim_id, op, decide(exchange)))
    rejection = DecisionInput("rejection", REJECTION, rejection_reason="media_unsealed")
    await desk.run(claim_id, op, decide(rejection))
    assert (await desk.claim(claim_id)).decision.rejection_reason == "media_unsealed"  # type: ignore[union-attr]


async def test_the_seal_as_last_found_counts(desk: Desk) -> None:
    claim_id = await sealed_return(desk)
    await record(desk, claim_id, EvidenceFacts("original", seal_intact=False))
    await record(desk, claim_id, EvidenceFacts("original", seal_intact=True), actor=desk.operator)
    claim = await desk.claim(claim_id)
    assert claim.opened_seal_reason is None
    await desk.run(claim_id, desk.operator, lambda c, a: c.start_inspection(a))
    [_, decided] = await desk.run(
        claim_id, desk.operator, decide(DecisionInput("refund", "Zwrot w terminie."))
    )
    assert decided.data.decision == "refund"  # type: ignore[attr-defined]


async def test_an_opened_seal_of_goods_that_are_not_sealed_goods_changes_nothing(
    desk: Desk,
) -> None:
    claim_id = await received_claim(desk, claim_type="return")  # a drone: not sealed goods
    await record(desk, claim_id, EvidenceFacts("original", seal_intact=False))
    assert (await desk.claim(claim_id)).opened_seal_reason is None


# --- transport damage with a report: no reshipping charge ---------------------------------------


async def came_back(desk: Desk) -> UUID:
    """A repaired claim shipped back, refused by the customer, back at the service."""
    claim_id = await received_claim(desk)
    op = desk.operator
    await desk.run(claim_id, op, lambda c, a: c.start_inspection(a))
    await desk.run(claim_id, op, decide(DecisionInput("repair", "Naprawa modułu.")))
    await desk.run(claim_id, op, lambda c, a: c.start_repair(a))
    await desk.run(claim_id, op, lambda c, a: c.ship_back(a, "DPD", "DPD777"))
    rma = (await desk.claim(claim_id)).rma_number
    await handlers.receive_parcel(desk.ctx, desk.scanner, read_label(rma), uuid4())
    assert (await desk.claim(claim_id)).status == "received"
    return claim_id


async def reshipping(desk: Desk, claim_id: UUID) -> list[Any]:
    command = handlers.NewCharge("reshipping", Decimal("25.00"), "Klient odmówił odbioru paczki.")
    return await handlers.add_charge(desk.ctx, claim_id, desk.operator, uuid4(), command)


async def test_transport_damage_with_a_report_waives_the_reshipping_charge(desk: Desk) -> None:
    claim_id = await came_back(desk)
    [due] = await reshipping(desk, claim_id)
    assert due.data.state == "due"
    damaged = EvidenceFacts("other", visible_damage=True, transport_damage=True)
    recorded, waived = await record(desk, claim_id, damaged, (JPEG,), REPORT)
    assert isinstance(recorded, IntakeEvidenceRecorded)
    assert isinstance(waived, ClaimChargeChanged)
    assert (waived.data.charge_id, waived.data.state, waived.data.total_due) == (
        due.data.charge_id, "waived", Decimal("0.00"),
    )  # fmt: skip
    assert "protokół szkody" in (waived.data.waiver_reason or "")
    refusal = await refused(desk, "reshipping_transport_damage", reshipping(desk, claim_id))
    assert refusal.status_code == 409


async def test_transport_damage_without_a_report_leaves_the_reshipping_charge(desk: Desk) -> None:
    claim_id = await came_back(desk)
    damaged = EvidenceFacts("other", visible_damage=True, transport_damage=True)
    events = await record(desk, claim_id, damaged, (JPEG,))
    assert [e.type for e in events] == ["IntakeEvidenceRecorded"]
    [charged] = await reshipping(desk, claim_id)
    assert charged.data.state == "due"


# --- dirt allows the cleaning charge ------------------------------------------------------------


async def cleaning(desk: Desk, claim_id: UUID) -> list[Any]:
    command = handlers.NewCharge("cleaning", Decimal("49.90"), "Czyszczenie zabrudzonej obudowy.")
    return await handlers.add_charge(desk.ctx, claim_id, desk.operator, uuid4(), command)


async def test_the_cleaning_charge_only_when_intake_found_dirt(desk: Desk) -> None:
    claim_id = await received_claim(desk)
    refusal = await refused(desk, "cleaning_not_dirty", cleaning(desk, claim_id))
    assert refusal.status_code == 409 and "zabrudzony" in polish(refusal)
    await record(desk, claim_id, CLEAN)
    await refused(desk, "cleaning_not_dirty", cleaning(desk, claim_id))
    await record(desk, claim_id, EvidenceFacts("original", dirty=True), (JPEG,))
    [charged] = await cleaning(desk, claim_id)
    assert (charged.data.kind, charged.data.state) == ("cleaning", "due")


# --- damage allows the damage rejection codes ---------------------------------------------------


async def test_a_rejection_for_damage_needs_damage_recorded_at_intake(desk: Desk) -> None:
    claim_id = await received_claim(desk)
    op = desk.operator
    await desk.run(claim_id, op, lambda c, a: c.start_inspection(a))
    damage = DecisionInput("rejection", REJECTION, rejection_reason="mechanical_damage")
    refusal = await refused(
        desk, "rejection_needs_recorded_damage", desk.run(claim_id, op, decide(damage))
    )
    assert refusal.field == "rejection_reason"
    await record(desk, claim_id, CLEAN, (JPEG,), actor=op)
    await refused(desk, "rejection_needs_recorded_damage", desk.run(claim_id, op, decide(damage)))
    # The decision form is offered only the reasons the aggregate takes now.
    offered = (await desk.claim(claim_id)).rejection_reasons_now
    assert "mechanical_damage" not in offered and "misuse" in offered
    await record(desk, claim_id, EvidenceFacts("original", visible_damage=True), (PNG,), actor=op)
    assert "mechanical_damage" in (await desk.claim(claim_id)).rejection_reasons_now
    [_, decided] = await desk.run(claim_id, op, decide(damage))
    assert decided.data.rejection_reason == "mechanical_damage"  # type: ignore[attr-defined]


async def test_other_rejection_reasons_need_no_recorded_damage(desk: Desk) -> None:
    claim_id = await received_claim(desk)
    op = desk.operator
    await desk.run(claim_id, op, lambda c, a: c.start_inspection(a))
    misuse = DecisionInput("rejection", REJECTION, rejection_reason="misuse")
    await desk.run(claim_id, op, decide(misuse))
    assert (await desk.claim(claim_id)).status == "decided"


# --- photos shown to operators and the claim's own customer only ---------------------------------


async def test_a_photo_is_served_to_operators_and_the_owner_only(desk: Desk) -> None:
    customer = await desk.customer(sold_days_ago=5)
    claim_id = (await customer.file()).data.claim_id
    rma = (await desk.claim(claim_id)).rma_number
    await handlers.receive_parcel(desk.ctx, desk.scanner, read_label(rma), uuid4())
    [recorded] = await record(desk, claim_id, CLEAN, (JPEG,))
    [photo] = recorded.data.photos
    for viewer in (customer.account_id, None):  # the owner, an operator
        stored = await handlers.attachment_file(desk.ctx, claim_id, photo, viewer)
        assert (stored.content, stored.content_type) == (JPEG.content, "image/jpeg")
    stranger = await desk.customer()
    with pytest.raises(Exception) as hidden:
        await handlers.attachment_file(desk.ctx, claim_id, photo, stranger.account_id)
    assert getattr(hidden.value, "status_code", None) == 404


# --- nothing done twice -------------------------------------------------------------------------


async def test_the_evidence_keeps_its_idempotency_key_and_a_repeat_adds_no_photo(
    desk: Desk,
) -> None:
    claim_id = await received_claim(desk)
    request = IdempotentRequest(f"scanner:{desk.scanner.subject}", str(uuid4()), "fingerprint")
    found = handlers.IntakeEvidenceForm(CLEAN, (JPEG,))
    await handlers.record_intake_evidence(desk.ctx, claim_id, desk.scanner, uuid4(), found, request)
    made = desk.database.state.made_by_request[request.owner, request.key]
    assert made == ("fingerprint", str(claim_id))
    with pytest.raises(KeyInUse):
        await handlers.record_intake_evidence(
            desk.ctx, claim_id, desk.scanner, uuid4(), found, request
        )
    claim = await desk.claim(claim_id)
    assert claim.evidence is not None and len(claim.evidence.photos) == 1
    assert [a.purpose for a in claim.attachments].count("intake_photo") == 1
