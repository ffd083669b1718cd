"""A reseller's claims in bulk against the real Kafka, PostgreSQL and SMTP server (issue 25 §6): a
500-row CSV previewed (nothing stored), then filed: the accepted rows are claims of one shipment,
the bad rows are refused with their reasons and block none of the good ones, the shipment is one
event and one email with its label, and the scanned shipment label lists every claim. How fast
500 rows file is measured by `python -m tools.bulk_bench` (figures, not a timed test)."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest
from pypdf import PdfReader

from shared import topics
from tests.integration.test_claims import PDF, Claims, claims, error_code
from tests.integration.test_idempotency import ProcessDied, dying_after_the_commit
from tests.support.inprocess import claims_with_notifications
from tools.support.kafka import TopicProbe
from tools.support.mailbox import Mailbox
from tools.support.sales import reseller_invoice
from tools.support.stack import Stack

pytestmark = pytest.mark.integration
__all__ = ["claims"]  # test_claims' module fixture: a claims app in this process


@dataclass
class Bulk:
    claims: Claims
    mailbox: Mailbox
    notifications_url: str

    @property
    def client(self) -> httpx.AsyncClient:
        return self.claims.client


@pytest.fixture(scope="module")
async def bulk(stack: Stack, mailbox: Mailbox) -> AsyncIterator[Bulk]:
    async with claims_with_notifications(stack, "bulk") as running:
        claims = Claims(stack, running.claims, running.claims_url)
        yield Bulk(claims, mailbox, running.notifications_url)


@dataclass
class Reseller:
    account_id: uuid.UUID
    document: str  # as the CSV names it: FS/<number>
    serials: list[str]
    email: str


async def reseller(claims: Claims, units: int, account_type: str = "company") -> Reseller:
    """A company with one invoice of `units` serial-numbered units, its account's address (the
    claims' return address), as the ERP and accounts publish them; waits for claims to know."""
    invoice = reseller_invoice(units, "Dron-Hurt", "B", account_type)
    number = invoice.document.removeprefix("FS/")
    for event in invoice.events:
        await claims.send(event)
    await wait_until(
        claims.database_url,
        """SELECT count(*) FROM document_owners o JOIN sales_documents d
           USING (document_type, document_number) JOIN customer_contacts c USING (account_id)
           WHERE o.document_number = $1""",
        number,
        at_least=1,
    )
    return Reseller(invoice.account_id, invoice.document, invoice.serials, invoice.email)


async def wait_until(url: str, query: str, *args: Any, at_least: int, tries: int = 300) -> int:
    conn = await asyncpg.connect(url)
    try:
        for _ in range(tries):
            found: int = await conn.fetchval(query, *args)
            if found >= at_least:
                return found
            await asyncio.sleep(0.2)
        raise AssertionError(f"{found} < {at_least}: {query}")
    finally:
        await conn.close()


async def stored(url: str, query: str, *args: Any) -> Any:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval(query, *args)
    finally:
        await conn.close()


