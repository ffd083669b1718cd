"""Short-lived access tokens: EdDSA-signed JWTs issued by accounts, verified offline by everyone.

Offline verification stays: a token's signature and expiry are checked with the public key only.
Each service also keeps a small projection, `token_not_before`, from AccountCredentialsChanged:
a token issued before its account's last password or email change is refused.
"""

from __future__ import annotations

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


async def handle_credentials_change(
    pool: asyncpg.Pool, consumer: str, event: AccountCredentialsChanged
) -> None:
    """Every consuming service's handler of AccountCredentialsChanged: the "not before" of the
    account's tokens, recorded once per event (the inbox)."""
    data = event.data
    await handle_once(
        pool,
        consumer,
        event,
        lambda conn: record_credentials_change(conn, data.account_id, data.changed_at),
    )


async def issued_before_credential_change(pool: asyncpg.Pool, principal: Principal) -> bool:
    not_before: datetime | None = await pool.fetchval(
        "SELECT not_before FROM token_not_before WHERE subject = $1", principal.subject
    )
    return not_before is not None and (
        principal.issued_at is None or principal.issued_at < not_before
    )


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
        if await issued_before_credential_change(request.app.state.runtime.db, principal):
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                detail="Hasło lub adres e-mail konta zmieniły się. Zaloguj się ponownie.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return principal

    return dependency
