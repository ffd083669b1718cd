"""Service layer of accounts: one small function per command or event."""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from uuid import UUID, uuid4

import asyncpg
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError

from services.accounts import domain
from services.accounts.adapters import repository
from services.accounts.settings import AccountsSettings
from shared.auth import Principal, Role, issue_token, record_credentials_change
from shared.db import Conn
from shared.errors import BusinessRuleError, Message
from shared.events import (
    AccountActivated,
    AccountActivatedData,
    AccountActivationLinkIssued,
    AccountActivationLinkIssuedData,
    AccountContactChanged,
    AccountContactChangedData,
    AccountCredentialsChanged,
    AccountCredentialsChangedData,
    AccountEmailChanged,
    AccountEmailChangedData,
    AccountRegistered,
    AccountRegisteredData,
    DocumentLinked,
    DocumentLinkedData,
    EmailChangeRequested,
    EmailChangeRequestedData,
    PasswordResetRequested,
    PasswordResetRequestedData,
    PostalAddress,
    SaleRecorded,
)
from shared.idempotency import remember_made_by_this_request
from shared.logging import get_logger
from shared.outbox import add_to_outbox
from shared.sealing import seal

log = get_logger(__name__)
PRODUCER = "accounts"
Purpose = Literal["activation", "password_reset", "email_change"]


@dataclass
class AccountsContext:
    pool: asyncpg.Pool
    settings: AccountsSettings
    token_private_key: bytes
    seal_public_key: bytes
    password_hasher: PasswordHasher
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    # The metrics' count of requests a rate limit refused, by the limit's name.
    count_limit_refusal: Callable[[str], None] = lambda _limit: None


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
class Accepted:
    """A command that went through, with remarks the person should see (a stripped prefix)."""

    notices: tuple[Message, ...] = ()


def hash_secret(secret: str) -> bytes:
    # Secrets are long random strings: a fast hash is enough, and lookups stay indexable.
    return hashlib.sha256(secret.encode()).digest()


async def record_sale(conn: Conn, event: SaleRecorded) -> None:
    await repository.upsert_sales_document(conn, event.data)


async def _issue_link(
    ctx: AccountsContext,
    conn: Conn,
    account_id: UUID,
    purpose: Purpose,
    ttl: timedelta,
    page: str,
    new_email: str | None = None,
) -> tuple[str, datetime]:
    """A new single-use link, sealed for the notifications service, and its expiry."""
    token = secrets.token_urlsafe(32)
    expires_at = ctx.clock() + ttl
    await repository.store_secret(
        conn, hash_secret(token), account_id, purpose, expires_at, new_email
    )
    link = f"{ctx.settings.public_base_url}/{page}?token={token}"
    return seal(ctx.seal_public_key, link), expires_at


def _document_linked(
    account: Any, document: Any, correlation_id: UUID, *, at_registration: bool = False
) -> DocumentLinked:
    return DocumentLinked(
        producer=PRODUCER,
        key=str(account["account_id"]),
        correlation_id=correlation_id,
        data=DocumentLinkedData(
            account_id=account["account_id"],
            account_type=account["account_type"],
            email=account["email"],
            language=account["language"],
            document_type=document["document_type"],
            document_number=document["document_number"],
            at_registration=at_registration,
        ),
    )


async def _throttled_for(
    ctx: AccountsContext, conn: Conn, watched: tuple[tuple[str, domain.LoginThrottle], ...]
) -> timedelta:
    """How long the next try must wait: the longest of the watched subjects' waits, by their
    failures in the last hour of the clock (zero: go ahead)."""
    now = ctx.clock()
    wait = timedelta(0)
    for subject, throttle in watched:
        failures, last_failure = await repository.recent_login_failures(
            conn, subject, now - domain.LOGIN_FAILURE_WINDOW, now
        )
        wait = max(wait, throttle.wait(failures, last_failure, now))
    return wait


