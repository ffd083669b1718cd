"""Protection of the panel's forms and pages.

- CSRF: every browser gets a random token in a cookie (`rma_csrf`, SameSite=Strict, HttpOnly);
  every state-changing request must carry the same token in the form field `csrf_token` (or the
  header `X-CSRF-Token`) AND come from this site by its `Origin` (or, without one, `Referer`).
  Another site can make a browser send our cookies, but can neither read the token nor forge
  the browser's `Origin`, so such a request is refused with 403 before anything changes.
- Security headers on every answer: a Content-Security-Policy without inline script, no
  framing, no MIME sniffing, no referrer to other sites.
- Idempotency keys: a form that creates something carries a one-time key, made when the form is
  rendered, that the panel passes to the API as `Idempotency-Key`; a double submit or a retry
  then creates one thing.
"""

from __future__ import annotations

import hmac
import re
import secrets
from urllib.parse import urlsplit
from uuid import uuid4

from fastapi import Request
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSRF_COOKIE = "rma_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
IDEMPOTENCY_FIELD = "idempotency_key"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9-]{16,64}$")

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    # Same-origin only: the emailed links' tokens never leave in a Referer.
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
}


class CsrfRefused(Exception):
    """A state-changing request without this site's origin or without the form's token."""


class SecurityMiddleware:
    """Adds the security headers to every answer and gives a new browser its CSRF cookie."""

    def __init__(self, app: ASGIApp, secure_cookies: bool) -> None:
        self.app = app
        self.secure_cookies = secure_cookies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        known = request.cookies.get(CSRF_COOKIE, "")
        token = known if _looks_like_token(known) else secrets.token_urlsafe(32)
        scope.setdefault("state", {})["csrf_token"] = token

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if token != known:
                    headers.append("set-cookie", self._cookie(token))
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _cookie(self, token: str) -> str:
        secure = "; Secure" if self.secure_cookies else ""
        return f"{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{secure}"


def _looks_like_token(value: str) -> bool:
    return 32 <= len(value) <= 64 and value.replace("-", "").replace("_", "").isalnum()


def csrf_token(request: Request) -> str:
    """The token the page's forms carry (the browser's cookie, or the one just given)."""
    return str(request.scope.get("state", {}).get("csrf_token", ""))


def _same_origin(request: Request) -> bool:
    source = request.headers.get("origin") or request.headers.get("referer") or ""
    if not source or source == "null":
        return False
    parts = urlsplit(source)
    return bool(parts.scheme in ("http", "https") and parts.netloc == request.headers.get("host"))


async def verify_csrf(request: Request) -> None:
    """A dependency of the whole app: refuses a state-changing request that another site may
    have made (no same-origin Origin/Referer, or no token matching the browser's cookie)."""
    if request.method in SAFE_METHODS:
        return
    if not _same_origin(request):
        raise CsrfRefused("origin")
    expected = request.cookies.get(CSRF_COOKIE, "")
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            field = (await request.form()).get(CSRF_FIELD)
            sent = field if isinstance(field, str) else ""
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfRefused("token")


def new_idempotency_key() -> str:
    return str(uuid4())


def idempotency_key(value: object) -> str | None:
    """The form's one-time key as sent, when it is one (anything else is dropped)."""
    return value if isinstance(value, str) and _IDEMPOTENCY_KEY.match(value) else None
