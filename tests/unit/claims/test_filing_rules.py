"""The claim form's rules, on the in-memory unit of work: each refused form is answered with its
HTTP status and code and stores nothing; what the rules allow is filed. (These ran through
HTTP, PostgreSQL and Kafka in tests/integration/test_claims.py; the HTTP form, the SQL and the
events on Kafka stay tested there.)"""

from __future__ import annotations

from typing import Any

import pytest

from services.claims import handlers
from shared.events import ClaimCreated
from tests.support.claims_rules import answer, refusal
from tests.support.claims_service import DRONE_EAN, Desk

TEN_MIB = 10 * 1024 * 1024

# (HTTP status, code) of a form of a private customer's drone (line 1) with these changes.
REFUSED: list[tuple[int, str, dict[str, Any]]] = [
    (422, "product_not_on_linked_document", {"document_number": "2026/NOTMINE"}),
    (422, "serial_number_required", {"serial_number": None}),
    (422, "serial_number_unknown", {"serial_number": "1581FOTHER"}),
    (422, "claim_type_dji_only", {"line_no": 2, "claim_type": "dji", "serial_number": None}),
    (
        415,
        "attachment_type_invalid",
        {"attachment": handlers.Attachment("paragon.pdf", b"just text, not a pdf")},
    ),
    (
        413,
        "attachment_too_large",
        {"attachment": handlers.Attachment("big.pdf", b"%PDF-" + b"0" * TEN_MIB)},
    ),
]


@pytest.fixture
def desk() -> Desk:
    return Desk()


@pytest.mark.parametrize(
    ("status", "code", "changes"), REFUSED, ids=[code for _, code, _ in REFUSED]
)
async def test_a_refused_form_is_answered_with_its_status_and_code(
    desk: Desk, status: int, code: str, changes: dict[str, Any]
) -> None:
    customer = await desk.customer()
    assert answer(await refusal(desk, customer.file(**changes))) == (status, code)


async def test_after_refused_forms_the_account_has_only_the_claim_filed(desk: Desk) -> None:
    """Another brand's product needs no serial number; the refused forms left nothing."""
    customer = await desk.customer()
    for _, _, changes in REFUSED:
        await refusal(desk, customer.file(**changes))
    band = await customer.file(line_no=2, serial_number=None)
    assert band.data.product.brand == "Xiaomi" and band.data.serial_number is None
    assert [type(e) for e in desk.published] == [ClaimCreated]
    mine = await handlers.search_claims(desk.ctx, customer.account_id, "")
    assert [c.claim_id for c in mine] == [band.data.claim_id]


async def test_a_company_has_no_non_conformity_claim_and_a_return_ends_on_day_30(
    desk: Desk,
) -> None:
    company = await desk.customer(account_type="company")
    refused = await refusal(desk, company.file(claim_type="non_conformity"))
    assert answer(refused) == (422, "claim_type_consumers_only")
    late = await desk.customer(sold_days_ago=31)
    assert answer(await refusal(desk, late.file(claim_type="return"))) == (
        422,
        "return_window_passed",
    )
    on_day_30 = await desk.customer(sold_days_ago=30)
    assert (await on_day_30.file(claim_type="return")).data.claim_type == "return"


async def test_a_complaint_names_a_problem_of_the_products_list_a_withdrawal_none(
    desk: Desk,
) -> None:
    problems = ["Dron nie łączy się z aparaturą", "Gimbal nie kalibruje się"]
    await desk.catalogue_problems(DRONE_EAN, problems)
    customer = await desk.customer()
    for problem in (None, "Nie działa"):
        refused = await refusal(desk, customer.file(problem_code=problem))
        assert answer(refused) == (422, "problem_required")
    chosen = await customer.file(problem_code=problems[1])
    assert chosen.data.problem_code == problems[1]
    buyer = await desk.customer(sold_days_ago=5)
    withdrawal = await buyer.file(claim_type="return", problem_description="")
    assert (withdrawal.data.claim_type, withdrawal.data.problem_code) == ("return", None)
    briefly = buyer.file(line_no=2, serial_number=None, problem_description="krótko")
    assert answer(await refusal(desk, briefly)) == (422, "problem_description_required")
