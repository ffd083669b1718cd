"""The accounts unit of work in memory: what PostgreSQL keeps, as dicts, for tests of the service
layer that run in milliseconds. The contract tests (tests/support/accounts_contract.py) hold it
to the PostgreSQL implementation.

Like every in-memory unit of work (shared.unit_of_work), it works on a copy of the committed
state and puts it back on commit: a refused command changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from services.accounts.unit_of_work import (
    Account,
    Attempts,
    FoundDocument,
    NewAccount,
    NewSecret,
    Operator,
    Purpose,
    SalesDocument,
    Scanner,
    SpentSecret,
)
from shared.events import PostalAddress, SaleRecordedData
from shared.unit_of_work import MemoryOutboxDatabase, MemoryOutboxUnitOfWork, OutboxState

DocumentKey = tuple[str, str]  # (document type, document number)


@dataclass
class _Secret:
    secret: NewSecret
    spent: bool = False  # used, or superseded by a newer secret


@dataclass
class _Scanner:
    scanner: Scanner
    api_key_hash: bytes


@dataclass
class MemoryState(OutboxState):
    accounts: dict[UUID, Account] = field(default_factory=dict)
    sales: dict[DocumentKey, SalesDocument] = field(default_factory=dict)
    links: dict[DocumentKey, UUID] = field(default_factory=dict)  # in the order linked
    secrets: dict[bytes, _Secret] = field(default_factory=dict)
    attempts: list[tuple[str, datetime]] = field(default_factory=list)
    operators: list[Operator] = field(default_factory=list)
    scanners: list[_Scanner] = field(default_factory=list)
    not_before: dict[UUID, datetime] = field(default_factory=dict)


class MemoryDatabase(MemoryOutboxDatabase[MemoryState]):
    def __init__(self) -> None:
        super().__init__(MemoryState())

    def unit_of_work(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self)


class MemoryUnitOfWork(MemoryOutboxUnitOfWork[MemoryState]):
    def _open(self, work: MemoryState) -> None:
        self.accounts = MemoryAccounts(work)
        self.sales = MemorySalesLedger(work)
        self.secrets = MemorySecrets(work)
        self.attempts = MemoryAttemptLog(work)
        self.staff = MemoryStaff(work)
        self.credentials = MemoryCredentialChanges(work)


def _same_email(a: str, b: str) -> bool:
    return a.lower() == b.lower()


class MemoryAccounts:
    def __init__(self, state: MemoryState) -> None:
        self.state = state

    async def get(self, account_id: UUID) -> Account | None:
        return self.state.accounts.get(account_id)

    async def by_email(self, email: str) -> Account | None:
        found = (a for a in self.state.accounts.values() if _same_email(a.email, email))
        return next(found, None)

    async def add(self, account: NewAccount) -> bool:
        if await self.by_email(account.email) is not None:
            return False
        self.state.accounts[account.account_id] = Account(**vars(account))
        return True

    async def mark_activated(self, account_id: UUID, at: datetime) -> bool:
        account = self.state.accounts[account_id]
        if account.activated_at is not None:
            return False
        self.state.accounts[account_id] = replace(account, activated_at=at)
        return True

    async def set_password(self, account_id: UUID, password_hash: str) -> None:
        account = self.state.accounts[account_id]
        self.state.accounts[account_id] = replace(account, password_hash=password_hash)

    async def set_email(self, account_id: UUID, email: str) -> bool:
        holder = await self.by_email(email)
        if holder is not None and holder.account_id != account_id:
            return False
        account = self.state.accounts[account_id]
        self.state.accounts[account_id] = replace(account, email=email)
        return True

    async def set_contact(self, account_id: UUID, address: PostalAddress) -> None:
        account = self.state.accounts[account_id]
        self.state.accounts[account_id] = replace(
            account, phone=address.phone, postal_address=address
        )


class MemorySalesLedger:
    def __init__(self, state: MemoryState) -> None:
        self.state = state

    async def record_sale(self, sale: SaleRecordedData) -> None:
        number = sale.document_number.upper()
        self.state.sales[(sale.document_type, number)] = SalesDocument(
            document_type=sale.document_type,
            document_number=number,
            issued_on=sale.issued_on,
            total=sale.total,
            buyer_type=sale.buyer.type,
            buyer_tax_id=sale.buyer.tax_id,
            lines=tuple(sale.lines),
        )

    async def find(self, number: str, total: Decimal) -> FoundDocument | None:
        matching = sorted(
            (key, document)
            for key, document in self.state.sales.items()
            if document.document_number == number and document.total == total
        )
        if not matching:
            return None
        key, document = matching[0]
        return FoundDocument(document, self.state.links.get(key))

    async def number_known(self, number: str) -> bool:
        return any(document_number == number for _, document_number in self.state.sales)

    async def link(self, document_type: str, document_number: str, account_id: UUID) -> bool:
        key = (document_type, document_number)
        if key in self.state.links:
            return False
        assert key in self.state.sales, "a linked document is in the ledger (a foreign key)"
        self.state.links[key] = account_id
        return True

    async def linked_to(self, account_id: UUID) -> list[SalesDocument]:
        return [
            self.state.sales[key] for key, owner in self.state.links.items() if owner == account_id
        ]


class MemorySecrets:
    def __init__(self, state: MemoryState) -> None:
        self.state = state

    async def store(self, secret: NewSecret) -> None:
        for kept in self.state.secrets.values():
            if (kept.secret.account_id, kept.secret.purpose) == (secret.account_id, secret.purpose):
                kept.spent = True
        self.state.secrets[secret.token_hash] = _Secret(secret)

    async def spend(self, token_hash: bytes, purpose: Purpose, now: datetime) -> SpentSecret | None:
        kept = self.state.secrets.get(token_hash)
        if kept is None or kept.spent:
            return None
        secret = kept.secret
        if secret.purpose != purpose or secret.expires_at <= now:
            return None
        kept.spent = True
        return SpentSecret(secret.account_id, secret.new_email)


class MemoryAttemptLog:
    def __init__(self, state: MemoryState) -> None:
        self.state = state

    async def lock(self, subject: str) -> None:
        """Units of work run one at a time here."""

    async def counted(self, subject: str, since: datetime, until: datetime) -> Attempts:
        times = [at for s, at in self.state.attempts if s == subject and since < at <= until]
        return Attempts(len(times), min(times, default=None), max(times, default=None))

    async def record(self, at: datetime, forget_before: datetime, *subjects: str) -> None:
        self.state.attempts = [
            (s, when)
            for s, when in self.state.attempts
            if not (s in subjects and when <= forget_before)
        ]
        self.state.attempts.extend((subject, at) for subject in subjects)

    async def clear(self, subject_prefix: str) -> None:
        self.state.attempts = [
            (s, when) for s, when in self.state.attempts if not s.startswith(subject_prefix)
        ]


class MemoryStaff:
    def __init__(self, state: MemoryState) -> None:
        self.state = state

    async def operator_by_email(self, email: str) -> Operator | None:
        found = (kept for kept in self.state.operators if _same_email(kept.email, email))
        return next(found, None)

    async def add_operator(self, operator: Operator) -> bool:
        if await self.operator_by_email(operator.email) is not None:
            return False
        self.state.operators.append(operator)
        return True

    async def scanner_by_key(self, api_key_hash: bytes) -> Scanner | None:
        found = (kept.scanner for kept in self.state.scanners if kept.api_key_hash == api_key_hash)
        return next(found, None)

    async def add_scanner(self, scanner: Scanner, api_key_hash: bytes) -> bool:
        taken = any(
            kept.scanner.name == scanner.name or kept.api_key_hash == api_key_hash
            for kept in self.state.scanners
        )
        if not taken:
            self.state.scanners.append(_Scanner(scanner, api_key_hash))
        return not taken


class MemoryCredentialChanges:
    def __init__(self, state: MemoryState) -> None:
        self.state = state

    async def record(self, subject: UUID, changed_at: datetime) -> None:
        earlier = self.state.not_before.get(subject)
        self.state.not_before[subject] = max(changed_at, earlier or changed_at)

    async def not_before(self, subject: UUID) -> datetime | None:
        return self.state.not_before.get(subject)
