"""Integration events: the only facts that cross service boundaries.

Every event travels in one envelope (`event_id`, `type`, `version`, `occurred_at`, `producer`,
`key`, `correlation_id`, `data`). Each concrete event pins `type` to a literal so that a topic's
events form a discriminated union that pydantic (and FastStream's AsyncAPI document) understands.
Consumers ignore fields they do not know, so adding an optional field is not a breaking change;
anything else bumps `version`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal, TypeVar
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field, TypeAdapter

from shared import topics

BuyerType = Literal["consumer", "business"]
AccountType = Literal["private", "company"]
DocumentType = Literal["PA", "FS"]
Language = Literal["pl", "en"]
ClaimType = Literal["warranty", "non_conformity", "return", "dji"]
ClaimStatus = Literal[
    "submitted",
    "received",
    "in_inspection",
    "awaiting_customer",
    "decided",
    "shipped_back",
    "refunded",
    "closed",
    "cancelled",
]
DecisionKind = Literal[
    "repair", "replacement", "refund", "price_reduction", "paid_repair", "rejection"
]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Contract(BaseModel):
    """Base of every payload: immutable, and tolerant of fields added by newer producers."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class Event(Contract):
    """The envelope shared by every event."""

    topic: ClassVar[str]

    event_id: UUID = Field(default_factory=uuid4)
    type: str
    version: int = 1
    occurred_at: AwareDatetime = Field(default_factory=utc_now)
    producer: str
    key: str = Field(
        description="Id of the aggregate; Kafka message key, keeps its events in order"
    )
    correlation_id: UUID = Field(default_factory=uuid4)
    data: Contract


# --- accounts ------------------------------------------------------------------------------


class AccountRegisteredData(Contract):
    account_id: UUID
    account_type: AccountType
    full_name: str
    email: EmailStr
    language: Language = "pl"
    document_type: DocumentType
    document_number: str
    activation_link_sealed: str = Field(
        description="Activation link encrypted for the notifications service (never in clear)"
    )
    activation_expires_at: AwareDatetime


class AccountRegistered(Event):
    topic: ClassVar[str] = topics.ACCOUNTS
    type: Literal["AccountRegistered"] = "AccountRegistered"
    data: AccountRegisteredData


class AccountActivatedData(Contract):
    account_id: UUID
    account_type: AccountType
    full_name: str
    email: EmailStr
    language: Language = "pl"


class AccountActivated(Event):
    topic: ClassVar[str] = topics.ACCOUNTS
    type: Literal["AccountActivated"] = "AccountActivated"
    data: AccountActivatedData


class DocumentLinkedData(Contract):
    account_id: UUID
    account_type: AccountType
    email: EmailStr
    language: Language = "pl"
    document_type: DocumentType
    document_number: str
    at_registration: bool = Field(
        default=False, description="Linked by the registration itself (its email says so already)"
    )


class DocumentLinked(Event):
    topic: ClassVar[str] = topics.ACCOUNTS
    type: Literal["DocumentLinked"] = "DocumentLinked"
    data: DocumentLinkedData


class AccountActivationLinkIssuedData(Contract):
    """A new activation link was asked for; the previous one no longer works."""

    account_id: UUID
    full_name: str
    email: EmailStr
    language: Language = "pl"
    activation_link_sealed: str
    activation_expires_at: AwareDatetime


class AccountActivationLinkIssued(Event):
    topic: ClassVar[str] = topics.ACCOUNTS
    type: Literal["AccountActivationLinkIssued"] = "AccountActivationLinkIssued"
    data: AccountActivationLinkIssuedData


class PasswordResetRequestedData(Contract):
    account_id: UUID
    full_name: str
    email: EmailStr
    language: Language = "pl"
    reset_link_sealed: str = Field(description="Reset link sealed for the notifications service")
    reset_expires_at: AwareDatetime


class PasswordResetRequested(Event):
    topic: ClassVar[str] = topics.ACCOUNTS
    type: Literal["PasswordResetRequested"] = "PasswordResetRequested"
    data: PasswordResetRequestedData


class EmailChangeRequestedData(Contract):
    account_id: UUID
    full_name: str
    new_email: EmailStr = Field(description="The confirmation goes to the new address")
    language: Language = "pl"
    confirmation_link_sealed: str
    confirmation_expires_at: AwareDatetime


class EmailChangeRequested(Event):
    topic: ClassVar[str] = topics.ACCOUNTS
    type: Literal["EmailChangeRequested"] = "EmailChangeRequested"
    data: EmailChangeRequestedData


