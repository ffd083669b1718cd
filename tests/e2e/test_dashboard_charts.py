"""The dashboard's 90-day charts in Chromium, over the real services: claims of every type filed
today over the claims API, two of them received, inspected and decided by an operator (the
non-conformity one within its 14-day answer deadline). The operator's dashboard draws them in
Polish and English; the screenshots go to .run/test/screenshots/dashboard/, and the per-day
table's CSV is downloaded and read. Mailpit's own web UI shows the claims' emails.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.e2e.test_security import bearer
from tests.support.browser import WEB_URL, until
from tests.support.claims import file_drone_claim
from tools.support.days import polish_today
from tools.support.services import RunningServices
from tools.support.stack import STATE_DIR, Stack

pytestmark = pytest.mark.e2e

# Its own folder: the panel's browser test clears the screenshots of the folder above.
SCREENSHOTS = STATE_DIR / "screenshots" / "dashboard"


@dataclass(frozen=True)
class Wording:
    locale: str
    language: str
    by_type: str
    deadlines: str
    header: list[str]
    types: set[str]
    decided: str


POLISH = Wording(
    "pl-PL", "pl", "Zgłoszone i zakończone dziennie według typu",
    "Dotrzymane terminy według rodzaju, tygodniowo",
    ["Dzień", "Typ", "Status", "Zgłoszone", "Zakończone"],
    {"DJI", "Niezgodność z umową", "Zwrot", "Gwarancja"}, "decyzja podjęta",
)  # fmt: skip
ENGLISH = Wording(
    "en-GB", "en", "Claims filed and ended per day by type", "Deadlines kept by kind, per week",
    ["Day", "Type", "Status", "Filed", "Ended"],
    {"DJI", "Non-conformity", "Return", "Warranty"}, "decided",
)  # fmt: skip
# The `wording` of tests/e2e/conftest.py reads this.
LANGUAGES = (POLISH, ENGLISH)


async def receive_and_decide(claims: httpx.AsyncClient, stack: Stack, claim_id: str) -> None:
    operator = bearer(stack, "operator")
    claim = (await claims.get(f"/api/operator/claims/{claim_id}", headers=operator)).json()
    scanned = await claims.post(
        "/api/parcels", json={"rma_number": claim["rma_number"]}, headers=bearer(stack, "scanner")
    )
    assert scanned.status_code == 200, scanned.text
    moved = await claims.post(
        f"/api/operator/claims/{claim_id}/status",
        json={"status": "in_inspection"},
        headers=operator,
    )
    assert moved.status_code == 200, moved.text
    decided = await claims.post(
        f"/api/operator/claims/{claim_id}/decision",
        json={"decision": "repair", "justification": "Usterka fabryczna: naprawa."},
        headers=operator,
    )
    assert decided.status_code == 200, decided.text


@pytest.fixture(scope="module")
async def claims_of_today(stack: Stack, services: RunningServices) -> dict[str, str]:
    """One claim of each type filed today; the DJI and non-conformity ones decided."""
    filed = {
        claim_type: (
            await file_drone_claim(stack, services, claim_type=claim_type, sold_days_ago=10)
        ).claim_id
        for claim_type in ("dji", "non_conformity", "return", "warranty")
    }
    async with httpx.AsyncClient(base_url=services.url("claims"), timeout=10) as claims:
        for claim_type in ("dji", "non_conformity"):
            await receive_and_decide(claims, stack, filed[claim_type])

        async def answer_deadline_counted() -> bool:
            # The 14-day deadline comes with the warranty service's verdict after the receipt.
            figures = await claims.get(
                "/api/operator/claims/statistics", headers=bearer(stack, "operator")
            )
            kept = [r for r in figures.json()["deadlines"] if r["kind"] == "complaint_answer"]
            return any(row["kept"] for row in kept)

        await until(answer_deadline_counted, "the non-conformity answer counted as kept")
    return filed


async def test_the_dashboard_charts_todays_claims_and_exports_their_table(
    web: str,
    browser: Browser,
    stack: Stack,
    claims_of_today: dict[str, str],
    wording: Wording,
) -> None:
    context = await browser.new_context(
        locale=wording.locale, viewport={"width": 1400, "height": 1000}, accept_downloads=True
    )
    token = bearer(stack, "operator")["Authorization"].removeprefix("Bearer ")
    await context.add_cookies([{"name": "rma_operator", "value": token, "url": WEB_URL}])
    page = await context.new_page()
    await page.goto(f"{web}/operator")
    charts = page.locator("#charts")
    await expect(charts.locator("#chart-by-type figcaption")).to_have_text(wording.by_type)
    await expect(charts.locator("#chart-deadlines figcaption")).to_have_text(wording.deadlines)
    today = polish_today().isoformat()
    column = charts.locator(f'#chart-by-type g.column[data-day="{today}"]')
    assert int(await column.get_attribute("data-filed") or 0) >= len(claims_of_today)
    # One segment filed per type above the axis (other tests may have ended claims today too:
    # those are the `ended` segments below it).
    for claim_type in claims_of_today:
        filed = column.locator(f'rect[data-series="{claim_type}"]:not(.ended)')
        await expect(filed).to_have_count(1)
    kept = charts.locator('#chart-deadlines g[data-kind="complaint_answer"] circle')
    assert await kept.count() >= 1
    await expect(charts.locator("#decision-median .number")).not_to_be_empty()
    await expect(page.locator("#counts")).to_be_visible()  # the live counts stay
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await charts.screenshot(path=SCREENSHOTS / f"{wording.language}_charts.png")

    await charts.locator("#table-claims-per-day summary").click()
    async with page.expect_download() as downloading:
        await charts.locator('#table-claims-per-day a[href$="claims-per-day.csv"]').click()
    download = await downloading.value
    rows = list(csv.reader(io.StringIO(await download_text(download))))
    assert rows[0] == wording.header
    of_today = [row for row in rows[1:] if row[0] == today]
    assert wording.types <= {row[1] for row in of_today if int(row[3]) >= 1}
    assert any(row[2] == wording.decided and int(row[3]) >= 1 for row in of_today)
    await context.close()


async def download_text(download: Any) -> str:
    path = await download.path()
    return str(path.read_text(encoding="utf-8"))


async def test_mailpit_shows_the_claims_emails_in_its_web_ui(
    browser: Browser, stack: Stack, claims_of_today: dict[str, str]
) -> None:
    page = await browser.new_page(viewport={"width": 1280, "height": 800})
    await page.goto(stack.mailbox_url)
    first = page.locator("#message-page .message").first
    await expect(first).to_be_visible(timeout=30_000)  # the UI's script drew the list
    await first.click()
    await expect(page.locator("#preview-html, #preview-plain").first).to_be_attached()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=SCREENSHOTS / "mailpit_ui.png")
    await page.close()
