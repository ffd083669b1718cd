"""DJI's official service against the real Kafka, PostgreSQL and SMTP server (issue 25 section 3):
the hand-off pauses the DJI 60-working-day clock, the return moves it by the working days there,
the statement that came back allows the replacement, and the customer gets both emails."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import asyncpg
import pytest

from shared.events import Deadline
from tests.integration import test_claim_lifecycle
from tests.integration.test_claim_lifecycle import Lifecycle, in_inspection
from tests.integration.test_claims import error_code
from tools.support.days import polish_today

pytestmark = pytest.mark.integration
# The claims and notifications services of the lifecycle tests, for this module too.
lifecycle = test_claim_lifecycle.lifecycle

STATEMENT = ("oswiadczenie-dji.pdf", b"%PDF-1.4\n% DJI: repair impossible\n", "application/pdf")


async def received_days_ago(lc: Lifecycle, claim_id: str, days: int) -> None:
    """The parcel came `days` ago (the test cannot wait for working days to pass)."""
    conn = await asyncpg.connect(lc.claims.database_url)
    try:
        await conn.execute(
            "UPDATE claims SET received_at = received_at - make_interval(days => $2) "
            "WHERE claim_id = $1",
            uuid.UUID(claim_id),
            days,
        )
    finally:
        await conn.close()


async def test_the_dji_hand_off_pausing_the_clock(lifecycle: Lifecycle) -> None:
    customer, claim = await in_inspection(lifecycle, "dji")
    today = polish_today()
    due = today + timedelta(days=84)
    await lifecycle.assess(
        customer, claim, True, Deadline(kind="dji_repair", due_on=due, description="60 dni")
    )
    await received_days_ago(lifecycle, claim["claim_id"], 15)
    path = f"/api/operator/claims/{claim['claim_id']}/manufacturer-handoff"
    bad = await lifecycle.client.post(
        path,
        json={"case_number": "DJI 42", "sent_on": today.isoformat()},
        headers=lifecycle.operator,
    )
    assert (bad.status_code, error_code(bad)) == (422, "handoff_case_number_invalid")
    assert (await lifecycle.view(claim))["status"] == "in_inspection"

    # Sent twice with one Idempotency-Key: sent once, the same answer.
    keyed = {**lifecycle.operator, "Idempotency-Key": str(uuid.uuid4())}
    sent_on = today - timedelta(days=14)
    body = {"case_number": "CAS-PL-2611", "sent_on": sent_on.isoformat()}
    sent = await lifecycle.client.post(path, json=body, headers=keyed)
    assert sent.status_code == 200, sent.text
    again = await lifecycle.client.post(path, json=body, headers=keyed)
    assert (again.status_code, again.json()) == (200, sent.json())
    assert (sent.json()["trip"], sent.json()["back_on"]) == (1, None)
    away = await lifecycle.view(claim)
    assert away["status"] == "at_manufacturer" and away["next_statuses"] == []
    assert "receive_from_manufacturer" in away["operator_actions"]
    [paused] = away["deadline_standings"]
    assert paused["state"] == "paused_at_manufacturer"
    assert paused["manufacturer_paused_working_days"] >= 8  # two weeks, holidays aside
    assert date.fromisoformat(paused["moved_to"]) > due
    sent_mail = await lifecycle.email(customer, "urządzenie w oficjalnym serwisie DJI")
    assert "CAS-PL-2611" in sent_mail["text"]

    # A form without the statement file; a day back before the day sent is refused.
    early = await lifecycle.client.post(
        f"{path}/return",
        data={"back_on": (sent_on - timedelta(days=1)).isoformat()},
        headers=lifecycle.operator,
    )
    assert (early.status_code, error_code(early)) == (422, "handoff_back_before_sent")
    assert (await lifecycle.view(claim))["status"] == "at_manufacturer"
    back = await lifecycle.client.post(
        f"{path}/return",
        data={"back_on": today.isoformat(), "remark": "Naprawa niemożliwa, zalecana wymiana."},
        files={"statement": STATEMENT},
        headers=lifecycle.operator,
    )
    assert back.status_code == 200, back.text
    assert back.json()["back_on"] == today.isoformat()
    shown = await lifecycle.view(claim)
    assert shown["status"] == "in_inspection"
    [standing] = shown["deadline_standings"]
    assert standing["state"] == "running"
    assert (
        standing["manufacturer_paused_working_days"] == paused["manufacturer_paused_working_days"]
    )
    assert standing["customer_paused_working_days"] == 0
    assert "po stronie producenta" in shown["timeline"][-1]["note"]
    files = {a["purpose"]: a for a in shown["attachments"]}
    assert shown["manufacturer_statement_id"] == files["manufacturer_statement"]["attachment_id"]
    back_mail = await lifecycle.email(customer, "wróciło z serwisu DJI")
    assert "Naprawa niemożliwa" in back_mail["text"]
    # The statement that came back is the one a DJI replacement needs.
    replaced = await lifecycle.act(
        claim, "decision", decision="replacement", justification="DJI: naprawa niemożliwa."
    )
    assert replaced.status_code == 200, replaced.text