class AccountEmailChangedData(Contract):
    account_id: UUID
    full_name: str
    old_email: EmailStr
    email: EmailStr
    language: Language = "pl"


class AccountEmailChanged(Event):
    topic: ClassVar[str] = topics.ACCOUNTS
    type: Literal["AccountEmailChanged"] = "AccountEmailChanged"
    data: AccountEmailChangedData


# --- sales ledger (fed by the ERP) ---------------------------------------------------------


class Buyer(Contract):
    type: BuyerType
    name: str | None = None
    vat_country: str | None = Field(default=None, description="ISO country code of the VAT id")
    tax_id: str | None = Field(default=None, description="NIP for Polish companies, digits only")


class SaleLine(Contract):
    line_no: int = Field(ge=1)
    ean: str = Field(description="GTIN-13")
    sku: str
    name: str
    brand: str
    category: str
    quantity: int = Field(ge=1)
    unit_price: Decimal = Field(description="Gross unit price in the document currency")
    serial_numbers: tuple[str, ...] = ()
    outlet: bool = Field(default=False, description="Used product sold through the outlet")


class SaleRecordedData(Contract):
    document_type: DocumentType
    document_number: str = Field(description="Number without the PA/FS prefix")
    issued_on: date
    delivered_on: date | None = None
    buyer: Buyer
    total: Decimal = Field(description="Gross total of the document")
    currency: str = "PLN"
    lines: tuple[SaleLine, ...] = Field(min_length=1)


class SaleRecorded(Event):
    topic: ClassVar[str] = topics.SALES
    type: Literal["SaleRecorded"] = "SaleRecorded"
    data: SaleRecordedData


def document_key(document_type: str, document_number: str) -> str:
    """The Kafka key and ledger id of a sales document, e.g. `PA/2024/001234`."""
    return f"{document_type}/{document_number}"


# --- claims --------------------------------------------------------------------------------


class ClaimedProduct(Contract):
    ean: str
    sku: str
    name: str
    brand: str
    category: str
    outlet: bool = False


class ClaimCreatedData(Contract):
    claim_id: UUID
    rma_number: str
    account_id: UUID
    email: EmailStr
    language: Language = "pl"
    buyer_type: BuyerType
    claim_type: ClaimType
    document_type: DocumentType
    document_number: str
    sold_on: date
    delivered_on: date | None = None
    product: ClaimedProduct
    serial_number: str | None = None
    problem_description: str
    problem_code: str | None = None
    tracking_number: str | None = None
    package_contents: str
    customer_reference: str | None = None


class ClaimCreated(Event):
    topic: ClassVar[str] = topics.CLAIMS
    type: Literal["ClaimCreated"] = "ClaimCreated"
    data: ClaimCreatedData


class ParcelReceivedData(Contract):
    parcel_id: UUID
    claim_id: UUID | None = Field(default=None, description="None while the parcel is unidentified")
    rma_number: str | None = None
    account_id: UUID | None = None
    email: EmailStr | None = None
    language: Language = "pl"
    tracking_number: str | None = None
    received_at: AwareDatetime
    scanned_by: str


class ParcelReceived(Event):
    topic: ClassVar[str] = topics.CLAIMS
    type: Literal["ParcelReceived"] = "ParcelReceived"
    data: ParcelReceivedData


class ClaimStatusChangedData(Contract):
    claim_id: UUID
    rma_number: str
    account_id: UUID
    email: EmailStr
    language: Language = "pl"
    claim_type: ClaimType
    product: ClaimedProduct
    from_status: ClaimStatus | None
    to_status: ClaimStatus
    changed_at: AwareDatetime
    actor: str
    note: str | None = None
    tracking_number: str | None = None
    serial_number: str | None = None


class ClaimStatusChanged(Event):
    topic: ClassVar[str] = topics.CLAIMS
    type: Literal["ClaimStatusChanged"] = "ClaimStatusChanged"
    data: ClaimStatusChangedData


class Deduction(Contract):
    reason: str
    percent: Decimal | None = None
    amount: Decimal


class ClaimDecidedData(Contract):
    claim_id: UUID
    rma_number: str
    account_id: UUID
    email: EmailStr
    language: Language = "pl"
    claim_type: ClaimType
    product: ClaimedProduct
    decision: DecisionKind
    rejection_reason: str | None = Field(default=None, description="Code from the policy list")
    justification: str
    amount: Decimal | None = Field(default=None, description="Refund, reduction or repair price")
    deductions: tuple[Deduction, ...] = ()
    decided_at: AwareDatetime
    decided_by: str


