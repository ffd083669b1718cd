"""The walking skeleton, end to end: HTTP, Kafka, PostgreSQL and SMTP, four real processes.

A sale reaches the ledger through Kafka; a customer registers with it over HTTP; the
notifications service emails the activation link through the SMTP server; following it activates
the account; the customer logs in and files a claim; the warranty service answers it.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from shared import topics
from tools.support.days import polish_today
from tools.support.kafka import TopicProbe, publish
from tools.support.mailbox import Mailbox
from tools.support.sales import dji_drone_sale
from tools.support.services import RunningServices
from tools.support.stack import Stack

pytestmark = pytest.mark.e2e


async def eventually(
    attempt: Callable[[], Awaitable[httpx.Response]],
    accept: Callable[[httpx.Response], bool],
    timeout: float = 30.0,
) -> httpx.Response:
    """Retry while projections catch up with events (the system is eventually consistent)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        response = await attempt()
        if accept(response) or loop.time() > deadline:
            return response
        await asyncio.sleep(0.3)


async def test_register_activate_claim_and_assess(
    stack: Stack, services: RunningServices, mailbox: Mailbox
) -> None:
    run = uuid.uuid4().hex[:8]
    number, serial, email = f"2025/{run}", f"1581F{run}".upper(), f"jan.{run}@example.com"
    sale = dji_drone_sale(number, polish_today() - timedelta(days=100), (serial,))
    await publish(stack.kafka_bootstrap, sale)

    async with (
        httpx.AsyncClient(base_url=services.url("accounts"), timeout=10) as accounts,
        httpx.AsyncClient(base_url=services.url("claims"), timeout=10) as claims,
        TopicProbe(stack.kafka_bootstrap, topics.ACCOUNTS) as account_events,
        TopicProbe(stack.kafka_bootstrap, topics.WARRANTY) as warranty_events,
    ):
        registration: dict[str, Any] = {
            "account_type": "private",
            "full_name": "Jan Kowalski",
            "email": email,
            "password": "Tajne-Haslo-123",
            "document_number": f"PA {number}",
            "document_total": "4 299,00",
        }
        registered = await eventually(
            lambda: accounts.post("/api/accounts", json=registration),
            lambda response: response.status_code != 422,
        )
        assert registered.status_code == 202, registered.text
        assert any("PA" in notice for notice in registered.json()["notices"])

        [account_registered] = await account_events.wait_for(
            lambda body, _: body["type"] == "AccountRegistered" and body["data"]["email"] == email
        )
        assert "token=" not in str(account_registered)  # the link travels sealed

        login = {"email": email, "password": "Tajne-Haslo-123"}
        refused = await accounts.post("/api/auth/login", json=login)
        assert refused.status_code == 403
        assert "aktywne" in refused.json()["detail"]

        [activation_email] = await mailbox.wait_for(email)
        assert activation_email["subject"] == "Aktywuj konto w panelu serwisowym INNPRO"
        link = re.search(r"https?://\S+/activate\?token=[\w\-]+", activation_email["text"])
        assert link is not None, activation_email["text"]
        # The link opens the web panel's page (RMA_PUBLIC_BASE_URL); accounts serves no pages.
        assert link.group(0).startswith(f"{services.public_base_url}/activate?token=")
        for page in ("/activate", "/reset-password", "/confirm-email"):
            assert (await accounts.get(page, params={"token": "x" * 20})).status_code == 404
        token = link.group(0).split("token=")[1]
        activated = await accounts.post("/api/accounts/activation", json={"token": token})
        assert activated.status_code == 200, activated.text
        reused = await accounts.post("/api/accounts/activation", json={"token": token})
        assert reused.status_code == 400

        await account_events.wait_for(
            lambda body, _: body["type"] == "AccountActivated" and body["data"]["email"] == email
        )
        emails = await mailbox.wait_for(email, count=2)
        assert emails[1]["subject"] == "Konto w panelu serwisowym INNPRO jest aktywne"

        logged_in = await accounts.post("/api/auth/login", json=login)
        assert logged_in.status_code == 200, logged_in.text
        bearer = {"Authorization": f"Bearer {logged_in.json()['access_token']}"}

        claim_form = {
            "document_type": "PA",
            "document_number": number,
            "line_no": "1",
            "claim_type": "dji",
            "serial_number": serial,
            "problem_description": "Dron nie łączy się z aparaturą po aktualizacji.",
            "package_contents": "Dron, aparatura, kabel USB-C",
            "return_recipient": "Jan Kowalski",
            "return_street": "ul. Zielona 5",
            "return_postal_code": "44-200",
            "return_city": "Rybnik",
        }
        receipt = {"attachment": ("paragon.pdf", b"%PDF-1.4 receipt", "application/pdf")}
        created = await eventually(
            lambda: claims.post("/api/claims", data=claim_form, files=receipt, headers=bearer),
            lambda response: response.status_code != 422,
        )
        assert created.status_code == 201, created.text
        claim = created.json()
        assert re.fullmatch(rf"RMA/\d+/SR/{polish_today().year}", claim["rma_number"])

        [assessed] = await warranty_events.wait_for(
            lambda body, _: (
                body["type"] == "WarrantyAssessed" and body["data"]["claim_id"] == claim["claim_id"]
            )
        )
        assert assessed["data"]["covered"] is True
        assert assessed["data"]["rule"] == "dji-standard"
        assert assessed["data"]["claim_type_allowed"] is True

        shown = await eventually(
            lambda: claims.get(f"/api/claims/{claim['claim_id']}", headers=bearer),
            lambda response: response.json().get("assessment") is not None,
        )
        assert shown.json()["assessment"]["rule"] == "dji-standard"
        assert shown.json()["status"] == "submitted"

    # Neither the password nor the activation secret reached any service's log.
    for service in ("accounts", "claims", "warranty", "notifications"):
        log = services.logs[service].read_text()
        assert token not in log, service
        assert "Tajne-Haslo-123" not in log, service
