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

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    WithJsonSchema,
    model_validator,
)

from shared import topics

BuyerType = Literal["consumer", "business"]
AccountType = Literal["private", "company"]
DocumentType = Literal["PA", "FS"]
Language = Literal["pl", "en"]
ClaimType = Literal["warranty", "non_conformity", "return", "dji"]
# An e-mail address as events carry it. It entered the platform through a form that validated
# it in full (accounts' EmailStr) and travels on as its producer wrote it; each consumer of each
# event checked it in full again, at 25 µs an address (issue 27). Its shape is still checked, so
# that an event with something else there fails validation and goes to the dead letters.
EmailAddress = Annotated[
    str,
    StringConstraints(max_length=254, pattern=r"^[^@\s]+@[^@\s]+$"),
    WithJsonSchema({"type": "string", "format": "email"}),
]
ClaimStatus = Literal[
    "submitted",
    "received",
    "in_inspection",
    "awaiting_customer",
    "decided",
    "in_repair",
    "at_manufacturer",  # a DJI unit at DJI's official service (DJI terms §2, §9)
    "shipped_back",
    "refunded",
    "closed",
    "cancelled",
]
DecisionKind = Literal[
    "repair", "replacement", "refund", "price_reduction", "paid_repair", "rejection", "exchange"
]
RefundMethod = Literal["bank_transfer", "original_payment"]
OfferKind = Literal["price_reduction", "paid_repair_quote", "return_deductions"]
# What a customer pays the service centre for (issue 25 §1), and where a charge stands.
ChargeKind = Literal[
    "reshipping",  # sending again after the customer refused the delivery
    "scooter_transport",  # transport both ways for an unjustified scooter claim
    "cleaning",  # its price set by the operator
    "missing_equipment",  # of a unit being replaced
    "administrative_fee",  # 10 % from the 4th return within 12 months
    "exchange_difference",  # an exchange for a dearer product
]
ChargeState = Literal["due", "paid", "waived"]
# The packaging a product arrived in at intake (issue 25 §2).
Packaging = Literal["original", "other", "none"]


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

    @model_validator(mode="after")
    def _known_version(self) -> Event:
        # A version this code does not know may mean anything: refuse it rather than guess
        # (the consumer dead-letters it at once).
        known = type(self).model_fields["version"].default
        if self.version != known:
            raise ValueError(f"{self.type} version {self.version} is unknown here ({known})")
        return self


# --- accounts ------------------------------------------------------------------------------


class AccountRegisteredData(Contract):
    account_id: UUID
    account_type: AccountType
    full_name: str
    email: EmailAddress
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
    email: EmailAddress
    language: Language = "pl"


class AccountActivated(Event):
    topic: ClassVar[str] = topics.ACCOUNTS
    type: Literal["AccountActivated"] = "AccountActivated"
    data: AccountActivatedData


class DocumentLinkedData(Contract):
    account_id: UUID
    account_type: AccountType
    email: EmailAddress
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
    email: EmailAddress
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
    email: EmailAddress
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
    new_email: EmailAddress = Field(description="The confirmation goes to the new address")
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
    old_email: EmailAddress
    email: EmailAddress
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
    activated_on: date | None = Field(
        default=None,
        description="Activation date of an outlet (used) product, when the ERP knows it; "
        "its warranty is counted from it",
    )


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


