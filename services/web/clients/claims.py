"""The claims API: the customer's claims, the claim form's options, and the operators' desk.

Answers are typed as far as the API's own document types them; the part it leaves open
(the warranty assessment) stays a mapping.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from email.message import Message
from typing import Any, Literal
from uuid import UUID

import httpx
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from services.web.clients.base import Caller, Files, FileTuple
from services.web.clients.evidence import IntakeEvidence, IntakeEvidenceApi
from shared.events import PostalAddress
from shared.http import attachment_disposition


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


class Intake(Answer):
    checked_by: str = ""
    checked_at: datetime
    contents_checked: bool = False
    missing_items: list[str] = Field(default_factory=list)
    serial_number_read: str | None = None
    serial_number_expected: str | None = None
    serial_mismatch: bool = False


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


class DeadlineStanding(Answer):
    """How a deadline stands, as the claims service judges it (paused, kept, deemed accepted...)."""

    kind: str
    description: str = ""
    due_on: date | None = None
    # Moved by the working days spent waiting for the customer (DJI's 60 working days).
    moved_to: date | None = None
    paused_working_days: int = 0
    # ... of which waiting for the customer, and with the unit at DJI's official service.
    customer_paused_working_days: int = 0
    manufacturer_paused_working_days: int = 0
    state: str
    state_name: str = ""
    # Past its day with the work still undone (a repair not finished, a complaint unanswered).
    overdue: bool = False
    # As the claims service counts them: calendar days left while it still counts (negative:
    # late), and whether it is at risk (overdue, or 3 working days away or fewer).
    days_left: int | None = None
    at_risk: bool = False


class OperatorClaimSummary(ClaimSummary):
    deadlines: list[Deadline] = Field(default_factory=list)
    deadline_standings: list[DeadlineStanding] = Field(default_factory=list)
    # The warehouse found a device whose serial number is not the claim's.
    serial_mismatch: bool = False


class DeductionLine(Answer):
    reason: str
    percent: Decimal | None = None
    amount: Decimal


class Decision(Answer):
    decision: str
    justification: str = ""
    amount: Decimal | None = None
    rejection_reason: str | None = None
    deductions: list[DeductionLine] = Field(default_factory=list)
    valid_until: date | None = None
    exchange_product: str | None = None
    # What the customer must accept or refuse: price_reduction, paid_repair_quote,
    # return_deductions (None: nothing).
    offer: str | None = None
    customer_response: Literal["accepted", "refused"] | None = None
    decided_at: datetime | None = None


class Shipment(Answer):
    carrier: str
    tracking_number: str
    shipped_at: datetime


class Replacement(Answer):
    serial_number: str
    ean: str
    issued_at: datetime


class Refund(Answer):
    amount: Decimal
    method: str
    account_number_ending: str | None = None
    refunded_at: datetime


class Charge(Answer):
    charge_id: UUID
    kind: str
    kind_name: str  # in Polish, as the claims service names it
    amount: Decimal
    reason: str
    state: str  # due | paid | waived
    state_name: str
    added_at: datetime
    settled_at: datetime | None = None
    waiver_reason: str | None = None


class TransferDetails(Answer):
    recipient: str
    account_number: str
    title: str


class Charges(Answer):
    """What the customer pays the service centre, and where (while something is due)."""

    items: list[Charge] = Field(default_factory=list)
    total_due: Decimal = Decimal("0.00")
    transfer: TransferDetails | None = None


class ManufacturerHandoff(Answer):
    """One trip of the unit to DJI's official service."""

    trip: int
    case_number: str
    sent_on: date
    back_on: date | None = None  # None while the unit is there
    remark: str | None = None


class Claim(OperatorClaimSummary):
    # The moves the claims service allows from the claim's status (its transition table).
    next_statuses: list[str] = Field(default_factory=list)
    # What the customer must accept or refuse now, as the claims service decides.
    offer_awaiting_answer: str | None = None
    # What the customer may do now (send_parcel, cancel, answer, answer_offer), as the claims
    # service decides: the claim page shows those forms.
    customer_actions: list[str] = Field(default_factory=list)
    document_type: str
    document_number: str
    problem_description: str
    problem_code: str | None = None
    tracking_number: str | None = None  # the customer's inbound parcel
    package_contents: str
    assessment: dict[str, Any] | None = None
    decision: Decision | None = None
    deadline_standings: list[DeadlineStanding] = Field(default_factory=list)
    return_address: PostalAddress | None = None
    outbound: Shipment | None = None
    replacement: Replacement | None = None
    refund: Refund | None = None
    charges: Charges = Field(default_factory=Charges)
    manufacturer_handoffs: list[ManufacturerHandoff] = Field(default_factory=list)
    manufacturer_statement_id: UUID | None = None
    timeline: list[TimelineEntry] = Field(default_factory=list)
    intake: Intake | None = None  # operators: the warehouse's check of the latest parcel
    intake_evidence: IntakeEvidence | None = None  # photos, packaging, seal, damage, dirt


class ClaimCustomer(Answer):
    full_name: str | None = None
    email: str
    phone: str | None = None
    address: PostalAddress | None = None