@contextlib.asynccontextmanager
async def _guessing_throttled(
    ctx: AccountsContext,
    limit: str,
    what: tuple[str, str],
    field: str,
    watched: tuple[tuple[str, domain.LoginThrottle], ...],
) -> AsyncIterator[None]:
    """Guessing a secret (a document's total, a scanner's key) slowed as logins are: the
    failed tries of each watched subject (the document from one address, an address, an
    account) in the last hour delay the next one (429). A wrong guess is counted in its own
    transaction after the request's has rolled back."""
    async with ctx.pool.acquire() as conn:
        wait = await _throttled_for(ctx, conn, watched)
    if wait > timedelta(0):
        ctx.count_limit_refusal(limit)
        raise domain.too_many_attempts(wait, field, what)
    try:
        yield
    except BusinessRuleError as refused:
        if any(refused is guess for guess in domain.WRONG_GUESSES):
            failed_at = ctx.clock()
            async with ctx.pool.acquire() as conn, conn.transaction():
                await repository.record_login_failure(
                    conn,
                    failed_at,
                    failed_at - domain.LOGIN_FAILURE_WINDOW,
                    *(subject for subject, _ in watched),
                )
        raise


def _document_guesses(
    typed_number: str, address: str, account_id: UUID | None = None
) -> tuple[tuple[str, domain.LoginThrottle], ...]:
    """What a wrong document total counts against: the document from this address, the
    address, and the account linking it (never the document from elsewhere: its owner)."""
    number = typed_number.strip().upper()
    watched: tuple[tuple[str, domain.LoginThrottle], ...] = (
        (f"document:{number}|{address}", domain.PER_ACCOUNT_AND_ADDRESS),
        (f"document-guesses:{address}", domain.PER_ADDRESS),
    )
    if account_id is not None:
        watched += ((f"document-guesses:account:{account_id}", domain.PER_ADDRESS),)
    return watched


async def _claimable_document(
    conn: Conn, typed_number: str, typed_total: str, tax_id: str | None
) -> tuple[asyncpg.Record, domain.DocumentNumber]:
    document_number = domain.parse_document_number(typed_number)
    total = domain.parse_amount(typed_total)
    document = await repository.find_document(conn, document_number.number, total)
    if document is None:
        if await repository.document_number_known(conn, document_number.number):
            raise domain.DOCUMENT_TOTAL_WRONG
        raise domain.DOCUMENT_NOT_FOUND
    if document["linked_account_id"] is not None:
        raise domain.DOCUMENT_LINKED_ELSEWHERE
    domain.check_document_buyer(tax_id, document["buyer_type"], document["buyer_tax_id"])
    return document, document_number


def accepted_again(typed_number: str) -> Accepted:
    """The answer to a registration or a link that an earlier request with the same
    Idempotency-Key made, then died before answering (shared/idempotency.py)."""
    notice = domain.parse_document_number(typed_number).notice
    return Accepted(tuple(n for n in (notice,) if n is not None))


async def register(
    ctx: AccountsContext, command: Registration, address: str, correlation_id: UUID
) -> Accepted:
    """A new account proving a purchase; wrong guesses of the document slowed down."""
    watched = _document_guesses(command.document_number, address)
    async with _guessing_throttled(
        ctx, "document_guess", domain.DOCUMENT_GUESS, "document_total", watched
    ):
        return await _register(ctx, command, correlation_id)


