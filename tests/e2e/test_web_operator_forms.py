"""The operator's forms for charges, DJI's official service and void marks in a real browser
(Chromium) over the real services, Kafka and PostgreSQL, in Polish and in English.

A customer's DJI claim is filed and its parcel received; the operator takes it into inspection,
adds a charge (a reason too short is refused at its field in the service's words) and marks it
paid, hands the unit to DJI's official service (a case number with a space is refused at its
field), sees the claim "at the manufacturer", records its return with DJI's written statement,
sees the trip on the page, and marks the unit's warranty void with the receipt as evidence.
Screenshots under .run/test/screenshots/ (`operator_forms_…`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx
import pytest
from playwright.async_api import Browser, FilePayload, Page, expect

from services.accounts.admin import create_operator, create_scanner
from services.accounts.settings import AccountsSettings
from tests.support.browser import DESKTOP, Screens, log_in
from tests.support.claims import FiledClaim, file_drone_claim
from tools.support.days import polish_today
from tools.support.services import RunningServices
from tools.support.stack import Stack

pytestmark = pytest.mark.e2e
SCREENSHOT_PREFIX = "operator_forms_"


@dataclass(frozen=True)
class Wording:
    language: str
    locale: str
    status_changed: str
    reason_too_short: str
    charged: str
    charge_paid: str
    case_number_invalid: str
    handed_off: str
    at_manufacturer: str
    back_from_dji: str
    warranty_void: str


POLISH = Wording(
    language="pl",
    locale="pl-PL",
    status_changed="Status zgłoszenia został zmieniony",
    reason_too_short="co najmniej 10 znaków",
    charged="Opłata została dodana",
    charge_paid="Opłata została oznaczona jako opłacona",
    case_number_invalid="Numer zgłoszenia producenta ma 3–40 znaków",
    handed_off="Zapisano przekazanie do oficjalnego serwisu DJI",
    at_manufacturer="u producenta (oficjalny serwis DJI)",
    back_from_dji="Zapisano powrót urządzenia z serwisu DJI",
    warranty_void="Zapisano utratę gwarancji egzemplarza",
)
ENGLISH = Wording(
    language="en",
    locale="en-GB",
    status_changed="The claim's status has been changed",
    reason_too_short="at least 10 characters",
    charged="The charge is added",
    charge_paid="The charge is marked paid",
    case_number_invalid="The manufacturer's case number has 3-40 characters",
    handed_off="The hand-over to DJI's official service is recorded",
    at_manufacturer="at the manufacturer (DJI's official service)",
    back_from_dji="The unit's return from DJI's service is recorded",
    warranty_void="The unit's void warranty is recorded",
)
# The `wording` and `screens` fixtures of tests/e2e/conftest.py read these.
LANGUAGES = (POLISH, ENGLISH)
STATEMENT = b"%PDF-1.4\n% DJI: repair impossible\n%%EOF\n"


async def received_claim(services: RunningServices, run: str) -> FiledClaim:
    """A customer's DJI claim whose parcel the warehouse received."""
    claim = await file_drone_claim(services.stack, services)
    accounts = AccountsSettings(database_url=services.database_url("accounts"))
    scanner_key = await create_scanner(accounts, f"magazyn-{run}")
    async with httpx.AsyncClient(base_url=services.url("accounts"), timeout=10) as http:
        token = await http.post("/api/auth/scanner-token", json={"api_key": scanner_key})
        assert token.status_code == 200, token.text
        scanned = await http.post(
            f"{services.url('claims')}/api/parcels",
            json={"rma_number": claim.rma_number},
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        )
        assert scanned.status_code == 200 and scanned.json()["identified"], scanned.text
        # The warehouse found the unit dirty: only then may the operator charge for cleaning.
        evidence = await http.post(
            f"{services.url('claims')}/api/scanner/claims/{claim.claim_id}/intake-evidence",
            data={"packaging": "original", "dirty": "true"},
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        )
        assert evidence.status_code == 200, evidence.text
    return claim


