"""Which email each customer-facing event produces: template, recipient and facts, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final
from uuid import UUID

from services.notifications import wording
from services.notifications.wording import word
from shared.claims_vocabulary import CHARGE_KINDS
from shared.events import (
    AccountActivated,
    AccountActivationLinkIssued,
    AccountEmailChanged,
    AccountRegistered,
    ClaimBackFromManufacturer,
    ClaimChargeChanged,
    ClaimChargeChangedData,
    ClaimCollectionReminder,
    ClaimCreated,
    ClaimDecided,
    ClaimDeemedAccepted,
    ClaimedProduct,
    ClaimFacts,
    ClaimMarkedForDisposal,
    ClaimOfferAnswered,
    ClaimOfferExpired,
    ClaimRefunded,
    ClaimRepairDelayed,
    ClaimReplacementIssued,
    ClaimSentToManufacturer,
    ClaimStatus,
    ClaimStatusChanged,
    DeadlinesAtRisk,
    DocumentLinked,
    EmailChangeRequested,
    Event,
    ParcelReceived,
    PasswordResetRequested,
    ShipmentFiled,
    WarrantyAssessed,
    WarrantyAssessedData,
)
from shared.labels import SERVICE_ADDRESS
from shared.service_centre import SERVICE_CENTRE

# Status changes that the claims service also announces with a dedicated event (ParcelReceived,
# ClaimDecided, ClaimRefunded, ClaimSentToManufacturer), published in the same transaction.
STATUSES_TOLD_BY_THEIR_OWN_EVENT: Final[frozenset[ClaimStatus]] = frozenset(
    {"received", "decided", "refunded", "at_manufacturer"}
)


@dataclass(frozen=True)
class EmailDraft:
    template: str
    recipient: str
    language: str
    context: dict[str, Any]
    account_id: UUID | None = None
    claim_id: UUID | None = None
    rma_number: str | None = None
    # Facts that must be decrypted before rendering (name -> sealed text).
    sealed: dict[str, str] = field(default_factory=dict)
    # Attach the printable parcel label for `rma_number`.
    label: bool = False
    # Attach a bulk shipment's one label: its number and every RMA number in the parcel.
    shipment_label: tuple[str, tuple[str, ...]] | None = None


def named_account(event: Event) -> tuple[UUID, str] | None:
    """The account and the customer's name an event tells, for greeting them in claim emails."""
    match event:
        case (
            AccountRegistered(data=data)
            | AccountActivated(data=data)
            | AccountActivationLinkIssued(data=data)
            | PasswordResetRequested(data=data)
            | EmailChangeRequested(data=data)
            | AccountEmailChanged(data=data)
        ):
            return data.account_id, data.full_name
    return None


def _product_label(product: ClaimedProduct) -> str:
    """The product as customers know it; many catalogue names start with the brand already."""
    if product.name.casefold().startswith(product.brand.casefold()):
        return product.name
    return f"{product.brand} {product.name}"


def _claim_facts(rma_number: str, next_step: str) -> dict[str, Any]:
    """What every claim email shows: the RMA number and the customer's next step."""
    return {
        "rma_number": rma_number,
        "service_address": SERVICE_ADDRESS,
        "next_step": next_step.format(rma=rma_number, address=SERVICE_ADDRESS),
    }


def too_old_to_email(occurred_at: datetime, now: datetime, max_age: timedelta) -> bool:
    """An event this old arriving now is history replayed (a new consumer group, a restored
    database): an email about it today would only mislead the customer."""
    return now - occurred_at > max_age


