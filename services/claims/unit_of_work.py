"""The claims service's port to its storage: one unit of work per command or query.

A handler opens a unit of work, loads what it needs through its repositories, calls one method of
the Claim, saves it, hands the events to the outbox and commits: the claim, its parts and its
events are written together or not at all. Leaving the block without `commit` rolls back.

Two implementations keep these promises: `adapters.postgres` (asyncpg, in production) and
`adapters.memory` (dicts, for tests of the service layer in milliseconds). One contract test class
(tests/support/claims_contract.py) runs against both, so the fake cannot drift. `bootstrap.py`
is the only place that chooses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol
from uuid import UUID

from services.claims.domain.claim import Claim
from services.claims.domain.deadlines import ClaimDeadlineFacts
from services.claims.domain.finance import Movement
from services.claims.domain.parts import ParcelRecord
from services.claims.domain.shipment import ChecklistItem, Shipment
from shared.events import (
    AccountContactChangedData,
    AccountType,
    BuyerType,
    ClaimedProduct,
    ClaimStatus,
    Deadline,
    DocumentLinkedData,
    Language,
    PostalAddress,
    SaleLine,
    SaleRecordedData,
)
from shared.unit_of_work import OutboxUnitOfWork

# --- what the repositories hand out (plain values, never database rows) -----------------------


@dataclass(frozen=True)
class SalesDocument:
    """A purchase document as the sales ledger published it."""

    document_type: str
    document_number: str
    issued_on: date
    delivered_on: date | None
    buyer_type: BuyerType
    total: Decimal | None  # documents recorded before totals were kept have none
    buyer_name: str | None
    lines: tuple[SaleLine, ...]

    @property
    def handed_over_on(self) -> date:
        """The day the buyer got the goods: delivery when known, the sale otherwise."""
        return self.delivered_on or self.issued_on


@dataclass(frozen=True)
class OwnedDocument:
    """A sales document linked to a customer's account, with whom to tell about its claims."""

    document: SalesDocument
    account_id: UUID
    email: str
    language: Language

    def line(self, line_no: int) -> SaleLine | None:
        return next((line for line in self.document.lines if line.line_no == line_no), None)


@dataclass(frozen=True)
class CustomerContact:
    account_id: UUID
    full_name: str | None
    email: str
    phone: str | None
    address: PostalAddress | None


@dataclass(frozen=True)
class SerialFacts:
    """What a filing reads of its unit's claims under the serial's lock, with the RMA number's
    sequence (`ClaimRepository.serial_facts`)."""

    open_claim: str | None  # the RMA number of an open claim for the serial
    rma_sequence: int
    settled_defect: str | None = None  # see `ClaimRepository.settled_defect`


@dataclass(frozen=True)
class FilingRecords:
    """What the sales ledger knows for a claim on a document linked to the account, read at
    once (`SalesLedger.filing_records`): the document, the account's contact, the problem
    lists of the document's products and the unit's registration."""

    owned: OwnedDocument
    contact: CustomerContact | None
    problems_by_ean: dict[str, list[str]]  # a product without a problem list is absent
    registered_on: date | None  # of the serial number asked about

    def problems(self, ean: str) -> list[str]:
        return list(self.problems_by_ean.get(ean, ()))


@dataclass(frozen=True)
class StoredParcel:
    """A parcel the warehouse received: with its claim, or unidentified (claim_id None)."""

    parcel_id: UUID
    claim_id: UUID | None
    rma_number: str | None
    tracking_number: str | None
    scanned_by: str
    received_at: datetime
    attention: str | None = None


@dataclass(frozen=True)
class AttachmentInfo:
    attachment_id: UUID
    purpose: str
    filename: str
    content_type: str
    size_bytes: int
    created_at: datetime


