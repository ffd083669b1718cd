"""Service layer of accounts: one small function per command or event."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from uuid import UUID, uuid4

import asyncpg
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError

from services.accounts import domain
from services.accounts.adapters import repository
from services.accounts.settings import AccountsSettings
from shared.auth import Principal, issue_token
from shared.db import Conn
from shared.errors import Message
from shared.events import (
    AccountActivated,
    AccountActivatedData,
    AccountRegistered,
    AccountRegisteredData,
    DocumentLinked,
    DocumentLinkedData,
    SaleRecorded,
)
from shared.logging import get_logger
from shared.outbox import add_to_outbox
from shared.sealing import seal

log = get_logger(__name__)
PRODUCER = "accounts"


@dataclass
class AccountsContext:
    pool: asyncpg.Pool
    settings: AccountsSettings
    token_private_key: bytes
    seal_public_key: bytes
    password_hasher: PasswordHasher
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)


@dataclass(frozen=True)
class Registration:
    account_type: Literal["private", "company"]
    full_name: str
    email: str
    password: str
    document_number: str
    document_total: str
    vat_country: str | None = None
    tax_id: str | None = None
    language: Literal["pl", "en"] = "pl"


@dataclass(frozen=True)
class RegistrationAccepted:
    notices: tuple[Message, ...]


def _hash_secret(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


async def record_sale(conn: Conn, event: SaleRecorded) -> None:
    await repository.upsert_sales_document(conn, event.data)


async def register(
    ctx: AccountsContext, command: Registration, correlation_id: UUID
) -> RegistrationAccepted:
    document_number = domain.parse_document_number(command.document_number)
    total = domain.parse_amount(command.document_total)
    vat_country = tax_id = None
    if command.account_type == "company":
        vat_country, tax_id = domain.normalise_tax_id(
            command.vat_country or "PL", command.tax_id or ""
        )
    notices = tuple(n for n in (document_number.notice,) if n is not None)
    password_hash = ctx.password_hasher.hash(command.password)
    now = ctx.clock()

    async with ctx.pool.acquire() as conn, conn.transaction():
        document = await repository.find_document(conn, document_number.number, total)
        if document is None:
            raise domain.DOCUMENT_NOT_FOUND
        if document["linked_account_id"] is not None:
            raise domain.DOCUMENT_LINKED_ELSEWHERE
        if tax_id is not None and document["buyer_tax_id"] not in (None, tax_id):
            raise domain.TAX_ID_MISMATCH

        account_id = uuid4()
        created = await repository.insert_account(
            conn,
            account_id=account_id,
            account_type=command.account_type,
            full_name=command.full_name.strip(),
            email=command.email.strip(),
            password_hash=password_hash,
            language=command.language,
            vat_country=vat_country,
            tax_id=tax_id,
        )
        if not created:
            # Same answer as a success, so the form cannot tell which addresses have accounts.
            log.info("registration for an existing email ignored")
            return RegistrationAccepted(notices)

        await repository.link_document(
            conn, document["document_type"], document["document_number"], account_id
        )
        token = secrets.token_urlsafe(32)
        expires_at = now + ctx.settings.activation_ttl
        await repository.store_activation_token(conn, _hash_secret(token), account_id, expires_at)
        link = f"{ctx.settings.public_base_url}/activate?token={token}"
        await add_to_outbox(
            conn,
            AccountRegistered(
                producer=PRODUCER,
                key=str(account_id),
                correlation_id=correlation_id,
                data=AccountRegisteredData(
                    account_id=account_id,
                    account_type=command.account_type,
                    full_name=command.full_name.strip(),
                    email=command.email.strip(),
                    language=command.language,
                    document_type=document["document_type"],
                    document_number=document["document_number"],
                    activation_link_sealed=seal(ctx.seal_public_key, link),
                    activation_expires_at=expires_at,
                ),
            ),
            DocumentLinked(
                producer=PRODUCER,
                key=str(account_id),
                correlation_id=correlation_id,
                data=DocumentLinkedData(
                    account_id=account_id,
                    account_type=command.account_type,
                    email=command.email.strip(),
                    language=command.language,
                    document_type=document["document_type"],
                    document_number=document["document_number"],
                ),
            ),
        )
    log.info("account registered", account_id=str(account_id))
    return RegistrationAccepted(notices)


async def activate(ctx: AccountsContext, token: str, correlation_id: UUID) -> UUID:
    now = ctx.clock()
    async with ctx.pool.acquire() as conn, conn.transaction():
        account_id = await repository.use_activation_token(conn, _hash_secret(token), now)
        if account_id is None:
            raise domain.ACTIVATION_LINK_INVALID
        account = await repository.get_account(conn, account_id)
        assert account is not None  # the foreign key guarantees it
        if await repository.mark_activated(conn, account_id, now):
            await add_to_outbox(
                conn,
                AccountActivated(
                    producer=PRODUCER,
                    key=str(account_id),
                    correlation_id=correlation_id,
                    data=AccountActivatedData(
                        account_id=account_id,
                        account_type=account["account_type"],
                        full_name=account["full_name"],
                        email=account["email"],
                        language=account["language"],
                    ),
                ),
            )
    log.info("account activated", account_id=str(account_id))
    return account_id


async def login(ctx: AccountsContext, email: str, password: str) -> str:
    async with ctx.pool.acquire() as conn:
        account = await repository.find_account_by_email(conn, email.strip())
    if account is None:
        # Spend the same time as a real check, so timing does not reveal unknown addresses.
        _verify_quietly(ctx.password_hasher, _DUMMY_HASH, password)
        raise domain.LOGIN_FAILED
    if not _verify_quietly(ctx.password_hasher, account["password_hash"], password):
        raise domain.LOGIN_FAILED
    if account["activated_at"] is None:
        raise domain.ACCOUNT_NOT_ACTIVE
    return issue_token(
        ctx.token_private_key,
        Principal(subject=account["account_id"], role="customer", email=account["email"]),
        lifetime=ctx.settings.access_token_ttl,
    )


_DUMMY_HASH = PasswordHasher().hash("not-a-real-password")


def _verify_quietly(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False