class PostalAddress(Contract):
    """A postal address as the service centre ships to it; validated by shared.addresses."""

    recipient: str
    street: str
    postal_code: str
    city: str
    country: str = Field(default="PL", description="ISO 3166-1 alpha-2")
    phone: str | None = None


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
    email: EmailAddress
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
    installed_by_authorised_service: bool | None = Field(
        default=None,
        description="Scooter service parts: whether an authorised service installed the part "
        "(None: the customer was not asked)",
    )
    installing_service_name: str | None = Field(
        default=None, description="Scooter service parts: the service that installed the part"
    )
    activated_on: date | None = Field(
        default=None,
        description="DJI outlet products: the activation date the customer gave (not before the "
        "sale, not in the future); the sales line's date wins when the ERP sent one",
    )
    return_address: PostalAddress | None = Field(
        default=None, description="Where the product goes back (seed 001 DJI §12)"
    )
    claim_type_rule: str | None = Field(
        default=None, description="The claims rule that allowed this claim type"
    )
    claim_type_reason: str | None = Field(default=None, description="Why it is allowed, Polish")
    shipment_number: str | None = Field(
        default=None,
        description="Filed in bulk with others under this shipment (ShipmentFiled): the "
        "customer gets the shipment's one email, not one per claim",
    )


class ClaimCreated(Event):
    topic: ClassVar[str] = topics.CLAIMS
    type: Literal["ClaimCreated"] = "ClaimCreated"
    data: ClaimCreatedData


class ParcelReceivedData(Contract):
    parcel_id: UUID
    claim_id: UUID | None = Field(default=None, description="None while the parcel is unidentified")
    rma_number: str | None = None
    account_id: UUID | None = None
    email: EmailAddress | None = None
    language: Language = "pl"
    tracking_number: str | None = None
    received_at: AwareDatetime
    scanned_by: str
    attention: str | None = Field(
        default=None,
        description="Why an operator must look at it (a parcel for a cancelled or closed claim)",
    )
    contents_checked: bool = Field(
        default=False, description="The warehouse went through the declared package contents"
    )
    missing_items: tuple[str, ...] = Field(
        default=(), description="Declared items the warehouse did not find in the parcel"
    )
    serial_number_read: str | None = Field(
        default=None, description="The serial number the warehouse read from the device"
    )
    serial_mismatch: bool = Field(
        default=False,
        description="The device's serial number differs from the claim's: flagged for operators",
    )


class ParcelReceived(Event):
    topic: ClassVar[str] = topics.CLAIMS
    type: Literal["ParcelReceived"] = "ParcelReceived"
    data: ParcelReceivedData


class ClaimStatusChangedData(Contract):
    claim_id: UUID
    rma_number: str
    account_id: UUID
    email: EmailAddress
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
    carrier: str | None = Field(default=None, description="Carrier of an outbound shipment")


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
    email: EmailAddress
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
    substantial_repair: bool | None = Field(
        default=None,
        description="Repair decisions: the repair is substantial (Civil Code art. 581 §1: the "
        "warranty runs anew from the hand-back)",
    )
    replaced_part: str | None = Field(
        default=None,
        description="Repair decisions: the part that was replaced (it gets its own period anew)",
    )
    valid_until: date | None = Field(default=None, description="Until when a quote stands")
    exchange_product: str | None = Field(default=None, description="What the goods become")
    reduction_kind: str | None = Field(
        default=None,
        description="Price reductions: cosmetic_defect | defect_kept | missing_accessory",
    )
    consumer_complaint: bool = Field(
        default=False,
        description="A consumer's complaint (not a return): a rejection names the consumer's "
        "right to an expert opinion and the out-of-court routes",
    )


class ClaimDecided(Event):
    topic: ClassVar[str] = topics.CLAIMS
    type: Literal["ClaimDecided"] = "ClaimDecided"
    data: ClaimDecidedData


# --- warranty ------------------------------------------------------------------------------


class Deadline(Contract):
    kind: str = Field(
        description="complaint_answer | business_assessment | dji_repair | scooter_repair | "
        "return_refund"
    )
    due_on: date | None = Field(default=None, description="None until its start event happened")
    description: str


class RepeatedDefect(Contract):
    """A serial claimed again for a problem it was already repaired for."""

    claim_count: int = Field(description="Claims for this serial, this one included")
    same_problem_count: int = Field(description="Claims for this problem, this one included")
    problem: str
    message: str = Field(description="One line in Polish for the operator")
    suggested_decisions: tuple[DecisionKind, ...] = Field(
        description="The remedies the claim's type and buyer give after a failed repair; the "
        "decision form starts at the first (none for a return)"
    )
    remedy_rule: str | None = Field(
        default=None, description="The warranty service's remedy rule that chose them"
    )
    remedy_reason: str | None = Field(
        default=None, description="Why these remedies, one line in Polish for the operator"
    )