@dataclass(frozen=True)
class AttachmentFile:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class ClaimListing:
    """A claim as lists show it: its columns, without loading the aggregate."""

    claim_id: UUID
    rma_number: str
    status: ClaimStatus
    claim_type: str
    product: ClaimedProduct
    serial_number: str | None
    customer_reference: str | None
    created_at: datetime
    deadlines: tuple[Deadline, ...]
    serial_mismatch: bool
    deadline_facts: ClaimDeadlineFacts


@dataclass(frozen=True)
class DailyCount:
    day: date
    claim_type: str
    status: str  # a filed claim's status now; an ended one's final status
    filed: int
    closed: int  # reached `closed` or `cancelled` on that day


@dataclass(frozen=True)
class DecisionTime:
    claim_type: str | None  # None: every type together
    decided: int
    median_days: float


# --- the repositories ----------------------------------------------------------------------


class ClaimRepository(Protocol):
    """The Claim aggregate. Every `by_*` reads the claim for update (locked until the unit of
    work ends), as does `get` with `lock`."""

    async def get(self, claim_id: UUID, *, lock: bool = False) -> Claim | None: ...
    async def by_rma_number(self, rma_number: str) -> Claim | None: ...
    async def by_inbound_tracking(self, tracking_number: str) -> Claim | None: ...
    async def by_outbound_tracking(self, tracking_number: str) -> Claim | None: ...
    async def add(self, claim: Claim) -> None: ...
    async def save(self, claim: Claim) -> None: ...
    async def next_rma_sequence(self, year: int) -> int: ...

    async def open_claim_for_serial(self, serial_number: str) -> str | None:
        """The RMA number of an open claim for the serial; serialises filings per serial."""
        ...

    async def serial_facts(
        self, serial_number: str, year: int, problem_code: str | None = None
    ) -> SerialFacts:
        """`open_claim_for_serial`, then `next_rma_sequence`, and with `problem_code` its
        `settled_defect`, read together, for a serial whose filing lock the unit of work holds
        already (`SalesLedger.filing_records` took it with the document's row)."""
        ...

    async def settled_defect(self, serial_number: str, problem_code: str) -> str | None:
        """The RMA number of a claim whose accepted price reduction settled this defect."""
        ...

    async def returns_filed(self, account_id: UUID, since: datetime, until: datetime) -> int:
        """How many returns (not cancelled) the account filed in (since, until]: the
        administrative fee is due from the 4th within 12 months."""
        ...

    async def store_assessment(self, claim_id: UUID, assessment: dict[str, Any]) -> None: ...
    async def first_digest_of(self, day: date) -> bool:
        """True once per day: the day's list of claims at risk is sent by whoever asks first."""
        ...

    async def assessment(self, claim_id: UUID) -> dict[str, Any] | None: ...
    async def change_email(self, account_id: UUID, email: str) -> None: ...
    async def attachments(self, claim_id: UUID) -> list[AttachmentInfo]: ...
    async def attachment_file(
        self, claim_id: UUID, attachment_id: UUID
    ) -> AttachmentFile | None: ...


class ParcelRepository(Protocol):
    async def get(self, parcel_id: UUID) -> StoredParcel | None: ...
    async def by_tracking(self, tracking_number: str) -> StoredParcel | None: ...
    async def add_unidentified(self, parcel: ParcelRecord, rma_number: str | None) -> None: ...
    async def unidentified(self, parcel_id: UUID) -> StoredParcel | None:
        """An unidentified parcel, locked until the unit of work ends."""
        ...

    async def assign(self, parcel_id: UUID, claim_id: UUID, operator: str) -> None: ...
    async def needing_operator(self) -> list[StoredParcel]: ...
    async def resolve_attention(self, parcel_id: UUID, operator: str) -> bool: ...
    async def attention_open_for(self, claim_id: UUID) -> bool: ...