def draft_for(event: Event) -> EmailDraft | None:
    """The email an event asks for, or None for events customers are not told about."""
    match event:
        case (
            AccountRegistered()
            | AccountActivationLinkIssued()
            | AccountActivated()
            | DocumentLinked()
            | PasswordResetRequested()
            | EmailChangeRequested()
            | AccountEmailChanged()
        ):
            return _account_draft(event)
        case ClaimCreated(data=data) if data.shipment_number is not None:
            # Filed in bulk: the shipment's one email tells of every claim (ShipmentFiled).
            return None
        case ShipmentFiled():
            return shipment_draft(event)
        case ClaimCreated() | WarrantyAssessed() | ParcelReceived():
            return _intake_draft(event)
        case ClaimStatusChanged() | ClaimDecided():
            return _progress_draft(event)
        case (
            ClaimOfferAnswered() | ClaimReplacementIssued() | ClaimRefunded() | ClaimRepairDelayed()
        ):
            return _after_decision_draft(event)
        case ClaimSentToManufacturer() | ClaimBackFromManufacturer():
            return _manufacturer_draft(event)
        case ClaimChargeChanged(data=data) if data.state == "due":
            return _charge_due_draft(data)
        case (
            ClaimDeemedAccepted()
            | ClaimOfferExpired()
            | ClaimCollectionReminder()
            | ClaimMarkedForDisposal()
        ):
            return _deadline_draft(event)
    return None


def _account_draft(event: Event) -> EmailDraft | None:
    """The emails of an account: activation, its links, documents, e-mail change."""
    match event:
        case AccountRegistered(data=data):
            return EmailDraft(
                "account_registered",
                data.email,
                data.language,
                {"full_name": data.full_name, "expires_at": data.activation_expires_at},
                account_id=data.account_id,
                sealed={"activation_link": data.activation_link_sealed},
            )
        case AccountActivationLinkIssued(data=data):
            return EmailDraft(
                "activation_link_issued",
                data.email,
                data.language,
                {"full_name": data.full_name, "expires_at": data.activation_expires_at},
                account_id=data.account_id,
                sealed={"activation_link": data.activation_link_sealed},
            )
        case AccountActivated(data=data):
            return EmailDraft(
                "account_activated",
                data.email,
                data.language,
                {"full_name": data.full_name},
                account_id=data.account_id,
            )
        case DocumentLinked(data=data) if not data.at_registration:
            return EmailDraft(
                "document_linked",
                data.email,
                data.language,
                {"document_type": data.document_type, "document_number": data.document_number},
                account_id=data.account_id,
            )
        case PasswordResetRequested(data=data):
            return EmailDraft(
                "password_reset_requested",
                data.email,
                data.language,
                {"full_name": data.full_name, "expires_at": data.reset_expires_at},
                account_id=data.account_id,
                sealed={"reset_link": data.reset_link_sealed},
            )
        case EmailChangeRequested(data=data):
            return EmailDraft(
                "email_change_requested",
                data.new_email,
                data.language,
                {"full_name": data.full_name, "expires_at": data.confirmation_expires_at},
                account_id=data.account_id,
                sealed={"confirmation_link": data.confirmation_link_sealed},
            )
        case AccountEmailChanged(data=data):
            # To the old address: the person who lost it must learn of the change.
            return EmailDraft(
                "account_email_changed",
                data.old_email,
                data.language,
                {"full_name": data.full_name, "old_email": data.old_email, "new_email": data.email},
                account_id=data.account_id,
            )
    return None


