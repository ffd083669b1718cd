"""Renders an example of every email for review: `python -m services.notifications.preview OUT_DIR`.

Writes OUT_DIR/<lang>/<template>.html and .txt (subject first) for a sample of each event type,
the attachments those emails carry (the parcel label PDF), and for the status-change and decision
emails one more pair per emailed status and per decision: <template>-<status or decision>.html/.txt.
The samples are built from the event contracts; sealed links are replaced by example links, so
no key is needed.
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import get_args
from uuid import UUID

from services.notifications import attachments, domain, handlers
from services.notifications.adapters.templates import TemplateRenderer
from shared.events import (
    AccountActivated,
    AccountActivatedData,
    AccountActivationLinkIssued,
    AccountActivationLinkIssuedData,
    AccountEmailChanged,
    AccountEmailChangedData,
    AccountRegistered,
    AccountRegisteredData,
    AtRiskClaim,
    ClaimBackFromManufacturer,
    ClaimBackFromManufacturerData,
    ClaimChargeChanged,
    ClaimChargeChangedData,
    ClaimCollectionReminder,
    ClaimCollectionReminderData,
    ClaimCreated,
    ClaimCreatedData,
    ClaimDecided,
    ClaimDecidedData,
    ClaimDeemedAccepted,
    ClaimDeemedAcceptedData,
    ClaimedProduct,
    ClaimMarkedForDisposal,
    ClaimMarkedForDisposalData,
    ClaimOfferAnswered,
    ClaimOfferAnsweredData,
    ClaimOfferExpired,
    ClaimOfferExpiredData,
    ClaimRefunded,
    ClaimRefundedData,
    ClaimRepairDelayed,
    ClaimRepairDelayedData,
    ClaimReplacementIssued,
    ClaimReplacementIssuedData,
    ClaimSentToManufacturer,
    ClaimSentToManufacturerData,
    ClaimStatus,
    ClaimStatusChanged,
    ClaimStatusChangedData,
    Deadline,
    DeadlinesAtRisk,
    DeadlinesAtRiskData,
    DecisionKind,
    Deduction,
    DocumentLinked,
    DocumentLinkedData,
    EmailChangeRequested,
    EmailChangeRequestedData,
    Event,
    Language,
    ParcelReceived,
    ParcelReceivedData,
    PasswordResetRequested,
    PasswordResetRequestedData,
    ShipmentClaim,
    ShipmentFiled,
    ShipmentFiledData,
    WarrantyAssessed,
    WarrantyAssessedData,
)

CUSTOMER = "Jan Kowalski"
EMAIL = "jan.kowalski@example.com"
ACCOUNT_ID = UUID("5f0c1a52-0000-4000-8000-000000000001")
CLAIM_ID = UUID("5f0c1a52-0000-4000-8000-000000000002")
RMA_NUMBER = "RMA/1024/SR/2026"
NOW = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
PRODUCT = ClaimedProduct(
    ean="5902000000017",
    sku="DJI-MINI4",
    name="DJI Mini 4 Pro",
    brand="DJI",
    category="drone",
)
SEALED = "sealed-in-preview"


def _account_events(language: Language) -> list[Event]:
    expires = NOW + timedelta(hours=48)
    common = {"account_id": ACCOUNT_ID, "full_name": CUSTOMER, "language": language}
    return [
        AccountRegistered(
            producer="accounts",
            key=str(ACCOUNT_ID),
            data=AccountRegisteredData(
                **common,
                account_type="private",
                email=EMAIL,
                document_type="PA",
                document_number="2026/000123",
                activation_link_sealed=SEALED,
                activation_expires_at=expires,
            ),
        ),
        AccountActivationLinkIssued(
            producer="accounts",
            key=str(ACCOUNT_ID),
            data=AccountActivationLinkIssuedData(
                **common, email=EMAIL, activation_link_sealed=SEALED, activation_expires_at=expires
            ),
        ),
        AccountActivated(
            producer="accounts",
            key=str(ACCOUNT_ID),
            data=AccountActivatedData(**common, account_type="private", email=EMAIL),
        ),
        DocumentLinked(
            producer="accounts",
            key=str(ACCOUNT_ID),
            data=DocumentLinkedData(
                account_id=ACCOUNT_ID,
                account_type="private",
                email=EMAIL,
                language=language,
                document_type="FS",
                document_number="2026/000456",
            ),
        ),
        PasswordResetRequested(
            producer="accounts",
            key=str(ACCOUNT_ID),
            data=PasswordResetRequestedData(
                **common, email=EMAIL, reset_link_sealed=SEALED, reset_expires_at=expires
            ),
        ),
        EmailChangeRequested(
            producer="accounts",
            key=str(ACCOUNT_ID),
            data=EmailChangeRequestedData(
                **common,
                new_email="jan.nowy@example.com",
                confirmation_link_sealed=SEALED,
                confirmation_expires_at=expires,
            ),
        ),
        AccountEmailChanged(
            producer="accounts",
            key=str(ACCOUNT_ID),
            data=AccountEmailChangedData(**common, old_email=EMAIL, email="jan.nowy@example.com"),
        ),
    ]


def claim_created(language: Language) -> ClaimCreated:
    return ClaimCreated(
        producer="claims",
        key=str(CLAIM_ID),
        data=ClaimCreatedData(
            claim_id=CLAIM_ID,
            rma_number=RMA_NUMBER,
            account_id=ACCOUNT_ID,
            email=EMAIL,
            language=language,
            buyer_type="consumer",
            claim_type="dji",
            document_type="PA",
            document_number="2026/000123",
            sold_on=date(2025, 11, 20),
            product=PRODUCT,
            serial_number="1581F6Z9C23",
            problem_description="Gimbal drży po starcie, obraz jest rozmazany.",
            tracking_number="INPOST-6200123",
            package_contents="dron, 2 akumulatory, ładowarka",
            customer_reference="ZAM-77",
        ),
    )


def warranty_assessed(language: Language) -> WarrantyAssessed:
    return WarrantyAssessed(
        producer="warranty",
        key=str(CLAIM_ID),
        data=WarrantyAssessedData(
            claim_id=CLAIM_ID,
            rma_number=RMA_NUMBER,
            account_id=ACCOUNT_ID,
            email=EMAIL,
            language=language,
            covered=True,
            warranty_until=date(2027, 11, 20),
            rule="dji-standard",
            reason="Produkt DJI: 24 miesiące gwarancji od daty sprzedaży (2025-11-20).",
            claim_type_allowed=True,
            claim_type_reason="Zgłoszenie DJI dotyczy produktu DJI.",
            deadlines=(
                Deadline(
                    kind="complaint_answer",
                    due_on=date(2026, 3, 16),
                    description="Odpowiedź na reklamację konsumenta w 14 dni.",
                ),
                Deadline(
                    kind="dji_repair",
                    due_on=None,
                    description="Naprawa DJI w 60 dni roboczych od przyjęcia produktu.",
                ),
            ),
        ),
    )


def parcel_received(language: Language) -> ParcelReceived:
    return ParcelReceived(
        producer="claims",
        key=str(CLAIM_ID),
        data=ParcelReceivedData(
            parcel_id=UUID("5f0c1a52-0000-4000-8000-000000000003"),
            claim_id=CLAIM_ID,
            rma_number=RMA_NUMBER,
            account_id=ACCOUNT_ID,
            email=EMAIL,
            language=language,
            tracking_number="INPOST-6200123",
            received_at=NOW,
            scanned_by="skaner-1",
        ),
    )


def status_changed(language: Language, status: ClaimStatus) -> ClaimStatusChanged:
    notes: dict[str, str] = {
        "awaiting_customer": "Prześlij zdjęcie tabliczki znamionowej z numerem seryjnym.",
    }
    return ClaimStatusChanged(
        producer="claims",
        key=str(CLAIM_ID),
        data=ClaimStatusChangedData(
            claim_id=CLAIM_ID,
            rma_number=RMA_NUMBER,
            account_id=ACCOUNT_ID,
            email=EMAIL,
            language=language,
            claim_type="dji",
            product=PRODUCT,
            from_status=None if status == "submitted" else "in_inspection",
            to_status=status,
            changed_at=NOW,
            actor="operator",
            note=notes.get(status),
            tracking_number="DPD-0099887766" if status == "shipped_back" else None,
        ),
    )


def decided(language: Language, decision: DecisionKind) -> ClaimDecided:
    amounts = {
        "refund": Decimal("3299.00"),
        "price_reduction": Decimal("450.00"),
        "paid_repair": Decimal("1249.50"),
    }
    return ClaimDecided(
        producer="claims",
        key=str(CLAIM_ID),
        data=ClaimDecidedData(
            claim_id=CLAIM_ID,
            rma_number=RMA_NUMBER,
            account_id=ACCOUNT_ID,
            email=EMAIL,
            language=language,
            claim_type="return" if decision == "refund" else "dji",
            product=PRODUCT,
            decision=decision,
            rejection_reason="mechanical_damage" if decision == "rejection" else None,
            consumer_complaint=decision != "refund",
            justification="Diagnoza wykazała pęknięcie ramienia gimbala po uderzeniu.",
            amount=amounts.get(decision),
            deductions=(
                (
                    Deduction(
                        reason="Uszkodzone opakowanie", percent=Decimal(10), amount=Decimal(330)
                    ),
                )
                if decision == "refund"
                else ()
            ),
            decided_at=NOW,
            decided_by="operator",
        ),
    )


def _facts(language: Language, claim_type: str = "dji") -> dict[str, object]:
    return {
        "claim_id": CLAIM_ID,
        "rma_number": RMA_NUMBER,
        "account_id": ACCOUNT_ID,
        "email": EMAIL,
        "language": language,
        "claim_type": claim_type,
        "product": PRODUCT,
    }


def after_decision(language: Language) -> list[Event]:
    """One of each event of the lifecycle after the decision."""
    key = str(CLAIM_ID)
    return [
        ClaimOfferAnswered(
            producer="claims",
            key=key,
            data=ClaimOfferAnsweredData.model_validate(
                {
                    **_facts(language),
                    "offer": "paid_repair_quote",
                    "accepted": True,
                    "amount": Decimal("1249.50"),
                    "answered_at": NOW,
                }
            ),
        ),
        ClaimReplacementIssued(
            producer="claims",
            key=key,
            data=ClaimReplacementIssuedData.model_validate(
                {
                    **_facts(language),
                    "old_serial_number": "1581F6Z9C22B",
                    "new_serial_number": "1581F7A0D11C",
                    "old_ean": PRODUCT.ean,
                    "new_ean": PRODUCT.ean,
                    "issued_at": NOW,
                    "issued_by": "operator",
                }
            ),
        ),
        ClaimRefunded(
            producer="claims",
            key=key,
            data=ClaimRefundedData.model_validate(
                {
                    **_facts(language, "return"),
                    "amount": Decimal("3109.25"),
                    "method": "bank_transfer",
                    "account_number_ending": "2874",
                    "refunded_at": NOW,
                    "due_on": NOW.date() + timedelta(days=10),
                    "in_time": True,
                }
            ),
        ),
        ClaimChargeChanged(
            producer="claims",
            key=key,
            data=ClaimChargeChangedData.model_validate(
                {
                    **_facts(language, "return"),
                    "charge_id": CLAIM_ID,
                    "kind": "cleaning",
                    "amount": Decimal("49.90"),
                    "reason": "Produkt wrócił bardzo zabrudzony (błoto w złączach).",
                    "state": "due",
                    "changed_at": NOW,
                    "changed_by": "operator",
                    "total_due": Decimal("49.90"),
                }
            ),
        ),
        ClaimRepairDelayed(
            producer="claims",
            key=key,
            data=ClaimRepairDelayedData.model_validate(
                {
                    **_facts(language, "warranty"),
                    "reason": "Czekamy na sterownik od producenta (dostawa za 10 dni).",
                    "due_on": NOW.date() + timedelta(days=3),
                    "expected_on": NOW.date() + timedelta(days=14),
                    "announced_at": NOW,
                }
            ),
        ),
    ]


def manufacturer_trip(language: Language) -> list[Event]:
    """A DJI unit handed to DJI's official service, and back from it."""
    key, sent_on = str(CLAIM_ID), NOW.date() - timedelta(days=9)
    trip = {
        **_facts(language, "dji"),
        "serial_number": "1581F6Z0C00AB",
        "case_number": "CAS-PL-2611",
    }
    return [
        ClaimSentToManufacturer(
            producer="claims",
            key=key,
            data=ClaimSentToManufacturerData.model_validate(
                {**trip, "sent_on": sent_on, "recorded_at": NOW, "recorded_by": "operator"}
            ),
        ),
        ClaimBackFromManufacturer(
            producer="claims",
            key=key,
            data=ClaimBackFromManufacturerData.model_validate(
                {
                    **trip,
                    "sent_on": sent_on,
                    "back_on": NOW.date(),
                    "paused_working_days": 7,
                    "deadline_moved_to": NOW.date() + timedelta(days=70),
                    "statement_attached": True,
                    "remark": "Uszkodzona płyta główna; naprawa niemożliwa, zalecana wymiana.",
                    "recorded_at": NOW,
                    "recorded_by": "operator",
                }
            ),
        ),
    ]


