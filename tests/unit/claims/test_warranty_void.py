"""An operator marks the claimed unit's warranty void: the finding is on the claim's timeline and
announced as WarrantyVoidMarked (warranty owns what it means for coverage); a bad reason, a claim
without a serial number or evidence that is not the claim's own file is refused, changing
nothing."""

from __future__ import annotations

from uuid import uuid4

import pytest

from services.claims import handlers
from shared.claims_vocabulary import WARRANTY_VOID_REASONS
from shared.events import WarrantyVoidMarked
from tests.support.claims_service import DRONE_EAN, Desk
from tests.unit.claims.test_service import refused


@pytest.fixture
def desk() -> Desk:
    return Desk()


async def test_a_void_mark_is_on_the_timeline_and_announced_with_its_evidence(desk: Desk) -> None:
    customer = await desk.customer()
    claim_id = (await customer.file()).data.claim_id
    # Intake photos are the claim's files; the filed claim's own file stands in for them.
    [photo] = (await desk.claim(claim_id)).attachments
    mark = handlers.VoidMark("disassembly", (photo.attachment_id,), " Zerwana plomba. ")
    [event] = await handlers.mark_warranty_void(desk.ctx, claim_id, desk.operator, uuid4(), mark)
    assert isinstance(event, WarrantyVoidMarked) and desk.published[-1] == event
    data = event.data
    assert (data.ean, data.serial_number, data.reason) == (
        DRONE_EAN,
        customer.serial,
        "disassembly",
    )
    assert (data.evidence, data.note, data.claim_id) == (
        (photo.attachment_id,),
        "Zerwana plomba.",
        claim_id,
    )
    assert data.marked_by == "operator:anna@serwis.example" and data.marked_at == desk.clock.now
    claim = await desk.claim(claim_id)
    last = claim.timeline[-1]
    assert last.status == claim.status == "submitted"
    assert last.note == (
        f"Gwarancja egzemplarza {customer.serial} wygasła: "
        f"{WARRANTY_VOID_REASONS['disassembly'][0]} (załączniki: paragon.pdf) Zerwana plomba."
    )


@pytest.mark.parametrize(
    ("reason", "line", "code"),
    [("rain", 1, "void_reason_unknown"), ("misuse", 2, "void_needs_serial")],
    ids=["a reason the terms do not name", "a claim without a serial number"],
)
async def test_a_void_mark_needs_a_known_reason_and_a_serial_number(
    desk: Desk, reason: str, line: int, code: str
) -> None:
    customer = await desk.customer()
    serial = customer.serial if line == 1 else None
    claim_id = (await customer.file(line_no=line, serial_number=serial)).data.claim_id
    mark = handlers.VoidMark(reason)
    await refused(
        desk, code, handlers.mark_warranty_void(desk.ctx, claim_id, desk.operator, uuid4(), mark)
    )


async def test_a_void_marks_evidence_is_the_claims_own_files(desk: Desk) -> None:
    customer = await desk.customer()
    other = (await customer.file(line_no=2, serial_number=None)).data.claim_id
    claim_id = (await customer.file()).data.claim_id
    # Another claim's file is no evidence for this one.
    [foreign] = (await desk.claim(other)).attachments
    mark = handlers.VoidMark("modification", (foreign.attachment_id,))
    refusal = await refused(
        desk,
        "void_evidence_unknown",
        handlers.mark_warranty_void(desk.ctx, claim_id, desk.operator, uuid4(), mark),
    )
    assert refusal.params == {"attachments": str(foreign.attachment_id)}


async def test_an_unknown_claim_cannot_be_marked(desk: Desk) -> None:
    await refused(
        desk,
        "claim_not_found",
        handlers.mark_warranty_void(
            desk.ctx, uuid4(), desk.operator, uuid4(), handlers.VoidMark("misuse")
        ),
    )
