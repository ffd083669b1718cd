"""A unit's warranty marked void by an operator (WarrantyVoidMarked): the passport keeps the mark,
the unit's next guarantee claim (warranty, DJI) is not covered with that reason, and a consumer's
statutory non-conformity claim is still judged by the statute."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest

from services.warranty import handlers, passport
from services.warranty.domain.engine import ProductPurchase, WarrantyVoid, assess
from services.warranty.domain.products import ProductCategory
from shared.auth import Principal
from shared.consumer import UnprocessableMessage
from shared.events import ClaimCreated
from tests.support.warranty_service import Desk, claim, on, random_ean, sale, voided

TODAY = date(2026, 3, 2)
SOLD_ON = TODAY - timedelta(days=100)
SERIAL = "DU-77"


@pytest.fixture
def desk() -> Desk:
    return Desk(today=TODAY)


def scooter_claim(ean: str, **more: Any) -> ClaimCreated:
    return claim(ean, "Dualtron", "scooter", SOLD_ON, serial_number=SERIAL, **more)


async def marked_scooter(desk: Desk, reason: str = "disassembly") -> tuple[str, str]:
    """A scooter sold 100 days ago whose first claim's operator found its warranty void; its EAN
    and the first claim's RMA number."""
    ean = random_ean()
    await desk.sold(sale(ean, "Dualtron", "scooter", SOLD_ON, SERIAL))
    first = scooter_claim(ean)
    assert (await desk.assessed(first, on(TODAY - timedelta(days=5)))).covered is True
    await desk.project(handlers.record_void_mark, voided(first, reason, on(TODAY - timedelta(3))))
    return ean, first.data.rma_number


async def test_the_next_warranty_claim_of_a_marked_unit_is_not_covered(desk: Desk) -> None:
    ean, rma = await marked_scooter(desk)
    verdict = await desk.assessed(scooter_claim(ean))
    assert (verdict.covered, verdict.rule, verdict.warranty_until) == (False, "warranty-void", None)
    assert verdict.reason == (
        "Gwarancja tego egzemplarza wygasła: Samodzielny demontaż lub otwarcie urządzenia "
        f"(stwierdzone {TODAY - timedelta(days=3)} w zgłoszeniu {rma}). "
        "Produkt nie jest objęty gwarancją."
    )


async def test_a_dji_claim_of_a_marked_unit_is_not_covered(desk: Desk) -> None:
    ean = random_ean()
    await desk.sold(sale(ean, "DJI", "drone", SOLD_ON, SERIAL))
    first = claim(ean, "DJI", "drone", SOLD_ON, serial_number=SERIAL, claim_type="dji")
    await desk.assessed(first)
    await desk.project(handlers.record_void_mark, voided(first, "modification", on(TODAY)))
    again = claim(ean, "DJI", "drone", SOLD_ON, serial_number=SERIAL, claim_type="dji")
    verdict = await desk.assessed(again)
    assert (verdict.covered, verdict.rule) == (False, "warranty-void")
    assert "Modyfikacja lub przeróbka urządzenia" in verdict.reason


async def test_a_consumers_non_conformity_claim_is_still_judged_by_the_statute(
    desk: Desk,
) -> None:
    ean, _ = await marked_scooter(desk)
    verdict = await desk.assessed(scooter_claim(ean, claim_type="non_conformity"))
    assert (verdict.covered, verdict.rule) == (True, "statutory-non-conformity")


async def test_another_serial_of_the_same_product_keeps_its_warranty(desk: Desk) -> None:
    ean, _ = await marked_scooter(desk)
    await desk.sold(sale(ean, "Dualtron", "scooter", SOLD_ON, "DU-78"))
    verdict = await desk.assessed(claim(ean, "Dualtron", "scooter", SOLD_ON, serial_number="DU-78"))
    assert verdict.covered is True and verdict.rule != "warranty-void"


async def test_the_passport_shows_the_mark_and_a_verdict_not_covered(desk: Desk) -> None:
    ean, rma = await marked_scooter(desk, "serial_label_tampered")
    found = await passport.passport(
        desk.ctx, ean, SERIAL.lower(), Principal(subject=uuid.uuid4(), role="operator")
    )
    mark = found["warranty_void"]
    assert (mark["reason"], mark["rma_number"]) == ("serial_label_tampered", rma)
    assert mark["reason_name"].startswith("Usunięta, uszkodzona lub zmieniona tabliczka")
    assert mark["reason_name_en"].startswith("The serial number label was removed")
    assert (found["verdict"]["covered"], found["verdict"]["rule"]) == (False, "warranty-void")


async def test_the_first_mark_stands_and_a_repeated_event_changes_nothing(desk: Desk) -> None:
    ean, rma = await marked_scooter(desk, "misuse")
    later = scooter_claim(ean)
    await desk.assessed(later)
    await desk.project(handlers.record_void_mark, voided(later, "manual_ignored", on(TODAY)))
    mark = desk.database.state.void_marks[(ean, SERIAL)]
    assert (mark.reason, mark.rma_number) == ("misuse", rma)


async def test_a_mark_keeps_its_evidence_and_note(desk: Desk) -> None:
    ean = random_ean()
    first = claim(ean, "Dualtron", "scooter", SOLD_ON, serial_number=" du-9 ")
    photo = uuid.uuid4()
    event = voided(first, "unauthorised_repair", on(TODAY), evidence=(photo,), note="Obce śruby.")
    await desk.project(handlers.record_void_mark, event)
    mark = desk.database.state.void_marks[(ean, "DU-9")]
    assert (mark.evidence, mark.note, mark.claim_id) == (
        (photo,),
        "Obce śruby.",
        first.data.claim_id,
    )


async def test_a_mark_without_a_serial_number_is_unprocessable(desk: Desk) -> None:
    first = claim(random_ean(), "Dualtron", "scooter", SOLD_ON, serial_number=None)
    with pytest.raises(UnprocessableMessage):
        await desk.project(handlers.record_void_mark, voided(first, "misuse", on(TODAY)))
    assert desk.database.state.void_marks == {}


def test_the_void_row_limits_only_the_guarantee_claim_types() -> None:
    void = WarrantyVoid("misuse", TODAY, "RMA/1/SR/2026")
    bought = ProductPurchase(
        brand="DJI",
        category=ProductCategory.DRONE,
        buyer="consumer",
        sold_on=SOLD_ON,
        warranty_void=void,
    )
    rules = {
        claim_type: assess(ProductPurchase(**{**bought.__dict__, "claim_type": claim_type}), TODAY)
        for claim_type in ("warranty", "dji", "non_conformity", "return", None)
    }
    assert {t: (v.rule, v.covered) for t, v in rules.items()} == {
        "warranty": ("warranty-void", False),
        "dji": ("warranty-void", False),
        "non_conformity": ("statutory-non-conformity", True),
        "return": ("dji-standard", True),
        None: ("dji-standard", True),
    }
