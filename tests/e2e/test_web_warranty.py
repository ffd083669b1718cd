"""Scooter registration and the product passport in a real browser (Debian's Chromium) over the
real services, in Polish and in English: the customer's product list shows the 30-day deadline
(seed 001), another customer's serial is refused at its field, the customer's own scooter is
registered from the panel, and its passport and the list then say so."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
from dateutil.relativedelta import relativedelta
from playwright.async_api import Browser, expect

from services.web.views import local_date
from shared.events import SaleLine
from tests.support.browser import (
    PASSWORD,
    PHONE,
    Screens,
    email_about,
    link_token,
    register_over_api,
    until,
)
from tools.support.days import polish_today
from tools.support.kafka import publish
from tools.support.mailbox import Mailbox
from tools.support.sales import gtin13, sale
from tools.support.services import RunningServices
from tools.support.stack import Stack

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Wording:
    language: str
    locale: str
    activate_subject: str
    register_by: str  # the product list, before the registration: "... by <deadline> ..."
    not_yours: str
    registered: str
    registered_on: str  # the passport's registration line
    warranty_until: str  # the passport's verdict: "... until <date>."
    registered_in_time: str  # the product list, after the registration


POLISH = Wording(
    language="pl",
    locale="pl-PL",
    activate_subject="Aktywuj konto",
    register_by="Zarejestruj do {date}, aby mieć 24 miesiące gwarancji.",
    not_yours="Nie znaleźliśmy hulajnogi o tym numerze seryjnym",
    registered="Hulajnoga została zarejestrowana.",
    registered_on="zarejestrowana {date}",
    warranty_until="do {date}.",
    registered_in_time="(termin {date}): gwarancja 24 miesiące.",
)
ENGLISH = Wording(
    language="en",
    locale="en-GB",
    activate_subject="Activate your",
    register_by="Register by {date} for 24 months of warranty.",
    not_yours="We found no scooter with this serial number",
    registered="The scooter has been registered.",
    registered_on="registered on {date}",
    warranty_until="until {date}.",
    registered_in_time="(deadline {date}): 24 months of warranty.",
)


# The `wording` and `screens` fixtures of tests/e2e/conftest.py read these.
LANGUAGES = (POLISH, ENGLISH)
SCREENSHOT_PREFIX = "warranty_"


def scooter(ean: str, serial: str) -> SaleLine:
    return SaleLine(
        line_no=1,
        ean=ean,
        sku="KAABO-MANTIS-10",
        name="Kaabo Mantis 10",
        brand="Kaabo",
        category="scooter",
        quantity=1,
        unit_price=Decimal("6499.00"),
        serial_numbers=(serial,),
    )


async def active_customer(
    services: RunningServices, mailbox: Mailbox, number: str, email: str, language: str
) -> None:
    """Registered and activated over the API (the panel's own pages for it have their test)."""
    await register_over_api(services, email, "Adam Hulajnoga", (number, "6 499,00"), language)
    subject = POLISH.activate_subject if language == "pl" else ENGLISH.activate_subject
    token = link_token(await email_about(mailbox, email, subject), "activate")
    async with httpx.AsyncClient(base_url=services.url("accounts"), timeout=10) as http:
        activated = await http.post("/api/accounts/activation", json={"token": token})
    assert activated.status_code == 200, activated.text


async def test_a_customer_registers_a_scooter_and_sees_the_deadline_and_the_passport(
    web: str,
    browser: Browser,
    screens: Screens,
    wording: Wording,
    stack: Stack,
    services: RunningServices,
    mailbox: Mailbox,
) -> None:
    run = uuid.uuid4().hex[:8]
    email = f"hulajnoga.{run}@example.com"
    ean = gtin13(f"59071234{int(run, 16) % 10_000:04d}")
    own, others = f"KB{run}".upper(), f"KX{run}".upper()
    own_number, others_number = f"2026/H{run}".upper(), f"2026/J{run}".upper()
    sold_on = polish_today() - timedelta(days=10)
    deadline = sold_on + timedelta(days=30)  # seed 001: 30 days, the day of purchase not counted
    await publish(stack.kafka_bootstrap, sale(own_number, scooter(ean, own), sold_on=sold_on))
    # Another customer's scooter of the same model, on a document not linked to this account.
    await publish(stack.kafka_bootstrap, sale(others_number, scooter(ean, others), sold_on=sold_on))
    await active_customer(services, mailbox, own_number, email, wording.language)

    context = await browser.new_context(viewport=PHONE, locale=wording.locale)
    page = await context.new_page()
    await page.goto(f"{web}/login")
    await page.fill("#email", email)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit].primary")
    await expect(page).to_have_url(f"{web}/home")

    # The product list, once warranty learned the sale and the linked document from Kafka.
    row = page.locator(f"#unit-{own}")

    async def listed() -> bool:
        await page.goto(f"{web}/home")
        return await row.count() == 1

    await until(listed, "the scooter on the product list", page)
    shown_deadline = local_date(deadline, wording.language)
    await expect(row.locator(".registration")).to_contain_text(
        wording.register_by.format(date=shown_deadline)
    )
    await screens.take(page, f"{wording.language}_products_deadline")

    # Another customer's serial is refused at the field, and what was typed stays.
    await row.locator("a[href^='/products/register']").click()
    await expect(page.locator("#ean")).to_have_value(ean)
    await expect(page.locator("#serial_number")).to_have_value(own)
    await page.fill("#serial_number", others)
    await page.click("#registration-form button[type=submit]")
    await expect(page.locator("#serial_number-error")).to_contain_text(wording.not_yours)
    await expect(page.locator("#serial_number")).to_have_value(others)
    await screens.take(page, f"{wording.language}_registration_refused")

    # The customer's own scooter: registered, and its passport says so.
    await page.fill("#serial_number", own.lower())
    await page.click("#registration-form button[type=submit]")
    await expect(page).to_have_url(f"{web}/products/{ean}/{own}?done=registered")
    await expect(page.locator(".alert-ok")).to_contain_text(wording.registered)
    today = local_date(polish_today(), wording.language)
    await expect(page.locator("#passport-registration")).to_contain_text(
        wording.registered_on.format(date=today)
    )
    await expect(page.locator("#passport-sale")).to_contain_text(f"PA {own_number}")
    until_day = local_date(sold_on + relativedelta(months=24), wording.language)
    await expect(page.locator("#passport-verdict")).to_contain_text(
        wording.warranty_until.format(date=until_day)
    )
    await screens.take(page, f"{wording.language}_passport")

    # The product list now shows the registration instead of the deadline to meet.
    await page.goto(f"{web}/home")
    await expect(row.locator(".registration")).to_contain_text(
        wording.registered_in_time.format(date=shown_deadline)
    )
    assert await row.locator("a[href^='/products/register']").count() == 0
    await screens.take(page, f"{wording.language}_products_registered")

    # Another customer's passport is not found for this one.
    refused = await page.goto(f"{web}/products/{ean}/{others}")
    assert refused is not None and refused.status == 404
    await context.close()
