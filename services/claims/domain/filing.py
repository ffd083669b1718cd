"""The claim form as the domain checks it, and what filing a claim needs to know."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from uuid import UUID

from services.claims.domain.eligibility import ClaimTypeVerdict
from services.claims.domain.form import UnitDetails
from services.claims.domain.parts import (
    NewAttachment,
)
from shared.events import (
    BuyerType,
    ClaimedProduct,
    DocumentType,
    Language,
    PostalAddress,
)


@dataclass(frozen=True)
class Filing:
    """A checked claim form (the handler gathered the facts, the domain checked them)."""

    claim_id: UUID
    rma_number: str
    account_id: UUID
    email: str
    language: Language
    buyer_type: BuyerType
    verdict: ClaimTypeVerdict
    document_type: DocumentType
    document_number: str
    sold_on: date
    delivered_on: date | None
    line_no: int
    product: ClaimedProduct
    unit_price: Decimal
    serial_number: str | None
    problem_description: str
    problem_code: str | None
    tracking_number: str | None
    package_contents: str
    customer_reference: str | None
    return_address: PostalAddress
    sales_document: NewAttachment
    unit_details: UnitDetails = field(default_factory=lambda: UnitDetails())
