"""Claims for the tests: one as the customer filed it, for the tests that save claims straight to
PostgreSQL, and one filed over the claims API of the running services."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import httpx

from services.claims.domain.claim import Claim, NewAttachment, TimelineEntry
from shared.auth import Principal, issue_token
from shared.events import (
    Buyer,
    ClaimedProduct,
    ClaimType,
    DocumentLinked,
    DocumentLinkedData,
    PostalAddress,
    SaleLine,
    SaleRecorded,
    SaleRecordedData,
)
from tests.support.kafka import publish
from tests.support.services import RunningServices
from tests.support.stack import Stack


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
        new_attachments=[
            NewAttachment(uuid4(), "sales_document", "paragon.pdf", "application/pdf", b"%PDF-1")
        ],
    )


async def customer_with_a_drone(stack: Stack, sold_days_ago: int = 30) -> tuple[uuid.UUID, str]:
    """A sale and its owner, announced on Kafka as the ERP feed and accounts would."""
    account_id, number = uuid.uuid4(), f"2025/M{uuid.uuid4().hex[:7].upper()}"
    sold_on = date.today() - timedelta(days=sold_days_ago)
    await publish(
        stack.kafka_bootstrap,
        SaleRecorded(
            producer="erp",
            key=f"PA/{number}",
            data=SaleRecordedData(
                document_type="PA",
                document_number=number,
                issued_on=sold_on,
                buyer=Buyer(type="consumer", name="Jan Kowalski"),
                total=Decimal("4299.00"),
                lines=(
                    SaleLine(
                        line_no=1,
                        ean="6941565967251",
                        sku="DJI-MINI4PRO",
                        name="DJI Mini 4 Pro",
                        brand="DJI",
                        category="drone",
                        quantity=1,
                        unit_price=Decimal("4299.00"),
                        serial_numbers=(f"1581F{number[-7:]}",),
                    ),
                ),
            ),
        ),
    )
    await publish(
        stack.kafka_bootstrap,
        DocumentLinked(
            producer="accounts",
            key=str(account_id),
            data=DocumentLinkedData(
                account_id=account_id,
                account_type="private",
                email=f"metryki.{account_id.hex[:8]}@example.com",
                document_type="PA",
                document_number=number,
            ),
        ),
    )
    return account_id, number


async def file_claim(
    stack: Stack, services: RunningServices, claim_type: str = "dji", sold_days_ago: int = 30
) -> str:
    """A claim of a new customer's drone, filed over the claims API; its id."""
    account_id, number = await customer_with_a_drone(stack, sold_days_ago)
    token = issue_token(
        (stack.keys_dir / "token_private.pem").read_bytes(),
        Principal(subject=account_id, role="customer"),
    )
    form = {
        "document_type": "PA",
        "document_number": number,
        "line_no": "1",
        "claim_type": claim_type,
        "serial_number": f"1581F{number[-7:]}",
        "problem_description": "Gimbal drży podczas lotu.",
        "package_contents": "Dron",
        # Every claim needs a return address; this customer keeps none on the account.
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
    claim_id: str = created.json()["claim_id"]
    return claim_id
