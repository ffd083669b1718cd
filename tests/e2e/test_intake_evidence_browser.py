"""Evidence at intake in a real browser (Chromium) over the real services (issue 25 §2): the
warehouse receives a parcel on a phone, then records what arrived with two photos chosen in the
camera field, the packaging, damage and dirt; the operator's claim page shows the photos (as
images the browser decoded) above the decision form, and the customer's own claim page shows
them too. Screenshots under .run/test/screenshots/ (evidence_*)."""

from __future__ import annotations

import re
import struct
import uuid
import zlib

import pytest
from playwright.async_api import Browser, expect

from services.accounts.admin import create_operator
from services.accounts.settings import AccountsSettings
from tests.e2e.test_scanner_intake import POLISH, logged_in_scanner, scan
from tests.support.browser import DESKTOP, Screens
from tests.support.claims import file_drone_claim
from tools.support.services import RunningServices
from tools.support.stack import Stack

pytestmark = pytest.mark.e2e

# The `wording` and `screens` fixtures of tests/e2e/conftest.py read these.
LANGUAGES = (POLISH,)
SCREENSHOT_PREFIX = "evidence_"


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A real PNG of one colour (the browser must decode it to show it)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


# Each photo's width once the browser has decoded it (an image still loading is 0 wide, and
# decode() fails for one it cannot show).
DECODED_WIDTHS = "(images) => Promise.all(images.map((i) => i.decode().then(() => i.naturalWidth)))"


async def test_the_warehouse_photographs_what_arrived_and_the_operator_sees_it(
    web: str,
    browser: Browser,
    screens: Screens,
    wording: object,
    stack: Stack,
    services: RunningServices,
) -> None:
    run = uuid.uuid4().hex[:8]
    claim = await file_drone_claim(stack, services)
    accounts = AccountsSettings(database_url=services.database_url("accounts"))
    operator_email, operator_password = f"ewa.{run}@innpro.example", "Operator-Haslo-2026"
    await create_operator(accounts, operator_email, "Ewa Operator", operator_password)
    warehouse = await logged_in_scanner(web, browser, services, POLISH)
    page = warehouse.page
    await scan(page, claim.rma_number)
    async with page.expect_navigation():
        await page.click("#confirm-receipt")
    await expect(page.locator("#receipt")).to_contain_text(claim.rma_number)

    # The evidence form under the receipt: the camera field takes several photos at once.
    form = page.locator("#evidence-form")
    await expect(form).to_be_visible()
    assert await page.get_attribute("#photos", "capture") is not None
    await page.set_input_files(
        "#photos",
        [
            {"name": "IMG_0001.png", "mimeType": "image/png", "buffer": png(40, 30, (200, 40, 40))},
            {"name": "IMG_0002.png", "mimeType": "image/png", "buffer": png(30, 40, (40, 40, 200))},
        ],
    )
    await page.select_option("#packaging", "other")
    await page.check("input[name=visible_damage]")
    await page.check("input[name=dirty]")
    await screens.take(page, "scanner_evidence_filled")
    async with page.expect_navigation():
        await page.click("#save-evidence")
    await expect(page).to_have_url(re.compile(r"/scanner\?done=evidence"))
    await expect(page.locator("[role=status]").first).to_contain_text("Stan przesyłki")
    assert warehouse.refused_by_csp == []
    await warehouse.context.close()

    # The operator: the photos above the decision form, decoded by the browser.
    desk_context = await browser.new_context(viewport=DESKTOP, locale="pl-PL")
    desk = await desk_context.new_page()
    await desk.goto(f"{web}/operator/login")
    await desk.fill("#email", operator_email)
    await desk.fill("#password", operator_password)
    await desk.click("button[type=submit].primary")
    await expect(desk).to_have_url(f"{web}/operator")
    await desk.goto(f"{web}/operator/claims/{claim.claim_id}")
    photos = desk.locator("#evidence-photos img")
    await expect(photos).to_have_count(2)
    widths = await photos.evaluate_all(DECODED_WIDTHS)
    assert widths == [40, 30]
    await expect(desk.locator("#evidence-packaging")).to_contain_text("Inne")
    await expect(desk.locator("#evidence-dirty")).to_have_text("Tak")
    await expect(desk.locator("#timeline")).to_contain_text("Dowody przyjęcia")
    await screens.take(desk, "operator_claim_photos")
    await desk_context.close()

    # The customer who owns the claim sees the same photos on the claim's page.
    own = await browser.new_context(viewport=DESKTOP, locale="pl-PL")
    token = claim.customer_headers["Authorization"].removeprefix("Bearer ")
    await own.add_cookies([{"name": "rma_session", "value": token, "url": web}])
    customer = await own.new_page()
    await customer.goto(f"{web}/claims/{claim.claim_id}")
    mine = customer.locator("#evidence-photos img")
    await expect(mine).to_have_count(2)
    shown = await mine.evaluate_all(DECODED_WIDTHS)
    assert shown == [40, 30]
    await screens.take(customer, "customer_claim_photos")
    await own.close()
