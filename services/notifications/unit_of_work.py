"""The notifications service's port to its storage: one unit of work per command or query.

What notifications keeps: the emails (the sending queue, with each email's attempts and state)
and the customers' names that account events told it (claim events carry no name). It publishes
no events, so it has no outbox. The inbox of consumed events stays with the consumer
(shared/inbox.py): it is checked once per fetched batch, for the whole batch, in the batch's
transaction, and a consumer's unit of work works inside that very transaction.

Two implementations keep these promises: `adapters.postgres` (asyncpg, in production) and
`adapters.memory` (dicts, for tests of the service layer in milliseconds). One contract test class
(tests/support/notifications_contract.py) runs against both, so the fake cannot drift.
`bootstrap.py` is the only place that chooses.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol
from uuid import UUID

from shared.unit_of_work import UnitOfWork

EmailStatus = Literal["pending", "sent", "failed"]

# --- what the repositories hand out (plain values, never database rows) -----------------------


@dataclass(frozen=True)
class NewEmail:
    """An email a handler composed, to be queued once (its Message-ID is its identity)."""

    email_id: UUID
    event_id: UUID
    event_type: str
    message_id: str
    recipient: str
    subject: str
    text_body: str
    html_body: str
    # As services/notifications/attachments.py keeps them.
    attachments: list[dict[str, Any]] = field(default_factory=list)
    account_id: UUID | None = None
    claim_id: UUID | None = None
    rma_number: str | None = None
    # The trace of the event that asked for it (W3C headers), which its send joins.
    trace_context: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class QueuedEmail:
    """An email taken from the queue to be sent now."""

    email_id: UUID
    event_id: UUID
    message_id: str
    recipient: str
    subject: str
    text_body: str
    html_body: str
    attachments: list[dict[str, Any]]
    rma_number: str | None
    attempts: int  # this one included
    retry_from: datetime  # temporary refusals are retried for a while counted from here
    trace_context: dict[str, str] = field(default_factory=dict)


def queued_email(email: NewEmail, *, attempts: int, retry_from: datetime) -> QueuedEmail:
    """A queued email as the sender takes it, on its `attempts`-th attempt."""
    return QueuedEmail(
        email_id=email.email_id,
        event_id=email.event_id,
        message_id=email.message_id,
        recipient=email.recipient,
        subject=email.subject,
        text_body=email.text_body,
        html_body=email.html_body,
        attachments=email.attachments,
        rma_number=email.rma_number,
        attempts=attempts,
        retry_from=retry_from,
        trace_context=email.trace_context,
    )


@dataclass(frozen=True)
class EmailListing:
    """An email as operators see it."""

    email_id: UUID
    event_type: str
    recipient: str
    subject: str
    status: EmailStatus
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    rma_number: str | None
    account_id: UUID | None
    claim_id: UUID | None


# --- the repositories ----------------------------------------------------------------------


class EmailQueue(Protocol):
    async def add_all(self, emails: Sequence[NewEmail], now: datetime) -> int:
        """Queue the emails, due `now`, in one statement; how many were new. An email whose
        Message-ID is known (queued before, or earlier in `emails`) changes nothing."""
        ...

    async def add_claimed(
        self, emails: Sequence[NewEmail], now: datetime, claimed_until: datetime
    ) -> list[QueuedEmail]:
        """Queue the emails as `add_all` does, taken at once by this process's sender as
        `take_due` takes them (an attempt counted, claimed until `claimed_until`), without
        waking the other senders; the new ones, as they are to be sent (none known before)."""
        ...

    async def release(
        self, email_ids: Sequence[UUID], claimed_until: datetime, now: datetime
    ) -> int:
        """Emails still pending under the claim that ends at `claimed_until` (taken, then not
        sent: a sender stopping, or too late) due `now` for any sender, their attempt not
        counted; how many."""
        ...

    async def take_due(
        self, now: datetime, claimed_until: datetime, limit: int
    ) -> list[QueuedEmail]:
        """Up to `limit` due emails, oldest first, each counted as an attempt and claimed until
        `claimed_until` (no other sender takes them meanwhile; a dead sender's claim expires)."""
        ...

    async def take_probe(self, now: datetime, claimed_until: datetime) -> QueuedEmail | None:
        """The waiting email whose retry comes first, taken now though not due yet (a probe of
        a refusing server), counted and claimed as `take_due` does; never one being sent."""
        ...

    async def release_waiting(self, now: datetime) -> int:
        """Every email waiting for its retry made due `now` (the server is back); how many.
        Emails being sent are left to their senders."""
        ...

    async def mark_sent(self, email_ids: Sequence[UUID], now: datetime) -> None:
        """The emails the server accepted: sent, for good."""
        ...

    async def mark_refused(self, email_id: UUID, error: str, retry_at: datetime | None) -> None:
        """Try again at `retry_at`, or fail the email for good when it is None."""
        ...

    async def resend_failed(self, email_id: UUID | None, now: datetime) -> list[UUID]:
        """Failed emails (one, or all when `email_id` is None) back in the queue, due `now`,
        with a new retry period; the ids requeued."""
        ...

    async def status(self, email_id: UUID) -> EmailStatus | None: ...

    async def listing(
        self,
        *,
        account_id: UUID | None,
        claim_id: UUID | None,
        status: EmailStatus | None,
        limit: int,
    ) -> list[EmailListing]:
        """Newest first."""
        ...

    async def count_failed(self) -> int: ...


class CustomerNames(Protocol):
    async def remember(self, account_id: UUID, full_name: str) -> None: ...
    async def name(self, account_id: UUID) -> str | None: ...


class NotificationsUnitOfWork(UnitOfWork, Protocol):
    # Open once the unit of work is entered.
    @property
    def emails(self) -> EmailQueue: ...
    @property
    def customers(self) -> CustomerNames: ...


UnitOfWorkFactory = Callable[[], NotificationsUnitOfWork]
