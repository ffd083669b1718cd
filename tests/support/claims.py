"""Claims for the end-to-end tests: a customer's sale and document announced on Kafka as the ERP
feed and accounts would, and a claim filed through the claims API."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import httpx

from shared.auth import Principal, issue_token
from shared.events import (
    Buyer,
    DocumentLinked,
    DocumentLinkedData,
    SaleLine,
    SaleRecorded,
    SaleRecordedData,
)
from tests.support.kafka import publish
from tests.support.services import RunningServices
from tests.support.stack import Stack


async def customer_with_a_drone(stack: Stack) -> tuple[uuid.UUID, str]:
    """A sale and its owner, announced on Kafka as the ERP feed and accounts would."""
    account_id, number = uuid.uuid4(), f"2025/M{uuid.uuid4().hex[:7].upper()}"
    sold_on = date.today() - timedelta(days=30)
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
    account_id, number = await customer_with_a_drone(stack)
    serial = f"1581F{number[-7:]}"
    token = issue_token(
        (stack.keys_dir / "token_private.pem").read_bytes(),
        Principal(subject=account_id, role="customer"),
    )
    form = {
        "document_type": "PA",
        "document_number": number,
        "line_no": "1",
        "claim_type": "dji",
        "serial_number": serial,
        "problem_description": "Gimbal drży podczas lotu.",
        "package_contents": package_contents,
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
    return FiledClaim(created.json()["claim_id"], created.json()["rma_number"], serial, token)