def deadlines_acted(language: Language) -> list[Event]:
    """The events of deadlines that acted by themselves."""
    key = str(CLAIM_ID)
    return [
        ClaimDeemedAccepted(
            producer="claims",
            key=key,
            data=ClaimDeemedAcceptedData.model_validate(
                {
                    **_facts(language, "non_conformity"),
                    "due_on": NOW.date() - timedelta(days=1),
                    "deemed_on": NOW.date(),
                }
            ),
        ),
        ClaimOfferExpired(
            producer="claims",
            key=key,
            data=ClaimOfferExpiredData.model_validate(
                {
                    **_facts(language, "warranty"),
                    "offer": "paid_repair_quote",
                    "answer_by": NOW.date() - timedelta(days=1),
                    "expired_on": NOW.date(),
                    "outcome": "goods_back",
                }
            ),
        ),
        ClaimCollectionReminder(
            producer="claims",
            key=key,
            data=ClaimCollectionReminderData.model_validate(
                {
                    **_facts(language, "return"),
                    "reminder": 1,
                    "collect_by": NOW.date() + timedelta(days=16),
                }
            ),
        ),
        ClaimMarkedForDisposal(
            producer="claims",
            key=key,
            data=ClaimMarkedForDisposalData.model_validate(
                {
                    **_facts(language, "return"),
                    "collect_by": NOW.date() - timedelta(days=1),
                    "marked_on": NOW.date(),
                }
            ),
        ),
    ]


