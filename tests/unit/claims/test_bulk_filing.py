"""Claims filed in bulk through the service layer, on the in-memory unit of work (issue 25 §6):
each row checked by the single claim's rules, the verdicts shown before anything is filed, the
accepted rows filed as claims of one shipment, a refused row never blocking the others."""

from __future__ import annotations

import copy
from datetime import date
from uuid import uuid4

import pytest

from services.claims import bulk_filing, handlers
from services.claims.adapters.memory import MemorySalesLedger
from services.claims.domain.intake import Label
from services.claims.domain.refusals import Refusal
from services.claims.domain.shipment import RefusedRow
from shared.events import ClaimCreated, ShipmentFiled
from shared.idempotency import IdempotentRequest
from tests.support.claims_service import ADDRESS, PDF, Customer, Desk, refused


@pytest.fixture
def desk() -> Desk:
    return Desk()


async def company(desk: Desk) -> Customer:
    return await desk.customer(account_type="company", contact_address=ADDRESS)


def csv_of(customer: Customer, *rows: str) -> bytes:
    document = f"PA/{customer.document_number}"
    body = "".join(row.format(doc=document, serial=customer.serial) + "\n" for row in rows)
    return ("document,line,serial,problem,description\n" + body).encode()


def mixed_file(customer: Customer) -> bytes:
    return csv_of(
        customer,
        "{doc},1,{serial},,Dron nie startuje po aktualizacji",  # row 2: accepted
        "{doc},2,,,Opaska nie ładuje się wcale",  # row 3: accepted
        "{doc},1,OTHER-SERIAL,,Dron nie startuje",  # row 4: not this unit's serial
        "PA/NOT-MINE,1,,,Nie mój dokument wcale",  # row 5: not on a linked document
        "{doc},2,,,krótko",  # row 6: description too short
        "bez typu,1,,,Nieczytelny dokument",  # row 7: unreadable
    )


REFUSED_ROWS = {
    4: "serial_number_unknown",
    5: "product_not_on_linked_document",
    6: "problem_description_required",
    7: "bulk_document_unreadable",
}


async def test_the_dry_run_gives_every_rows_verdict_and_changes_nothing(desk: Desk) -> None:
    customer = await company(desk)
    before = copy.deepcopy(desk.database.state)
    verdicts = await bulk_filing.preview(
        desk.ctx, customer.account_id, mixed_file(customer), uuid4()
    )
    assert [v.row_no for v in verdicts] == [2, 3, 4, 5, 6, 7]
    assert {v.row_no: v.refused.code for v in verdicts if v.refused} == REFUSED_ROWS
    assert all(v.claim_id is None for v in verdicts)
    assert desk.database.state == before  # nothing stored, numbered or published


async def test_accepted_rows_become_claims_of_one_shipment_and_bad_rows_are_left_out(
    desk: Desk,
) -> None:
    customer = await company(desk)
    shipment = await bulk_filing.file_shipment(
        desk.ctx, customer.account_id, mixed_file(customer), PDF, uuid4()
    )
    assert shipment.shipment_number == "WYS/1/SR/2026"
    assert [(c.row_no, c.rma_number) for c in shipment.claims] == [
        (2, "RMA/1/SR/2026"),
        (3, "RMA/2/SR/2026"),  # a refused row takes no number: no gap
    ]
    assert {row.row_no: row.code for row in shipment.refused} == REFUSED_ROWS
    created = [e for e in desk.published if isinstance(e, ClaimCreated)]
    assert [e.data.shipment_number for e in created] == ["WYS/1/SR/2026"] * 2
    (announced,) = [e for e in desk.published if isinstance(e, ShipmentFiled)]
    assert announced.data.refused_rows == 4
    assert [c.rma_number for c in announced.data.claims] == ["RMA/1/SR/2026", "RMA/2/SR/2026"]
    assert announced.data.email == customer.email
    claim = await desk.claim(shipment.claims[0].claim_id)
    assert (claim.status, claim.serial_number, claim.return_address) == (
        "submitted",
        customer.serial.upper(),
        ADDRESS,
    )
    assert claim.attachments[0].purpose == "sales_document"
    verdicts = bulk_filing.verdicts_of(shipment)
    assert [(v.row_no, v.rma_number) for v in verdicts][:2] == [
        (2, "RMA/1/SR/2026"),
        (3, "RMA/2/SR/2026"),
    ]


async def test_a_unit_with_an_open_claim_is_refused_by_the_single_claims_rule(desk: Desk) -> None:
    customer = await company(desk)
    single = await customer.file()
    shipment = await bulk_filing.file_shipment(
        desk.ctx,
        customer.account_id,
        csv_of(
            customer, "{doc},1,{serial},,Dron znowu nie startuje", "{doc},2,,,Opaska nie ładuje"
        ),
        PDF,
        uuid4(),
    )
    (row,) = shipment.refused
    assert (row.row_no, row.code, row.params) == (
        2,
        "open_claim_for_serial",
        {"rma_number": single.data.rma_number},
    )
    assert len(shipment.claims) == 1


async def test_a_private_account_cannot_file_in_bulk(desk: Desk) -> None:
    customer = await desk.customer(account_type="private", contact_address=ADDRESS)
    file = csv_of(customer, "{doc},2,,,Opaska nie ładuje się")
    refusal = await refused(
        desk,
        "bulk_company_only",
        bulk_filing.file_shipment(desk.ctx, customer.account_id, file, PDF, uuid4()),
    )
    assert refusal.status_code == 403
    await refused(
        desk, "bulk_company_only", bulk_filing.preview(desk.ctx, customer.account_id, file, uuid4())
    )


