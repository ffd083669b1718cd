"""`Claim.file` checks every rule of a new claim itself (issue 26, item 3): given the form and the
facts the stores know, it files the claim or refuses with the first rule broken, no handler
involved."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from services.claims.domain.claim import Claim
from services.claims.domain.filing import ClaimForm, FilingFacts, Purchase, Upload
from services.claims.domain.form import ClaimedLine, UnitDetails
from services.claims.domain.refusals import Refusal
from shared.events import ClaimCreated
from tests.unit.claims.test_claim import ADDRESS, MONDAY, act

PDF = Upload("paragon.pdf", b"%PDF-1.4 a receipt")
DRONE = ClaimedLine(
    line_no=1,
    ean="6941565900000",
    sku="DJI-MINI-4",
    name="DJI Mini 4 Pro",
    brand="DJI",
    category="drone",
    outlet=False,
    serial_numbers=("1581F000001",),
    unit_price=Decimal("3499.00"),
)
PURCHASE = Purchase(
    buyer_type="consumer",
    document_number="PA/2026/17",
    sold_on=date(2026, 2, 20),
    delivered_on=date(2026, 2, 23),
    email="jan@example.com",
    language="pl",
    line=DRONE,
)


def claim_form(**changes: Any) -> ClaimForm:
    form = ClaimForm(
        account_id=uuid4(),
        document_type="PA",
        document_number="pa/2026/17",
        line_no=1,
        claim_type="warranty",
        problem_description="Dron nie startuje po aktualizacji.",
        package_contents="Dron, akumulator",
        attachment=PDF,
        serial_number=" 1581f000001 ",
    )
    return replace(form, **changes)


def facts(**changes: Any) -> FilingFacts:
    known = FilingFacts(uuid4(), uuid4(), "RMA/7/SR/2026", PURCHASE, account_address=ADDRESS)
    return replace(known, **changes)


def refusal(form: ClaimForm, known: FilingFacts) -> Refusal:
    with pytest.raises(Refusal) as refused:
        Claim.file(form, known, act("customer"))
    return refused.value


def test_a_form_that_passes_every_rule_is_filed_with_the_facts() -> None:
    known = facts()
    claim, [created] = Claim.file(claim_form(), known, act("customer"))
    assert isinstance(created, ClaimCreated) and created.data.claim_id == known.claim_id
    assert (claim.rma_number, claim.status, claim.serial_number) == (
        "RMA/7/SR/2026",
        "submitted",
        "1581F000001",
    )
    assert claim.return_address == ADDRESS  # the account's, the form gave none
    assert (claim.email, claim.document_number, claim.product.brand) == (
        "jan@example.com",
        "PA/2026/17",
        "DJI",
    )
    [document] = claim.attachments
    assert (document.attachment_id, document.content_type) == (
        known.sales_document_id,
        "application/pdf",
    )


FUTURE = MONDAY.date() + timedelta(days=1)


@pytest.mark.parametrize(
    ("code", "form_changes", "fact_changes"),
    [
        ("attachment_type_invalid", {"attachment": Upload("a.pdf", b"text")}, {"purchase": None}),
        ("product_not_on_linked_document", {}, {"purchase": None}),
        ("serial_number_required", {"serial_number": None}, {}),
        ("serial_number_unknown", {"serial_number": "1581FOTHER"}, {}),
        ("claim_type_consumers_only", {"claim_type": "non_conformity"},
         {"purchase": replace(PURCHASE, buyer_type="business")}),
        ("open_claim_for_serial", {}, {"open_claim": "RMA/3/SR/2026"}),
        ("problem_required", {}, {"problems": ("Nie startuje",)}),
        ("defect_settled_by_price_reduction", {"problem_code": "Nie startuje"},
         {"problems": ("Nie startuje",), "settled_defect": "RMA/2/SR/2026"}),
        ("return_address_required", {}, {"account_address": None}),
        ("problem_description_required", {"problem_description": "zepsuty"}, {}),
        ("activation_in_future", {"unit_details": UnitDetails(activated_on=FUTURE)}, {}),
    ],
)  # fmt: skip
def test_each_rule_of_filing_refuses_in_the_domain(
    code: str, form_changes: dict[str, Any], fact_changes: dict[str, Any]
) -> None:
    assert refusal(claim_form(**form_changes), facts(**fact_changes)).code == code


def test_an_open_claim_refusal_names_the_claim_for_the_customer() -> None:
    refused = refusal(claim_form(), facts(open_claim="RMA/3/SR/2026"))
    assert (refused.field, refused.status_code) == ("serial_number", 409)
    assert refused.params == {"rma_number": "RMA/3/SR/2026"}
    assert refused.published == ("rma_number",)


def test_a_return_of_sealed_goods_says_whether_the_seal_is_intact() -> None:
    software = replace(PURCHASE, line=replace(DRONE, brand="Microsoft", category="software"))
    form = claim_form(claim_type="return", serial_number=None)
    assert refusal(form, facts(purchase=software)).code == "seal_state_required"
    assert Claim.file(replace(form, seal_intact=True), facts(purchase=software), act())[0]