async def _register(ctx: AccountsContext, command: Registration, correlation_id: UUID) -> Accepted:
    tax_id = None
    vat_country = None
    if command.account_type == "company":
        vat_country, tax_id = domain.normalise_tax_id(
            command.vat_country or "PL", command.tax_id or ""
        )
    email = command.email.strip()
    domain.check_new_password(command.password, email)
    password_hash = ctx.password_hasher.hash(command.password)
    full_name = command.full_name.strip()

    async with ctx.pool.acquire() as conn, conn.transaction():
        document, number = await _claimable_document(
            conn, command.document_number, command.document_total, tax_id
        )
        notices = tuple(n for n in (number.notice,) if n is not None)
        account_id = uuid4()
        created = await repository.insert_account(
            conn,
            account_id=account_id,
            account_type=command.account_type,
            full_name=full_name,
            email=email,
            password_hash=password_hash,
            language=command.language,
            vat_country=vat_country,
            tax_id=tax_id,
        )
        if not created:
            # Same answer as a success, so the form cannot tell which addresses have accounts.
            log.info("registration for an existing email ignored")
            return Accepted(notices)
        account = await repository.get_account(conn, account_id)
        await repository.link_document(
            conn, document["document_type"], document["document_number"], account_id
        )
        sealed, expires_at = await _issue_link(
            ctx, conn, account_id, "activation", ctx.settings.activation_ttl, "activate"
        )
        await add_to_outbox(
            conn,
            AccountRegistered(
                producer=PRODUCER,
                key=str(account_id),
                correlation_id=correlation_id,
                data=AccountRegisteredData(
                    account_id=account_id,
                    account_type=command.account_type,
                    full_name=full_name,
                    email=email,
                    language=command.language,
                    document_type=document["document_type"],
                    document_number=document["document_number"],
                    activation_link_sealed=sealed,
                    activation_expires_at=expires_at,
                ),
            ),
            _document_linked(account, document, correlation_id, at_registration=True),
        )
        await remember_made_by_this_request(conn, account_id)
    log.info("account registered", account_id=str(account_id))
    return Accepted(notices)


async def _allow_email(
    ctx: AccountsContext, conn: Conn, recipient: str, client: str, field: str = "email"
) -> None:
    """Count an email asked for, to `recipient` by `client`, or refuse it (429) when either
    has had its allowance: counted before anything is looked up, so that the answer is the
    same whether or not an account has the address. Refusals are not counted: a flood does not
    push the window on."""
    now = ctx.clock()
    limits = (
        (f"mail-to:{recipient.strip().lower()}", domain.EMAILS_PER_RECIPIENT),
        (f"mail-from:{client}", domain.EMAILS_PER_CLIENT),
    )
    wait = timedelta(0)
    for subject, allowance in limits:
        await repository.lock_login_subject(conn, subject)
        used, oldest = await repository.recent_attempts(conn, subject, now - allowance.window, now)
        if (waiting := allowance.wait(used, oldest, now)) > wait:
            wait, refused_by = waiting, allowance.name
    if wait > timedelta(0):
        ctx.count_limit_refusal(refused_by)
        log.info("email refused by its limit", limit=refused_by)
        raise domain.too_many_emails(wait, field)
    for subject, allowance in limits:
        await repository.record_login_failure(conn, now, now - allowance.window, subject)


async def resend_activation(
    ctx: AccountsContext, email: str, client: str, correlation_id: UUID
) -> None:
    """A new activation link for an inactive account; silent otherwise (no enumeration)."""
    async with ctx.pool.acquire() as conn, conn.transaction():
        await _allow_email(ctx, conn, email, f"address:{client}")
        account = await repository.find_account_by_email(conn, email.strip())
        if account is None or account["activated_at"] is not None:
            return
        sealed, expires_at = await _issue_link(
            ctx, conn, account["account_id"], "activation", ctx.settings.activation_ttl, "activate"
        )
        await add_to_outbox(
            conn,
            AccountActivationLinkIssued(
                producer=PRODUCER,
                key=str(account["account_id"]),
                correlation_id=correlation_id,
                data=AccountActivationLinkIssuedData(
                    account_id=account["account_id"],
                    full_name=account["full_name"],
                    email=account["email"],
                    language=account["language"],
                    activation_link_sealed=sealed,
                    activation_expires_at=expires_at,
                ),
            ),
        )


async def activate(ctx: AccountsContext, token: str, correlation_id: UUID) -> UUID:
    now = ctx.clock()
    async with ctx.pool.acquire() as conn, conn.transaction():
        spent = await repository.use_secret(conn, hash_secret(token), "activation", now)
        if spent is None:
            raise domain.ACTIVATION_LINK_INVALID
        account_id: UUID = spent["account_id"]
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


_DUMMY_HASH = PasswordHasher().hash(secrets.token_urlsafe(16))