async def charge_and_pay(desk: Page, wording: Wording, screens: Screens) -> None:
    await desk.select_option("#charge_kind", "cleaning")
    await desk.fill("#charge_amount", "49,90")
    await desk.fill("#charge_reason", "Brud")
    await desk.click("#charge-form button[type=submit]")
    await expect(desk.locator("#charge_reason-error")).to_contain_text(wording.reason_too_short)
    await expect(desk.locator("#charge_amount")).to_have_value("49,90")
    await screens.take(desk, f"{wording.language}_charge_refused")
    await desk.fill("#charge_reason", "Produkt bardzo zabrudzony, błoto w złączach.")
    await desk.click("#charge-form button[type=submit]")
    await expect(desk.locator(".alert-ok")).to_contain_text(wording.charged)
    await expect(desk.locator("#charges-to-settle")).to_be_visible()
    await desk.click("#charges-to-settle .charge-paid-form button[type=submit]")
    await expect(desk.locator(".alert-ok")).to_contain_text(wording.charge_paid)
    await expect(desk.locator("#charges-to-settle")).to_have_count(0)


async def dji_trip(desk: Page, wording: Wording, screens: Screens, case: str) -> None:
    today = polish_today().isoformat()
    await desk.fill("#case_number", "DJI 42")
    await desk.fill("#sent_on", today)
    await desk.click("#manufacturer-handoff-form button[type=submit]")
    await expect(desk.locator("#case_number-error")).to_contain_text(wording.case_number_invalid)
    await screens.take(desk, f"{wording.language}_handoff_refused")
    await desk.fill("#case_number", case)
    await desk.click("#manufacturer-handoff-form button[type=submit]")
    await expect(desk.locator(".alert-ok")).to_contain_text(wording.handed_off)
    await expect(desk.locator("#claim-status")).to_contain_text(wording.at_manufacturer)
    await expect(desk.locator("#manufacturer-trips")).to_contain_text(case)
    await desk.fill("#back_on", today)
    await desk.set_input_files(
        "#return-statement",
        files=FilePayload(name="dji.pdf", mimeType="application/pdf", buffer=STATEMENT),
    )
    await desk.click("#manufacturer-return-form button[type=submit]")
    await expect(desk.locator(".alert-ok")).to_contain_text(wording.back_from_dji)
    await expect(desk.locator("#manufacturer-return-form")).to_have_count(0)
    await screens.take(desk, f"{wording.language}_back_from_dji")


async def test_charges_the_dji_hand_off_and_a_void_mark_from_the_claim_page(
    web: str,
    browser: Browser,
    screens: Screens,
    wording: Wording,
    stack: Stack,
    services: RunningServices,
) -> None:
    run = uuid.uuid4().hex[:8]
    claim = await received_claim(services, run)
    accounts = AccountsSettings(database_url=services.database_url("accounts"))
    operator_email, operator_password = f"dji.{run}@innpro.example", "Operator-Haslo-2026"
    await create_operator(accounts, operator_email, "Ola Operator", operator_password)
    context = await browser.new_context(viewport=DESKTOP, locale=wording.locale)
    desk = await context.new_page()
    await log_in(desk, web, operator_email, operator_password, operator=True)
    await desk.goto(f"{web}/operator/claims/{claim.claim_id}")
    await desk.select_option("#status", "in_inspection")
    await desk.click("#status-form button[type=submit]")
    await expect(desk.locator(".alert-ok")).to_contain_text(wording.status_changed)

    await charge_and_pay(desk, wording, screens)
    case = f"CAS-{run}".upper()
    await dji_trip(desk, wording, screens, case)

    await desk.select_option("#void_reason", "disassembly")
    await desk.check("#warranty-void-form input[name=evidence] >> nth=0")
    await desk.click("#warranty-void-form button[type=submit]")
    await expect(desk.locator(".alert-ok")).to_contain_text(wording.warranty_void)
    await screens.take(desk, f"{wording.language}_warranty_void")
    async with httpx.AsyncClient(base_url=services.url("claims"), timeout=10) as http:
        own = await http.get(f"/api/claims/{claim.claim_id}", headers=claim.customer_headers)
    shown = own.json()
    assert [t["case_number"] for t in shown["manufacturer_handoffs"]] == [case]
    assert [c["state"] for c in shown["charges"]["items"]] == ["paid"]
    assert shown["manufacturer_statement_id"] is not None
    await context.close()
