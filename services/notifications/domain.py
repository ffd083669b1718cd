"""Which email each customer-facing event produces: template, recipient and facts, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from shared.events import (
    AccountActivated,
    AccountActivationLinkIssued,
    AccountEmailChanged,
    AccountRegistered,
    DocumentLinked,
    EmailChangeRequested,
    Event,
    PasswordResetRequested,
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


def draft_for(event: Event) -> EmailDraft | None:
    """The email an event asks for, or None for events customers are not told about."""
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
