"""Claims for the tests: one as the customer filed it, for the tests that save claims straight to
PostgreSQL, and one of a new customer's drone filed over the claims API of the running services."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import httpx

from services.claims.domain.claim import Claim, NewAttachment, TimelineEntry
from shared.auth import Principal, issue_token
from shared.events import ClaimedProduct, ClaimType, PostalAddress
from tools.support.days import polish_today
from tools.support.sales import sold_drone
from tools.support.services import RunningServices
from tools.support.stack import Stack


def new_claim(filed_at: datetime, claim_type: ClaimType = "return") -> Claim:
    return Claim(
        claim_id=uuid4(),
        rma_number=f"RMA/{uuid4().int % 10**9}/SR/2026",
        account_id=uuid4(),
        email="jan@example.com",
        language="pl",
        buyer_type="consumer",
        claim_type=claim_type,
        status="submitted",
        document_type="PA",
        document_number="2026/1",
        line_no=1,
        product=ClaimedProduct(
            ean="5901234123457", sku="S", name="Mini 4 Pro", brand="DJI", category="drone"
        ),
        serial_number="1581F000001",
        problem_description="Nie startuje.",
        problem_code=None,
        tracking_number="INPOST1",
        package_contents="Dron",
        customer_reference="MOJE-1",
        unit_price=Decimal("1000.00"),
        return_address=PostalAddress(
            recipient="Jan", street="Zielona 5", postal_code="44-200", city="Rybnik"
        ),
        created_at=filed_at,
        timeline=[TimelineEntry("submitted", "customer:test", None, filed_at)],
        attachments=[
            NewAttachment(uuid4(), "sales_document", "paragon.pdf", "application/pdf", b"%PDF-1")
        ],
    )


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
    stack: Stack,
    services: RunningServices,
    package_contents: str = "Dron",
    claim_type: ClaimType = "dji",
    sold_days_ago: int = 30,
) -> FiledClaim:
    """A DJI claim of a new customer, filed through the claims API with the customer's token."""
    # This customer keeps no address on the account: the claim gives its return address.
    sold = await sold_drone(
        stack.kafka_bootstrap,
        polish_today() - timedelta(days=sold_days_ago),
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
        "claim_type": claim_type,
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