class ClaimDecided(Event):
    topic: ClassVar[str] = topics.CLAIMS
    type: Literal["ClaimDecided"] = "ClaimDecided"
    data: ClaimDecidedData


# --- warranty ------------------------------------------------------------------------------


class Deadline(Contract):
    kind: str = Field(description="complaint_answer | dji_repair | scooter_repair | return_refund")
    due_on: date | None = Field(default=None, description="None until its start event happened")
    description: str


class WarrantyAssessedData(Contract):
    claim_id: UUID
    rma_number: str
    account_id: UUID
    email: EmailStr
    language: Language = "pl"
    covered: bool
    warranty_until: date | None
    rule: str = Field(description="Id of the rule that decided")
    reason: str = Field(description="One line in Polish")
    claim_type_allowed: bool
    claim_type_reason: str
    deadlines: tuple[Deadline, ...] = ()


class WarrantyAssessed(Event):
    topic: ClassVar[str] = topics.WARRANTY
    type: Literal["WarrantyAssessed"] = "WarrantyAssessed"
    data: WarrantyAssessedData


class ProductRegisteredData(Contract):
    registration_id: UUID
    account_id: UUID
    ean: str
    serial_number: str
    purchased_on: date
    registered_on: date


class ProductRegistered(Event):
    topic: ClassVar[str] = topics.WARRANTY
    type: Literal["ProductRegistered"] = "ProductRegistered"
    data: ProductRegisteredData


class ProductCataloguedData(Contract):
    """A catalogue entry as the distributor keeps it: what a claim form needs to know."""

    ean: str
    sku: str
    name: str
    brand: str
    category: str
    outlet: bool = False
    problems: tuple[str, ...] = Field(
        default=(), description="A claim for this product must name one of these problems"
    )
    serial_required: bool | None = None


class ProductCatalogued(Event):
    topic: ClassVar[str] = topics.WARRANTY
    type: Literal["ProductCatalogued"] = "ProductCatalogued"
    data: ProductCataloguedData


class AccountCredentialsChangedData(Contract):
    """The password or the login email of an account changed: tokens issued before
    `changed_at` must be refused by every service that verifies them."""

    account_id: UUID
    changed_at: AwareDatetime
    change: Literal["password_reset", "password_change", "email_change"]


class AccountCredentialsChanged(Event):
    topic: ClassVar[str] = topics.ACCOUNTS
    type: Literal["AccountCredentialsChanged"] = "AccountCredentialsChanged"
    data: AccountCredentialsChangedData


# --- one union per topic, so a subscriber can take every event of its topic ---------------

AccountsEvent = Annotated[
    AccountRegistered
    | AccountActivated
    | DocumentLinked
    | AccountActivationLinkIssued
    | PasswordResetRequested
    | EmailChangeRequested
    | AccountEmailChanged
    | AccountCredentialsChanged,
    Field(discriminator="type"),
]
SalesEvent = Annotated[SaleRecorded, Field(discriminator="type")]
ClaimsEvent = Annotated[
    ClaimCreated | ParcelReceived | ClaimStatusChanged | ClaimDecided,
    Field(discriminator="type"),
]
WarrantyEvent = Annotated[
    WarrantyAssessed | ProductRegistered | ProductCatalogued, Field(discriminator="type")
]

EVENT_TYPES: dict[str, type[Event]] = {
    cls.model_fields["type"].default: cls
    for cls in (
        AccountRegistered,
        AccountActivated,
        DocumentLinked,
        AccountActivationLinkIssued,
        PasswordResetRequested,
        EmailChangeRequested,
        AccountEmailChanged,
        SaleRecorded,
        ClaimCreated,
        ParcelReceived,
        ClaimStatusChanged,
        ClaimDecided,
        WarrantyAssessed,
        ProductRegistered,
        ProductCatalogued,
        AccountCredentialsChanged,
    )
}

E = TypeVar("E", bound=Event)


def parse_event(raw: bytes | str | dict[str, Any]) -> Event:
    """Parse any envelope into its concrete event class (raises on unknown type or bad data)."""
    envelope = raw if isinstance(raw, dict) else TypeAdapter(dict[str, Any]).validate_json(raw)
    event_type = envelope.get("type")
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}")
    return EVENT_TYPES[event_type].model_validate(envelope)
