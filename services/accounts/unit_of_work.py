"""The accounts service's port to its storage: one unit of work per command or query.

A handler opens a unit of work, reads what it needs through its repositories, decides with the
domain, writes, hands the events to the outbox and commits: the account, its links, secrets and
counted attempts and its events are written together or not at all. Leaving the block without
`commit` rolls back.

Two implementations keep these promises: `adapters.postgres` (asyncpg, in production) and
`adapters.memory` (dicts, for tests of the service layer in milliseconds). One contract test class
(tests/support/accounts_contract.py) runs against both, so the fake cannot drift. `bootstrap.py`
is the only place that chooses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal, Protocol
from uuid import UUID

from shared.events import BuyerType, DocumentType, PostalAddress, SaleLine, SaleRecordedData
from shared.unit_of_work import OutboxUnitOfWork

AccountType = Literal["private", "company"]
Purpose = Literal["activation", "password_reset", "email_change"]

# --- what the repositories hand out (plain values, never database rows) -----------------------


@dataclass(frozen=True)
class NewAccount:
    account_id: UUID
    account_type: AccountType
    full_name: str
    email: str
    password_hash: str
    language: Literal["pl", "en"]
    vat_country: str | None = None
    tax_id: str | None = None


@dataclass(frozen=True)
class Account(NewAccount):
    activated_at: datetime | None = None
    phone: str | None = None
    postal_address: PostalAddress | None = None


@dataclass(frozen=True)
class SalesDocument:
    """A purchase document as the sales ledger published it."""

    document_type: DocumentType
    document_number: str
    issued_on: date
    total: Decimal
    buyer_type: BuyerType
    buyer_tax_id: str | None
    lines: tuple[SaleLine, ...]


@dataclass(frozen=True)
class FoundDocument:
    """A document matched by its number and total, with the account it is linked to (if any)."""

    document: SalesDocument
    linked_account_id: UUID | None


@dataclass(frozen=True)
class NewSecret:
    """A single-use emailed secret, kept by its hash only."""

    token_hash: bytes
    account_id: UUID
    purpose: Purpose
    expires_at: datetime
    new_email: str | None = None  # an email change's address to confirm


@dataclass(frozen=True)
class SpentSecret:
    account_id: UUID
    new_email: str | None  # an email change's address to confirm


@dataclass(frozen=True)
class Operator:
    operator_id: UUID
    email: str
    full_name: str
    password_hash: str


@dataclass(frozen=True)
class Scanner:
    scanner_id: UUID
    name: str


@dataclass(frozen=True)
class Attempts:
    """Attempts of one subject counted in a window: how many, the oldest and the latest."""

    count: int
    oldest: datetime | None
    latest: datetime | None


# --- the repositories ----------------------------------------------------------------------


class AccountRepository(Protocol):
    async def get(self, account_id: UUID) -> Account | None: ...
    async def by_email(self, email: str) -> Account | None:
        """The account with this address, whatever its letters' case."""
        ...

    async def add(self, account: NewAccount) -> bool:
        """False (and nothing stored) when another account has the address, in any case."""
        ...

    async def mark_activated(self, account_id: UUID, at: datetime) -> bool:
        """False when the account was active already."""
        ...

    async def set_password(self, account_id: UUID, password_hash: str) -> None: ...
    async def set_email(self, account_id: UUID, email: str) -> bool:
        """False (and nothing changed) when another account took the address."""
        ...

    async def set_contact(self, account_id: UUID, address: PostalAddress) -> None: ...


class SalesLedger(Protocol):
    """The sales documents that prove purchases, and the account each is linked to."""

    async def record_sale(self, sale: SaleRecordedData) -> None:
        """Kept under the number in capitals; a repeated document replaces the earlier record."""
        ...

    async def find(self, number: str, total: Decimal) -> FoundDocument | None:
        """The document with this number and total (numbers may repeat across PA and FS: the
        first by type), locked until the unit of work ends."""
        ...

    async def number_known(self, number: str) -> bool: ...
    async def link(self, document_type: str, document_number: str, account_id: UUID) -> bool:
        """False when the document is linked (to this or another account) already."""
        ...

    async def linked_to(self, account_id: UUID) -> list[SalesDocument]:
        """The account's documents, in the order they were linked."""
        ...


class SecretRepository(Protocol):
    """Single-use emailed secrets, kept by their hash only."""

    async def store(self, secret: NewSecret) -> None:
        """A new secret; the account's unused ones of the same purpose stop working."""
        ...

    async def spend(self, token_hash: bytes, purpose: Purpose, now: datetime) -> SpentSecret | None:
        """Once: None when unknown, of another purpose, used, superseded or expired at `now`."""
        ...


class AttemptLog(Protocol):
    """Attempts a limit watches (failed logins, wrong guesses, emails asked for), by subject."""

    async def lock(self, subject: str) -> None:
        """Attempts on `subject` wait for this unit of work: parallel ones all count."""
        ...

    async def counted(self, subject: str, since: datetime, until: datetime) -> Attempts:
        """Those after `since` up to `until` (the clock's now)."""
        ...

    async def record(self, at: datetime, forget_before: datetime, *subjects: str) -> None:
        """Count one attempt of each subject at `at`; forget theirs up to `forget_before`."""
        ...

    async def clear(self, subject_prefix: str) -> None: ...


class StaffRepository(Protocol):
    """Operators (people) and scanners (devices), created by the admin command."""

    async def operator_by_email(self, email: str) -> Operator | None:
        """An operator not disabled, whatever the letters' case."""
        ...

    async def add_operator(self, operator: Operator) -> bool:
        """False when an operator has the address."""
        ...

    async def scanner_by_key(self, api_key_hash: bytes) -> Scanner | None:
        """A scanner whose key is not revoked."""
        ...

    async def add_scanner(self, scanner: Scanner, api_key_hash: bytes) -> bool:
        """False when a scanner has the name."""
        ...


class CredentialChanges(Protocol):
    """Tokens of a subject issued before its last change are not accepted here."""

    async def record(self, subject: UUID, changed_at: datetime) -> None:
        """Keeps the later of the change and the one recorded before."""
        ...

    async def not_before(self, subject: UUID) -> datetime | None: ...


class AccountsUnitOfWork(OutboxUnitOfWork, Protocol):
    # Open once the unit of work is entered.
    @property
    def accounts(self) -> AccountRepository: ...
    @property
    def sales(self) -> SalesLedger: ...
    @property
    def secrets(self) -> SecretRepository: ...
    @property
    def attempts(self) -> AttemptLog: ...
    @property
    def staff(self) -> StaffRepository: ...
    @property
    def credentials(self) -> CredentialChanges: ...


UnitOfWorkFactory = Callable[[], AccountsUnitOfWork]
