"""The warehouse's intake page in a real browser (Chromium) over the real services: a customer's
claim is filed; the warehouse's scanner logs in with its API key, types the RMA number as a
keyboard-wedge barcode scanner does (keys, then Enter), ticks the declared contents but one,
reads a serial number that is not the claim's and confirms; the claim is received and flagged,
and the operator's claim page and dashboard show the flag. Once in Polish and once in English,
on a phone's width; screenshots under .run/test/screenshots/ (scanner_*)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from services.accounts.admin import create_operator, create_scanner
from services.accounts.settings import AccountsSettings
from tests.support.browser import DESKTOP, PHONE, Screens
from tests.support.claims import file_drone_claim
from tools.support.services import RunningServices
from tools.support.stack import Stack

pytestmark = pytest.mark.e2e

CONTENTS = "Dron, aparatura, 2 akumulatory"


@dataclass(frozen=True)
class Wording:
    language: str
    locale: str
    awaits_parcel: str
    received: str
    mismatch: str
    missing: str
    already_received: str
    unknown_label: str
    ended: str
    serial_does_not_match: str
    flag: str


POLISH = Wording(
    language="pl",
    locale="pl-PL",
    awaits_parcel="Zgłoszenie czeka na tę przesyłkę",
    received="Przyjęto przesyłkę do zgłoszenia",
    mismatch="nie zgadza się ze zgłoszeniem",
    missing="Brak w przesyłce",
    already_received="nie przyjmuj jej drugi raz",
    unknown_label="Nieznana etykieta",
    ended="Zgłoszenie jest zakończone",
    serial_does_not_match="Numer seryjny się nie zgadza",
    flag="inny numer seryjny",
)
ENGLISH = Wording(
    language="en",
    locale="en-GB",
    awaits_parcel="The claim awaits this parcel",
    received="Parcel received for claim",
    mismatch="does not match the claim",
    missing="Missing from the parcel",
    already_received="do not receive it twice",
    unknown_label="Unknown label",
    ended="The claim has ended",
    serial_does_not_match="The serial number does not match",
    flag="other serial number",
)


# The `wording` and `screens` fixtures of tests/e2e/conftest.py read these.
LANGUAGES = (POLISH, ENGLISH)
SCREENSHOT_PREFIX = "scanner_"


async def scan(page: Page, code: str) -> None:
    """What a keyboard-wedge scanner does: it types the code into the focused field, then Enter."""
    await expect(page.locator("#code")).to_be_focused()
    await page.keyboard.type(code)
    async with page.expect_navigation():
        await page.keyboard.press("Enter")


@dataclass
class Warehouse:
    context: BrowserContext
    page: Page
    refused_by_csp: list[str]


async def logged_in_scanner(
    web: str, browser: Browser, services: RunningServices, wording: Wording
) -> Warehouse:
    """A new scanner device (the admin command) logged in on a phone with its API key."""
    accounts = AccountsSettings(database_url=services.database_url("accounts"))
    scanner_key = await create_scanner(accounts, f"magazyn-{uuid.uuid4().hex[:8]}")
    context = await browser.new_context(viewport=PHONE, locale=wording.locale)
    page = await context.new_page()
    refused_by_csp: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused_by_csp.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    await page.goto(f"{web}/scanner")
    await expect(page).to_have_url(re.compile(r"/scanner/login"))
    await page.fill("#api_key", scanner_key)
    await page.click("#scanner-login button[type=submit]")
    await expect(page).to_have_url(f"{web}/scanner")
    return Warehouse(context, page, refused_by_csp)


async def test_the_scanner_receives_a_parcel_and_flags_a_different_serial(
    web: str,
    browser: Browser,
    screens: Screens,
    wording: Wording,
    stack: Stack,
    services: RunningServices,
) -> None:
    run = uuid.uuid4().hex[:8]
    claim = await file_drone_claim(stack, services, package_contents=CONTENTS)
    accounts = AccountsSettings(database_url=services.database_url("accounts"))
    operator_email, operator_password = f"ola.{run}@innpro.example", "Operator-Haslo-2026"
    await create_operator(accounts, operator_email, "Ola Operator", operator_password)
    warehouse = await logged_in_scanner(web, browser, services, wording)
    page = warehouse.page
    await screens.take(page, f"{wording.language}_scanner_ready")

    # The label read by the scanner: the claim, its contents as a checklist, the serial field.
    await scan(page, claim.rma_number)
    await expect(page.locator("#scanned h2")).to_have_text(claim.rma_number)
    await expect(page.locator("#outlook")).to_contain_text(wording.awaits_parcel)
    await expect(page.locator("#expected-serial")).to_have_text(claim.serial_number)
    await expect(page.locator("#checklist input[name=item]")).to_have_count(3)
    await expect(page.locator("#serial_number")).to_be_focused()
    await screens.take(page, f"{wording.language}_scanner_claim")
    # The page fits a phone: nothing wider than the screen.
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px phone"

    # The device's serial scanned the same way; its Enter moves on to the checklist instead of
    # confirming, and the staff tick what they find (not the batteries).
    other_serial = f"OBCY{run}".upper()
    await page.keyboard.type(other_serial)
    await page.keyboard.press("Enter")
    await expect(page.locator("#checklist input[value=Dron]")).to_be_focused()
    await page.check("#checklist input[value=Dron]")
    await page.check("#checklist input[value=aparatura]")
    async with page.expect_navigation():
        await page.click("#confirm-receipt")
    await expect(page.locator("#receipt")).to_contain_text(wording.received)
    await expect(page.locator("#receipt")).to_contain_text(claim.rma_number)
    await expect(page.locator("#receipt-mismatch")).to_contain_text(wording.mismatch)
    await expect(page.locator("#receipt-missing")).to_contain_text("2 akumulatory")
    await expect(page.locator("#code")).to_be_focused()  # ready for the next parcel
    await screens.take(page, f"{wording.language}_scanner_received_flagged")

    # The same label again, a label nobody knows: each said plainly.
    await scan(page, claim.rma_number)
    await expect(page.locator("#outlook")).to_contain_text(wording.already_received)
    await expect(page.locator("#receipt-form")).to_have_count(0)
    await screens.take(page, f"{wording.language}_scanner_already_received")
    await scan(page, f"NIEZNANA{run}")
    await expect(page.locator("#outlook")).to_contain_text(wording.unknown_label)
    await screens.take(page, f"{wording.language}_scanner_unknown_label")
    assert warehouse.refused_by_csp == []

    # The operator sees the flag on the claim page and in the dashboard's list.
    desk_context = await browser.new_context(viewport=DESKTOP, locale=wording.locale)
    desk = await desk_context.new_page()
    await desk.goto(f"{web}/operator/login")
    await desk.fill("#email", operator_email)
    await desk.fill("#password", operator_password)
    await desk.click("button[type=submit].primary")
    await expect(desk).to_have_url(f"{web}/operator")
    row = desk.locator("#group-received tr", has_text=claim.rma_number)
    await expect(row.locator(".serial-mismatch")).to_contain_text(wording.flag)
    await screens.take(desk, f"{wording.language}_dashboard_serial_flag")
    await desk.goto(f"{web}/operator/claims/{claim.claim_id}")
    flag = desk.locator("#serial-mismatch")
    await expect(flag).to_contain_text(wording.serial_does_not_match)
    await expect(flag).to_contain_text(other_serial)
    await expect(flag).to_contain_text(claim.serial_number)
    await expect(flag).to_contain_text("2 akumulatory")
    await expect(desk.locator("#timeline")).to_contain_text(other_serial)
    await screens.take(desk, f"{wording.language}_operator_claim_serial_flag")
    await desk_context.close()
    await warehouse.context.close()


async def test_a_parcel_for_a_cancelled_claim_is_kept_for_an_operator(
    web: str,
    browser: Browser,
    screens: Screens,
    wording: Wording,
    stack: Stack,
    services: RunningServices,
) -> None:
    claim = await file_drone_claim(stack, services)
    async with httpx.AsyncClient(base_url=services.url("claims"), timeout=10) as http:
        cancelled = await http.post(
            f"/api/claims/{claim.claim_id}/cancel", headers=claim.customer_headers
        )
        assert cancelled.status_code == 200, cancelled.text
    warehouse = await logged_in_scanner(web, browser, services, wording)
    page = warehouse.page
    await scan(page, claim.rma_number)
    await expect(page.locator("#outlook")).to_contain_text(wording.ended)
    await screens.take(page, f"{wording.language}_scanner_cancelled_claim")
    async with page.expect_navigation():
        await page.click("#confirm-receipt")
    await expect(page.locator("#receipt")).to_contain_text(claim.rma_number)
    await expect(page.locator("#receipt")).not_to_contain_text(wording.received)
    await screens.take(page, f"{wording.language}_scanner_cancelled_kept")
    await warehouse.context.close()