def csv_of(rows: list[list[str]]) -> bytes:
    """The rows under the header, quoted where a value needs it (as a spreadsheet saves)."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["document", "line", "serial", "problem", "description"])
    writer.writerows(rows)
    return text.getvalue().encode()


def five_hundred_rows(company: Reseller) -> bytes:
    """497 good rows and 3 bad ones among them: a serial not on the invoice, a serial given
    twice, a document without its type."""
    problem = "Nie ładuje się po aktualizacji, pasek nie świeci"
    rows = [[company.document, "1", serial, "", problem] for serial in company.serials[:497]]
    rows.insert(10, [company.document, "1", "NOT-ON-THE-INVOICE", "", problem])
    rows.insert(200, [company.document, "1", company.serials[5], "", "Drugi raz ten sam"])
    rows.insert(400, ["2026/000001", "1", "XYZ", "", "Dokument bez typu na początku"])
    assert len(rows) == 500
    return csv_of(rows)


BAD_ROWS = {
    12: "serial_number_unknown",  # rows count from the header's 1
    202: "bulk_serial_repeated",
    402: "bulk_document_unreadable",
}


def headers(bulk: Bulk, company: Reseller, **more: str) -> dict[str, str]:
    return {**bulk.claims.bearer("customer", company.account_id), **more}


async def test_a_500_row_bulk_filing(bulk: Bulk, stack: Stack) -> None:
    company = await reseller(bulk.claims, 497)
    csv_file = ("zgloszenia.csv", five_hundred_rows(company), "text/csv")
    own = headers(bulk, company)
    preview = await bulk.client.post(
        "/api/bulk-claims/preview", files={"file": csv_file}, headers=own
    )
    assert preview.status_code == 200, preview.text
    shown = preview.json()
    assert (shown["accepted"], shown["refused"], len(shown["rows"])) == (497, 3, 500)
    assert {r["row_no"]: r["code"] for r in shown["rows"] if not r["accepted"]} == BAD_ROWS
    count_claims = "SELECT count(*) FROM claims WHERE account_id = $1"
    assert await stored(bulk.claims.database_url, count_claims, company.account_id) == 0

    keyed = headers(bulk, company, **{"Idempotency-Key": str(uuid.uuid4())})
    files = {"file": csv_file, "document": PDF}
    async with TopicProbe(stack.kafka_bootstrap, topics.CLAIMS) as probe:
        filed = await bulk.client.post("/api/bulk-claims", files=files, headers=keyed, timeout=120)
        assert filed.status_code == 201, filed.text
        [announced] = await probe.wait_for(
            lambda body, _: (
                body["type"] == "ShipmentFiled"
                and body["data"]["account_id"] == str(company.account_id)
            ),
            timeout=60,
        )
    answer = filed.json()
    assert (answer["accepted"], answer["refused"]) == (497, 3)
    refused = {r["row_no"]: (r["code"], r["message"]) for r in answer["rows"] if not r["accepted"]}
    assert {row: code for row, (code, _) in refused.items()} == BAD_ROWS
    assert "nie zgadza się" in refused[12][1]  # the reason, in Polish
    rma_numbers = [r["rma_number"] for r in answer["rows"] if r["accepted"]]
    assert len(set(rma_numbers)) == 497 and all(n.startswith("RMA/") for n in rma_numbers)
    assert announced["data"]["shipment_number"] == answer["shipment_number"]
    assert [c["rma_number"] for c in announced["data"]["claims"]] == rma_numbers
    assert announced["data"]["refused_rows"] == 3

    # Stored: the accepted rows are the claims, all of one shipment.
    url = bulk.claims.database_url
    assert await stored(url, count_claims, company.account_id) == 497
    assert (
        await stored(
            url, "SELECT count(*) FROM shipments WHERE account_id = $1", company.account_id
        )
        == 1
    )
    in_shipment = "SELECT count(*) FROM shipment_claims WHERE shipment_id = $1"
    assert await stored(url, in_shipment, uuid.UUID(answer["shipment_id"])) == 497
    # The one sales document: 497 attachments naming one stored copy of its bytes.
    documents = """SELECT count(*) FILTER (WHERE a.content IS NULL) || '/' || count(*) || '/'
                          || count(DISTINCT a.sha256) || '/' || count(c.sha256)
                   FROM claim_attachments a JOIN claims k USING (claim_id)
                   LEFT JOIN attachment_contents c USING (sha256)
                   WHERE k.account_id = $1"""
    assert await stored(url, documents, company.account_id) == "497/497/1/497"

    # The same key again: the same answer, nothing filed twice.
    again = await bulk.client.post("/api/bulk-claims", files=files, headers=keyed, timeout=120)
    assert (again.status_code, again.json()) == (201, answer)
    assert await stored(url, count_claims, company.account_id) == 497

    await one_email_for_the_shipment(bulk, company, answer["shipment_number"], rma_numbers)
    await the_label_and_the_checklist(bulk, company, answer, rma_numbers)


async def one_email_for_the_shipment(
    bulk: Bulk, company: Reseller, shipment_number: str, rma_numbers: list[str]
) -> None:
    """One email, not 497: it names every RMA number and carries the shipment's label (the
    reseller's other email is the one of its linked invoice)."""
    emails = await bulk.mailbox.wait_for(company.email, count=2, timeout=90)
    [email] = [e for e in emails if shipment_number in e["subject"]]
    for number in (rma_numbers[0], rma_numbers[-1]):
        assert number in email["text"]
    assert [a["filename"] for a in email["attachments"]] == [
        f"etykieta-{shipment_number.replace('/', '-')}.pdf"
    ]
    # Every ClaimCreated handled by notifications by now, and still that one email.
    handled = "SELECT count(*) FROM inbox WHERE event_type = 'ClaimCreated'"
    await wait_until(bulk.notifications_url, handled, at_least=497)
    subjects = [m["subject"] for m in await bulk.mailbox.messages(company.email)]
    assert len(subjects) == 2 and not any("RMA/" in subject for subject in subjects), subjects


