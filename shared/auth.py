"""Short-lived access tokens: EdDSA-signed JWTs issued by accounts, verified offline by everyone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal
from uuid import UUID

import jwt
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

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
        "iat": issued,
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
        )
    except (jwt.PyJWTError, ValueError) as error:
        raise InvalidToken(str(error)) from error


_bearer = HTTPBearer(auto_error=False)


def require_role(*roles: Role):  # type: ignore[no-untyped-def]
    """FastAPI dependency: the caller's verified principal, refused unless it has one of `roles`."""

    # async although it awaits nothing: FastAPI runs a plain `def` dependency in its thread pool,
    # a thread hop on every request for a few microseconds of work.
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
                detail="Sesja wygasła lub token jest nieprawidłowy. Zaloguj się ponownie.",
                headers={"WWW-Authenticate": "Bearer"},
            ) from None
        if principal.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Brak uprawnień do tej operacji.")
        return principal

    return dependency
