"""The notifications unit of work in memory: what PostgreSQL keeps, as dicts, for tests of the
service layer that run in milliseconds. The contract tests
(tests/support/notifications_contract.py) hold it to the PostgreSQL implementation.

A unit of work works on a copy of the committed state (shared/unit_of_work.py).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from uuid import UUID

from services.notifications.unit_of_work import (
    EmailListing,
    EmailStatus,
    NewEmail,
    QueuedEmail,
    queued_email,
)
from shared.unit_of_work import MemoryDatabaseBase, MemoryUnitOfWorkBase


@dataclass
class StoredEmail:
    email: NewEmail
    created_at: datetime
    next_attempt_at: datetime
    retry_from: datetime
    status: EmailStatus = "pending"
    attempts: int = 0
    last_error: str | None = None
    sent_at: datetime | None = None
    claimed_until: datetime | None = None

    def claimed(self, now: datetime) -> bool:
        return self.claimed_until is not None and self.claimed_until > now

    def take(self, claimed_until: datetime) -> QueuedEmail:
        self.attempts += 1
        self.next_attempt_at = self.claimed_until = claimed_until
        return _queued(self)


@dataclass
class MemoryState:
    emails: dict[UUID, StoredEmail] = field(default_factory=dict)
    customers: dict[UUID, str] = field(default_factory=dict)

    def snapshot(self) -> MemoryState:
        """A copy a unit of work may change without touching this one. A stored email's record
        changes in place (taken, sent, refused), so each record is copied; the composed email in
        it is frozen and handed out only as copies (_queued), so the copies share it. Deep-copying
        every email for each unit of work grew with the queue (a 40-email outage test spent 80 %
        of its time there)."""
        return MemoryState(
            emails={email_id: replace(stored) for email_id, stored in self.emails.items()},
            customers=dict(self.customers),
        )


class MemoryDatabase(MemoryDatabaseBase[MemoryState]):
    def __init__(self) -> None:
        super().__init__(MemoryState())

    def unit_of_work(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self)

    def email(self, email_id: UUID) -> StoredEmail:
        """An email as committed (for tests' assertions)."""
        return self.state.emails[email_id]


class MemoryUnitOfWork(MemoryUnitOfWorkBase[MemoryState]):
    def _copy_of(self, state: MemoryState) -> MemoryState:
        return state.snapshot()

    def _open(self, work: MemoryState) -> None:
        self.emails = MemoryEmailQueue(work)
        self.customers = MemoryCustomerNames(work)


def _queued(stored: StoredEmail) -> QueuedEmail:
    email = replace(
        stored.email,
        attachments=copy.deepcopy(stored.email.attachments),
        trace_context=dict(stored.email.trace_context),
    )
    return queued_email(email, attempts=stored.attempts, retry_from=stored.retry_from)


class MemoryEmailQueue:
    def __init__(self, state: MemoryState) -> None:
        self.state = state

    async def add_all(self, emails: Sequence[NewEmail], now: datetime) -> int:
        known = {stored.email.message_id for stored in self.state.emails.values()}
        queued = 0
        for email in emails:
            if email.message_id in known:
                continue
            known.add(email.message_id)
            self.state.emails[email.email_id] = StoredEmail(replace(email), now, now, now)
            queued += 1
        return queued

    async def add_claimed(
        self, emails: Sequence[NewEmail], now: datetime, claimed_until: datetime
    ) -> list[QueuedEmail]:
        known = set(self.state.emails)
        await self.add_all(emails, now)
        new = dict.fromkeys(e.email_id for e in emails if e.email_id not in known)
        added = [self.state.emails[email_id] for email_id in new if email_id in self.state.emails]
        return [stored.take(claimed_until) for stored in added]

    async def release(
        self, email_ids: Sequence[UUID], claimed_until: datetime, now: datetime
    ) -> int:
        released = [
            stored
            for email_id in email_ids
            if (stored := self.state.emails.get(email_id)) is not None
            and stored.status == "pending"
            and stored.claimed_until == claimed_until
        ]
        for stored in released:
            stored.attempts -= 1
            stored.claimed_until, stored.next_attempt_at = None, now
        return len(released)

    async def take_due(
        self, now: datetime, claimed_until: datetime, limit: int
    ) -> list[QueuedEmail]:
        due = [s for s in self.state.emails.values() if s.status == "pending"]
        due = [s for s in due if s.next_attempt_at <= now]
        due.sort(key=lambda s: s.created_at)
        return [stored.take(claimed_until) for stored in due[:limit]]

    def _waiting(self, now: datetime) -> list[StoredEmail]:
        emails = self.state.emails.values()
        return [s for s in emails if s.status == "pending" and not s.claimed(now)]

    async def take_probe(self, now: datetime, claimed_until: datetime) -> QueuedEmail | None:
        waiting = self._waiting(now)
        if not waiting:
            return None
        first = min(waiting, key=lambda s: (s.next_attempt_at, s.created_at))
        return first.take(claimed_until)

    async def release_waiting(self, now: datetime) -> int:
        released = [s for s in self._waiting(now) if s.next_attempt_at > now]
        for stored in released:
            stored.next_attempt_at = now
        return len(released)

    async def mark_sent(self, email_ids: Sequence[UUID], now: datetime) -> None:
        for email_id in email_ids:
            stored = self.state.emails[email_id]
            stored.status, stored.sent_at, stored.last_error = "sent", now, None
            stored.claimed_until = None

    async def mark_refused(self, email_id: UUID, error: str, retry_at: datetime | None) -> None:
        stored = self.state.emails[email_id]
        if stored.status != "pending":
            return
        stored.last_error, stored.claimed_until = error[:2000], None
        if retry_at is None:
            stored.status = "failed"
        else:
            stored.next_attempt_at = retry_at

    async def resend_failed(self, email_id: UUID | None, now: datetime) -> list[UUID]:
        resent = []
        for stored in self.state.emails.values():
            if stored.status == "failed" and email_id in (None, stored.email.email_id):
                stored.status, stored.attempts = "pending", 0
                stored.next_attempt_at = stored.retry_from = now
                resent.append(stored.email.email_id)
        return resent

    async def status(self, email_id: UUID) -> EmailStatus | None:
        stored = self.state.emails.get(email_id)
        return stored.status if stored else None

    async def listing(
        self,
        *,
        account_id: UUID | None,
        claim_id: UUID | None,
        status: EmailStatus | None,
        limit: int,
    ) -> list[EmailListing]:
        found = [
            s
            for s in self.state.emails.values()
            if account_id in (None, s.email.account_id)
            and claim_id in (None, s.email.claim_id)
            and status in (None, s.status)
        ]
        # Newest first; among equals by email_id, as PostgreSQL's ORDER BY ... DESC, email_id.
        found.sort(key=lambda s: s.email.email_id)
        found.sort(key=lambda s: s.created_at, reverse=True)
        return [_listed(stored) for stored in found[:limit]]

    async def count_failed(self) -> int:
        return sum(1 for s in self.state.emails.values() if s.status == "failed")


def _listed(stored: StoredEmail) -> EmailListing:
    email = stored.email
    return EmailListing(
        email_id=email.email_id,
        event_type=email.event_type,
        recipient=email.recipient,
        subject=email.subject,
        status=stored.status,
        attempts=stored.attempts,
        last_error=stored.last_error,
        created_at=stored.created_at,
        sent_at=stored.sent_at,
        rma_number=email.rma_number,
        account_id=email.account_id,
        claim_id=email.claim_id,
    )


class MemoryCustomerNames:
    def __init__(self, state: MemoryState) -> None:
        self.state = state

    async def remember(self, account_id: UUID, full_name: str) -> None:
        self.state.customers[account_id] = full_name

    async def name(self, account_id: UUID) -> str | None:
        return self.state.customers.get(account_id)