class SalesLedger(Protocol):
    """What claims keeps of other services' facts: sales, document owners, contacts, problems."""

    async def record_sale(self, sale: SaleRecordedData) -> None: ...
    async def record_owner(self, link: DocumentLinkedData) -> None: ...
    async def change_owner_email(self, account_id: UUID, email: str) -> None: ...
    async def record_contact(self, contact: AccountContactChangedData) -> None: ...
    async def record_problems(self, ean: str, problems: list[str]) -> None: ...
    async def owned_document(
        self, account_id: UUID, document_type: str, document_number: str
    ) -> OwnedDocument | None: ...
    async def document(self, document_type: str, document_number: str) -> SalesDocument | None: ...
    async def contact(self, account_id: UUID) -> CustomerContact | None: ...
    async def problems(self, ean: str) -> list[str]: ...
    async def serial_sold(self, serial_number: str) -> bool: ...
    async def record_registration(self, serial_number: str, registered_on: date) -> None: ...
    async def registered_on(self, serial_number: str) -> date | None: ...
    async def filing_records(
        self, account_id: UUID, document_type: str, document_number: str, serial: str | None
    ) -> FilingRecords | None:
        """`owned_document`, with `contact`, the `problems` of the document's products and
        `registered_on` of `serial` (None: no unit asked about) beside it, in one read (a
        claim's filing waits for each round trip); None when `owned_document` is. With the
        document found, `serial`'s filing lock (`ClaimRepository.open_claim_for_serial`'s) is
        taken in the same read, held until the unit of work ends."""
        ...


class ClaimListings(Protocol):
    """The read side: lists and figures straight from the stored claims."""

    async def search(self, account_id: UUID, query: str) -> list[ClaimListing]: ...
    async def by_status(
        self, statuses: list[str] | None, limit: int, oldest_first: bool
    ) -> list[ClaimListing]: ...
    async def count_by_status(self) -> dict[str, int]: ...
    async def daily_counts(self, since: date, until: date) -> list[DailyCount]: ...
    async def decision_times(self, since: date, until: date) -> list[DecisionTime]: ...
    async def deadline_facts(self, since: date) -> list[ClaimDeadlineFacts]: ...
    async def money_movements(self, since: datetime, until: datetime) -> list[Movement]:
        """Refunds recorded and charges paid in [since, until)."""
        ...


class ShipmentRepository(Protocol):
    """A company's claims filed in bulk, travelling in one parcel (issue 25 §6)."""

    async def account_type(self, account_id: UUID) -> AccountType | None:
        """The account's type as the documents linked to it say (None: none is linked)."""
        ...

    async def lock_serials(self, serial_numbers: list[str]) -> None:
        """Every serial number's filing lock (`ClaimRepository.open_claim_for_serial`'s), in
        one order, held until the unit of work ends."""
        ...

    async def open_claims_of(self, serial_numbers: list[str]) -> dict[str, str]:
        """`ClaimRepository.open_claim_for_serial` for many serials in one read (upper-case
        serial -> RMA number; a serial without an open claim is absent). Locks nothing: a bulk
        filing holds the serials' locks already (`lock_serials`)."""
        ...

    async def registered_of(self, serial_numbers: list[str]) -> dict[str, date]:
        """`SalesLedger.registered_on` for many serials in one read (upper-case keys)."""
        ...

    async def next_shipment_sequence(self, year: int) -> int: ...
    async def add(self, shipment: Shipment) -> None: ...
    async def get(self, shipment_id: UUID) -> Shipment | None: ...
    async def by_number(self, shipment_number: str) -> Shipment | None: ...
    async def checklist(self, shipment_id: UUID) -> list[ChecklistItem]:
        """The shipment's claims in the file's order, each with its status and receipt."""
        ...


class ClaimsUnitOfWork(OutboxUnitOfWork, Protocol):
    # Open once the unit of work is entered.
    @property
    def claims(self) -> ClaimRepository: ...
    @property
    def parcels(self) -> ParcelRepository: ...
    @property
    def sales(self) -> SalesLedger: ...
    @property
    def listings(self) -> ClaimListings: ...
    @property
    def shipments(self) -> ShipmentRepository: ...


UnitOfWorkFactory = Callable[[], ClaimsUnitOfWork]
