"""Short-lived access tokens: EdDSA-signed JWTs issued by accounts, verified offline by everyone.

Offline verification stays: a token's signature and expiry are checked with the public key only.
Each service also keeps a small projection, `token_not_before`, from AccountCredentialsChanged:
a token issued before its account's last password or email change is refused (each process
keeps what it read for `RMA_CREDENTIAL_CHECK_CACHE_SECONDS`: see NotBeforeCache).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal
from uuid import UUID

import asyncpg
import jwt
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.consumer import handle_once
from shared.db import Conn
from shared.events import AccountCredentialsChanged
from shared.expiring import ExpiringEntries

Role = Literal["customer", "operator", "scanner"]
ISSUER = "rma-accounts"
ALGORITHM = "EdDSA"


@dataclass(frozen=True)
class Principal:
    subject: UUID
    role: Role
    email: str | None = None
    # A scanner device's name, so that people read "magazyn-1" rather than an id.
    name: str | None = None
    # When the token was issued (verified tokens only).
    issued_at: datetime | None = None


def issue_token(
    private_key_pem: bytes,
    principal: Principal,
    lifetime: timedelta = timedelta(minutes=30),
    now: datetime | None = None,
) -> str:
    issued = now or datetime.now(UTC)
    claims: dict[str, object] = {
        "iss": ISSUER,
        "sub": str(principal.subject),
        "role": principal.role,
        # With its fraction of a second: a token taken just after a credential change is newer
        # than the change, one taken just before it is older.
        "iat": issued.timestamp(),
        "exp": issued + lifetime,
    }
    if principal.email:
        claims["email"] = principal.email
    if principal.name:
        claims["name"] = principal.name
    return jwt.encode(claims, private_key_pem, algorithm=ALGORITHM)


class InvalidToken(Exception):
    pass


def verify_token(public_key_pem: bytes, token: str) -> Principal:
    try:
        claims = jwt.decode(
            token,
            public_key_pem,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "iss"]},
        )
        role = claims.get("role")
        if role not in ("customer", "operator", "scanner"):
            raise InvalidToken("unknown role")
        return Principal(
            subject=UUID(claims["sub"]),
            role=role,
            email=claims.get("email"),
            name=claims.get("name"),
            issued_at=datetime.fromtimestamp(float(claims["iat"]), UTC),
        )
    except (jwt.PyJWTError, ValueError, TypeError, OverflowError) as error:
        raise InvalidToken(str(error)) from error


async def record_credentials_change(conn: Conn, account_id: UUID, changed_at: datetime) -> None:
    """Tokens of `account_id` issued before `changed_at` are no longer accepted here."""
    await conn.execute(
        """INSERT INTO token_not_before (subject, not_before) VALUES ($1, $2)
           ON CONFLICT (subject) DO UPDATE
           SET not_before = greatest(token_not_before.not_before, EXCLUDED.not_before)""",
        account_id,
        changed_at,
    )


async def fetch_not_before(pool: asyncpg.Pool, subject: UUID) -> datetime | None:
    """The account's last credential change as this service's database knows it."""
    found: datetime | None = await pool.fetchval(
        "SELECT not_before FROM token_not_before WHERE subject = $1", subject
    )
    return found


class NotBeforeCache:
    """Each account's "not before" (`token_not_before`), kept per process for `max_age` seconds
    so that a customer's requests do not ask the database each time (a query per request was a
    sixth of the create path's database time; issue 27).

    The bound: a token issued before a password or email change is refused by this process at
    most `max_age` seconds after the change reached this service's database, and at once when
    this process recorded it (`forget`). `max_age` 0 asks the database every time. At most
    `max_entries` accounts are kept (the oldest answers go first)."""

    def __init__(
        self,
        fetch: Callable[[UUID], Awaitable[datetime | None]],
        *,
        max_age: float,
        clock: Callable[[], float] = time.monotonic,
        max_entries: int = 10_000,
    ) -> None:
        self._fetch = fetch
        self._clock = clock
        self._known: ExpiringEntries[UUID, datetime | None] = ExpiringEntries(max_age, max_entries)

    async def not_before(self, subject: UUID) -> datetime | None:
        now = self._clock()
        if (known := self._known.fresh(subject, now)) is not None:
            return known.value
        found = await self._fetch(subject)
        self._known.learned(subject, found, now)
        return found

    def forget(self, subject: UUID) -> None:
        self._known.forget(subject)

    async def refuses(self, principal: Principal) -> bool:
        """Whether the token was issued before its account's last credential change."""
        not_before = await self.not_before(principal.subject)
        return not_before is not None and (
            principal.issued_at is None or principal.issued_at < not_before
        )


async def handle_credentials_change(
    pool: asyncpg.Pool,
    consumer: str,
    event: AccountCredentialsChanged,
    cache: NotBeforeCache | None = None,
) -> None:
    """Every consuming service's handler of AccountCredentialsChanged: the "not before" of the
    account's tokens, recorded once per event (the inbox); this process's cache of it is
    dropped, so the change holds here at once."""
    data = event.data
    await handle_once(
        pool,
        consumer,
        event,
        lambda conn: record_credentials_change(conn, data.account_id, data.changed_at),
    )
    if cache is not None:
        cache.forget(data.account_id)


_bearer = HTTPBearer(auto_error=False)
_SESSION_ENDED = "Sesja wygasła lub token jest nieprawidłowy. Zaloguj się ponownie."


def require_role(*roles: Role):  # type: ignore[no-untyped-def]
    """FastAPI dependency: the caller's verified principal, refused unless it has one of `roles`
    and was issued after its account's last credential change."""

    async def dependency(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        if credentials is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                detail="Zaloguj się, aby kontynuować.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        public_key: bytes = request.app.state.token_public_key
        try:
            principal = verify_token(public_key, credentials.credentials)
        except InvalidToken:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                detail=_SESSION_ENDED,
                headers={"WWW-Authenticate": "Bearer"},
            ) from None
        if principal.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Brak uprawnień do tej operacji.")
        if await request.app.state.runtime.not_before.refuses(principal):
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                detail="Hasło lub adres e-mail konta zmieniły się. Zaloguj się ponownie.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return principal

    return dependency