class WarrantyAssessedData(Contract):
    claim_id: UUID
    rma_number: str
    account_id: UUID
    email: EmailAddress
    language: Language = "pl"
    covered: bool
    warranty_until: date | None
    rule: str = Field(description="Id of the rule that decided")
    reason: str = Field(description="One line in Polish")
    claim_type_allowed: bool = Field(
        default=True,
        description="Always true: which claim types a buyer may file is the claims service's "
        "rule (a ClaimCreated was allowed by it); kept for readers of version 1",
    )
    claim_type_reason: str
    deadlines: tuple[Deadline, ...] = ()
    warranty_from: date | None = Field(
        default=None, description="The day the warranty period was counted from"
    )
    counted_from: str | None = Field(
        default=None,
        description="What warranty_from is: sale | delivery | activation_from_sale | "
        "activation_from_claim | hand_back",
    )
    after_service_rules: tuple[str, ...] = Field(
        default=(),
        description="The rows of Civil Code art. 581 §1 (or the brand's terms) that moved the "
        "period after repairs or a replacement",
    )
    deadlines_update: bool = Field(
        default=False,
        description="Republished only to add the deadlines counted from the parcel's receipt; "
        "the verdict is the one told before (customers are not emailed it again)",
    )
    repeated_defect: RepeatedDefect | None = Field(
        default=None,
        description="The serial is back with a problem it was already repaired for",
    )
    shipment_number: str | None = Field(
        default=None,
        description="The claim's bulk shipment (its ClaimCreated's): the verdict is shown on "
        "the claim's page, and the customer is not emailed it once per claim of the shipment",
    )


class WarrantyAssessed(Event):
    topic: ClassVar[str] = topics.WARRANTY
    type: Literal["WarrantyAssessed"] = "WarrantyAssessed"
    data: WarrantyAssessedData


class ProductRegisteredData(Contract):
    registration_id: UUID
    # None: a registration made on the distributor's old form, before the panel, for a unit on
    # a document no account has linked yet.
    account_id: UUID | None
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


# --- the claim lifecycle after the decision; the contact on an account ----------------------


class ClaimFacts(Contract):
    """What every event of a claim after filing tells: the claim and whom to tell."""

    claim_id: UUID
    rma_number: str
    account_id: UUID
    email: EmailAddress
    language: Language = "pl"
    claim_type: ClaimType
    product: ClaimedProduct


class ClaimOfferAnsweredData(ClaimFacts):
    offer: OfferKind
    accepted: bool
    amount: Decimal | None = None
    answered_at: AwareDatetime


class ClaimOfferAnswered(Event):
    """The customer accepted or refused a price reduction, a paid-repair quote or a return's
    deductions (refusing the deductions means taking the goods back)."""

    topic: ClassVar[str] = topics.CLAIMS
    type: Literal["ClaimOfferAnswered"] = "ClaimOfferAnswered"
    data: ClaimOfferAnsweredData


class ClaimReplacementIssuedData(ClaimFacts):
    old_serial_number: str | None
    new_serial_number: str
    old_ean: str
    new_ean: str = Field(description="The old EAN unless the replacement is another model")
    issued_at: AwareDatetime
    issued_by: str


class ClaimReplacementIssued(Event):
    """A replacement unit was given for the claimed one: the new serial is linked to the old."""

    topic: ClassVar[str] = topics.CLAIMS
    type: Literal["ClaimReplacementIssued"] = "ClaimReplacementIssued"
    data: ClaimReplacementIssuedData


