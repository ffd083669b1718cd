"""The web panel in a real browser (Debian's Chromium through Playwright) over the real services.

The four services run as processes against Kafka, PostgreSQL and the SMTP mailbox (the
`services` fixture); the web panel runs as one more process on port 18000. A customer registers,
activates through the emailed link, logs in, links a second document, checks a support period
and files a claim with a PDF; a scanner posts the parcel over HTTP; an operator watches the
dashboard update live (no reload), inspects and decides; the customer sees the decision and
accepts the price reduction. Every page is saved as a screenshot under .run/test/screenshots/.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
from playwright.async_api import (
    Browser,
    BrowserContext,
    FilePayload,
    expect,
)
from pypdf import PdfReader

from services.accounts.admin import create_operator, create_scanner
from services.accounts.settings import AccountsSettings
from shared.events import SaleLine
from tests.support.browser import (
    DESKTOP,
    PASSWORD,
    PDF,
    PHONE,
    Screens,
    cross_site_post,
    email_about,
    keep_return_address,
    link_to,
    link_token,
    log_in,
    register_over_api,
    until,
)
from tools.support.days import polish_today
from tools.support.kafka import publish
from tools.support.mailbox import Mailbox
from tools.support.sales import drone_line, gtin13, sale
from tools.support.services import RunningServices
from tools.support.stack import STATE_DIR, Stack

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Wording:
    """What the pages, the APIs and the emails say in one language, for the same browser test."""

    language: str
    locale: str
    email_invalid: str
    too_short: str
    almost_done: str
    activate_subject: str
    activated: str
    supported_until: str
    check_digit: str
    document_not_found: str
    serial_known: str
    required: str
    choose_product: str
    choose_claim_type: str
    attach_document: str
    dji_only: str
    claim_saved: str
    awaiting_parcel: str
    failed_emails: str
    claim_not_found: str
    status_changed: str
    in_inspection: str
    say_what_you_need: str
    enter_amount: str
    decision_saved: str
    price_reduction: str
    decided: str
    amount_300: str
    email_amount_300: str
    reduction_accepted: str
    customer_accepted: str
    under_warranty: str
    decision_subject: str
    parcel_subject: str
    new_link_sent: str
    new_link_subject: str
    wrong_login: str
    wrong_password: str
    confirmation_sent: str
    confirm_subject: str
    email_changed: str
    claim_cancelled: str
    cancelled: str
    not_applicable: str
    log_out: str
    reset_link_sent: str
    reset_subject: str
    passwords_differ: str
    password_changed: str


POLISH = Wording(
    language="pl",
    locale="pl-PL",
    email_invalid="poprawny adres e-mail",
    too_short="za krótka",
    almost_done="Prawie gotowe",
    activate_subject="Aktywuj konto",
    activated="Konto zostało aktywowane",
    supported_until="Wsparcie do",
    check_digit="cyfrę kontrolną",
    document_not_found="Nie znaleźliśmy",
    serial_known="znajduje się w bazie",
    required="wymagane",
    choose_product="Wybierz produkt",
    choose_claim_type="Wybierz typ zgłoszenia",
    attach_document="Dołącz dokument sprzedaży",
    dji_only="wyłącznie do produktów marki DJI",
    claim_saved="Zgłoszenie zostało zapisane",
    awaiting_parcel="czeka na przesyłkę",
    failed_emails="Nieudane e-maile",
    claim_not_found="Nie znaleziono",
    status_changed="Status zgłoszenia został zmieniony",
    in_inspection="w diagnozie",
    say_what_you_need="jakich informacji",
    enter_amount="Podaj kwotę",
    decision_saved="Decyzja została zapisana",
    price_reduction="Obniżenie ceny",
    decided="decyzja podjęta",
    amount_300="300,00 zł",
    email_amount_300="300,00\u00a0zł",
    reduction_accepted="Przyjęto obniżkę ceny",
    customer_accepted="Klient przyjął obniżkę ceny",
    under_warranty="objęty gwarancją",
    decision_subject="Zgłoszenie {rma}: decyzja",
    parcel_subject="przesyłka dotarła",
    new_link_sent="nowy link",
    new_link_subject="Nowy link aktywacyjny",
    wrong_login="Nieprawidłowy e-mail lub hasło",
    wrong_password="Hasło jest nieprawidłowe",
    confirmation_sent="Wysłaliśmy link",
    confirm_subject="Potwierdź nowy adres",
    email_changed="Adres e-mail został zmieniony",
    claim_cancelled="Zgłoszenie zostało anulowane",
    cancelled="anulowane",
    not_applicable="nie dotyczy, zgłoszenie anulowane",
    log_out="Wyloguj",
    reset_link_sent="link do zmiany hasła",
    reset_subject="Zmiana hasła",
    passwords_differ="nie są takie same",
    password_changed="Hasło zostało zmienione",
)
ENGLISH = Wording(
    language="en",
    locale="en-GB",
    email_invalid="valid email address",
    too_short="too short",
    almost_done="Almost done",
    activate_subject="Activate your",
    activated="The account is active",
    supported_until="Supported until",
    check_digit="check digit",
    document_not_found="We found no purchase document",
    serial_known="is in INNPRO's records",
    required="required",
    choose_product="Choose a product",
    choose_claim_type="Choose the claim type",
    attach_document="Attach the sales document",
    dji_only="only for DJI products",
    claim_saved="The claim has been saved",
    awaiting_parcel="awaiting the parcel",
    failed_emails="Failed emails",
    claim_not_found="Claim not found",
    status_changed="The claim's status has been changed",
    in_inspection="in inspection",
    say_what_you_need="Say what you need",
    enter_amount="Enter an amount",
    decision_saved="The decision has been saved",
    price_reduction="Price reduction",
    decided="decided",
    amount_300="PLN 300.00",
    email_amount_300="300.00\u00a0PLN",
    reduction_accepted="You accepted the price reduction",
    customer_accepted="The customer accepted the price reduction",
    under_warranty="under warranty",
    decision_subject="Claim {rma}: decision",
    parcel_subject="your parcel reached",
    new_link_sent="we sent a new link",
    new_link_subject="A new activation link",
    wrong_login="Wrong email or password",
    wrong_password="The password is wrong",
    confirmation_sent="We sent a confirmation link",
    confirm_subject="Confirm your new email",
    email_changed="Your email address has been changed",
    claim_cancelled="The claim has been cancelled",
    cancelled="cancelled",
    not_applicable="does not apply, the claim was cancelled",
    log_out="Log out",
    reset_link_sent="password reset link",
    reset_subject="Reset your",
    passwords_differ="do not match",
    password_changed="Your password has been changed",
)


def charger(line_no: int) -> SaleLine:
    """A product of no brand with claim rules of its own: DJI claims are not for it."""
    return SaleLine(
        line_no=line_no,
        ean="5903317221234",
        sku="GC-CHARGER-65W",
        name="Ładowarka Green Cell 65 W",
        brand="Green Cell",
        category="other",
        quantity=1,
        unit_price=Decimal("199.00"),
    )


# Each browser test runs once in Polish and once in English (the `wording` of tests/e2e/conftest).
LANGUAGES = (POLISH, ENGLISH)


# --- tests -------------------------------------------------------------------------------------


async def test_register_form_shows_errors_next_to_fields_and_keeps_input(
    web: str, browser: Browser, screens: Screens, wording: Wording
) -> None:
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
    opened = await page.goto(f"{web}/register")
    assert opened is not None
    headers = await opened.all_headers()
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
    await expect(page.locator("#company-fields")).to_be_hidden()  # the toggle's JavaScript
    await page.check("input[name=account_type][value=company]")
    await expect(page.locator("#company-fields")).to_be_visible()
    await page.fill("#full_name", "Firma Testowa Sp. z o.o.")
    await page.select_option("#vat_country", "PL")
    await page.fill("#tax_id", "5260250274")
    await page.fill("#document_number", "FS 2025/777")
    await page.fill("#document_total", "1 234,56")
    await page.fill("#email", "to-nie-jest-adres")
    await page.fill("#password", "krotkie")
    await page.fill("#password_repeat", "krotkie")
    await page.click("button[type=submit].primary")

    await expect(page.locator("#email-error")).to_contain_text(wording.email_invalid)
    await expect(page.locator("#password-error")).to_contain_text(wording.too_short)
    # The message sits with its field, and everything typed (but the password) is kept.
    assert await page.locator(".field.has-error #email").count() == 1
    await expect(page.locator("#email")).to_have_value("to-nie-jest-adres")
    await expect(page.locator("#full_name")).to_have_value("Firma Testowa Sp. z o.o.")
    await expect(page.locator("#tax_id")).to_have_value("5260250274")
    await expect(page.locator("#document_total")).to_have_value("1 234,56")
    await expect(page.locator("#vat_country")).to_have_value("PL")
    await expect(page.locator("input[name=account_type][value=company]")).to_be_checked()
    await expect(page.locator("#password")).to_have_value("")
    await screens.take(page, f"{wording.language}_register_errors")
    assert refused_by_csp == []  # every script is a static file the policy allows
    await context.close()


async def test_customer_claim_operator_decision_in_the_browser(
    web: str,
    browser: Browser,
    screens: Screens,
    wording: Wording,
    stack: Stack,
    services: RunningServices,
    mailbox: Mailbox,
) -> None:
    run = uuid.uuid4().hex[:8]
    email = f"web.{run}@example.com"
    first_number, second_number = f"2025/W{run}".upper(), f"2025/X{run}".upper()
    drone_serial, camera_serial = f"1581F{run}".upper(), f"OP3{run}".upper()
    camera_ean = gtin13(f"69415659{int(run, 16) % 10_000:04d}")
    sold_on = polish_today() - timedelta(days=60)
    await publish(
        stack.kafka_bootstrap,
        sale(
            first_number,
            drone_line(1, (drone_serial,)),
            sold_on=sold_on,
        ),
    )
    await publish(
        stack.kafka_bootstrap,
        sale(
            second_number,
            SaleLine(
                line_no=1,
                ean=camera_ean,
                sku="DJI-OSMO-POCKET3",
                name="DJI Osmo Pocket 3",
                brand="DJI",
                category="camera",
                quantity=1,
                unit_price=Decimal("2199.00"),
                serial_numbers=(camera_serial,),
            ),
            charger(line_no=2),
            sold_on=sold_on,
        ),
    )

    # An operator and a scanner, created with the accounts admin commands.
    accounts_settings = AccountsSettings(database_url=services.database_url("accounts"))
    operator_email, operator_password = f"operator.{run}@innpro.example", "Operator-Haslo-2026"
    await create_operator(accounts_settings, operator_email, "Olga Operator", operator_password)
    scanner_key = await create_scanner(accounts_settings, f"skaner-{run}")
    async with httpx.AsyncClient(timeout=10) as http:
        operator_login = await http.post(
            f"{services.url('accounts')}/api/auth/operator-login",
            json={"email": operator_email, "password": operator_password},
        )
        assert operator_login.status_code == 200, operator_login.text
        operator_bearer = {"Authorization": f"Bearer {operator_login.json()['access_token']}"}
        # The camera's catalogue entry asks for a problem from a list (the form's extra field).
        imported = await http.post(
            f"{services.url('warranty')}/api/admin/catalogue",
            json=[
                {
                    "ean": camera_ean,
                    "sku": "DJI-OSMO-POCKET3",
                    "name": "DJI Osmo Pocket 3",
                    "brand": "DJI",
                    "category": "camera",
                    "problems": ["Nie włącza się", "Gimbal nie stabilizuje obrazu"],
                }
            ],
            headers=operator_bearer,
        )
        assert imported.status_code == 200, imported.text

    customer = await browser.new_context(viewport=PHONE, locale=wording.locale)
    page = await customer.new_page()

    # --- registration (the sale reaches the accounts ledger through Kafka) -------------------
    await page.goto(f"{web}/register")
    await screens.take(page, f"{wording.language}_register")

    async def register() -> bool:
        await page.goto(f"{web}/register")
        await page.fill("#full_name", "Jan Kowalski")
        await page.fill("#document_number", f"PA {first_number}")
        await page.fill("#document_total", "4 299,00")
        await page.fill("#email", email)
        await page.fill("#password", PASSWORD)
        await page.fill("#password_repeat", PASSWORD)
        async with page.expect_navigation():
            await page.click("button[type=submit].primary")
        return await page.locator("h1", has_text=wording.almost_done).count() == 1

    await until(register, "registration accepted", page)
    await expect(page.locator(".notice").first).to_contain_text("PA")  # the stripped prefix
    await screens.take(page, f"{wording.language}_registered")

    # --- activation through the emailed link --------------------------------------------------
    activation_email = await email_about(mailbox, email, wording.activate_subject)
    token = link_token(activation_email, "activate")
    await page.goto(link_to(activation_email, "activate"))
    await screens.take(page, f"{wording.language}_activate")
    await page.click("main button[type=submit].primary")
    await expect(page.locator(".alert-ok")).to_contain_text(wording.activated)
    await screens.take(page, f"{wording.language}_activated_login")

    # --- login and the home page -------------------------------------------------------------
    await page.fill("#email", email)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit].primary")
    await expect(page).to_have_url(f"{web}/home")
    await expect(page.locator("h1")).to_contain_text("Jan Kowalski")
    cookie = next(c for c in await customer.cookies() if c["name"] == "rma_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    await screens.take(page, f"{wording.language}_home")
    # Every claim needs a return address: kept on the account over the API here (its page is
    # tested in test_web_lifecycle.py).
    await keep_return_address(services, email)

    # Support period by EAN (once the warranty service has the sale).
    async def check_support() -> bool:
        await page.fill("#ean", "6941565967251")
        async with page.expect_navigation():
            await page.click("#support-check button")
        return await page.locator("#support-result").count() == 1

    await until(check_support, "support period known", page)
    await expect(page.locator("#support-result")).to_contain_text("DJI Mini 4 Pro")
    await expect(page.locator("#support-result")).to_contain_text(wording.supported_until)
    await screens.take(page, f"{wording.language}_support_period")

    # Bad input: the message sits at its field and what was typed stays.
    await page.fill("#ean", "6941565967250")  # the check digit is wrong
    async with page.expect_navigation():
        await page.click("#support-check button")
    await expect(page.locator("#ean-error")).to_contain_text(wording.check_digit)
    await expect(page.locator("#ean")).to_have_value("6941565967250")
    await page.fill("#document_number", second_number)
    await page.fill("#document_total", "21,99")
    async with page.expect_navigation():
        await page.click("#link-document button[type=submit]")
    await expect(page.locator("#document_number-error")).to_contain_text(wording.document_not_found)
    await expect(page.locator("#document_total")).to_have_value("21,99")
    await expect(page.locator("#document_number")).to_have_value(second_number)
    await screens.take(page, f"{wording.language}_home_errors")

    # Link the second purchase document.
    async def link_document() -> bool:
        await page.goto(f"{web}/home")
        await page.fill("#document_number", second_number)
        await page.fill("#document_total", "2398,00")
        async with page.expect_navigation():
            await page.click("#link-document button[type=submit]")
        return await page.locator("#link-document .alert-ok").count() == 1

    await until(link_document, "second document linked", page)
    await expect(page.locator("#documents")).to_contain_text("DJI Osmo Pocket 3")
    await screens.take(page, f"{wording.language}_document_linked")

    # --- the claim form ----------------------------------------------------------------------
    product_key = f"PA|{second_number}|1"
    reference = f"MOJE-{run}".upper()
    filled_once: list[bool] = []

    async def fill_claim() -> None:
        await page.goto(f"{web}/claims/new")
        await page.select_option("#product", product_key)
        await expect(page.locator("#problem-field")).to_be_visible()  # the extra field
        await page.fill("#serial_number", camera_serial.lower())
        await page.press("#serial_number", "Enter")  # checks, does not submit
        await expect(page.locator("#serial-check")).to_contain_text(wording.serial_known)
        await page.select_option("#problem_code", "Gimbal nie stabilizuje obrazu")
        await page.fill("#problem_description", "Gimbal drży i nie stabilizuje obrazu w pionie.")
        await page.fill("#tracking_number", f"TRK{run}".upper())
        await page.select_option("#claim_type", "dji")
        await page.fill("#package_contents", "Kamera, etui, kabel USB-C")
        await page.set_input_files(
            "#attachment",
            files=FilePayload(name="paragon.pdf", mimeType="application/pdf", buffer=PDF),
        )
        await page.fill("#customer_reference", reference)
        if not filled_once:
            filled_once.append(True)
            await screens.take(page, f"{wording.language}_claim_form_filled")

    async def file_claim() -> bool:
        await fill_claim()
        async with page.expect_navigation():
            await page.click("#save-claim")
        return "/claims/new" not in page.url

    await page.goto(f"{web}/claims/new")
    await screens.take(page, f"{wording.language}_claim_form")
    # Sent nearly empty: every missing field says so at once, and the typed number stays. (The
    # description is not among them: a return needs none, a complaint's is checked once the
    # claim type is known.)
    await page.fill("#tracking_number", "TRK-ZOSTAJE")
    async with page.expect_navigation():
        await page.click("#save-claim")
    for field, message in (
        ("product", wording.choose_product),
        ("claim_type", wording.choose_claim_type),
        ("package_contents", wording.required),
        ("attachment", wording.attach_document),
    ):
        await expect(page.locator(f"#{field}-error")).to_contain_text(message)
    await expect(page.locator("#tracking_number")).to_have_value("TRK-ZOSTAJE")
    await screens.take(page, f"{wording.language}_claim_form_errors")

    # The charger is not a DJI product: the form offers no DJI claim for it and says why. (The
    # claims service learns of the linked document through Kafka, so ask until it knows.)
    async def charger_types_limited() -> bool:
        await page.goto(f"{web}/claims/new")
        await page.select_option("#product", f"PA|{second_number}|2")
        try:
            await expect(page.locator("#claim-types-unavailable")).to_contain_text(
                wording.dji_only, timeout=3000
            )
        except AssertionError:
            return False
        return True

    await until(charger_types_limited, "claim types of the charger known", page)
    await expect(page.locator("#claim_type option[value=dji]")).to_have_count(0)
    await expect(page.locator("#claim_type option[value=warranty]")).to_have_count(1)
    await expect(page.locator("#problem-field")).to_be_hidden()
    await screens.take(page, f"{wording.language}_claim_form_types_limited")
    await until(file_claim, "claim saved", page)
    await expect(page.locator(".alert-ok")).to_contain_text(wording.claim_saved)
    rma_number = (await page.locator("#rma-number").inner_text()).strip()
    assert re.fullmatch(rf"RMA/\d+/SR/{polish_today().year}", rma_number), rma_number
    claim_id = page.url.split("/claims/")[1].split("?")[0]
    await expect(page.locator("#claim-status")).to_contain_text(wording.awaiting_parcel)
    await expect(page.locator("main")).to_contain_text("Rudzka 65C")
    await screens.take(page, f"{wording.language}_claim_created")

    # The printable label: a PDF whose text and barcode carry the RMA number.
    async with page.expect_download() as download_info:
        await page.click("#label-link")
    label_path = await (await download_info.value).path()
    label_text = "".join(p.extract_text() for p in PdfReader(str(label_path)).pages)
    assert rma_number in label_text

    # Search by the own reference.
    await page.goto(f"{web}/home?q={reference}")
    await expect(page.locator("#claims")).to_contain_text(rma_number)
    await screens.take(page, f"{wording.language}_home_search")

    # --- the operator's live dashboard -------------------------------------------------------
    operator = await browser.new_context(viewport=DESKTOP, locale=wording.locale)
    desk = await operator.new_page()
    await desk.goto(f"{web}/operator")
    await expect(desk).to_have_url(re.compile(r"/operator/login"))
    await screens.take(desk, f"{wording.language}_operator_login")
    await desk.fill("#email", operator_email)
    await desk.fill("#password", operator_password)
    await desk.click("button[type=submit].primary")
    await expect(desk).to_have_url(f"{web}/operator")
    await expect(desk.locator("#group-submitted")).to_contain_text(rma_number)
    # Failed emails are listed from the notifications service (it answers: no "?" count).
    await expect(desk.locator("#failed-emails h2")).to_contain_text(wording.failed_emails)
    await expect(desk.locator("#failed-emails .pill")).not_to_have_text("?")
    await expect(desk.locator("#live-state")).to_have_attribute("data-state", "live")

    async def feed_ready() -> bool:
        async with httpx.AsyncClient(timeout=5) as http:
            return bool((await http.get(f"{web}/health")).json()["live_ready"])

    await until(feed_ready, "the web panel's Kafka consumer has its partitions")
    await screens.take(desk, f"{wording.language}_dashboard_before_scan")
    received_before = int(await desk.locator("#counts [data-status=received] .number").inner_text())
    await desk.evaluate("window.__sameDocument = true")

    # --- a scanner receives the parcel (and one it cannot identify) ---------------------------
    stray_tracking = f"NIEZNANA{run}".upper()
    async with httpx.AsyncClient(base_url=services.url("accounts"), timeout=10) as http:
        scanner_token = await http.post("/api/auth/scanner-token", json={"api_key": scanner_key})
        assert scanner_token.status_code == 200, scanner_token.text
        scanner = {"Authorization": f"Bearer {scanner_token.json()['access_token']}"}
        scanned = await http.post(
            f"{services.url('claims')}/api/parcels",
            json={"rma_number": rma_number},
            headers=scanner,
        )
        assert scanned.status_code == 200, scanned.text
        assert scanned.json()["identified"] is True
        stray = await http.post(
            f"{services.url('claims')}/api/parcels",
            json={"tracking_number": stray_tracking},
            headers=scanner,
        )
        assert stray.status_code == 200, stray.text

    # The dashboard follows without a reload.
    await expect(desk.locator("#group-received")).to_contain_text(rma_number, timeout=20_000)
    await expect(desk.locator("#parcels")).to_contain_text(stray_tracking, timeout=20_000)
    # The operator reads which scanner took the parcel by its name.
    await expect(desk.locator("#parcels tr", has_text=stray_tracking)).to_contain_text(
        f"scanner:skaner-{run}"
    )
    await expect(desk.locator("#counts [data-status=received] .number")).to_have_text(
        str(received_before + 1)
    )
    assert await desk.evaluate("window.__sameDocument === true"), "the dashboard was reloaded"
    assert int(await desk.evaluate("document.body.dataset.liveUpdates")) >= 1
    await screens.take(desk, f"{wording.language}_dashboard_after_scan")

    # A parcel attached to an RMA number that does not exist: said in its row, input kept.
    stray_row = desk.locator("#parcels tr", has_text=stray_tracking)
    await stray_row.locator("input[name=rma_number]").fill("RMA/999999/SR/1999")
    await stray_row.locator("button[type=submit]").click()
    stray_row = desk.locator("#parcels tr", has_text=stray_tracking)
    await expect(stray_row.locator(".field-error")).to_contain_text(wording.claim_not_found)
    await expect(stray_row.locator("input[name=rma_number]")).to_have_value("RMA/999999/SR/1999")
    await screens.take(desk, f"{wording.language}_dashboard_attach_error")

    # --- inspection and decision ---------------------------------------------------------------
    await desk.click(f"#group-received a:has-text('{rma_number}')")
    await expect(desk).to_have_url(f"{web}/operator/claims/{claim_id}")
    await screens.take(desk, f"{wording.language}_operator_claim")
    # Another site posting a status change with the operator's cookies is refused (CSRF).
    forged = await cross_site_post(
        operator, f"{web}/operator/claims/{claim_id}/status", {"status": "in_inspection"}
    )
    await forged.close()
    await desk.reload()
    await expect(desk.locator("#claim-status")).not_to_contain_text(wording.in_inspection)
    await desk.select_option("#status", "in_inspection")
    await desk.click("#status-form button[type=submit]")
    await expect(desk.locator(".alert-ok")).to_contain_text(wording.status_changed)
    await expect(desk.locator("#claim-status")).to_contain_text(wording.in_inspection)
    await screens.take(desk, f"{wording.language}_operator_inspection")
    # Asking the customer without saying what for is refused at the note.
    await desk.select_option("#status", "awaiting_customer")
    await desk.click("#status-form button[type=submit]")
    await expect(desk.locator("#note-error")).to_contain_text(wording.say_what_you_need)
    await expect(desk.locator("#status")).to_have_value("awaiting_customer")
    await expect(desk.locator("#claim-status")).to_contain_text(wording.in_inspection)
    await screens.take(desk, f"{wording.language}_operator_status_error")

    # A price reduction needs an amount: the message sits next to the field, input kept.
    await desk.select_option("#decision", "price_reduction")
    await desk.select_option("#reduction_kind", "cosmetic_defect")
    await desk.fill("#justification", "Rysa na obudowie kamery; działanie poprawne.")
    await desk.click("#decision-form button[type=submit]")
    await expect(desk.locator("#amount-error")).to_contain_text(wording.enter_amount)
    await expect(desk.locator("#justification")).to_have_value(
        "Rysa na obudowie kamery; działanie poprawne."
    )
    await screens.take(desk, f"{wording.language}_operator_decision_error")
    await desk.fill("#amount", "300,00")
    await desk.click("#decision-form button[type=submit]")
    await expect(desk.locator(".alert-ok")).to_contain_text(wording.decision_saved)
    await expect(desk.locator("#decision")).to_contain_text(wording.price_reduction)
    await screens.take(desk, f"{wording.language}_operator_decided")

    # --- the customer sees the decision and accepts the reduction ----------------------------
    await page.goto(f"{web}/claims/{claim_id}")
    await expect(page.locator("#claim-status")).to_contain_text(wording.decided)
    await expect(page.locator("#decision")).to_contain_text(wording.price_reduction)
    await expect(page.locator("#decision")).to_contain_text(wording.amount_300)
    await expect(page.locator("#timeline")).to_contain_text(wording.in_inspection)
    await screens.take(page, f"{wording.language}_customer_decision")
    await page.click("#price-reduction button[value=yes]")
    await expect(page.locator(".alert-ok")).to_contain_text(wording.reduction_accepted)
    await expect(page.locator("#decision")).to_contain_text(wording.customer_accepted)
    await expect(page.locator("#price-reduction")).to_have_count(0)
    await screens.take(page, f"{wording.language}_customer_accepted")

    # The warranty service's assessment (WarrantyAssessed, through the claims service) shows too.
    async def assessed() -> bool:
        await page.goto(f"{web}/claims/{claim_id}")
        return await page.locator("#assessment").count() == 1

    await until(assessed, "warranty assessment shown", page)
    await expect(page.locator("#assessment")).to_contain_text(wording.under_warranty)
    await screens.take(page, f"{wording.language}_customer_assessment")

    # Every status change reached the customer by email: the decision with its amount, once.
    decision_email = await email_about(
        mailbox, email, wording.decision_subject.format(rma=rma_number)
    )
    # The amount as the email's language writes it.
    assert wording.email_amount_300 in decision_email["text"], decision_email["text"]
    subjects = [str(item["subject"]) for item in await mailbox.messages(email)]
    assert (
        sum(wording.decision_subject.format(rma=rma_number) in subject for subject in subjects) == 1
    ), subjects
    assert any(wording.parcel_subject in subject for subject in subjects), subjects

    await operator.close()
    await customer.close()

    # The password and the tokens never reached the web panel's log.
    web_log = (STATE_DIR / "logs" / services.run_id / "web.log").read_text()
    assert PASSWORD not in web_log and operator_password not in web_log
    assert token not in web_log


async def test_account_pages_activation_link_email_change_lost_password_and_cancel(
    web: str,
    browser: Browser,
    screens: Screens,
    wording: Wording,
    stack: Stack,
    services: RunningServices,
    mailbox: Mailbox,
) -> None:
    run = uuid.uuid4().hex[:8]
    email, new_email = f"konto.{run}@example.com", f"nowy.{run}@example.com"
    new_password, wrong_password = "Nowe-Haslo-456", "Zle-Haslo-000"
    number = f"2025/K{run}".upper()
    await publish(
        stack.kafka_bootstrap, sale(number, charger(1), sold_on=polish_today() - timedelta(days=5))
    )

    # Registered over the API (the other test registers in the browser) once the sale is known.
    await register_over_api(services, email, "Ewa Nowak", (number, "199,00"), wording.language)
    context = await browser.new_context(viewport=PHONE, locale=wording.locale)
    page = await context.new_page()

    # --- a new activation link, asked for from the login page -------------------------------
    await page.goto(f"{web}/login")
    await screens.take(page, f"{wording.language}_login")
    await page.click("#login-help a[href='/activation/resend']")
    await page.fill("#email", "bez-malpy")
    await page.click("#email-request button[type=submit]")
    await expect(page.locator("#email-error")).to_contain_text(wording.email_invalid)
    await expect(page.locator("#email")).to_have_value("bez-malpy")
    await screens.take(page, f"{wording.language}_activation_resend_error")
    await page.fill("#email", email)
    await page.click("#email-request button[type=submit]")
    await expect(page.locator("#email-request .alert-ok")).to_contain_text(wording.new_link_sent)
    await screens.take(page, f"{wording.language}_activation_resend_sent")
    resent = await email_about(mailbox, email, wording.new_link_subject)
    activation_token = link_token(resent, "activate")
    await page.goto(f"{web}/activate?token={activation_token}")
    await page.click("main button[type=submit].primary")
    await expect(page.locator(".alert-ok")).to_contain_text(wording.activated)

    # --- a wrong password: the message at its field, the address kept -----------------------
    await page.fill("#email", email)
    await page.fill("#password", wrong_password)
    await page.click("button[type=submit].primary")
    await expect(page.locator("#password-error")).to_contain_text(wording.wrong_login)
    await expect(page.locator("#email")).to_have_value(email)
    await expect(page.locator("#password")).to_have_value("")
    await screens.take(page, f"{wording.language}_login_error")
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit].primary")
    await expect(page).to_have_url(f"{web}/home")

    # --- the email address changes only once the new address confirms it -------------------
    await page.click("nav a[href='/account']")
    await expect(page.locator("#profile-email")).to_have_text(email)
    await screens.take(page, f"{wording.language}_account")
    await page.fill("#new_email", new_email)
    await page.fill("#password", wrong_password)
    await page.click("#email-change button[type=submit]")
    await expect(page.locator("#password-error")).to_contain_text(wording.wrong_password)
    await expect(page.locator("#new_email")).to_have_value(new_email)
    await screens.take(page, f"{wording.language}_account_email_error")
    await page.fill("#password", PASSWORD)
    await page.click("#email-change button[type=submit]")
    await expect(page.locator("#email-change .alert-ok")).to_contain_text(wording.confirmation_sent)
    await expect(page.locator("#profile-email")).to_have_text(email)
    confirmation = await email_about(mailbox, new_email, wording.confirm_subject)
    email_token = link_token(confirmation, "confirm-email")
    await page.goto(f"{web}/confirm-email?token={email_token}")
    await screens.take(page, f"{wording.language}_confirm_email")
    await page.click("#confirm-email button[type=submit]")
    # The login taken before the change no longer counts anywhere: log in with the new address.
    await expect(page).to_have_url(f"{web}/login?done=email_changed")
    await expect(page.locator(".alert-ok")).to_contain_text(wording.email_changed)
    await page.fill("#email", new_email)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit].primary")
    await expect(page).to_have_url(f"{web}/home")
    await page.click("nav a[href='/account']")
    await expect(page.locator("#profile-email")).to_have_text(new_email)
    await screens.take(page, f"{wording.language}_account_email_changed")

    # --- a claim cancelled before its parcel is sent -----------------------------------------
    async with httpx.AsyncClient(timeout=10) as http:
        login = await http.post(
            f"{services.url('accounts')}/api/auth/login",
            json={"email": new_email, "password": PASSWORD},
        )
        assert login.status_code == 200, login.text
        bearer = {"Authorization": f"Bearer {login.json()['access_token']}"}
        filed_ids: list[str] = []

        async def file_claim() -> bool:
            filed = await http.post(
                f"{services.url('claims')}/api/claims",
                data={
                    "document_type": "PA",
                    "document_number": number,
                    "line_no": "1",
                    "claim_type": "warranty",
                    "problem_description": "Ładowarka nie ładuje laptopa.",
                    "package_contents": "Ładowarka, kabel",
                    "return_recipient": "Jan Kowalski",
                    "return_street": "ul. Zielona 5",
                    "return_postal_code": "44-200",
                    "return_city": "Rybnik",
                },
                files={"attachment": ("paragon.pdf", PDF, "application/pdf")},
                headers=bearer,
            )
            if filed.status_code == 201:
                filed_ids.append(filed.json()["claim_id"])
            return bool(filed_ids)

        await until(file_claim, "the claims service knows the linked document")
    # A cancel posted by another site (in the browser, then as a plain HTTP request with the
    # session cookie) is refused with 403 and the claim stays as it was.
    forged = await cross_site_post(context, f"{web}/claims/{filed_ids[0]}/cancel", {})
    await forged.close()
    session = {c["name"]: c["value"] for c in await context.cookies() if "rma" in c["name"]}
    async with httpx.AsyncClient(timeout=10, cookies=session) as http:
        plain = await http.post(
            f"{web}/claims/{filed_ids[0]}/cancel", headers={"Origin": "https://evil.example"}
        )
        assert plain.status_code == 403, plain.text
        no_token = await http.post(f"{web}/claims/{filed_ids[0]}/cancel", headers={"Origin": web})
        assert no_token.status_code == 403, no_token.text
        still = await http.get(
            f"{services.url('claims')}/api/claims/{filed_ids[0]}", headers=bearer
        )
        assert still.json()["status"] == "submitted", still.text
    await page.goto(f"{web}/claims/{filed_ids[0]}")
    page.once("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    await page.click("#cancel-claim button[type=submit]")
    await expect(page.locator(".alert-ok")).to_contain_text(wording.claim_cancelled)
    await expect(page.locator("#claim-status")).to_contain_text(wording.cancelled)
    await expect(page.locator("#cancel-claim")).to_have_count(0)
    await expect(page.locator("#label-link")).to_have_count(0)
    await screens.take(page, f"{wording.language}_claim_cancelled")

    async def deadlines_shown() -> bool:  # they come with the warranty service's assessment
        await page.reload()
        return await page.locator(".deadlines li").count() > 0

    await until(deadlines_shown, "the cancelled claim's deadlines shown", page)
    await expect(page.locator(".deadlines")).to_contain_text(wording.not_applicable)

    # --- a lost password: a link by email, then a new password -------------------------------
    await page.click(f"nav button:has-text('{wording.log_out}')")
    await page.click("#login-help a[href='/password-reset']")
    await page.fill("#email", new_email)
    await page.click("#email-request button[type=submit]")
    await expect(page.locator("#email-request .alert-ok")).to_contain_text(wording.reset_link_sent)
    await screens.take(page, f"{wording.language}_password_reset_sent")
    reset = await email_about(mailbox, new_email, wording.reset_subject)
    reset_token = link_token(reset, "reset-password")
    await page.goto(f"{web}/reset-password?token={reset_token}")
    await page.fill("#new_password", new_password)
    await page.fill("#new_password_repeat", "Inne-Haslo-789")
    await page.click("#new-password button[type=submit]")
    await expect(page.locator("#new_password_repeat-error")).to_contain_text(
        wording.passwords_differ
    )
    await screens.take(page, f"{wording.language}_new_password_error")
    await page.fill("#new_password", new_password)
    await page.fill("#new_password_repeat", new_password)
    await page.click("#new-password button[type=submit]")
    await expect(page.locator(".alert-ok")).to_contain_text(wording.password_changed)
    await page.fill("#email", new_email)
    await page.fill("#password", new_password)
    await page.click("button[type=submit].primary")
    await expect(page).to_have_url(f"{web}/home")
    await expect(page.locator("h1")).to_contain_text("Ewa Nowak")
    await context.close()

    web_log = (STATE_DIR / "logs" / services.run_id / "web.log").read_text()
    for secret in (PASSWORD, new_password, activation_token, email_token, reset_token):
        assert secret not in web_log


# --- login limits: the stranger slowed, the owner not ------------------------------------------
# Each browser context stands for a person behind the reverse proxy in front of the web panel:
# the proxy (127.0.0.1, trusted by the test deployment) names the person's address in
# X-Forwarded-For, and the web panel forwards it to accounts, which trusts the web panel in turn.
# Without that every web user would share the web panel's one address, and a stranger's failures
# would slow everyone.
# Five failures per (account, address) cost nothing; the sixth attempt must wait (accounts'
# PER_ACCOUNT_AND_ADDRESS throttle).
FREE_LOGIN_FAILURES = 5
TOO_MANY_LOGINS = {
    "pl": "Zbyt wiele prób. Spróbuj ponownie za",
    "en": "Too many attempts. Try again in",
}


async def person_behind_proxy(browser: Browser, wording: Wording, address: str) -> BrowserContext:
    return await browser.new_context(
        viewport=DESKTOP, locale=wording.locale, extra_http_headers={"X-Forwarded-For": address}
    )


async def test_a_stranger_guessing_a_password_is_slowed_and_the_owner_still_logs_in(
    services: RunningServices, web: str, browser: Browser, screens: Screens, wording: Wording
) -> None:
    language = wording.language
    run = uuid.uuid4().hex[:8]
    email, password = f"operator.{run}@innpro.example", "Operator-Haslo-2026"
    settings = AccountsSettings(database_url=services.database_url("accounts"))
    await create_operator(settings, email, "Olga Operator", password)
    # Distinct per run and language, so no earlier run's failures count here.
    octet = int(run[:2], 16)
    stranger_address = f"203.0.113.{octet}"
    owner_address = f"198.51.100.{octet}"

    stranger = await person_behind_proxy(browser, wording, stranger_address)
    guessing = await stranger.new_page()
    for _ in range(FREE_LOGIN_FAILURES):
        await log_in(guessing, web, email, f"zgadywane-{uuid.uuid4().hex[:6]}", operator=True)
        await expect(guessing.locator(".alert-error, .field-error").first).to_contain_text(
            wording.wrong_login
        )
    # The next try from the same address waits, even with the right password: the page says for
    # how long, at the form, and no session cookie is set.
    await log_in(guessing, web, email, password, operator=True)
    refusal = guessing.locator(".alert-error, .field-error").first
    await expect(refusal).to_contain_text(TOO_MANY_LOGINS[language])
    assert re.search(r"\d+", await refusal.inner_text())
    await expect(guessing).to_have_url(re.compile(r"/operator/login"))
    assert not [c for c in await stranger.cookies() if c["name"] == "rma_operator"]
    await screens.take(guessing, f"{language}_login_slowed_for_the_stranger")

    # The operator at another address is not slowed by the stranger's failures.
    owner = await person_behind_proxy(browser, wording, owner_address)
    desk = await owner.new_page()
    await log_in(desk, web, email, password, operator=True)
    await expect(desk).to_have_url(f"{web}/operator")
    await screens.take(desk, f"{language}_login_owner_not_slowed")

    # Nor is anyone else who reaches the panel through the same proxy: no shared counter.
    other = await person_behind_proxy(browser, wording, f"192.0.2.{octet}")
    elsewhere = await other.new_page()
    await log_in(elsewhere, web, email, "jeszcze-inne-zle", operator=True)
    await expect(elsewhere.locator(".alert-error, .field-error").first).to_contain_text(
        wording.wrong_login
    )
    for context in (stranger, owner, other):
        await context.close()
