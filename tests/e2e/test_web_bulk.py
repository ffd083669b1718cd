"""A reseller's claims in bulk in a real browser (Chromium) over the real services (issue 25 §6):
a company account uploads a CSV with one bad row, sees every row's verdict before anything is
filed, attaches its invoices and files the good rows as one shipment, downloads the shipment's
one label; the warehouse scans that label on the scanner page and ticks the claims off the
list. Once in Polish and once in English; screenshots under .run/test/screenshots/ (bulk_*)."""

from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
from playwright.async_api import Browser, FilePayload, expect
from pypdf import PdfReader

from shared.events import Buyer, SaleLine, SaleRecorded, SaleRecordedData
from tests.e2e import test_scanner_intake as scanner_page
from tests.e2e.test_scanner_intake import logged_in_scanner, scan
from tests.support.browser import (
    DESKTOP,
    PASSWORD,
    Screens,
    email_about,
    keep_return_address,
    link_token,
    log_in,
    until,
)
from tools.support.days import polish_today
from tools.support.kafka import publish
from tools.support.mailbox import Mailbox
from tools.support.services import RunningServices
from tools.support.stack import Stack

pytestmark = pytest.mark.e2e

SCREENSHOT_PREFIX = "bulk_"


@dataclass(frozen=True)
class Wording:
    language: str
    locale: str
    activate: str  # the activation email's subject
    summary: str
    accepted: str
    refused: str
    reason: str
    filed: str
    none_received: str
    one_received: str
    scanner: scanner_page.Wording


POLISH = Wording(
    "pl",
    "pl-PL",
    "Aktywuj konto",
    "Przyjęte: 2, odrzucone: 1",
    "przyjęty",
    "odrzucony",
    "nie zgadza się z produktem",
    "Zgłoszono 2",
    "Przyjęto 0 z 2",
    "Przyjęto 1 z 2",
    scanner_page.POLISH,
)
ENGLISH = Wording(
    "en",
    "en-GB",
    "Activate your",
    "Accepted: 2, refused: 1",
    "accepted",
    "refused",
    "does not match the product",
    "2 units filed",
    "0 of 2 claims received",
    "1 of 2 claims received",
    scanner_page.ENGLISH,
)
# The `wording` fixture of tests/e2e/conftest.py reads these.
LANGUAGES = (POLISH, ENGLISH)
TAX_ID = "5260250274"  # a valid NIP


def invoice(number: str, serials: tuple[str, ...]) -> SaleRecorded:
    """A company's invoice (FS) for smart bands, each unit's serial number listed."""
    line = SaleLine(
        line_no=1,
        ean="5901234123464",
        sku="XIAOMI-BAND9",
        name="Xiaomi Smart Band 9",
        brand="Xiaomi",
        category="other",
        quantity=len(serials),
        unit_price=Decimal("150.00"),
        serial_numbers=serials,
    )
    data = SaleRecordedData(
        document_type="FS",
        document_number=number,
        issued_on=polish_today() - timedelta(days=20),
        buyer=Buyer(
            type="business", name="Opaski-Hurt sp. z o.o.", vat_country="PL", tax_id=TAX_ID
        ),
        total=line.unit_price * line.quantity,
        lines=(line,),
    )
    return SaleRecorded(producer="erp", key=f"FS/{number}", data=data)


async def activated_company(
    services: RunningServices, mailbox: Mailbox, email: str, number: str, wording: Wording
) -> None:
    """A company account registered over the accounts API with its invoice, activated by the
    emailed link (once the sale has reached the accounts ledger)."""
    async with httpx.AsyncClient(base_url=services.url("accounts"), timeout=10) as http:

        async def register() -> bool:
            registered = await http.post(
                "/api/accounts",
                json={
                    "account_type": "company",
                    "full_name": "Opaski-Hurt sp. z o.o.",
                    "email": email,
                    "password": PASSWORD,
                    "document_number": number,
                    "document_total": "300,00",
                    "vat_country": "PL",
                    "tax_id": TAX_ID,
                    "language": wording.language,
                },
            )
            return registered.status_code == 202

        await until(register, "company registration accepted")
        token = link_token(await email_about(mailbox, email, wording.activate), "activate")
        activated = await http.post("/api/accounts/activation", json={"token": token})
        assert activated.status_code == 200, activated.text