class WarrantyVoidMarkedData(ClaimFacts):
    ean: str = Field(description="The marked unit's EAN (the claimed product's)")
    serial_number: str
    reason: str = Field(description="A code of shared.claims_vocabulary.WARRANTY_VOID_REASONS")
    evidence: tuple[UUID, ...] = Field(
        default=(), description="The claim's attachments that show it (e.g. intake photos)"
    )
    note: str | None = None
    marked_at: AwareDatetime
    marked_by: str


class WarrantyVoidMarked(Event):
    """An operator found, on a claim, that the unit's warranty is void (the guarantor's terms):
    warranty keeps the mark in the unit's passport, and the unit's guarantee claims are no longer
    covered; a consumer's statutory non-conformity claim is not affected."""

    topic: ClassVar[str] = topics.CLAIMS
    type: Literal["WarrantyVoidMarked"] = "WarrantyVoidMarked"
    data: WarrantyVoidMarkedData


class IntakeEvidenceRecordedData(ClaimFacts):
    parcel_id: UUID | None = Field(description="The parcel the evidence is of (the latest one)")
    packaging: Packaging
    seal_intact: bool | None = Field(
        default=None, description="Sealed goods (media, hygiene): the seal as found"
    )
    visible_damage: bool
    dirty: bool
    serial_legible: bool
    transport_damage: bool = Field(description="The parcel came damaged in transport")
    damage_report: UUID | None = Field(
        default=None, description="The courier's damage report (an attachment of the claim)"
    )
    photos: tuple[UUID, ...] = Field(default=(), description="The claim's intake photos")
    recorded_at: AwareDatetime
    recorded_by: str


class IntakeEvidenceRecorded(Event):
    """What the warehouse or an operator found when the parcel was opened: photos, packaging,
    seal, damage, dirt, the serial label, and the courier's report of transport damage. The
    claim's rules read it (an opened seal excludes a return, a damage report waives the
    reshipping charge, dirt allows the cleaning charge, damage the damage rejection codes)."""

    topic: ClassVar[str] = topics.CLAIMS
    type: Literal["IntakeEvidenceRecorded"] = "IntakeEvidenceRecorded"
    data: IntakeEvidenceRecordedData


class ClaimRefundedData(ClaimFacts):
    amount: Decimal
    method: RefundMethod
    account_number_ending: str | None = Field(
        default=None, description="Last four characters of the IBAN (never the whole number)"
    )
    refunded_at: AwareDatetime
    due_on: date | None = Field(default=None, description="14 days from receipt (seed 002)")
    in_time: bool | None = None
    decided_amount: Decimal | None = Field(
        default=None, description="What the decision said; differs from amount only with a reason"
    )
    difference_reason: str | None = None


class ClaimRefunded(Event):
    topic: ClassVar[str] = topics.CLAIMS
    type: Literal["ClaimRefunded"] = "ClaimRefunded"
    data: ClaimRefundedData


class ClaimChargeChangedData(ClaimFacts):
    charge_id: UUID
    kind: ChargeKind
    amount: Decimal = Field(description="Złote with two decimal places")
    reason: str
    state: ChargeState
    changed_at: AwareDatetime
    changed_by: str
    waiver_reason: str | None = None
    total_due: Decimal = Field(description="What the claim's due charges add up to now")


class ClaimChargeChanged(Event):
    """A charge to the customer was added (state "due"), marked paid or waived by an operator:
    the product ships back only when nothing is due."""

    topic: ClassVar[str] = topics.CLAIMS
    type: Literal["ClaimChargeChanged"] = "ClaimChargeChanged"
    data: ClaimChargeChangedData


class ClaimRepairDelayedData(ClaimFacts):
    reason: str
    due_on: date = Field(description="The repair deadline that cannot be kept")
    expected_on: date | None = None
    announced_at: AwareDatetime


class ClaimSentToManufacturerData(ClaimFacts):
    serial_number: str | None
    case_number: str = Field(description="The manufacturer's service case number")
    sent_on: date = Field(description="The Polish day the unit left for the manufacturer")
    recorded_at: AwareDatetime
    recorded_by: str