def _intake_draft(event: Event) -> EmailDraft | None:
    """The emails of a new claim: filed (with the label), its verdict, its parcel."""
    match event:
        case ClaimCreated(data=data):
            return EmailDraft(
                "claim_created",
                data.email,
                data.language,
                {
                    **_claim_facts(
                        data.rma_number,
                        wording.STATUS_NEXT_STEPS[data.language]["submitted"],
                    ),
                    "product_name": _product_label(data.product),
                    "serial_number": data.serial_number,
                    "claim_type_text": word(wording.CLAIM_TYPES, data.language, data.claim_type),
                    "document": f"{data.document_type} {data.document_number}",
                    "problem_description": data.problem_description,
                    "package_contents": data.package_contents,
                    "tracking_number": data.tracking_number,
                    "customer_reference": data.customer_reference,
                    "packing": wording.PACKING[data.language],
                },
                account_id=data.account_id,
                claim_id=data.claim_id,
                rma_number=data.rma_number,
                label=True,
            )
        case WarrantyAssessed(data=data) if data.shipment_number is not None:
            # A claim of a bulk shipment: its verdict is on the claim's page; 500 verdict emails
            # after the shipment's one would bury the reseller's inbox.
            return None
        case WarrantyAssessed(data=data) if data.deadlines_update:
            # The verdict was emailed already; its receipt was told by the parcel's email.
            return None
        case WarrantyAssessed(data=data):
            return _verdict_draft(data)
        # An unidentified parcel has no claim, hence no customer to tell; one for a cancelled or
        # closed claim waits for an operator, who contacts the customer.
        case ParcelReceived(data=data) if (
            data.claim_id is not None
            and data.email is not None
            and data.rma_number is not None
            and data.attention is None
        ):
            return EmailDraft(
                "parcel_received",
                data.email,
                data.language,
                {
                    **_claim_facts(data.rma_number, wording.PARCEL_NEXT_STEPS[data.language]),
                    "received_at": data.received_at,
                    "tracking_number": data.tracking_number,
                },
                account_id=data.account_id,
                claim_id=data.claim_id,
                rma_number=data.rma_number,
            )
    return None


def _verdict_draft(data: WarrantyAssessedData) -> EmailDraft:
    """The warranty service's verdict on a claim, with its deadlines."""
    return EmailDraft(
        "warranty_assessed",
        data.email,
        data.language,
        {
            **_claim_facts(data.rma_number, wording.WARRANTY_NEXT_STEPS[data.language]),
            "covered": data.covered,
            "warranty_until": data.warranty_until,
            "reason": data.reason,
            "claim_type_reason": data.claim_type_reason,
            "deadlines": [
                {
                    "text": wording.DEADLINE_KINDS[data.language].get(
                        deadline.kind, deadline.description
                    ),
                    "due_on": deadline.due_on,
                }
                for deadline in data.deadlines
            ],
        },
        account_id=data.account_id,
        claim_id=data.claim_id,
        rma_number=data.rma_number,
    )


def _progress_draft(event: Event) -> EmailDraft | None:
    """The emails of a claim moving on: a status change, the decision."""
    match event:
        case ClaimStatusChanged(data=data) if data.to_status in STATUSES_TOLD_BY_THEIR_OWN_EVENT:
            return None  # one email per change: the dedicated event's, which tells more
        case ClaimStatusChanged(data=data) if (
            data.from_status == "decided" and data.actor.startswith("customer:")
        ):
            return None  # the customer's answer to an offer: ClaimOfferAnswered tells it
        case ClaimStatusChanged(data=data) if data.from_status == "at_manufacturer":
            return None  # back from DJI's service: ClaimBackFromManufacturer tells it
        case ClaimStatusChanged(data=data):
            return EmailDraft(
                "claim_status_changed",
                data.email,
                data.language,
                {
                    **_claim_facts(
                        data.rma_number,
                        word(wording.STATUS_NEXT_STEPS, data.language, data.to_status),
                    ),
                    "product_name": _product_label(data.product),
                    "status": data.to_status,
                    "status_text": word(wording.STATUSES, data.language, data.to_status),
                    "changed_at": data.changed_at,
                    "note": data.note,
                    "tracking_number": data.tracking_number,
                    "carrier": data.carrier,
                },
                account_id=data.account_id,
                claim_id=data.claim_id,
                rma_number=data.rma_number,
            )
        case ClaimDecided(data=data):
            return EmailDraft(
                "claim_decided",
                data.email,
                data.language,
                {
                    **_claim_facts(
                        data.rma_number,
                        word(wording.DECISION_NEXT_STEPS, data.language, data.decision),
                    ),
                    "product_name": _product_label(data.product),
                    "decision": data.decision,
                    "decision_text": word(wording.DECISIONS, data.language, data.decision),
                    "rejection_reason_text": (
                        word(wording.REJECTION_REASONS, data.language, data.rejection_reason)
                        if data.rejection_reason
                        else None
                    ),
                    "justification": data.justification,
                    "consumer_rights": (
                        wording.CONSUMER_RIGHTS[data.language]
                        if data.decision == "rejection" and data.consumer_complaint
                        else None
                    ),
                    "amount": data.amount,
                    "amount_label": word(wording.AMOUNT_LABELS, data.language, data.decision),
                    "deductions": [
                        {"reason": d.reason, "percent": d.percent, "amount": d.amount}
                        for d in data.deductions
                    ],
                    "decided_at": data.decided_at,
                    "valid_until": data.valid_until,
                    "exchange_product": data.exchange_product,
                },
                account_id=data.account_id,
                claim_id=data.claim_id,
                rma_number=data.rma_number,
            )
    return None


