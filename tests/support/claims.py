"""Claims for the end-to-end tests: a customer's sale and document announced on Kafka as the ERP
feed and accounts would, and a claim filed through the claims API."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, timedelta

import httpx

from shared.auth import Principal, issue_token
from tests.support.sales import sold_drone
from tests.support.services import RunningServices
from tests.support.stack import Stack


@dataclass(frozen=True)
class FiledClaim:
    claim_id: str
    rma_number: str
    serial_number: str
    customer_token: str

    @property
    def customer_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.customer_token}"}


async def file_drone_claim(
    stack: Stack, services: RunningServices, package_contents: str = "Dron"
) -> FiledClaim:
    """A DJI claim of a new customer, filed through the claims API with the customer's token."""
    # This customer keeps no address on the account: the claim gives its return address.
    sold = await sold_drone(
        stack.kafka_bootstrap,
        date.today() - timedelta(days=30),
        "metryki",
        with_return_address=False,
    )
    number, serial = sold.document_number, sold.serial
    token = issue_token(
        (stack.keys_dir / "token_private.pem").read_bytes(),
        Principal(subject=sold.account_id, role="customer"),
    )
    form = {
        "document_type": "PA",
        "document_number": number,
        "line_no": "1",
        "claim_type": "dji",
        "serial_number": serial,
        "problem_description": "Gimbal drży podczas lotu.",
        "package_contents": package_contents,
        "return_recipient": "Jan Kowalski",
        "return_street": "ul. Zielona 5",
        "return_postal_code": "44-200",
        "return_city": "Rybnik",
    }
    receipt = {"attachment": ("paragon.pdf", b"%PDF-1.4 receipt", "application/pdf")}
    async with httpx.AsyncClient(base_url=services.url("claims"), timeout=10) as claims:
        for _ in range(100):  # until the claims service has read the sale and its owner
            created = await claims.post(
                "/api/claims",
                data=form,
                files=receipt,
                headers={"Authorization": f"Bearer {token}"},
            )
            if created.status_code != 422:
                break
            await asyncio.sleep(0.3)
    assert created.status_code == 201, created.text
    return FiledClaim(created.json()["claim_id"], created.json()["rma_number"], serial, token)