async def test_a_reseller_files_in_bulk_and_the_warehouse_scans_the_shipment_label(
    web: str,
    browser: Browser,
    screens: Screens,
    stack: Stack,
    services: RunningServices,
    mailbox: Mailbox,
    wording: Wording,
) -> None:
    lang = wording.language
    run = uuid.uuid4().hex[:8].upper()
    number, email = f"2026/H{run}", f"hurt.{run.lower()}@example.com"
    serials = (f"BAND{run}1", f"BAND{run}2")
    await publish(stack.kafka_bootstrap, invoice(number, serials))
    await activated_company(services, mailbox, email, number, wording)
    await keep_return_address(services, email)

    rows = [
        ["document", "line", "serial", "problem", "description"],
        [f"FS/{number}", "1", serials[0], "", "Nie ładuje się, dioda nie świeci"],
        [f"FS/{number}", "1", f"OBCY{run}", "", "Pasek pękł przy zapięciu"],  # not on the invoice
        [f"FS/{number}", "1", serials[1], "", "Ekran gaśnie po kilku sekundach"],
    ]
    csv_text = "\n".join(";".join(row) for row in rows) + "\n"  # as a Polish spreadsheet saves

    context = await browser.new_context(viewport=DESKTOP, locale=wording.locale)
    page = await context.new_page()
    await log_in(page, web, email, PASSWORD, operator=False)
    async with page.expect_navigation():
        await page.click("#bulk-link")  # on a company account's home page
    await expect(page.locator("#units input[name=unit]")).to_have_count(2)  # or pick them
    await page.set_input_files(
        "#file", FilePayload(name="zgloszenia.csv", mimeType="text/csv", buffer=csv_text.encode())
    )
    await screens.take(page, f"{lang}_upload")
    async with page.expect_navigation():
        await page.click("#bulk-preview-button")

    # Every row's verdict, nothing filed yet: the bad row says why.
    await expect(page.locator("#bulk-summary")).to_contain_text(wording.summary)
    await expect(page.locator("#row-3")).to_contain_text(wording.refused)
    await expect(page.locator("#row-3")).to_contain_text(wording.reason)
    await expect(page.locator("#row-2")).to_contain_text(wording.accepted)
    await screens.take(page, f"{lang}_verdicts")
    await page.set_input_files(
        "#document",
        FilePayload(name="faktura.pdf", mimeType="application/pdf", buffer=b"%PDF-1.4 FS"),
    )
    async with page.expect_navigation():
        await page.click("#bulk-file-button")

    await expect(page).to_have_url(re.compile(r"/bulk/shipments/[0-9a-f-]{36}$"))
    shipment_number = (await page.locator("#shipment-number").inner_text()).strip()
    assert re.fullmatch(r"WYS/\d+/SR/\d{4}", shipment_number), shipment_number
    await expect(page.locator("#shipment-summary")).to_contain_text(wording.filed)
    rma_numbers = [
        (await link.inner_text()).strip() for link in await page.locator("#bulk-rows a").all()
    ]
    assert len(rma_numbers) == 2
    await expect(page.locator("#row-3")).to_contain_text(wording.reason)
    await screens.take(page, f"{lang}_shipment")
    async with page.expect_download() as download_info:
        await page.click("#shipment-label")
    download = await download_info.value
    label = (await download.path()).read_bytes()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(label)).pages)
    assert shipment_number in text and all(n in text for n in rma_numbers)
    await context.close()

    # The warehouse scans the one label: the list of the parcel's claims, ticked one by one.
    warehouse = await logged_in_scanner(web, browser, services, wording.scanner)
    scanner = warehouse.page
    await scan(scanner, shipment_number)
    await expect(scanner.locator("#shipment-number")).to_have_text(shipment_number)
    await expect(scanner.locator("#checklist tbody tr")).to_have_count(2)
    await expect(scanner.locator("#checklist-progress")).to_contain_text(wording.none_received)
    await screens.take(scanner, f"{lang}_checklist")
    async with scanner.expect_navigation():
        await scanner.click("#item-1 button[type=submit]")
    await expect(scanner.locator("#checklist-received")).to_contain_text(rma_numbers[0])
    await expect(scanner.locator("#checklist-progress")).to_contain_text(wording.one_received)
    await expect(scanner.locator("#item-1")).to_have_class(re.compile("received"))
    await expect(scanner.locator("#item-2")).to_have_class(re.compile("waiting"))
    await screens.take(scanner, f"{lang}_checklist_one_received")
    assert warehouse.refused_by_csp == []
    await warehouse.context.close()
