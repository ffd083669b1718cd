"""Which email each event asks for: template, recipient, language; no email where none is due."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import get_args
from uuid import uuid4

import pytest

from services.notifications import domain, preview, wording
from shared.claims_vocabulary import GUARANTEE_REJECTION_REASONS, RETURN_REJECTION_REASONS
from shared.events import (
    Buyer,
    ClaimStatus,
    DecisionKind,
    DocumentLinked,
    Event,
    Language,
    ParcelReceived,
    ParcelReceivedData,
    ProductRegistered,
    ProductRegisteredData,
    SaleLine,
    SaleRecorded,
    SaleRecordedData,
)

TEMPLATES = {
    "AccountRegistered": "account_registered",
    "AccountActivationLinkIssued": "activation_link_issued",
    "AccountActivated": "account_activated",
    "DocumentLinked": "document_linked",
    "PasswordResetRequested": "password_reset_requested",
    "EmailChangeRequested": "email_change_requested",
    "AccountEmailChanged": "account_email_changed",
    "ClaimCreated": "claim_created",
    "WarrantyAssessed": "warranty_assessed",
    "ParcelReceived": "parcel_received",
    "ClaimStatusChanged": "claim_status_changed",
    "ClaimDecided": "claim_decided",
    "ClaimOfferAnswered": "claim_offer_answered",
    "ClaimReplacementIssued": "claim_replacement_issued",
    "ClaimRefunded": "claim_refunded",
    "ClaimChargeChanged": "claim_charge_due",
    "ClaimRepairDelayed": "claim_repair_delayed",
    "ClaimSentToManufacturer": "claim_sent_to_manufacturer",
    "ClaimBackFromManufacturer": "claim_back_from_manufacturer",
    "ClaimDeemedAccepted": "claim_deemed_accepted",
    "ClaimOfferExpired": "claim_offer_expired",
    "ClaimCollectionReminder": "claim_collection_reminder",
    "ClaimMarkedForDisposal": "claim_marked_for_disposal",
    "ShipmentFiled": "shipment_filed",
}
CLAIM_EVENTS = {
    "ClaimCreated",
    "WarrantyAssessed",
    "ParcelReceived",
    "ClaimStatusChanged",
    "ClaimDecided",
    "ClaimOfferAnswered",
    "ClaimReplacementIssued",
    "ClaimRefunded",
    "ClaimChargeChanged",
    "ClaimRepairDelayed",
    "ClaimSentToManufacturer",
    "ClaimBackFromManufacturer",
    "ClaimDeemedAccepted",
    "ClaimOfferExpired",
    "ClaimCollectionReminder",
    "ClaimMarkedForDisposal",
}


def expected_recipient(event: Event) -> str:
    data = event.data
    if event.type == "EmailChangeRequested":
        return str(data.new_email)  # type: ignore[attr-defined]
    if event.type == "AccountEmailChanged":
        return str(data.old_email)  # type: ignore[attr-defined]  # the one who lost the address
    return str(data.email)  # type: ignore[attr-defined]


@pytest.mark.parametrize("language", get_args(Language))
def test_every_customer_facing_event_gets_its_template_recipient_and_language(
    language: Language,
) -> None:
    seen = set()
    for _, event in preview.samples(language):
        draft = domain.draft_for(event)
        assert draft is not None, event.type
        assert draft.template == TEMPLATES[event.type]
        assert draft.recipient == expected_recipient(event)
        assert draft.language == language
        if event.type in CLAIM_EVENTS:
            data = event.data
            assert draft.rma_number == data.rma_number  # type: ignore[attr-defined]
            assert draft.claim_id == data.claim_id  # type: ignore[attr-defined]
            assert draft.account_id == data.account_id  # type: ignore[attr-defined]
            assert draft.label == (event.type == "ClaimCreated")
        seen.add(event.type)
    assert seen == set(TEMPLATES)


def test_unidentified_parcel_gets_no_email() -> None:
    parcel = ParcelReceived(
        producer="claims",
        key=str(uuid4()),
        data=ParcelReceivedData(
            parcel_id=uuid4(),
            tracking_number="INPOST-1",
            received_at=datetime.now(UTC),
            scanned_by="skaner-1",
        ),
    )
    assert domain.draft_for(parcel) is None


def test_events_customers_are_not_told_about_give_no_email() -> None:
    registered = ProductRegistered(
        producer="warranty",
        key=str(uuid4()),
        data=ProductRegisteredData(
            registration_id=uuid4(),
            account_id=uuid4(),
            ean="5902000000017",
            serial_number="SN",
            purchased_on=date(2026, 1, 2),
            registered_on=date(2026, 1, 3),
        ),
    )
    sale = SaleRecorded(
        producer="erp",
        key="PA/1",
        data=SaleRecordedData(
            document_type="PA",
            document_number="1",
            issued_on=date(2026, 1, 2),
            buyer=Buyer(type="consumer"),
            total=Decimal(1),
            lines=(
                SaleLine(
                    line_no=1,
                    ean="5902000000017",
                    sku="S",
                    name="n",
                    brand="b",
                    category="c",
                    quantity=1,
                    unit_price=Decimal(1),
                ),
            ),
        ),
    )
    linked = next(e for _, e in preview.samples("pl") if isinstance(e, DocumentLinked))
    at_registration = linked.model_copy(
        update={"data": linked.data.model_copy(update={"at_registration": True})}
    )
    assert domain.draft_for(registered) is None
    assert domain.draft_for(sale) is None
    assert domain.draft_for(at_registration) is None  # the registration email said so


EMAILED_STATUSES = set(get_args(ClaimStatus)) - domain.STATUSES_TOLD_BY_THEIR_OWN_EVENT


@pytest.mark.parametrize("status", sorted(EMAILED_STATUSES))
def test_each_status_in_the_customers_words_with_its_next_step(status: str) -> None:
    event = preview.status_changed("pl", status)  # type: ignore[arg-type]
    draft = domain.draft_for(event)
    assert draft is not None
    assert draft.context["status_text"] == wording.STATUSES["pl"][status]
    assert draft.context["status_text"] != status
    assert "{" not in draft.context["next_step"]  # placeholders filled in


@pytest.mark.parametrize("language", get_args(Language))
@pytest.mark.parametrize("status", ["received", "decided"])
def test_status_change_with_its_own_event_drafts_no_second_email(
    language: Language, status: ClaimStatus
) -> None:
    # ParcelReceived and ClaimDecided, published with these changes, are the customer's email.
    assert domain.draft_for(preview.status_changed(language, status)) is None


def test_status_change_without_its_own_event_drafts_one_email() -> None:
    draft = domain.draft_for(preview.status_changed("pl", "in_inspection"))
    assert draft is not None
    assert draft.template == "claim_status_changed"
    assert (draft.recipient, draft.language) == (preview.EMAIL, "pl")
    assert draft.context["status_text"] == "w diagnozie"


def test_the_verdict_republished_with_repair_deadlines_is_not_emailed_again() -> None:
    # The parcel's receipt republishes the verdict with its repair deadline: the customer was
    # told the verdict already, and ParcelReceived tells the receipt.
    assessed = preview.warranty_assessed("pl")
    update = assessed.model_copy(
        update={
            "event_id": uuid4(),
            "data": assessed.data.model_copy(update={"deadlines_update": True}),
        }
    )
    assert domain.draft_for(update) is None
    draft = domain.draft_for(assessed)
    assert draft is not None and draft.template == "warranty_assessed"


def test_brief_wording_of_statuses() -> None:
    assert wording.STATUSES["pl"]["submitted"] == "przyjęte, czeka na przesyłkę"
    assert wording.STATUSES["pl"]["received"] == "przesyłka dotarła do serwisu"
    assert wording.STATUSES["pl"]["in_inspection"] == "w diagnozie"
    assert wording.STATUSES["pl"]["awaiting_customer"] == "czekamy na informacje od Ciebie"


def test_wording_tables_cover_every_code_in_both_languages() -> None:
    codes = {
        "STATUSES": set(get_args(ClaimStatus)),
        "STATUS_NEXT_STEPS": EMAILED_STATUSES,
        "DECISIONS": set(get_args(DecisionKind)),
        "DECISION_NEXT_STEPS": set(get_args(DecisionKind)),
        "AMOUNT_LABELS": set(get_args(DecisionKind)),
        "CLAIM_TYPES": {"warranty", "non_conformity", "return", "dji"},
        # The claims service's codified reasons (seed 002) must all have customer wording.
        "REJECTION_REASONS": set(RETURN_REJECTION_REASONS) | set(GUARANTEE_REJECTION_REASONS),
        "DEADLINE_KINDS": {
            "complaint_answer",
            "business_assessment",
            "dji_repair",
            "scooter_repair",
            "return_refund",
        },
    }
    for name, expected in codes.items():
        table = getattr(wording, name)
        for language in get_args(Language):
            assert set(table[language]) == expected, (name, language)


def test_unknown_codes_fall_back_to_the_code() -> None:
    assert wording.word(wording.REJECTION_REASONS, "pl", "new_reason") == "new_reason"


def test_product_named_once_when_the_name_starts_with_the_brand() -> None:
    draft = domain.draft_for(preview.claim_created("pl"))
    assert draft is not None
    assert draft.context["product_name"] == "DJI Mini 4 Pro"


def test_account_events_tell_the_customers_name() -> None:
    named = [domain.named_account(event) for _, event in preview.samples("pl")]
    assert (preview.ACCOUNT_ID, preview.CUSTOMER) in named
    assert domain.named_account(preview.claim_created("pl")) is None


def test_an_event_older_than_the_limit_is_too_old_to_email() -> None:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    week = timedelta(days=7)
    assert not domain.too_old_to_email(now - timedelta(days=7), now, week)
    assert domain.too_old_to_email(now - timedelta(days=7, seconds=1), now, week)
    assert not domain.too_old_to_email(now - timedelta(minutes=5), now, week)


def test_only_an_answered_offer_tells_the_service_centre_in_polish() -> None:
    events = preview.after_decision("en")
    [answered] = [e for e in events if e.type == "ClaimOfferAnswered"]
    staff = domain.staff_draft_for(answered, "serwis@innpro.example", "https://panel.example/")
    assert staff is not None
    assert (staff.recipient, staff.language, staff.template) == (
        "serwis@innpro.example",
        "pl",
        "staff_offer_answered",
    )
    assert staff.context["claim_page"] == (
        f"https://panel.example/operator/claims/{answered.data.claim_id}"
    )
    assert staff.context["next_step"].startswith("napraw produkt")
    assert domain.staff_draft_for(answered, "", "https://panel.example") is None
    others = [e for e in events if e.type != "ClaimOfferAnswered"]
    assert all(domain.staff_draft_for(e, "serwis@innpro.example", "x") is None for e in others)