def _verify_quietly(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def _account_subject(email: str) -> str:
    """Prefix of the login-failure subjects of one account, whatever the address."""
    return f"account:{email.strip().lower()}|"


async def _guard_attempts(ctx: AccountsContext, conn: Conn, pair: str, by_address: str) -> None:
    watched = ((pair, domain.PER_ACCOUNT_AND_ADDRESS), (by_address, domain.PER_ADDRESS))
    wait = await _throttled_for(ctx, conn, watched)
    if wait > timedelta(0):
        ctx.count_limit_refusal("login")
        raise domain.too_many_attempts(wait)


async def _check_password(
    ctx: AccountsContext,
    conn: Conn,
    identity: asyncpg.Record | None,
    email: str,
    password: str,
    address: str,
) -> asyncpg.Record:
    """The identity if the password matches. Failures slow down the next attempts of the same
    account from the same address, and of the address, never the account from elsewhere."""
    pair, by_address = _account_subject(email) + address, f"address:{address}"
    async with conn.transaction():
        await repository.lock_login_subject(conn, pair)
        await _guard_attempts(ctx, conn, pair, by_address)
        # An unknown address costs the same hashing time as a known one: timing reveals nothing.
        matches = identity is not None and _verify_quietly(
            ctx.password_hasher, identity["password_hash"], password
        )
        if identity is None:
            _verify_quietly(ctx.password_hasher, _DUMMY_HASH, password)
        if matches:
            await repository.clear_login_failures(conn, pair)
        else:
            now = ctx.clock()
            await repository.record_login_failure(
                conn, now, now - domain.LOGIN_FAILURE_WINDOW, pair, by_address
            )
    if identity is None or not matches:
        raise domain.LOGIN_FAILED
    return identity


def _token(
    ctx: AccountsContext, subject: UUID, role: Role, email: str | None, name: str | None = None
) -> str:
    return issue_token(
        ctx.token_private_key,
        Principal(subject=subject, role=role, email=email, name=name),
        lifetime=ctx.settings.access_token_ttl,
    )


async def login(ctx: AccountsContext, email: str, password: str, address: str) -> str:
    email = email.strip()
    async with ctx.pool.acquire() as conn:
        account = await repository.find_account_by_email(conn, email)
        account = await _check_password(ctx, conn, account, email, password, address)
    if account["activated_at"] is None:
        raise domain.ACCOUNT_NOT_ACTIVE
    return _token(ctx, account["account_id"], "customer", account["email"])


async def operator_login(ctx: AccountsContext, email: str, password: str, address: str) -> str:
    email = email.strip()
    async with ctx.pool.acquire() as conn:
        operator = await repository.find_operator_by_email(conn, email)
        operator = await _check_password(ctx, conn, operator, email, password, address)
    return _token(ctx, operator["operator_id"], "operator", operator["email"])


async def scanner_token(ctx: AccountsContext, api_key: str, address: str) -> str:
    """A scanner device's token for its key; wrong keys from one address are slowed down."""
    watched = ((f"scanner-key:{address}", domain.PER_ACCOUNT_AND_ADDRESS),)
    async with _guessing_throttled(
        ctx, "scanner_key_guess", domain.SCANNER_KEY_GUESS, "api_key", watched
    ):
        async with ctx.pool.acquire() as conn:
            scanner = await repository.find_scanner_by_key(conn, hash_secret(api_key))
        if scanner is None:
            raise domain.SCANNER_KEY_INVALID
    return _token(ctx, scanner["scanner_id"], "scanner", None, name=scanner["name"])


async def link_document(
    ctx: AccountsContext,
    account_id: UUID,
    typed_number: str,
    typed_total: str,
    address: str,
    correlation_id: UUID,
) -> Accepted:
    watched = _document_guesses(typed_number, address, account_id)
    async with _guessing_throttled(
        ctx, "document_guess", domain.DOCUMENT_GUESS, "document_total", watched
    ):
        return await _link_document(ctx, account_id, typed_number, typed_total, correlation_id)


async def _link_document(
    ctx: AccountsContext,
    account_id: UUID,
    typed_number: str,
    typed_total: str,
    correlation_id: UUID,
) -> Accepted:
    async with ctx.pool.acquire() as conn, conn.transaction():
        account = await repository.get_account(conn, account_id)
        if account is None:
            raise domain.LOGIN_FAILED
        document, number = await _claimable_document(
            conn, typed_number, typed_total, account["tax_id"]
        )
        if not await repository.link_document(
            conn, document["document_type"], document["document_number"], account_id
        ):
            raise domain.DOCUMENT_LINKED_ELSEWHERE
        await add_to_outbox(conn, _document_linked(account, document, correlation_id))
        await remember_made_by_this_request(conn, document["document_number"])
    log.info("document linked", account_id=str(account_id))
    return Accepted(tuple(n for n in (number.notice,) if n is not None))


async def update_contact(
    ctx: AccountsContext,
    account_id: UUID,
    address: PostalAddress,
    correlation_id: UUID,
) -> AccountContactChanged:
    """The account's postal address and phone; claims takes it as the default return address."""
    async with ctx.pool.acquire() as conn, conn.transaction():
        account = await repository.get_account(conn, account_id)
        if account is None:
            raise domain.LOGIN_FAILED
        await repository.set_contact(
            conn, account_id, address.phone, address.model_dump(mode="json")
        )
        event = AccountContactChanged(
            producer=PRODUCER,
            key=str(account_id),
            correlation_id=correlation_id,
            data=AccountContactChangedData(
                account_id=account_id,
                full_name=account["full_name"],
                email=account["email"],
                language=account["language"],
                phone=address.phone,
                address=address,
            ),
        )
        await add_to_outbox(conn, event)
    log.info("contact changed", account_id=str(account_id))
    return event


async def request_password_reset(
    ctx: AccountsContext, email: str, client: str, correlation_id: UUID
) -> None:
    """Email a reset link to an existing account; silent otherwise (no enumeration)."""
    async with ctx.pool.acquire() as conn, conn.transaction():
        await _allow_email(ctx, conn, email, f"address:{client}")
        account = await repository.find_account_by_email(conn, email.strip())
        if account is None:
            return
        sealed, expires_at = await _issue_link(
            ctx,
            conn,
            account["account_id"],
            "password_reset",
            ctx.settings.password_reset_ttl,
            "reset-password",
        )
        await add_to_outbox(
            conn,
            PasswordResetRequested(
                producer=PRODUCER,
                key=str(account["account_id"]),
                correlation_id=correlation_id,
                data=PasswordResetRequestedData(
                    account_id=account["account_id"],
                    full_name=account["full_name"],
                    email=account["email"],
                    language=account["language"],
                    reset_link_sealed=sealed,
                    reset_expires_at=expires_at,
                ),
            ),
        )


async def _credentials_changed(
    ctx: AccountsContext,
    conn: Conn,
    account_id: UUID,
    change: Literal["password_reset", "password_change", "email_change", "logout"],
    correlation_id: UUID,
) -> None:
    """Tokens issued until now stop working: here at once, elsewhere when the event arrives."""
    changed_at = ctx.clock()
    await record_credentials_change(conn, account_id, changed_at)
    await add_to_outbox(
        conn,
        AccountCredentialsChanged(
            producer=PRODUCER,
            key=str(account_id),
            correlation_id=correlation_id,
            data=AccountCredentialsChangedData(
                account_id=account_id, changed_at=changed_at, change=change
            ),
        ),
    )


async def logout(ctx: AccountsContext, subject: UUID, correlation_id: UUID) -> None:
    """The caller's tokens, this one and every other issued until now, stop working."""
    async with ctx.pool.acquire() as conn, conn.transaction():
        await _credentials_changed(ctx, conn, subject, "logout", correlation_id)
    log.info("logged out", account_id=str(subject))


async def reset_password(
    ctx: AccountsContext, token: str, new_password: str, correlation_id: UUID
) -> None:
    domain.check_new_password(new_password, None, "new_password")
    password_hash = ctx.password_hasher.hash(new_password)
    async with ctx.pool.acquire() as conn, conn.transaction():
        spent = await repository.use_secret(conn, hash_secret(token), "password_reset", ctx.clock())
        if spent is None:
            raise domain.PASSWORD_RESET_LINK_INVALID
        account = await repository.get_account(conn, spent["account_id"])
        assert account is not None
        # Refused here, the link stays unused: the transaction rolls back.
        domain.check_new_password(new_password, account["email"], "new_password")
        await repository.set_password(conn, spent["account_id"], password_hash)
        # The owner proved the mailbox: their own earlier failures no longer slow them down.
        await repository.clear_login_failures(conn, _account_subject(account["email"]))
        await _credentials_changed(ctx, conn, spent["account_id"], "password_reset", correlation_id)
    log.info("password reset", account_id=str(spent["account_id"]))


async def request_email_change(
    ctx: AccountsContext, account_id: UUID, password: str, new_email: str, correlation_id: UUID
) -> None:
    async with ctx.pool.acquire() as conn, conn.transaction():
        account = await repository.get_account(conn, account_id)
        if account is None or not _verify_quietly(
            ctx.password_hasher, account["password_hash"], password
        ):
            raise domain.WRONG_PASSWORD
        # The new address may be a stranger's: its mailbox is limited like any other.
        await _allow_email(ctx, conn, new_email, f"account:{account_id}", "new_email")
        sealed, expires_at = await _issue_link(
            ctx,
            conn,
            account_id,
            "email_change",
            ctx.settings.email_change_ttl,
            "confirm-email",
            new_email=new_email.strip(),
        )
        await add_to_outbox(
            conn,
            EmailChangeRequested(
                producer=PRODUCER,
                key=str(account_id),
                correlation_id=correlation_id,
                data=EmailChangeRequestedData(
                    account_id=account_id,
                    full_name=account["full_name"],
                    new_email=new_email.strip(),
                    language=account["language"],
                    confirmation_link_sealed=sealed,
                    confirmation_expires_at=expires_at,
                ),
            ),
        )


async def confirm_email_change(ctx: AccountsContext, token: str, correlation_id: UUID) -> str:
    async with ctx.pool.acquire() as conn, conn.transaction():
        spent = await repository.use_secret(conn, hash_secret(token), "email_change", ctx.clock())
        if spent is None:
            raise domain.EMAIL_CHANGE_LINK_INVALID
        account = await repository.get_account(conn, spent["account_id"])
        assert account is not None
        if not await repository.set_email(conn, account["account_id"], spent["new_email"]):
            raise domain.EMAIL_TAKEN
        await _credentials_changed(ctx, conn, account["account_id"], "email_change", correlation_id)
        await add_to_outbox(
            conn,
            AccountEmailChanged(
                producer=PRODUCER,
                key=str(account["account_id"]),
                correlation_id=correlation_id,
                data=AccountEmailChangedData(
                    account_id=account["account_id"],
                    full_name=account["full_name"],
                    old_email=account["email"],
                    email=spent["new_email"],
                    language=account["language"],
                ),
            ),
        )
    new_email: str = spent["new_email"]
    return new_email


async def change_password(
    ctx: AccountsContext,
    account_id: UUID,
    current_password: str,
    new_password: str,
    correlation_id: UUID,
) -> None:
    domain.check_new_password(new_password, None, "new_password")
    password_hash = ctx.password_hasher.hash(new_password)
    async with ctx.pool.acquire() as conn, conn.transaction():
        account = await repository.get_account(conn, account_id)
        if account is None or not _verify_quietly(
            ctx.password_hasher, account["password_hash"], current_password
        ):
            raise domain.WRONG_PASSWORD
        domain.check_new_password(new_password, account["email"], "new_password")
        await repository.set_password(conn, account_id, password_hash)
        await _credentials_changed(ctx, conn, account_id, "password_change", correlation_id)
    log.info("password changed", account_id=str(account_id))