class ClaimBackFromManufacturerData(ClaimFacts):
    serial_number: str | None
    case_number: str
    sent_on: date
    back_on: date = Field(description="The Polish day the unit came back from the manufacturer")
    paused_working_days: int = Field(
        description="Working days the DJI 60-working-day deadline stood still at the manufacturer"
    )
    deadline_moved_to: date | None = Field(
        default=None, description="The DJI repair deadline, moved by every pause so far"
    )
    statement_attached: bool = Field(
        description="The manufacturer's written statement is on the claim (a DJI replacement "
        "needs it)"
    )
    remark: str | None = None
    recorded_at: AwareDatetime
    recorded_by: str


class ClaimDeemedAcceptedData(ClaimFacts):
    due_on: date = Field(description="The 14-day answer deadline that passed unanswered")
    deemed_on: date = Field(description="The Polish day the claim became accepted by law")


class ClaimDeemedAccepted(Event):
    """A consumer's complaint not answered within 14 days is accepted by law (consumer rights act
    art. 7a): the operator can no longer reject it."""

    topic: ClassVar[str] = topics.CLAIMS
    type: Literal["ClaimDeemedAccepted"] = "ClaimDeemedAccepted"
    data: ClaimDeemedAcceptedData


class ClaimOfferExpiredData(ClaimFacts):
    offer: OfferKind
    answer_by: date = Field(description="The last day the customer could answer")
    expired_on: date
    outcome: str = Field(
        description="What follows: goods_back (the product goes back unrepaired, or the "
        "returned goods come back instead of a refund) | reinspection (another remedy is due)"
    )


class ClaimOfferExpired(Event):
    """An offer (paid quote, deductions, price reduction) left unanswered past its term."""

    topic: ClassVar[str] = topics.CLAIMS
    type: Literal["ClaimOfferExpired"] = "ClaimOfferExpired"
    data: ClaimOfferExpiredData


class ClaimCollectionReminderData(ClaimFacts):
    reminder: int = Field(ge=1, le=2, description="The first or the second (last) reminder")
    collect_by: date = Field(description="After this Polish day the goods are disposed of")


class ClaimCollectionReminder(Event):
    """A rejected return's goods wait to be collected: the customer is told twice before they
    are marked for disposal (the returns policy)."""

    topic: ClassVar[str] = topics.CLAIMS
    type: Literal["ClaimCollectionReminder"] = "ClaimCollectionReminder"
    data: ClaimCollectionReminderData


class ClaimMarkedForDisposalData(ClaimFacts):
    collect_by: date
    marked_on: date


class ClaimMarkedForDisposal(Event):
    """A rejected return not collected within 30 days of the decision: marked for disposal."""

    topic: ClassVar[str] = topics.CLAIMS
    type: Literal["ClaimMarkedForDisposal"] = "ClaimMarkedForDisposal"
    data: ClaimMarkedForDisposalData


class AtRiskClaim(Contract):
    claim_id: UUID
    rma_number: str
    status: ClaimStatus
    deadline: str = Field(description="The deadline's kind")
    due_on: date
    working_days_left: int


class DeadlinesAtRiskData(Contract):
    day: date = Field(description="The Polish day of this list (one list a day)")
    claims: tuple[AtRiskClaim, ...]


class DeadlinesAtRisk(Event):
    """Once a day: the claims with a deadline 3 working days away or less, for the service desk."""

    topic: ClassVar[str] = topics.CLAIMS
    type: Literal["DeadlinesAtRisk"] = "DeadlinesAtRisk"
    data: DeadlinesAtRiskData


class ClaimRepairDelayed(Event):
    """A scooter repair cannot be finished within 30 days: the customer is told before the
    deadline, with the reason (seed 001, scooters §8)."""

    topic: ClassVar[str] = topics.CLAIMS
    type: Literal["ClaimRepairDelayed"] = "ClaimRepairDelayed"
    data: ClaimRepairDelayedData