class PurchaseDocument(Answer):
    document_type: str
    document_number: str
    issued_on: date | None = None
    # From the purchase document (consumer or business), not what the customer declared.
    buyer_type: str | None = None
    buyer_name: str | None = None
    total: Decimal | None = None
    unit_price: Decimal | None = None


class ClaimFile(Answer):
    attachment_id: UUID
    purpose: str
    filename: str
    content_type: str
    size_bytes: int
    created_at: datetime


class OperatorClaim(Claim):
    """A claim as operators see it: with the customer, the purchase document and the files."""

    customer: ClaimCustomer
    document: PurchaseDocument
    attachments: list[ClaimFile] = Field(default_factory=list)
    # The commands besides status moves that the claims service allows on the claim now.
    operator_actions: list[str] = Field(default_factory=list)
    # Whether a charge may be added, and the unit's warranty marked void, as it says.
    may_add_charge: bool = False
    may_mark_warranty_void: bool = False
    # The rejection reasons the claim's decision may give now (its type's, as its evidence
    # allows).
    rejection_reasons: list[str] = Field(default_factory=list)


class Download(Answer):
    content: bytes
    content_type: str
    disposition: str

    def response(self) -> Response:
        """The file passed on to the browser as the service sent it."""
        return Response(
            self.content,
            media_type=self.content_type,
            headers={"Content-Disposition": self.disposition},
        )


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
    asks_seal: bool = False
    # A return of this product would be the customer's 4th or later in 12 months: the
    # administrative fee it carries (the claims service computes it); None: none.
    return_fee: Decimal | None = None


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


class ScannedClaim(Answer):
    """A claim as the warehouse sees it (no personal data)."""

    rma_number: str
    status: str
    claim_type: str
    product: ClaimedProduct
    serial_number: str | None = None
    declared_items: list[str] = Field(default_factory=list)
    asks_seal: bool = False
    tracking_number: str | None = None
    received_at: datetime | None = None
    claim_id: UUID | None = None  # where its intake evidence goes
    takes_evidence: bool = False  # the evidence at intake can be recorded now


class LabelLookup(Answer):
    code: str
    rma_number: str | None = None
    tracking_number: str | None = None
    # receive | returned | already_received | from_manufacturer | ended | already_queued |
    # parcel_known | unknown
    outlook: str
    claim: ScannedClaim | None = None
    parcel_received_at: datetime | None = None


class ParcelReceipt(Answer):
    claim_id: UUID | None = None
    rma_number: str | None = None
    duplicate: bool
    identified: bool
    attention: str | None = None
    serial_mismatch: bool = False
    missing_items: list[str] = Field(default_factory=list)


class ProductRef(BaseModel):
    """A product of a linked document, as the claims API names it."""

    document_type: str
    document_number: str
    line_no: int


# The customer's answers to an offer, by the API's path.
OfferPath = Literal["price-reduction", "quote", "deductions"]
OperatorCommand = Literal["replacement", "ship-back", "refund", "repair-delay"]


def passed_on_disposition(response: httpx.Response) -> str:
    """The API's Content-Disposition as the panel may pass it on: a header of other letters
    than ASCII (raw UTF-8 from the API) is written again in RFC 6266 form, as the panel's own
    response could not carry it (Latin-1 only: a 500 before)."""
    disposition: str = response.headers.get("content-disposition", "attachment")
    if disposition.isascii():
        return disposition
    parsed = Message()
    parsed["content-disposition"] = disposition
    return attachment_disposition(parsed.get_filename() or "plik")


