"""Service layer of accounts: one small function per command, query or event. Each opens a unit
of work, reads through its repositories, decides with the domain, writes and hands its events to
the outbox, then commits: all of it or nothing. No handler sees the database."""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, TypeVar
from uuid import UUID, uuid4

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError

from services.accounts import domain
from services.accounts.settings import AccountsSettings
from services.accounts.unit_of_work import (
    Account,
    AccountsUnitOfWork,
    NewAccount,
    NewSecret,
    Purpose,
    SalesDocument,
    UnitOfWorkFactory,
)
from shared.addresses import postal_address
from shared.auth import Principal, Role, issue_token
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
    Event,
    PasswordResetRequested,
    PasswordResetRequestedData,
    PostalAddress,
    SaleRecorded,
)
from shared.idempotency import idempotent_request
from shared.logging import get_logger
from shared.sealing import seal

log = get_logger(__name__)
PRODUCER = "accounts"
EventT = TypeVar("EventT", bound=Event)
Watched = tuple[tuple[str, domain.LoginThrottle], ...]


@dataclass
class AccountsContext:
    """What every handler needs: a fresh unit of work per call, the keys, and the time."""

    uow: UnitOfWorkFactory
    settings: AccountsSettings
    token_private_key: bytes
    seal_public_key: bytes
    password_hasher: PasswordHasher
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    # The metrics' count of requests a rate limit refused, by the limit's name.
    count_limit_refusal: Callable[[str], None] = lambda _limit: None

    def __post_init__(self) -> None:
        # Checked against for an unknown login: it costs what a known one's hash does.
        self.dummy_password_hash = self.password_hasher.hash(secrets.token_urlsafe(16))


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
class ContactChange:
    """A postal address and phone as typed; the recipient defaults to the account's name."""

    street: str
    postal_code: str
    city: str
    country: str = "PL"
    recipient: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class Accepted:
    """A command that went through, with remarks the person should see (a stripped prefix)."""

    notices: tuple[Message, ...] = ()


@dataclass(frozen=True)
class Profile:
    account: Account
    documents: list[SalesDocument]


def hash_secret(secret: str) -> bytes:
    # Secrets are long random strings: a fast hash is enough, and lookups stay indexable.
    return hashlib.sha256(secret.encode()).digest()


async def record_sale(uow: AccountsUnitOfWork, event: SaleRecorded) -> None:
    await uow.sales.record_sale(event.data)


# Where each single-use link goes (the web panel's page), and how long it works.
_LINK_PAGES: dict[Purpose, str] = {
    "activation": "activate",
    "password_reset": "reset-password",
    "email_change": "confirm-email",
}


async def _issue_link(
    ctx: AccountsContext,
    uow: AccountsUnitOfWork,
    account_id: UUID,
    purpose: Purpose,
    new_email: str | None = None,
) -> tuple[str, datetime]:
    """A new single-use link, sealed for the notifications service, and its expiry."""
    ttl = {
        "activation": ctx.settings.activation_ttl,
        "password_reset": ctx.settings.password_reset_ttl,
        "email_change": ctx.settings.email_change_ttl,
    }[purpose]
    token = secrets.token_urlsafe(32)
    expires_at = ctx.clock() + ttl
    await uow.secrets.store(
        NewSecret(hash_secret(token), account_id, purpose, expires_at, new_email)
    )
    link = f"{ctx.settings.public_base_url}/{_LINK_PAGES[purpose]}?token={token}"
    return seal(ctx.seal_public_key, link), expires_at


def _event(event_type: type[EventT], correlation_id: UUID, data: Any) -> EventT:
    """An event of accounts, keyed by its account: the account's events keep their order."""
    envelope: dict[str, Any] = {"producer": PRODUCER, "correlation_id": correlation_id}
    return event_type(**envelope, key=str(data.account_id), data=data)