class ClaimSentToManufacturer(Event):
    """A DJI unit went to DJI's official service (DJI terms §2, §9): the claim is "at the
    manufacturer" and the 60-working-day repair deadline stands still until it is back (§8)."""

    topic: ClassVar[str] = topics.CLAIMS
    type: Literal["ClaimSentToManufacturer"] = "ClaimSentToManufacturer"
    data: ClaimSentToManufacturerData


class ClaimBackFromManufacturer(Event):
    """The unit came back from DJI's official service: the claim goes on where it left off."""

    topic: ClassVar[str] = topics.CLAIMS
    type: Literal["ClaimBackFromManufacturer"] = "ClaimBackFromManufacturer"
    data: ClaimBackFromManufacturerData


class ShipmentClaim(Contract):
    claim_id: UUID
    rma_number: str
    row_no: int = Field(description="The row of the reseller's CSV the claim was filed from")


class ShipmentFiledData(Contract):
    """A company account filed many claims at once (issue 25 §6): the accepted rows became
    these claims (each with its own ClaimCreated), travelling in one parcel with one label."""

    shipment_id: UUID
    shipment_number: str = Field(description="WYS/<n>/SR/<year>, on the shipment's label")
    account_id: UUID
    email: EmailAddress
    language: Language = "pl"
    filed_at: AwareDatetime
    claims: tuple[ShipmentClaim, ...]
    refused_rows: int = Field(description="Rows of the file refused (not filed), with reasons")


class ShipmentFiled(Event):
    topic: ClassVar[str] = topics.CLAIMS
    type: Literal["ShipmentFiled"] = "ShipmentFiled"
    data: ShipmentFiledData


class AccountContactChangedData(Contract):
    account_id: UUID
    full_name: str
    email: EmailAddress
    language: Language = "pl"
    phone: str | None = None
    address: PostalAddress | None = None


class AccountContactChanged(Event):
    """The postal address and phone kept on an account (the default return address)."""

    topic: ClassVar[str] = topics.ACCOUNTS
    type: Literal["AccountContactChanged"] = "AccountContactChanged"
    data: AccountContactChangedData


class AccountCredentialsChangedData(Contract):
    """The password or the login email of an account changed, or its holder logged out:
    tokens issued before `changed_at` must be refused by every service that verifies them."""

    account_id: UUID
    changed_at: AwareDatetime
    # logout: the account's holder ended their session; every token issued before goes with it.
    change: Literal["password_reset", "password_change", "email_change", "logout"]


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
    | AccountContactChanged
    | AccountCredentialsChanged,
    Field(discriminator="type"),
]
SalesEvent = Annotated[SaleRecorded, Field(discriminator="type")]
ClaimsEvent = Annotated[
    ClaimCreated
    | ParcelReceived
    | ClaimStatusChanged
    | ClaimDecided
    | ClaimOfferAnswered
    | ClaimReplacementIssued
    | ClaimRefunded
    | ClaimChargeChanged
    | ClaimRepairDelayed
    | ClaimSentToManufacturer
    | ClaimBackFromManufacturer
    | ClaimDeemedAccepted
    | ClaimOfferExpired
    | ClaimCollectionReminder
    | ClaimMarkedForDisposal
    | WarrantyVoidMarked
    | IntakeEvidenceRecorded
    | DeadlinesAtRisk
    | ShipmentFiled,
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
        ClaimOfferAnswered,
        ClaimReplacementIssued,
        ClaimRefunded,
        ClaimChargeChanged,
        ClaimRepairDelayed,
        ClaimSentToManufacturer,
        ClaimBackFromManufacturer,
        ClaimDeemedAccepted,
        ClaimOfferExpired,
        ClaimCollectionReminder,
        ClaimMarkedForDisposal,
        WarrantyVoidMarked,
        IntakeEvidenceRecorded,
        DeadlinesAtRisk,
        ShipmentFiled,
        AccountContactChanged,
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