async def the_label_and_the_checklist(
    bulk: Bulk, company: Reseller, answer: dict[str, Any], rma_numbers: list[str]
) -> None:
    own = headers(bulk, company)
    label = await bulk.client.get(f"/api/shipments/{answer['shipment_id']}/label", headers=own)
    assert label.status_code == 200 and label.headers["content-type"] == "application/pdf"
    dashed = answer["shipment_number"].replace("/", "-")
    assert label.headers["content-disposition"] == f'attachment; filename="etykieta-{dashed}.pdf"'
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(label.content)).pages)
    assert answer["shipment_number"] in text
    assert all(number in text for number in rma_numbers)
    other = bulk.claims.bearer("customer")
    hidden = await bulk.client.get(f"/api/shipments/{answer['shipment_id']}", headers=other)
    assert (hidden.status_code, error_code(hidden)) == (404, "shipment_not_found")

    scanner = bulk.claims.bearer("scanner")
    received = await bulk.client.post(
        "/api/parcels", json={"rma_number": rma_numbers[1]}, headers=scanner
    )
    assert received.status_code == 200, received.text
    checklist = await bulk.client.get(
        "/api/scanner/shipments", params={"code": answer["shipment_number"]}, headers=scanner
    )
    assert checklist.status_code == 200, checklist.text
    body = checklist.json()
    assert [item["rma_number"] for item in body["items"]] == rma_numbers
    assert body["received"] == 1
    assert [item["received"] for item in body["items"][:3]] == [False, True, False]


async def test_a_bad_file_or_a_private_account_changes_nothing(bulk: Bulk) -> None:
    company = await reseller(bulk.claims, 2)
    own = headers(bulk, company)
    good_row = csv_of([[company.document, "1", company.serials[0], "", "Nie ładuje się wcale"]])
    cases = [
        (b"%PDF-1.4 not a csv", 415, "bulk_file_not_csv"),
        (b"document;line\nFS/1;1\n", 422, "bulk_columns_missing"),
        (
            good_row.decode().encode("cp1250"),
            422,
            "bulk_file_encoding",
        ),
        (
            good_row + good_row.split(b"\n", 1)[1] * 500,
            422,
            "bulk_too_many_rows",
        ),
        (b"x" * (512 * 1024 + 10), 413, "bulk_file_too_large"),
    ]
    for content, status, code in cases:
        files = {"file": ("plik.csv", content, "text/csv"), "document": PDF}
        answer = await bulk.client.post("/api/bulk-claims", files=files, headers=own)
        assert (answer.status_code, error_code(answer)) == (status, code), answer.text
        assert answer.json()["detail"]  # a sentence a person reads (Polish by default)
    csv_file = ("plik.csv", good_row, "text/csv")
    not_pdf = {"file": csv_file, "document": ("faktura.pdf", b"MZ not a pdf", "application/pdf")}
    answer = await bulk.client.post("/api/bulk-claims", files=not_pdf, headers=own)
    assert (answer.status_code, error_code(answer)) == (415, "attachment_type_invalid")
    count = "SELECT count(*) FROM claims WHERE account_id = $1"
    assert await stored(bulk.claims.database_url, count, company.account_id) == 0

    private = await reseller(bulk.claims, 1, account_type="private")
    answer = await bulk.client.post(
        "/api/bulk-claims/preview", files={"file": csv_file}, headers=headers(bulk, private)
    )
    assert (answer.status_code, error_code(answer)) == (403, "bulk_company_only")