class ClaimsApi(IntakeEvidenceApi):
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
        return response.content, passed_on_disposition(response)

    async def customer_form(self, caller: Caller, claim_id: UUID) -> tuple[bytes, str]:
        """The claim's statement of withdrawal or complaint form (PDF) and its
        Content-Disposition."""
        response = await self._send("GET", f"/api/claims/{claim_id}/form", caller)
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

    async def answer_with_files(
        self,
        caller: Caller,
        claim_id: UUID,
        message: str,
        files: list[FileTuple],
        idempotency_key: str | None,
    ) -> None:
        """An answer with photos or documents (the API checks each file's content)."""
        await self._send(
            "POST",
            f"/api/claims/{claim_id}/answer-with-attachments",
            caller,
            data={"message": message},
            files=[("attachments", file) for file in files],
            idempotency_key=idempotency_key,
        )

    async def attach_manufacturer_statement(
        self, caller: Caller, claim_id: UUID, statement: FileTuple, idempotency_key: str | None
    ) -> None:
        """DJI's written statement that the unit cannot be repaired (the API checks the file)."""
        await self._send(
            "POST",
            f"/api/operator/claims/{claim_id}/manufacturer-statement",
            caller,
            files=[("statement", statement)],
            idempotency_key=idempotency_key,
        )

    async def send_to_manufacturer(
        self,
        caller: Caller,
        claim_id: UUID,
        body: dict[str, str],
        idempotency_key: str | None,
    ) -> ManufacturerHandoff:
        """The unit handed to DJI's official service: `case_number` and `sent_on`."""
        return await self._call(
            ManufacturerHandoff,
            "POST",
            f"/api/operator/claims/{claim_id}/manufacturer-handoff",
            caller,
            json=body,
            idempotency_key=idempotency_key,
        )

    async def receive_from_manufacturer(
        self,
        caller: Caller,
        claim_id: UUID,
        fields: dict[str, str],
        statement: FileTuple | None,
        idempotency_key: str | None,
    ) -> ManufacturerHandoff:
        """The unit back from DJI's service: `back_on`, `remark` and DJI's statement (a file)."""
        return await self._call(
            ManufacturerHandoff,
            "POST",
            f"/api/operator/claims/{claim_id}/manufacturer-handoff/return",
            caller,
            data=fields,
            files=[("statement", statement)] if statement else None,
            idempotency_key=idempotency_key,
        )

    async def add_charge(
        self, caller: Caller, claim_id: UUID, body: dict[str, Any], idempotency_key: str | None
    ) -> Charge:
        """A charge to the customer: `kind`, `amount`, `reason` (the API checks each rule)."""
        return await self._call(
            Charge,
            "POST",
            f"/api/operator/claims/{claim_id}/charges",
            caller,
            json=body,
            idempotency_key=idempotency_key,
        )

    async def mark_charge_paid(
        self, caller: Caller, claim_id: UUID, charge_id: UUID, idempotency_key: str | None
    ) -> None:
        await self._send(
            "POST",
            f"/api/operator/claims/{claim_id}/charges/{charge_id}/paid",
            caller,
            idempotency_key=idempotency_key,
        )

    async def waive_charge(
        self,
        caller: Caller,
        claim_id: UUID,
        charge_id: UUID,
        reason: str,
        idempotency_key: str | None,
    ) -> None:
        await self._send(
            "POST",
            f"/api/operator/claims/{claim_id}/charges/{charge_id}/waive",
            caller,
            json={"reason": reason},
            idempotency_key=idempotency_key,
        )

    async def mark_warranty_void(
        self, caller: Caller, claim_id: UUID, body: dict[str, Any], idempotency_key: str | None
    ) -> None:
        """The unit's warranty void: `reason`, `evidence` (the claim's files), `note`."""
        await self._send(
            "POST",
            f"/api/operator/claims/{claim_id}/warranty-void",
            caller,
            json=body,
            idempotency_key=idempotency_key,
        )

    # --- the warehouse's scanners ---------------------------------------------------------------

    async def look_up_label(self, caller: Caller, code: str) -> LabelLookup:
        return await self._call(
            LabelLookup, "GET", "/api/scanner/lookup", caller, params={"code": code}
        )

    async def receive_parcel(
        self,
        caller: Caller,
        code: str,
        contents_checked: list[str] | None,
        serial_number_read: str | None,
        idempotency_key: str | None,
        seal_intact: bool | None = None,
    ) -> ParcelReceipt:
        return await self._call(
            ParcelReceipt,
            "POST",
            "/api/parcels",
            caller,
            json={
                "code": code,
                "contents_checked": contents_checked,
                "serial_number_read": serial_number_read,
                "seal_intact": seal_intact,
            },
            idempotency_key=idempotency_key,
        )

    async def answer_offer(
        self, caller: Caller, claim_id: UUID, offer: OfferPath, accept: bool
    ) -> None:
        """Accept or refuse what the decision offers: a price reduction, a paid-repair quote,
        or a return's deductions (refusing them: the goods come back)."""
        await self._send("POST", f"/api/claims/{claim_id}/{offer}", caller, json={"accept": accept})

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

    async def operator_claim(self, caller: Caller, claim_id: UUID) -> OperatorClaim:
        return await self._call(OperatorClaim, "GET", f"/api/operator/claims/{claim_id}", caller)

    async def operator_attachment(
        self, caller: Caller, claim_id: UUID, attachment_id: UUID
    ) -> Download:
        """A file of the claim (the customer's sales document, photos), as stored."""
        return await self._download(
            caller, f"/api/operator/claims/{claim_id}/attachments/{attachment_id}"
        )

    async def customer_attachment(
        self, caller: Caller, claim_id: UUID, attachment_id: UUID
    ) -> Download:
        """A file of the customer's own claim (an intake photo); another's is 404."""
        return await self._download(caller, f"/api/claims/{claim_id}/attachments/{attachment_id}")

    async def _download(self, caller: Caller, path: str) -> Download:
        response = await self._send("GET", path, caller)
        return Download(
            content=response.content,
            content_type=response.headers.get("content-type", "application/octet-stream"),
            disposition=passed_on_disposition(response),
        )

    async def operator_command(
        self,
        caller: Caller,
        claim_id: UUID,
        command: OperatorCommand,
        body: dict[str, Any],
        idempotency_key: str | None = None,
    ) -> None:
        """One of the commands after the decision: replacement, ship-back, refund, repair-delay."""
        await self._send(
            "POST",
            f"/api/operator/claims/{claim_id}/{command}",
            caller,
            json=body,
            idempotency_key=idempotency_key,
        )

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
    ) -> None:
        await self._send(
            "POST",
            f"/api/operator/claims/{claim_id}/status",
            caller,
            json={"status": status, "note": note},
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