async def test_nothing_is_filed_when_no_row_passes(desk: Desk) -> None:
    customer = await company(desk)
    file = csv_of(customer, "{doc},2,,,krótko", "PA/X,1,,,Nie mój dokument")
    refusal = await refused(
        desk,
        "bulk_nothing_accepted",
        bulk_filing.file_shipment(desk.ctx, customer.account_id, file, PDF, uuid4()),
    )
    assert refusal.params == {"refused": 2}


async def test_a_sales_document_that_is_no_pdf_or_image_refuses_the_whole_filing(
    desk: Desk,
) -> None:
    customer = await company(desk)
    file = csv_of(customer, "{doc},2,,,Opaska nie ładuje się")
    not_a_pdf = handlers.Attachment("faktura.pdf", b"MZ an executable")
    refusal = await refused(
        desk,
        "attachment_type_invalid",
        bulk_filing.file_shipment(desk.ctx, customer.account_id, file, not_a_pdf, uuid4()),
    )
    assert refusal.status_code == 415


async def test_a_bad_file_refuses_the_whole_filing(desk: Desk) -> None:
    customer = await company(desk)
    await refused(
        desk,
        "bulk_columns_missing",
        bulk_filing.file_shipment(desk.ctx, customer.account_id, b"a,b\n1,2\n", PDF, uuid4()),
    )


async def test_the_idempotency_key_is_kept_with_the_shipment(desk: Desk) -> None:
    customer = await company(desk)
    request = IdempotentRequest(str(customer.account_id), "key-1", "fingerprint")
    shipment = await bulk_filing.file_shipment(
        desk.ctx,
        customer.account_id,
        csv_of(customer, "{doc},2,,,Opaska nie ładuje się"),
        PDF,
        uuid4(),
        request,
    )
    made = desk.database.state.made_by_request[(str(customer.account_id), "key-1")]
    assert made == ("fingerprint", str(shipment.shipment_id))
    rebuilt = await bulk_filing.own_shipment(desk.ctx, shipment.shipment_id, customer.account_id)
    assert bulk_filing.verdicts_of(rebuilt) == bulk_filing.verdicts_of(shipment)


async def test_another_customers_shipment_is_not_found(desk: Desk) -> None:
    customer = await company(desk)
    other = await company(desk)
    shipment = await bulk_filing.file_shipment(
        desk.ctx,
        customer.account_id,
        csv_of(customer, "{doc},2,,,Opaska nie ładuje się"),
        PDF,
        uuid4(),
    )
    with pytest.raises(Refusal) as refusal:
        await bulk_filing.own_shipment(desk.ctx, shipment.shipment_id, other.account_id)
    assert (refusal.value.code, refusal.value.status_code) == ("shipment_not_found", 404)


async def test_the_scanned_shipment_label_is_a_checklist_of_its_claims(desk: Desk) -> None:
    customer = await company(desk)
    shipment = await bulk_filing.file_shipment(
        desk.ctx,
        customer.account_id,
        csv_of(
            customer, "{doc},1,{serial},,Dron nie startuje wcale", "{doc},2,,,Opaska nie ładuje"
        ),
        PDF,
        uuid4(),
    )
    first = shipment.claims[0]
    # Each claim's parcel is received as one parcel is today: by its RMA number.
    await handlers.receive_parcel(desk.ctx, desk.scanner, Label(first.rma_number, None), uuid4())
    found = await bulk_filing.checklist(desk.ctx, " wys/1/sr/2026 ")
    assert found.shipment.shipment_id == shipment.shipment_id
    assert [(i.rma_number, i.status, i.received_at is not None) for i in found.items] == [
        ("RMA/1/SR/2026", "received", True),
        ("RMA/2/SR/2026", "submitted", False),
    ]
    for code in ("WYS/2/SR/2026", "RMA/1/SR/2026"):
        with pytest.raises(Refusal, match="shipment_not_found"):
            await bulk_filing.checklist(desk.ctx, code)


def test_a_refused_rows_words_are_kept_as_refused_a_date_formatted_by_the_catalogue() -> None:
    """A refusal whose words format a date (`{registered_on:%d.%m.%Y}`) is kept as its words,
    not as a text parameter that could no longer be formatted."""
    refusal = Refusal(
        "return_activated_unit",
        "claim_type",
        {"registered_on": date(2026, 2, 3)},
        variant="registered",
    )
    row = RefusedRow.of(7, refusal)
    assert (row.row_no, row.code, row.params) == (
        7,
        "return_activated_unit",
        {"registered_on": "2026-02-03"},
    )
    assert "zarejestrowane 03.02.2026" in row.message("pl")
    assert row.message("en").startswith("Withdrawal does not apply: the device was registered")


async def test_a_filing_reads_the_invoice_the_address_and_the_problems_once(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every row of one invoice asks the same questions of the sales ledger (the invoice, the
    account's address, the products' problem lists): answered by one read per filing (the
    rows' rules are the same; only the round trips go)."""
    customer = await company(desk)
    asked: list[str] = []
    for name in ("filing_records", "problems"):
        original = getattr(MemorySalesLedger, name)

        def counting(*args: object, _name: str = name, _original: object = original) -> object:
            asked.append(_name)
            return _original(*args)  # type: ignore[operator]

        monkeypatch.setattr(MemorySalesLedger, name, counting)
    file = csv_of(
        customer,
        "{doc},1,{serial},,Dron nie startuje po aktualizacji",
        "{doc},2,,,Opaska nie ładuje się wcale",
        "{doc},2,,,Druga opaska też nie ładuje",
    )
    shipment = await bulk_filing.file_shipment(desk.ctx, customer.account_id, file, PDF, uuid4())
    assert len(shipment.claims) == 3
    assert asked == ["filing_records"]
