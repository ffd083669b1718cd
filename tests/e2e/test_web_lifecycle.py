"""The claim's life after the decision in a real browser (Debian's Chromium through Playwright)
over the real services, Kafka, PostgreSQL and the mailbox, in Polish and in English.

A customer keeps a return address on the account page (a bad postal code is said at its
field), files a claim for a product out of warranty with a PDF receipt and the account's
address; a scanner receives the parcel; the operator sees the customer with the address and the
buyer type from the purchase document, downloads the very PDF the customer uploaded, and sends
a paid-repair quote (without its last day it is refused at the field); the customer accepts it
on the claim page (and gets its e-mail, which links there); the operator ships the product back
(without a tracking number it is refused at the field), and the customer sees the carrier and
the tracking number on the claim page and in the e-mail. Every page is saved as a screenshot
under .run/test/screenshots/ (`lifecycle_…`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, FilePayload, expect

from services.accounts.admin import create_operator, create_scanner
from services.accounts.settings import AccountsSettings
from shared.events import SaleLine
from tests.support.browser import (
    DESKTOP,
    PASSWORD,
    PHONE,
    Screens,
    activated_customer,
    email_about,
    log_in,
    until,
)
from tools.support.days import polish_today
from tools.support.kafka import publish
from tools.support.mailbox import Mailbox
from tools.support.sales import sale
from tools.support.services import RunningServices
from tools.support.stack import Stack

pytestmark = pytest.mark.e2e
# Kept apart from test_web_panel.py's screenshots.
SCREENSHOT_PREFIX = "lifecycle_"


@dataclass(frozen=True)
class Wording:
    """What the pages, the APIs and the e-mails say in one language."""

    language: str
    locale: str
    bad_postal_code: str
    contact_saved: str
    claim_saved: str
    not_covered: str
    consumer: str
    status_changed: str
    quote_needs_its_day: str
    decision_saved: str
    quote_accepted: str
    customer_accepted: str
    in_repair: str
    quote_subject: str
    tracking_required: str
    shipped: str
    shipped_back: str
    shipped_subject: str


POLISH = Wording(
    language="pl",
    locale="pl-PL",
    bad_postal_code="NN-NNN",
    contact_saved="Adres i telefon zostały zapisane",
    claim_saved="Zgłoszenie zostało zapisane",
    not_covered="nie jest objęty gwarancją",
    consumer="konsument",
    status_changed="Status zgłoszenia został zmieniony",
    quote_needs_its_day="do kiedy oferta naprawy jest ważna",
    decision_saved="Decyzja została zapisana",
    quote_accepted="Przyjęto ofertę płatnej naprawy",
    customer_accepted="Klient przyjął ofertę płatnej naprawy",
    in_repair="w naprawie",
    quote_subject="decyzja – propozycja płatnej naprawy",
    tracking_required="Podaj numer przesyłki zwrotnej",
    shipped="Zapisano odesłanie",
    shipped_back="odesłane do klienta",
    shipped_subject="produkt odesłany do Ciebie",
)
ENGLISH = Wording(
    language="en",
    locale="en-GB",
    bad_postal_code="NN-NNN",
    contact_saved="Your address and phone have been saved",
    claim_saved="The claim has been saved",
    not_covered="not under warranty",
    consumer="consumer",
    status_changed="The claim's status has been changed",
    quote_needs_its_day="until when the repair quote stands",
    decision_saved="The decision has been saved",
    quote_accepted="You accepted the paid-repair quote",
    customer_accepted="The customer accepted the paid-repair quote",
    in_repair="in repair",
    quote_subject="decision – offer of a paid repair",
    tracking_required="Enter the outbound tracking number",
    shipped="Shipping back recorded",
    shipped_back="shipped back to the customer",
    shipped_subject="product shipped back to you",
)
# Each browser test runs once in Polish and once in English (the `wording` of tests/e2e/conftest).
LANGUAGES = (POLISH, ENGLISH)


def old_charger(number: str) -> SaleLine:
    """A product of no brand's own terms, bought three years ago: its 24 months are over."""
    return SaleLine(
        line_no=1,
        ean="5903317221234",
        sku="GC-CHARGER-65W",
        name=f"Ładowarka Green Cell 65 W {number}",
        brand="Green Cell",
        category="other",
        quantity=1,
        unit_price=Decimal("249.00"),
    )