def staff_draft_for(event: Event, service_desk: str, panel_url: str) -> EmailDraft | None:
    """The service centre's own email about an event, when the next step is the operators':
    a customer answered an offer, or the day's claims at risk of a deadline. In Polish, linking
    the operators' claim pages."""
    if isinstance(event, DeadlinesAtRisk) and service_desk:
        return _at_risk_draft(event, service_desk, panel_url)
    if not isinstance(event, ClaimOfferAnswered) or not service_desk:
        return None
    data = event.data
    answer = f"{data.offer}:{'yes' if data.accepted else 'no'}"
    return EmailDraft(
        "staff_offer_answered",
        service_desk,
        "pl",
        {
            **_claim_facts(data.rma_number, wording.STAFF_NEXT_STEPS[answer]),
            "product_name": _product_label(data.product),
            "customer_email": data.email,
            "offer_text": word(wording.OFFERS, "pl", data.offer),
            "accepted": data.accepted,
            "amount": data.amount,
            "answered_at": data.answered_at,
            "claim_page": f"{panel_url.rstrip('/')}/operator/claims/{data.claim_id}",
        },
        claim_id=data.claim_id,
        rma_number=data.rma_number,
    )


def _at_risk_draft(event: DeadlinesAtRisk, service_desk: str, panel_url: str) -> EmailDraft:
    base = panel_url.rstrip("/")
    claims = [
        {
            **claim.model_dump(),
            "deadline_text": word(wording.DEADLINE_KINDS, "pl", claim.deadline),
            "claim_page": f"{base}/operator/claims/{claim.claim_id}",
        }
        for claim in event.data.claims
    ]
    return EmailDraft(
        "deadlines_at_risk", service_desk, "pl", {"day": event.data.day, "claims": claims}
    )


def _claim_draft(template: str, data: ClaimFacts, next_step: str, **facts: Any) -> EmailDraft:
    return EmailDraft(
        template,
        data.email,
        data.language,
        {
            **_claim_facts(data.rma_number, next_step),
            "product_name": _product_label(data.product),
            **facts,
        },
        account_id=data.account_id,
        claim_id=data.claim_id,
        rma_number=data.rma_number,
    )


def _charge_due_draft(data: ClaimChargeChangedData) -> EmailDraft:
    """A charge the customer must pay, with where to pay it (a paid or waived one is the
    operator's record: no email)."""
    index = 1 if data.language == "en" else 0
    return _claim_draft(
        "claim_charge_due",
        data,
        wording.CHARGE_NEXT_STEPS[data.language],
        kind_text=CHARGE_KINDS[data.kind][index],
        amount=data.amount,
        reason=data.reason,
        total_due=data.total_due,
        recipient=SERVICE_CENTRE.one_line,
        bank_account=SERVICE_CENTRE.bank_account,
        transfer_title=data.rma_number,
    )


