"""The claims API: the customer's claims, the claim form's options, and the operators' desk.

Answers are typed as far as the API's own document types them; the parts it leaves open
(assessment, decision) stay mappings.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from services.web.clients.base import Caller, Files, HttpApi


class Answer(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class ClaimedProduct(Answer):
    name: str
    brand: str = ""
    ean: str = ""


class Deadline(Answer):
    kind: str
    due_on: date | None = None
    description: str = ""


class TimelineEntry(Answer):
    status: str
    actor: str = ""
    note: str | None = None
    at: datetime


class ClaimSummary(Answer):
    claim_id: UUID
    rma_number: str
    status: str
    claim_type: str
    product: ClaimedProduct
    serial_number: str | None = None
    customer_reference: str | None = None
    created_at: datetime


class OperatorClaimSummary(ClaimSummary):
    deadlines: list[Deadline] = Field(default_factory=list)


class Claim(OperatorClaimSummary):
    # The moves the claims service allows from the claim's status (its transition table).
    next_statuses: list[str] = Field(default_factory=list)
    document_type: str
    document_number: str
    problem_description: str
    problem_code: str | None = None
    tracking_number: str | None = None
    package_contents: str
    assessment: dict[str, Any] | None = None
    decision: dict[str, Any] | None = None
    timeline: list[TimelineEntry] = Field(default_factory=list)


class DailyCount(Answer):
    day: date
    claim_type: str
    status: str  # a filed claim's status now; an ended one's final status
    filed: int
    closed: int  # reached closed or cancelled that day


class DeadlinesOfWeek(Answer):
    week: date  # its Monday
    kind: str
    kept: int
    missed: int
    deemed_accepted: int
    share_kept: float


class DecisionTime(Answer):
    claim_type: str | None = None  # None: every type
    decided: int
    median_days: float


class ClaimStatistics(Answer):
    since: date
    until: date
    daily: list[DailyCount] = Field(default_factory=list)
    deadlines: list[DeadlinesOfWeek] = Field(default_factory=list)
    decision_times: list[DecisionTime] = Field(default_factory=list)


class ClaimCreated(Answer):
    claim_id: UUID
    rma_number: str


class ClaimTypeOption(Answer):
    claim_type: str
    allowed: bool
    reason: str | None = None


class ClaimOptions(Answer):
    claim_types: list[ClaimTypeOption]
    problems: list[str] = Field(default_factory=list)


class SerialCheck(Answer):
    serial_number: str = ""
    known: bool
    message: str


class UnidentifiedParcel(Answer):
    parcel_id: UUID
    tracking_number: str | None = None
    rma_number: str | None = None
    scanned_by: str = ""
    received_at: datetime


class ParcelAttached(Answer):
    claim_id: UUID


class ProductRef(BaseModel):
    """A product of a linked document, as the claims API names it."""

    document_type: str
    document_number: str
    line_no: int


class ClaimsApi(HttpApi):
    service = "claims"

    # --- customers --------------------------------------------------------------------------

    async def search(self, caller: Caller, query: str) -> list[ClaimSummary]:
        return await self._call(
            list[ClaimSummary], "GET", "/api/claims", caller, params={"q": query}
        )

    async def claim(self, caller: Caller, claim_id: UUID) -> Claim:
        return await self._call(Claim, "GET", f"/api/claims/{claim_id}", caller)

    async def label(self, caller: Caller, claim_id: UUID) -> tuple[bytes, str]:
        """The parcel label PDF and its Content-Disposition."""
        response = await self._send("GET", f"/api/claims/{claim_id}/label", caller)
        return response.content, response.headers.get("content-disposition", "attachment")

    async def options(self, caller: Caller, product: ProductRef) -> ClaimOptions:
        return await self._call(
            ClaimOptions,
            "GET",
            "/api/claim-options",
            caller,
            params={k: str(v) for k, v in product.model_dump().items()},
        )

    async def serial_check(self, caller: Caller, serial_number: str) -> SerialCheck:
        return await self._call(
            SerialCheck,
            "GET",
            "/api/serial-check",
            caller,
            params={"serial_number": serial_number},
        )

    async def file(
        self, caller: Caller, fields: dict[str, str], files: Files, idempotency_key: str | None
    ) -> ClaimCreated:
        return await self._call(
            ClaimCreated,
            "POST",
            "/api/claims",
            caller,
            data=fields,
            files=files,
            idempotency_key=idempotency_key,
        )

    async def cancel(self, caller: Caller, claim_id: UUID) -> None:
        await self._send("POST", f"/api/claims/{claim_id}/cancel", caller)

    async def answer(
        self, caller: Caller, claim_id: UUID, message: str, idempotency_key: str | None
    ) -> None:
        await self._send(
            "POST",
            f"/api/claims/{claim_id}/answer",
            caller,
            json={"message": message},
            idempotency_key=idempotency_key,
        )

    async def respond_to_price_reduction(
        self, caller: Caller, claim_id: UUID, accept: bool
    ) -> None:
        await self._send(
            "POST", f"/api/claims/{claim_id}/price-reduction", caller, json={"accept": accept}
        )

    # --- operators ---------------------------------------------------------------------------

    async def counts(self, caller: Caller) -> dict[str, int]:
        return await self._call(dict[str, int], "GET", "/api/operator/claims/counts", caller)

    async def statistics(self, caller: Caller, days: int) -> ClaimStatistics:
        return await self._call(
            ClaimStatistics,
            "GET",
            "/api/operator/claims/statistics",
            caller,
            params={"days": str(days)},
        )

    async def operator_claims(
        self, caller: Caller, statuses: tuple[str, ...], limit: int, *, oldest_first: bool
    ) -> list[OperatorClaimSummary]:
        return await self._call(
            list[OperatorClaimSummary],
            "GET",
            "/api/operator/claims",
            caller,
            params={
                "status": list(statuses),
                "limit": str(limit),
                "oldest_first": "true" if oldest_first else "false",
            },
        )

    async def operator_claim(self, caller: Caller, claim_id: UUID) -> Claim:
        return await self._call(Claim, "GET", f"/api/operator/claims/{claim_id}", caller)

    async def unidentified_parcels(self, caller: Caller) -> list[UnidentifiedParcel]:
        return await self._call(
            list[UnidentifiedParcel], "GET", "/api/operator/parcels/unidentified", caller
        )

    async def attach_parcel(
        self, caller: Caller, parcel_id: UUID, rma_number: str
    ) -> ParcelAttached:
        return await self._call(
            ParcelAttached,
            "POST",
            f"/api/operator/parcels/{parcel_id}/attach",
            caller,
            json={"rma_number": rma_number},
        )

    async def move(
        self,
        caller: Caller,
        claim_id: UUID,
        status: str,
        note: str | None,
        tracking_number: str | None,
    ) -> None:
        await self._send(
            "POST",
            f"/api/operator/claims/{claim_id}/status",
            caller,
            json={"status": status, "note": note, "tracking_number": tracking_number},
        )

    async def decide(
        self, caller: Caller, claim_id: UUID, decision: dict[str, Any], idempotency_key: str | None
    ) -> None:
        await self._send(
            "POST",
            f"/api/operator/claims/{claim_id}/decision",
            caller,
            json=decision,
            idempotency_key=idempotency_key,
        )
