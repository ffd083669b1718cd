"""A claim as the customer filed it, for the tests that save claims straight to PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import uuid4

from services.claims.domain.claim import Claim, NewAttachment, TimelineEntry
from shared.events import ClaimedProduct, ClaimType, PostalAddress


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