def deadlines_at_risk() -> DeadlinesAtRisk:
    return DeadlinesAtRisk(
        producer="claims",
        key=NOW.date().isoformat(),
        data=DeadlinesAtRiskData(
            day=NOW.date(),
            claims=(
                AtRiskClaim(
                    claim_id=CLAIM_ID,
                    rma_number="RMA/1024/SR/2026",
                    status="in_repair",
                    deadline="scooter_repair",
                    due_on=NOW.date() + timedelta(days=3),
                    working_days_left=2,
                ),
            ),
        ),
    )


def shipment_filed(language: Language) -> ShipmentFiled:
    """A reseller's claims filed in bulk: one email for the shipment, not one per claim."""
    return ShipmentFiled(
        producer="claims",
        key=str(CLAIM_ID),
        data=ShipmentFiledData(
            shipment_id=CLAIM_ID,
            shipment_number="WYS/12/SR/2026",
            account_id=ACCOUNT_ID,
            email=EMAIL,
            language=language,
            filed_at=NOW,
            claims=tuple(
                ShipmentClaim(claim_id=CLAIM_ID, rma_number=f"RMA/{1024 + n}/SR/2026", row_no=n + 2)
                for n in range(3)
            ),
            refused_rows=1,
        ),
    )


def samples(language: Language) -> list[tuple[str, Event]]:
    """(file name stem, event): one per event type, then one per emailed status and per decision."""
    named: list[tuple[str, Event]] = []
    for event in (
        *_account_events(language),
        claim_created(language),
        warranty_assessed(language),
        parcel_received(language),
        status_changed(language, "awaiting_customer"),
        decided(language, "refund"),
        *after_decision(language),
        *manufacturer_trip(language),
        *deadlines_acted(language),
        shipment_filed(language),
    ):
        draft = domain.draft_for(event)
        assert draft is not None, event.type
        named.append((draft.template, event))
    named += [
        (f"claim_status_changed-{status}", status_changed(language, status))
        for status in get_args(ClaimStatus)
        if status not in domain.STATUSES_TOLD_BY_THEIR_OWN_EVENT
    ]
    named += [
        (f"claim_decided-{decision}", decided(language, decision))
        for decision in get_args(DecisionKind)
    ]
    return named