def _deadline_draft(event: Event) -> EmailDraft | None:
    """The emails of deadlines that acted by themselves, and the service desk's daily list."""
    match event:
        case ClaimDeemedAccepted(data=data):
            return _claim_draft(
                "claim_deemed_accepted",
                data,
                wording.DEEMED_ACCEPTED_NEXT_STEPS[data.language],
                due_on=data.due_on,
                deemed_on=data.deemed_on,
            )
        case ClaimOfferExpired(data=data):
            return _claim_draft(
                "claim_offer_expired",
                data,
                wording.OFFER_EXPIRED_NEXT_STEPS[data.language][data.outcome],
                offer_text=word(wording.OFFERS, data.language, data.offer),
                answer_by=data.answer_by,
            )
        case ClaimCollectionReminder(data=data):
            return _claim_draft(
                "claim_collection_reminder",
                data,
                wording.COLLECTION_NEXT_STEPS[data.language],
                reminder=data.reminder,
                collect_by=data.collect_by,
            )
        case ClaimMarkedForDisposal(data=data):
            return _claim_draft(
                "claim_marked_for_disposal",
                data,
                wording.DISPOSAL_NEXT_STEPS[data.language],
                collect_by=data.collect_by,
            )
    return None


def _after_decision_draft(event: Event) -> EmailDraft | None:
    """The emails of the lifecycle after the decision (offers, replacement, refund, delay)."""
    match event:
        case ClaimOfferAnswered(data=data):
            answer = f"{data.offer}:{'yes' if data.accepted else 'no'}"
            return _claim_draft(
                "claim_offer_answered",
                data,
                wording.OFFER_NEXT_STEPS[data.language][answer],
                offer_text=word(wording.OFFERS, data.language, data.offer),
                accepted=data.accepted,
                amount=data.amount,
                answered_at=data.answered_at,
            )
        case ClaimReplacementIssued(data=data):
            return _claim_draft(
                "claim_replacement_issued",
                data,
                wording.REPLACEMENT_NEXT_STEPS[data.language],
                old_serial_number=data.old_serial_number,
                new_serial_number=data.new_serial_number,
                new_ean=data.new_ean if data.new_ean != data.old_ean else None,
            )
        case ClaimRefunded(data=data):
            return _claim_draft(
                "claim_refunded",
                data,
                wording.REFUND_NEXT_STEPS[data.language],
                amount=data.amount,
                method_text=word(wording.REFUND_METHODS, data.language, data.method),
                account_number_ending=data.account_number_ending,
                refunded_at=data.refunded_at,
            )
        case ClaimRepairDelayed(data=data):
            return _claim_draft(
                "claim_repair_delayed",
                data,
                wording.DELAY_NEXT_STEPS[data.language],
                reason=data.reason,
                due_on=data.due_on,
                expected_on=data.expected_on,
            )
    return None


def _manufacturer_draft(event: Event) -> EmailDraft | None:
    """The unit handed to DJI's official service, and back from it (DJI terms §2, §8, §9)."""
    match event:
        case ClaimSentToManufacturer(data=data):
            return _claim_draft(
                "claim_sent_to_manufacturer",
                data,
                wording.MANUFACTURER_NEXT_STEPS[data.language]["sent"],
                serial_number=data.serial_number,
                case_number=data.case_number,
                sent_on=data.sent_on,
            )
        case ClaimBackFromManufacturer(data=data):
            return _claim_draft(
                "claim_back_from_manufacturer",
                data,
                wording.MANUFACTURER_NEXT_STEPS[data.language]["back"],
                case_number=data.case_number,
                sent_on=data.sent_on,
                back_on=data.back_on,
                remark=data.remark,
                deadline_moved_to=data.deadline_moved_to,
            )
    return None


def shipment_draft(event: ShipmentFiled) -> EmailDraft:
    """A company's claims filed in bulk: one email for the shipment, however many claims, with
    the shipment's one label listing every RMA number (500 emails would bury the reseller's
    inbox and say the same 500 times)."""
    data = event.data
    rma_numbers = tuple(claim.rma_number for claim in data.claims)
    return EmailDraft(
        "shipment_filed",
        data.email,
        data.language,
        {
            "shipment_number": data.shipment_number,
            "rma_numbers": list(rma_numbers),
            "refused_rows": data.refused_rows,
            "service_address": SERVICE_ADDRESS,
            "packing": wording.PACKING[data.language],
        },
        account_id=data.account_id,
        shipment_label=(data.shipment_number, rma_numbers),
    )
