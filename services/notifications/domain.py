"""Which email each customer-facing event produces: template, recipient and facts, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from shared.events import AccountActivated, AccountRegistered, Event


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
                template="account_registered",
                recipient=data.email,
                language=data.language,
                context={"full_name": data.full_name, "expires_at": data.activation_expires_at},
                account_id=data.account_id,
                sealed={"activation_link": data.activation_link_sealed},
            )
        case AccountActivated(data=data):
            return EmailDraft(
                template="account_activated",
                recipient=data.email,
                language=data.language,
                context={"full_name": data.full_name},
                account_id=data.account_id,
            )
    return None