def _addressed_to(account: Account) -> dict[str, Any]:
    """Whom an event's email goes to, and in which language."""
    return {
        "account_id": account.account_id,
        "full_name": account.full_name,
        "email": account.email,
        "language": account.language,
    }


def _document_linked(
    account: Account,
    document: SalesDocument,
    correlation_id: UUID,
    *,
    at_registration: bool = False,
) -> DocumentLinked:
    return _event(
        DocumentLinked,
        correlation_id,
        DocumentLinkedData(
            account_id=account.account_id,
            account_type=account.account_type,
            email=account.email,
            language=account.language,
            document_type=document.document_type,
            document_number=document.document_number,
            at_registration=at_registration,
        ),
    )


# --- limits: guesses, logins and emails, counted by subject ---------------------------------


async def _throttled_for(
    ctx: AccountsContext, uow: AccountsUnitOfWork, watched: Watched
) -> timedelta:
    """How long the next try must wait: the longest of the watched subjects' waits, by their
    failures in the last hour of the clock (zero: go ahead)."""
    now = ctx.clock()
    wait = timedelta(0)
    for subject, throttle in watched:
        failures = await uow.attempts.counted(subject, now - domain.LOGIN_FAILURE_WINDOW, now)
        wait = max(wait, throttle.wait(failures.count, failures.latest, now))
    return wait


@contextlib.asynccontextmanager
async def _guessing_throttled(
    ctx: AccountsContext, limit: str, what: tuple[str, str], field: str, watched: Watched
) -> AsyncIterator[None]:
    """Guessing a secret (a document's total, a scanner's key) slowed as logins are: the
    failed tries of each watched subject (the document from one address, an address, an
    account) in the last hour delay the next one (429). A wrong guess is counted in its own
    unit of work after the command's has rolled back."""
    async with ctx.uow() as uow:
        wait = await _throttled_for(ctx, uow, watched)
    if wait > timedelta(0):
        ctx.count_limit_refusal(limit)
        raise domain.too_many_attempts(wait, field, what)
    try:
        yield
    except BusinessRuleError as refused:
        if any(refused is guess for guess in domain.WRONG_GUESSES):
            failed_at = ctx.clock()
            async with ctx.uow() as uow:
                await uow.attempts.record(
                    failed_at,
                    failed_at - domain.LOGIN_FAILURE_WINDOW,
                    *(subject for subject, _ in watched),
                )
                await uow.commit()
        raise


def _document_guesses(typed_number: str, address: str, account_id: UUID | None = None) -> Watched:
    """What a wrong document total counts against: the document from this address, the
    address, and the account linking it (never the document from elsewhere: its owner)."""
    number = typed_number.strip().upper()
    watched: Watched = (
        (f"document:{number}|{address}", domain.PER_ACCOUNT_AND_ADDRESS),
        (f"document-guesses:{address}", domain.PER_ADDRESS),
    )
    if account_id is not None:
        watched += ((f"document-guesses:account:{account_id}", domain.PER_ADDRESS),)
    return watched