async def test_a_shipment_committed_by_a_process_that_died_is_the_answer_to_its_retry(
    claims: Claims,
) -> None:
    """The filing's transaction keeps its Idempotency-Key with the shipment: a retry after the
    process died past the commit rebuilds the same answer from the shipment, files nothing."""
    company = await reseller(claims, 3)
    problem = "Nie ładuje się wcale"
    rows = [[company.document, "1", serial, "", problem] for serial in company.serials]
    rows.append([company.document, "1", "NOT-MINE", "", problem])
    files = {"file": ("z.csv", csv_of(rows), "text/csv"), "document": PDF}
    keyed = {**claims.bearer("customer", company.account_id), "Idempotency-Key": str(uuid.uuid4())}
    with dying_after_the_commit(claims), pytest.raises(ProcessDied):
        await claims.client.post("/api/bulk-claims", files=files, headers=keyed)
    count = "SELECT count(*) FROM claims WHERE account_id = $1"
    assert await stored(claims.database_url, count, company.account_id) == 3  # never answered
    retry = await claims.client.post("/api/bulk-claims", files=files, headers=keyed)
    assert retry.status_code == 201, retry.text
    assert retry.headers["idempotent-replayed"] == "true"
    answer = retry.json()
    assert (answer["accepted"], answer["refused"]) == (3, 1)
    assert [r["code"] for r in answer["rows"]] == [None, None, None, "serial_number_unknown"]
    stored_numbers = await stored(
        claims.database_url,
        "SELECT array_agg(rma_number ORDER BY row_no) FROM shipment_claims WHERE shipment_id = $1",
        uuid.UUID(answer["shipment_id"]),
    )
    assert [r["rma_number"] for r in answer["rows"][:3]] == stored_numbers
    assert await stored(claims.database_url, count, company.account_id) == 3
    again = await claims.client.post("/api/bulk-claims", files=files, headers=keyed)
    assert (again.status_code, again.json()) == (201, answer)


async def test_single_claims_during_a_bulk_filing_of_their_units_never_deadlock(
    bulk: Bulk,
) -> None:
    """A single claim takes its serial's lock, then the RMA numbers' row; a bulk filing takes
    every row's serial lock first, in one order, so the two never wait on each other in a
    cycle (PostgreSQL would abort one: a 500). Whoever is first files the unit; the other is
    told it has an open claim."""
    company = await reseller(bulk.claims, 300)
    problem = "Nie ładuje się wcale"
    rows = [[company.document, "1", serial, "", problem] for serial in company.serials]
    files = {"file": ("z.csv", csv_of(rows), "text/csv"), "document": PDF}
    own = headers(bulk, company)

    async def single(serial: str) -> httpx.Response:
        await asyncio.sleep(0.5)  # while the bulk filing works through its rows
        form = {
            "document_type": "FS",
            "document_number": company.document.removeprefix("FS/"),
            "line_no": "1",
            "claim_type": "warranty",
            "serial_number": serial,
            "problem_description": problem,
            "package_contents": "Opaska",
        }
        return await bulk.client.post(
            "/api/claims", data=form, files={"attachment": PDF}, headers=own, timeout=120
        )

    late = company.serials[-5:]
    filed, *singles = await asyncio.gather(
        bulk.client.post("/api/bulk-claims", files=files, headers=own, timeout=120),
        *(single(serial) for serial in late),
    )
    assert filed.status_code == 201, filed.text
    assert all(s.status_code in (201, 409) for s in singles), [s.text for s in singles]
    taken_by_singles = sum(s.status_code == 201 for s in singles)
    answer = filed.json()
    assert answer["accepted"] + taken_by_singles == 300
    refused = [r["code"] for r in answer["rows"] if not r["accepted"]]
    assert refused == ["open_claim_for_serial"] * taken_by_singles
    count = "SELECT count(*) FROM claims WHERE account_id = $1"
    assert await stored(bulk.claims.database_url, count, company.account_id) == 300