def _drafts(language: Language) -> list[tuple[str, domain.EmailDraft]]:
    """The customers' emails of the samples, and the service centre's own (in Polish)."""
    drafts: list[tuple[str, domain.EmailDraft]] = []
    for stem, event in samples(language):
        draft = domain.draft_for(event)
        assert draft is not None, stem
        drafts.append((stem, draft))
        staff = domain.staff_draft_for(
            event, "serwis@innpro.example", "https://panel.innpro.example"
        )
        if staff is not None and staff.language == language:
            drafts.append((staff.template, staff))
    at_risk = domain.staff_draft_for(
        deadlines_at_risk(), "serwis@innpro.example", "https://panel.innpro.example"
    )
    if at_risk is not None and at_risk.language == language:
        drafts.append((at_risk.template, at_risk))
    return drafts


def write_previews(out_dir: Path) -> list[Path]:
    renderer = TemplateRenderer()
    written: list[Path] = []
    for language in get_args(Language):
        folder = out_dir / language
        folder.mkdir(parents=True, exist_ok=True)
        for stem, draft in _drafts(language):
            links = {
                name: f"https://panel.innpro.example/{name}?token=PREVIEW" for name in draft.sealed
            }
            email = handlers.compose(
                renderer,
                draft,
                customer_name=CUSTOMER,
                secrets=links,
                panel_url="https://panel.innpro.example",
            )
            subject, text = email.rendered.subject, email.rendered.text
            files = {
                f"{stem}.html": email.rendered.html.encode(),
                f"{stem}.txt": f"Subject: {subject}\n\n{text}".encode(),
            }
            for attachment in email.attachments:
                files[attachment["filename"]] = attachments.content(attachment)
            for name, content in files.items():
                (folder / name).write_bytes(content)
                written.append(folder / name)
    return written


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m services.notifications.preview OUT_DIR", file=sys.stderr)
        return 2
    written = write_previews(Path(argv[0]))
    print(f"{len(written)} files written to {argv[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