async def _allow_email(
    ctx: AccountsContext,
    uow: AccountsUnitOfWork,
    recipient: str,
    client: str,
    field: str = "email",
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
        await uow.attempts.lock(subject)
        used = await uow.attempts.counted(subject, now - allowance.window, now)
        if (waiting := allowance.wait(used.count, used.oldest, now)) > wait:
            wait, refused_by = waiting, allowance.name
    if wait > timedelta(0):
        ctx.count_limit_refusal(refused_by)
        log.info("email refused by its limit", limit=refused_by)
        raise domain.too_many_emails(wait, field)
    for subject, allowance in limits:
        await uow.attempts.record(now, now - allowance.window, subject)


# --- registration, activation, documents ---------------------------------------------------


async def _claimable_document(
    uow: AccountsUnitOfWork, typed_number: str, typed_total: str, tax_id: str | None
) -> tuple[SalesDocument, domain.DocumentNumber]:
    document_number = domain.parse_document_number(typed_number)
    total = domain.parse_amount(typed_total)
    found = await uow.sales.find(document_number.number, total)
    if found is None:
        if await uow.sales.number_known(document_number.number):
            raise domain.DOCUMENT_TOTAL_WRONG
        raise domain.DOCUMENT_NOT_FOUND
    if found.linked_account_id is not None:
        raise domain.DOCUMENT_LINKED_ELSEWHERE
    document = found.document
    domain.check_document_buyer(tax_id, document.buyer_type, document.buyer_tax_id)
    return document, document_number


def _notices(number: domain.DocumentNumber) -> tuple[Message, ...]:
    return tuple(n for n in (number.notice,) if n is not None)


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
        return await _register(ctx, _new_account(ctx, command), command, correlation_id)


def _new_account(ctx: AccountsContext, command: Registration) -> NewAccount:
    """The account as it will be stored, its password checked and hashed."""
    tax_id = None
    vat_country = None
    if command.account_type == "company":
        vat_country, tax_id = domain.normalise_tax_id(
            command.vat_country or "PL", command.tax_id or ""
        )
    email = command.email.strip()
    domain.check_new_password(command.password, email)
    return NewAccount(
        account_id=uuid4(),
        account_type=command.account_type,
        full_name=command.full_name.strip(),
        email=email,
        password_hash=ctx.password_hasher.hash(command.password),
        language=command.language,
        vat_country=vat_country,
        tax_id=tax_id,
    )


async def _register(
    ctx: AccountsContext, new: NewAccount, command: Registration, correlation_id: UUID
) -> Accepted:
    async with ctx.uow() as uow:
        document, number = await _claimable_document(
            uow, command.document_number, command.document_total, new.tax_id
        )
        if not await uow.accounts.add(new):
            # Same answer as a success, so the form cannot tell which addresses have accounts.
            log.info("registration for an existing email ignored")
            return Accepted(_notices(number))
        account = Account(**vars(new))
        await uow.sales.link(document.document_type, document.document_number, new.account_id)
        sealed, expires_at = await _issue_link(ctx, uow, new.account_id, "activation")
        registered = _event(
            AccountRegistered,
            correlation_id,
            AccountRegisteredData(
                account_id=new.account_id,
                account_type=new.account_type,
                full_name=new.full_name,
                email=new.email,
                language=new.language,
                document_type=document.document_type,
                document_number=document.document_number,
                activation_link_sealed=sealed,
                activation_expires_at=expires_at,
            ),
        )
        linked = _document_linked(account, document, correlation_id, at_registration=True)
        await uow.publish(registered, linked)
        await uow.remember_request(idempotent_request(), new.account_id)
        await uow.commit()
    log.info("account registered", account_id=str(new.account_id))
    return Accepted(_notices(number))


LinkEvent = Callable[[Account, str, datetime], Event]


async def _mail_link(
    ctx: AccountsContext,
    email: str,
    client: str,
    purpose: Purpose,
    wanted: Callable[[Account], bool],
    event: LinkEvent,
) -> None:
    """Count the email asked for (or refuse it by its limits), then mail a new link to the
    account with the address if it is `wanted`: `event` carries the sealed link and its expiry.
    Silent either way and counted either way, so the answer tells nobody who has an account."""
    async with ctx.uow() as uow:
        await _allow_email(ctx, uow, email, f"address:{client}")
        account = await uow.accounts.by_email(email.strip())
        if account is not None and wanted(account):
            sealed, expires_at = await _issue_link(ctx, uow, account.account_id, purpose)
            await uow.publish(event(account, sealed, expires_at))
        await uow.commit()


async def resend_activation(
    ctx: AccountsContext, email: str, client: str, correlation_id: UUID
) -> None:
    """A new activation link for an inactive account; silent otherwise (no enumeration)."""

    def issued(account: Account, sealed: str, expires_at: datetime) -> Event:
        return _event(
            AccountActivationLinkIssued,
            correlation_id,
            AccountActivationLinkIssuedData(
                **_addressed_to(account),
                activation_link_sealed=sealed,
                activation_expires_at=expires_at,
            ),
        )

    await _mail_link(ctx, email, client, "activation", _inactive, issued)


def _inactive(account: Account) -> bool:
    return account.activated_at is None


async def _spent_by(
    uow: AccountsUnitOfWork, token: str, purpose: Purpose, now: datetime
) -> Account:
    """The account of a single-use link, the link spent; refused when unknown, used or expired."""
    spent = await uow.secrets.spend(hash_secret(token), purpose, now)
    if spent is None:
        raise _LINK_INVALID[purpose]
    account = await uow.accounts.get(spent.account_id)
    assert account is not None  # the foreign key guarantees it
    return account


_LINK_INVALID = {
    "activation": domain.ACTIVATION_LINK_INVALID,
    "password_reset": domain.PASSWORD_RESET_LINK_INVALID,
    "email_change": domain.EMAIL_CHANGE_LINK_INVALID,
}


async def activate(ctx: AccountsContext, token: str, correlation_id: UUID) -> UUID:
    now = ctx.clock()
    async with ctx.uow() as uow:
        account = await _spent_by(uow, token, "activation", now)
        if await uow.accounts.mark_activated(account.account_id, now):
            await uow.publish(
                _event(
                    AccountActivated,
                    correlation_id,
                    AccountActivatedData(
                        **_addressed_to(account),
                        account_type=account.account_type,
                    ),
                )
            )
        await uow.commit()
    log.info("account activated", account_id=str(account.account_id))
    return account.account_id


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
    async with ctx.uow() as uow:
        account = await _existing(uow, account_id)
        document, number = await _claimable_document(uow, typed_number, typed_total, account.tax_id)
        if not await uow.sales.link(document.document_type, document.document_number, account_id):
            raise domain.DOCUMENT_LINKED_ELSEWHERE
        await uow.publish(_document_linked(account, document, correlation_id))
        await uow.remember_request(idempotent_request(), document.document_number)
        await uow.commit()
    log.info("document linked", account_id=str(account_id))
    return Accepted(_notices(number))


async def _existing(uow: AccountsUnitOfWork, account_id: UUID) -> Account:
    """The account of a valid token; one this service no longer has fails as a login would."""
    account = await uow.accounts.get(account_id)
    if account is None:
        raise domain.LOGIN_FAILED
    return account


async def update_contact(
    ctx: AccountsContext, account_id: UUID, change: ContactChange, correlation_id: UUID
) -> PostalAddress:
    """The account's postal address and phone; claims takes it as the default return address."""
    async with ctx.uow() as uow:
        account = await _existing(uow, account_id)
        address = postal_address(
            recipient=change.recipient or account.full_name,
            street=change.street,
            postal_code=change.postal_code,
            city=change.city,
            country=change.country,
            phone=change.phone,
        )
        await uow.accounts.set_contact(account_id, address)
        await uow.publish(
            _event(
                AccountContactChanged,
                correlation_id,
                AccountContactChangedData(
                    account_id=account_id,
                    full_name=account.full_name,
                    email=account.email,
                    language=account.language,
                    phone=address.phone,
                    address=address,
                ),
            )
        )
        await uow.commit()
    log.info("contact changed", account_id=str(account_id))
    return address


async def profile(ctx: AccountsContext, account_id: UUID) -> Profile | None:
    """The account with its linked documents; None for an account this service no longer has."""
    async with ctx.uow() as uow:
        account = await uow.accounts.get(account_id)
        documents = await uow.sales.linked_to(account_id)
    return Profile(account, documents) if account is not None else None


async def linked_documents(ctx: AccountsContext, account_id: UUID) -> list[SalesDocument]:
    async with ctx.uow() as uow:
        return await uow.sales.linked_to(account_id)


# --- logins and tokens -----------------------------------------------------------------------


def _verify_quietly(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def _account_subject(email: str) -> str:
    """Prefix of the login-failure subjects of one account, whatever the address."""
    return f"account:{email.strip().lower()}|"


async def _password_matches(
    ctx: AccountsContext,
    uow: AccountsUnitOfWork,
    password_hash: str | None,
    email: str,
    password: str,
    address: str,
) -> None:
    """Refused unless the password matches the hash (None: no such login). Failures slow down
    the next attempts of the same account from the same address, and of the address, never
    the account from elsewhere; a failure is counted (committed) before the refusal."""
    pair, by_address = _account_subject(email) + address, f"address:{address}"
    await uow.attempts.lock(pair)
    watched = ((pair, domain.PER_ACCOUNT_AND_ADDRESS), (by_address, domain.PER_ADDRESS))
    wait = await _throttled_for(ctx, uow, watched)
    if wait > timedelta(0):
        ctx.count_limit_refusal("login")
        raise domain.too_many_attempts(wait)
    # An unknown address costs the same hashing time as a known one: timing reveals nothing.
    matches = _verify_quietly(
        ctx.password_hasher, password_hash or ctx.dummy_password_hash, password
    )
    if password_hash is not None and matches:
        await uow.attempts.clear(pair)
        await uow.commit()
        return
    now = ctx.clock()
    await uow.attempts.record(now, now - domain.LOGIN_FAILURE_WINDOW, pair, by_address)
    await uow.commit()
    raise domain.LOGIN_FAILED


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
    async with ctx.uow() as uow:
        account = await uow.accounts.by_email(email)
        known = account.password_hash if account else None
        await _password_matches(ctx, uow, known, email, password, address)
    assert account is not None
    if account.activated_at is None:
        raise domain.ACCOUNT_NOT_ACTIVE
    return _token(ctx, account.account_id, "customer", account.email)


async def operator_login(ctx: AccountsContext, email: str, password: str, address: str) -> str:
    email = email.strip()
    async with ctx.uow() as uow:
        operator = await uow.staff.operator_by_email(email)
        known = operator.password_hash if operator else None
        await _password_matches(ctx, uow, known, email, password, address)
    assert operator is not None
    return _token(ctx, operator.operator_id, "operator", operator.email)


async def scanner_token(ctx: AccountsContext, api_key: str, address: str) -> str:
    """A scanner device's token for its key; wrong keys from one address are slowed down."""
    watched = ((f"scanner-key:{address}", domain.PER_ACCOUNT_AND_ADDRESS),)
    async with _guessing_throttled(
        ctx, "scanner_key_guess", domain.SCANNER_KEY_GUESS, "api_key", watched
    ):
        async with ctx.uow() as uow:
            scanner = await uow.staff.scanner_by_key(hash_secret(api_key))
        if scanner is None:
            raise domain.SCANNER_KEY_INVALID
    return _token(ctx, scanner.scanner_id, "scanner", None, name=scanner.name)


# --- credentials: logout, passwords, email ----------------------------------------------------


async def _credentials_changed(
    ctx: AccountsContext,
    uow: AccountsUnitOfWork,
    account_id: UUID,
    change: Literal["password_reset", "password_change", "email_change", "logout"],
    correlation_id: UUID,
) -> None:
    """Tokens issued until now stop working: here at once, elsewhere when the event arrives."""
    changed_at = ctx.clock()
    await uow.credentials.record(account_id, changed_at)
    await uow.publish(
        _event(
            AccountCredentialsChanged,
            correlation_id,
            AccountCredentialsChangedData(
                account_id=account_id, changed_at=changed_at, change=change
            ),
        )
    )


async def logout(ctx: AccountsContext, subject: UUID, correlation_id: UUID) -> None:
    """The caller's tokens, this one and every other issued until now, stop working."""
    async with ctx.uow() as uow:
        await _credentials_changed(ctx, uow, subject, "logout", correlation_id)
        await uow.commit()
    log.info("logged out", account_id=str(subject))


async def request_password_reset(
    ctx: AccountsContext, email: str, client: str, correlation_id: UUID
) -> None:
    """Email a reset link to an existing account; silent otherwise (no enumeration)."""

    def requested(account: Account, sealed: str, expires_at: datetime) -> Event:
        return _event(
            PasswordResetRequested,
            correlation_id,
            PasswordResetRequestedData(
                **_addressed_to(account),
                reset_link_sealed=sealed,
                reset_expires_at=expires_at,
            ),
        )

    await _mail_link(ctx, email, client, "password_reset", lambda _account: True, requested)


async def reset_password(
    ctx: AccountsContext, token: str, new_password: str, correlation_id: UUID
) -> None:
    domain.check_new_password(new_password, None, "new_password")
    password_hash = ctx.password_hasher.hash(new_password)
    async with ctx.uow() as uow:
        account = await _spent_by(uow, token, "password_reset", ctx.clock())
        # Refused here, the link stays unused: the unit of work rolls back.
        domain.check_new_password(new_password, account.email, "new_password")
        await uow.accounts.set_password(account.account_id, password_hash)
        # The owner proved the mailbox: their own earlier failures no longer slow them down.
        await uow.attempts.clear(_account_subject(account.email))
        await _credentials_changed(ctx, uow, account.account_id, "password_reset", correlation_id)
        await uow.commit()
    log.info("password reset", account_id=str(account.account_id))


async def _with_password(
    ctx: AccountsContext, uow: AccountsUnitOfWork, account_id: UUID, password: str
) -> Account:
    """The caller's account, if `password` is its password."""
    account = await uow.accounts.get(account_id)
    if account is None or not _verify_quietly(ctx.password_hasher, account.password_hash, password):
        raise domain.WRONG_PASSWORD
    return account


async def request_email_change(
    ctx: AccountsContext, account_id: UUID, password: str, new_email: str, correlation_id: UUID
) -> None:
    new_email = new_email.strip()
    async with ctx.uow() as uow:
        account = await _with_password(ctx, uow, account_id, password)
        # The new address may be a stranger's: its mailbox is limited like any other.
        await _allow_email(ctx, uow, new_email, f"account:{account_id}", "new_email")
        sealed, expires_at = await _issue_link(
            ctx, uow, account_id, "email_change", new_email=new_email
        )
        await uow.publish(
            _event(
                EmailChangeRequested,
                correlation_id,
                EmailChangeRequestedData(
                    account_id=account_id,
                    full_name=account.full_name,
                    new_email=new_email,
                    language=account.language,
                    confirmation_link_sealed=sealed,
                    confirmation_expires_at=expires_at,
                ),
            )
        )
        await uow.commit()


async def confirm_email_change(ctx: AccountsContext, token: str, correlation_id: UUID) -> str:
    async with ctx.uow() as uow:
        spent = await uow.secrets.spend(hash_secret(token), "email_change", ctx.clock())
        if spent is None or spent.new_email is None:
            raise domain.EMAIL_CHANGE_LINK_INVALID
        account = await uow.accounts.get(spent.account_id)
        assert account is not None  # the foreign key guarantees it
        new_email = spent.new_email
        if not await uow.accounts.set_email(account.account_id, new_email):
            raise domain.EMAIL_TAKEN
        await _credentials_changed(ctx, uow, account.account_id, "email_change", correlation_id)
        await uow.publish(
            _event(
                AccountEmailChanged,
                correlation_id,
                AccountEmailChangedData(
                    account_id=account.account_id,
                    full_name=account.full_name,
                    old_email=account.email,
                    email=new_email,
                    language=account.language,
                ),
            )
        )
        await uow.commit()
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
    async with ctx.uow() as uow:
        account = await _with_password(ctx, uow, account_id, current_password)
        domain.check_new_password(new_password, account.email, "new_password")
        await uow.accounts.set_password(account_id, password_hash)
        await _credentials_changed(ctx, uow, account_id, "password_change", correlation_id)
        await uow.commit()
    log.info("password changed", account_id=str(account_id))