async def test_paid_quote_accepted_and_the_parcel_back_followed_in_the_browser(
    web: str,
    browser: Browser,
    screens: Screens,
    wording: Wording,
    stack: Stack,
    services: RunningServices,
    mailbox: Mailbox,
    tmp_path: Path,
) -> None:
    run = uuid.uuid4().hex[:8]
    lang = wording.language
    email, number = f"cykl.{run}@example.com", f"2023/L{run}".upper()
    receipt = b"%PDF-1.4\n% paragon " + run.encode() + b"\n%%EOF\n"
    await publish(
        stack.kafka_bootstrap,
        sale(number, old_charger(number), sold_on=polish_today() - timedelta(days=3 * 365)),
    )
    await activated_customer(
        services,
        mailbox,
        email=email,
        full_name="Piotr Zieliński",
        document=(number, "249,00"),
        language=lang,
    )
    accounts = AccountsSettings(database_url=services.database_url("accounts"))
    operator_email, operator_password = f"ola.{run}@innpro.example", "Operator-Haslo-2026"
    await create_operator(accounts, operator_email, "Ola Operator", operator_password)
    scanner_key = await create_scanner(accounts, f"magazyn-{run}")

    # --- the return address kept on the account ---------------------------------------------
    customer = await browser.new_context(viewport=PHONE, locale=wording.locale)
    page = await customer.new_page()
    await log_in(page, web, email, PASSWORD, operator=False)
    await page.goto(f"{web}/account")
    await page.fill("#street", "ul. Długa 7/3")
    await page.fill("#postal_code", "44200")
    await page.fill("#city", "Rybnik")
    await page.fill("#phone", "600 100 200")
    await page.click("#contact button[type=submit]")
    await expect(page.locator("#postal_code-error")).to_contain_text(wording.bad_postal_code)
    await expect(page.locator("#street")).to_have_value("ul. Długa 7/3")
    await screens.take(page, f"{lang}_account_postal_code_error")
    await page.fill("#postal_code", "44-200")
    await page.click("#contact button[type=submit]")
    await expect(page.locator(".alert-ok")).to_contain_text(wording.contact_saved)
    await expect(page.locator("#kept-address")).to_contain_text("ul. Długa 7/3")
    await screens.take(page, f"{lang}_account_address_kept")

    # --- the claim, with the receipt and the account's address --------------------------------
    async def file_claim() -> bool:
        await page.goto(f"{web}/claims/new")
        await page.select_option("#product", f"PA|{number}|1")
        await expect(page.locator("#account-address")).to_contain_text("ul. Długa 7/3")
        await page.fill("#problem_description", "Ładowarka przestała ładować laptopa.")
        await page.select_option("#claim_type", "warranty")
        await page.fill("#package_contents", "Ładowarka, kabel")
        await page.set_input_files(
            "#attachment",
            files=FilePayload(name="paragon.pdf", mimeType="application/pdf", buffer=receipt),
        )
        async with page.expect_navigation():
            await page.click("#save-claim")
        return "/claims/new" not in page.url

    # The claims service learns of the linked document through Kafka: try until it knows.
    await until(file_claim, "claim saved", page)
    await expect(page.locator(".alert-ok")).to_contain_text(wording.claim_saved)
    claim_id = page.url.split("/claims/")[1].split("?")[0]
    rma_number = (await page.locator("#rma-number").inner_text()).strip()
    await expect(page.locator("#return-address-shown")).to_contain_text("44-200 Rybnik")
    await screens.take(page, f"{lang}_claim_created")

    async with httpx.AsyncClient(base_url=services.url("accounts"), timeout=10) as http:
        token = await http.post("/api/auth/scanner-token", json={"api_key": scanner_key})
        assert token.status_code == 200, token.text
        scanned = await http.post(
            f"{services.url('claims')}/api/parcels",
            json={"rma_number": rma_number},
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        )
        assert scanned.status_code == 200 and scanned.json()["identified"], scanned.text

    # --- the operator: the customer, the document, the downloaded receipt ---------------------
    operator = await browser.new_context(viewport=DESKTOP, locale=wording.locale)
    desk = await operator.new_page()
    await log_in(desk, web, operator_email, operator_password, operator=True)
    await desk.goto(f"{web}/operator/claims/{claim_id}")
    await expect(desk.locator("#customer-name")).to_contain_text("Piotr Zieliński")
    await expect(desk.locator("#customer-email")).to_contain_text(email)
    await expect(desk.locator("#customer-phone")).to_contain_text("600100200")
    await expect(desk.locator("#customer-address")).to_contain_text("ul. Długa 7/3")
    await expect(desk.locator("#customer-address")).to_contain_text("44-200 Rybnik")
    await expect(desk.locator("#buyer-type")).to_contain_text(wording.consumer)
    await expect(desk.locator("#document-price")).to_contain_text("249")
    async with desk.expect_download() as download_info:
        await desk.click("#attachments a[data-purpose=sales_document]")
    downloaded = tmp_path / "receipt.pdf"
    await (await download_info.value).save_as(downloaded)
    assert downloaded.read_bytes() == receipt
    await screens.take(desk, f"{lang}_operator_claim_customer")

    await desk.select_option("#status", "in_inspection")
    await desk.click("#status-form button[type=submit]")
    await expect(desk.locator(".alert-ok")).to_contain_text(wording.status_changed)

    # A quote is only for a product out of warranty: wait for the warranty service's verdict.
    async def assessed() -> bool:
        await desk.goto(f"{web}/operator/claims/{claim_id}")
        return await desk.locator("#assessment").count() == 1

    await until(assessed, "warranty assessment shown", desk)
    await expect(desk.locator("#assessment")).to_contain_text(wording.not_covered)

    # --- the paid-repair quote: without its last day refused at the field -----------------------
    await desk.select_option("#decision", "paid_repair")
    await desk.fill("#amount", "150,00")
    await desk.fill("#justification", "Wymiana gniazda zasilania i kabla.")
    await desk.click("#decision-form button[type=submit]")
    await expect(desk.locator("#valid_until-error")).to_contain_text(wording.quote_needs_its_day)
    await expect(desk.locator("#amount")).to_have_value("150,00")
    await screens.take(desk, f"{lang}_operator_quote_error")
    valid_until = polish_today() + timedelta(days=10)
    await desk.fill("#valid_until", valid_until.isoformat())
    await desk.click("#decision-form button[type=submit]")
    await expect(desk.locator(".alert-ok")).to_contain_text(wording.decision_saved)
    await expect(desk.locator("#waiting-for-answer")).to_be_visible()
    await expect(desk.locator("#ship-back-form")).to_have_count(0)
    await screens.take(desk, f"{lang}_operator_quote_sent")

    # --- the customer accepts it on the claim page, which the e-mail links to ------------------
    quote_email = await email_about(mailbox, email, wording.quote_subject)
    assert "150,00" in quote_email["text"] or "150.00" in quote_email["text"]
    assert f"{web}/claims/{claim_id}" in quote_email["text"], quote_email["text"]
    await page.goto(f"{web}/claims/{claim_id}")
    await expect(page.locator("#quote")).to_be_visible()
    await screens.take(page, f"{lang}_customer_quote")
    await page.click("#quote button[value=yes]")
    await expect(page.locator(".alert-ok")).to_contain_text(wording.quote_accepted)
    await expect(page.locator("#claim-status")).to_contain_text(wording.in_repair)
    await expect(page.locator("#quote")).to_have_count(0)
    await screens.take(page, f"{lang}_customer_quote_accepted")

    # --- shipping back: without a tracking number refused at the field ------------------------
    await desk.goto(f"{web}/operator/claims/{claim_id}")
    await expect(desk.locator("#customer-response")).to_contain_text(wording.customer_accepted)
    await desk.fill("#carrier", "InPost")
    await desk.click("#ship-back-form button[type=submit]")
    await expect(desk.locator("#tracking_number-error")).to_contain_text(wording.tracking_required)
    await expect(desk.locator("#carrier")).to_have_value("InPost")
    await screens.take(desk, f"{lang}_operator_ship_back_error")
    outbound = f"IP{run}".upper()
    await desk.fill("#tracking_number", outbound)
    await desk.click("#ship-back-form button[type=submit]")
    await expect(desk.locator(".alert-ok")).to_contain_text(wording.shipped)
    await expect(desk.locator("#claim-status")).to_contain_text(wording.shipped_back)
    await screens.take(desk, f"{lang}_operator_shipped_back")

    # --- the customer follows the parcel: on the claim page and in the e-mail ------------------
    await page.goto(f"{web}/claims/{claim_id}")
    await expect(page.locator("#outbound-carrier")).to_have_text("InPost")
    await expect(page.locator("#outbound-tracking")).to_have_text(outbound)
    await screens.take(page, f"{lang}_customer_parcel_back")
    shipped_email = await email_about(mailbox, email, wording.shipped_subject)
    assert outbound in shipped_email["text"] and "InPost" in shipped_email["text"]
    assert f"{web}/claims/{claim_id}" in shipped_email["text"]

    await operator.close()
    await customer.close()
