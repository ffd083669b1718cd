"""The Shipment aggregate (issue 25 §6): a company's claims filed in bulk that travel in one
parcel with one label listing every RMA number. Each claim is a Claim of its own, filed by the
rules of a single claim; the shipment keeps which claims it holds and which rows of the file
were refused, with their reasons.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from services.claims.domain.parts import Act
from services.claims.domain.refusals import Refusal
from shared.claims_wording import refusal_texts
from shared.events import (
    AccountType,
    ClaimCreated,
    Language,
    ShipmentClaim,
    ShipmentFiled,
    ShipmentFiledData,
)

PRODUCER = "claims"
SHIPMENT_NOT_FOUND = Refusal("shipment_not_found", "shipment_id", status_code=404)


def check_company(account_type: AccountType | None) -> None:
    """Claims in bulk are for company accounts (resellers): the account's type as the
    documents linked to it tell it (None: no document is linked)."""
    if account_type != "company":
        raise Refusal("bulk_company_only", None, status_code=403)


@dataclass(frozen=True)
class ShippedClaim:
    claim_id: UUID
    rma_number: str
    row_no: int


@dataclass(frozen=True)
class RefusedRow:
    """A row of the file not filed, and why: the refusal's code and parameters (as text), and
    its words from the catalogue in Polish and English, written when it was refused (as a
    timeline's notes are), so a date renders as the catalogue formats it."""

    row_no: int
    code: str
    field: str | None
    params: Mapping[str, str]
    polish: str
    english: str

    @classmethod
    def of(cls, row_no: int, refusal: Refusal) -> RefusedRow:
        params = {name: str(value) for name, value in refusal.params.items()}
        polish, english = refusal_texts(refusal.wording, refusal.params)
        return cls(row_no, refusal.code, refusal.field, params, polish, english)

    def message(self, language: str) -> str:
        return self.english if language == "en" else self.polish


@dataclass(frozen=True)
class Shipment:
    shipment_id: UUID
    shipment_number: str
    account_id: UUID
    email: str
    language: Language
    created_at: datetime
    claims: tuple[ShippedClaim, ...]
    refused: tuple[RefusedRow, ...]

    @classmethod
    def file(
        cls,
        shipment_id: UUID,
        shipment_number: str,
        filed: list[ClaimCreated],
        refused: list[RefusedRow],
        rows_of_claims: Mapping[UUID, int],
        act: Act,
    ) -> tuple[Shipment, list[ShipmentFiled]]:
        """The shipment of the claims filed from the file's accepted rows; without one, nothing
        is filed (the refused rows' reasons are the answer)."""
        if not filed:
            raise Refusal("bulk_nothing_accepted", None, {"refused": len(refused)})
        first = filed[0].data
        shipment = cls(
            shipment_id=shipment_id,
            shipment_number=shipment_number,
            account_id=first.account_id,
            email=first.email,
            language=first.language,
            created_at=act.at,
            claims=tuple(
                ShippedClaim(e.data.claim_id, e.data.rma_number, rows_of_claims[e.data.claim_id])
                for e in filed
            ),
            refused=tuple(sorted(refused, key=lambda row: row.row_no)),
        )
        announced = ShipmentFiled(
            producer=PRODUCER,
            key=str(shipment_id),
            correlation_id=act.correlation_id,
            occurred_at=act.at,
            data=ShipmentFiledData(
                shipment_id=shipment_id,
                shipment_number=shipment_number,
                account_id=shipment.account_id,
                email=shipment.email,
                language=shipment.language,
                filed_at=act.at,
                claims=tuple(
                    ShipmentClaim(claim_id=c.claim_id, rma_number=c.rma_number, row_no=c.row_no)
                    for c in shipment.claims
                ),
                refused_rows=len(refused),
            ),
        )
        return shipment, [announced]


def in_shipment(created: ClaimCreated, shipment_number: str) -> ClaimCreated:
    """A claim's ClaimCreated as filed in a shipment: it names the shipment, whose one email
    tells the customer of every claim in it."""
    data = created.data.model_copy(update={"shipment_number": shipment_number})
    return created.model_copy(update={"data": data})


@dataclass(frozen=True)
class ChecklistItem:
    """One claim of a shipment as the warehouse ticks it off: received or not yet."""

    claim_id: UUID
    rma_number: str
    row_no: int
    product_name: str
    serial_number: str | None
    status: str
    received_at: datetime | None
