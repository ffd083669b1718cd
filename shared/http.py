"""What every service's HTTP layer shares beyond errors and tokens: the correlation id, the
client's address behind trusted proxies, the cap on request bodies, the refusal of NUL and the
Content-Disposition of a download."""

from __future__ import annotations

import contextlib
import json
import re
import unicodedata
from collections.abc import Iterator
from typing import Annotated, Any
from urllib.parse import quote
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from fastapi import Depends, FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from starlette.datastructures import Headers, UploadFile
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from shared import errors
from shared.outage import DATABASE_AWAY, OutageLog
from shared.settings import ServiceSettings


async def correlation_id(
    x_correlation_id: Annotated[
        str | None,
        Header(
            max_length=200,
            description="Follows every event this request causes. A UUID is kept as it is; "
            "any other text stands for the UUID derived from it (UUID v5).",
        ),
    ] = None,
) -> UUID:
    """The caller's correlation id (a web page's, say), or a new one: it follows every event.

    async: FastAPI would run a plain `def` in its thread pool, a thread hop per request."""
    if not x_correlation_id:
        return uuid4()
    try:
        return UUID(x_correlation_id)
    except ValueError:
        return uuid5(NAMESPACE_URL, x_correlation_id)


CorrelationId = Annotated[UUID, Depends(correlation_id)]


def client_address(request: Request) -> str:
    """The client's address: the peer's, or the one a trusted proxy forwarded (see
    `install_http_guards`); never what an untrusted caller claims in X-Forwarded-For."""
    return request.client.host if request.client else "unknown"


# Letters NFKD does not take apart into an ASCII letter and a mark.
_ASCII_OF = str.maketrans({"ł": "l", "Ł": "L", "ß": "ss", "Æ": "AE", "æ": "ae", "Ø": "O", "ø": "o"})
# What may stand in a quoted filename without a reader mistaking it: no quote, backslash or
# control character.
_NOT_PLAIN = re.compile(r'[^\x20-\x7e]|["\\]')
# RFC 5987's attr-char beyond letters, digits and "_.-~" (which `quote` always keeps).
_ATTR_CHAR_MARKS = "!#$&+^`|"


def attachment_disposition(filename: str, fallback: str = "plik") -> str:
    """The Content-Disposition of a download named `filename` (RFC 6266): an ASCII `filename`
    for old readers and, when the name is not plain ASCII, `filename*=UTF-8''...` (RFC 5987)
    with the name as it is. Only the name's last part counts (never a path). The header stays
    ASCII: Starlette writes headers as Latin-1 and fails on any other letter (a 500 before)."""
    name = "".join(
        char for char in re.split(r"[/\\]", filename)[-1] if unicodedata.category(char)[0] != "C"
    ).strip()  # no control or bidi-format characters: they could disguise the name
    if name in ("", ".", ".."):
        name = fallback
    plain = unicodedata.normalize("NFKD", name.translate(_ASCII_OF))
    plain = "".join(char for char in plain if not unicodedata.combining(char))
    plain = _NOT_PLAIN.sub("_", plain).strip() or fallback
    if plain == name:
        return f'attachment; filename="{plain}"'
    encoded = quote(name, safe=_ATTR_CHAR_MARKS)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{encoded}"


# The largest body of a form with a file: a claim's sales document (at most 10 MB) and fields.
MAX_UPLOAD_REQUEST_BYTES = 11 * 1024 * 1024


class BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    """Refuses a request body above `max_bytes` with 413 before it is read: by its declared
    Content-Length at once, and while it streams in (chunked, or a lying length) as soon as the
    cap is passed. The application never sees more than `max_bytes`."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(send)
            return
        received = 0
        exceeded = False
        response_started = False

        async def capped_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if exceeded:
                # Whatever the application made of the interrupted body, the answer is 413.
                return
            response_started = message["type"] == "http.response.start" or response_started
            await send(message)

        try:
            await self.app(scope, capped_receive, guarded_send)
        except BodyTooLarge:
            pass
        except Exception:
            if not exceeded:
                raise
        if exceeded and not response_started:
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        megabytes = self.max_bytes / (1024 * 1024)
        text = f"Przesłane dane są za duże: najwyżej {megabytes:g} MB."
        body = json.dumps(
            {
                "detail": text,
                "errors": [{"field": None, "code": "request_too_large", "message": text}],
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


NUL = "\x00"
# Lone UTF-16 surrogates ("\ud800" in JSON): no UTF-8 can carry them, so neither can PostgreSQL.
_SURROGATE = re.compile("[\ud800-\udfff]")
FORM_MEDIA_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def unstorable_text(text: str) -> str | None:
    """Why PostgreSQL cannot store this text (the error's code), or None when it can."""
    if NUL in text:
        return "nul_character"
    if _SURROGATE.search(text):
        return "surrogate_character"
    return None


Location = tuple[str | int, ...]


def _unstorable_locations(value: Any, location: Location) -> Iterator[tuple[Location, str]]:
    if isinstance(value, str):
        if kind := unstorable_text(value):
            yield location, kind
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _unstorable_locations(key, location)
            yield from _unstorable_locations(item, (*location, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _unstorable_locations(item, (*location, index))


def media_type(request: Request) -> str:
    """The request's media type without its parameters, in lower case: media types are
    case-insensitive (RFC 9110), and `Application/JSON` once slipped past this guard."""
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def refuse_nul_characters(request: Request) -> None:
    """Every text a request carries (path, query, JSON body, form fields, file names) without
    the NUL character or a lone surrogate, which PostgreSQL cannot store: 422 naming the field
    otherwise. A body that is not a form is read as JSON whatever it is labelled, as FastAPI
    reads a body without a Content-Type as JSON."""
    found: list[tuple[Location, str]] = []
    found += _unstorable_locations(dict(request.path_params), ("path",))
    for name, value in request.query_params.multi_items():
        if kind := unstorable_text(name + value):
            found.append((("query", name), kind))
    if media_type(request) in FORM_MEDIA_TYPES:
        for name, item in (await request.form()).multi_items():
            text = (item.filename or "") if isinstance(item, UploadFile) else item
            if kind := unstorable_text(name + text):
                found.append((("body", name), kind))
    elif body := await request.body():
        # Malformed JSON has its own answer, and a file body is no JSON.
        with contextlib.suppress(ValueError):
            found += _unstorable_locations(json.loads(body), ("body",))
    if found:
        raise RequestValidationError(
            [{"type": kind, "loc": location, "msg": ""} for location, kind in found]
        )


DATABASE_AWAY_MESSAGE = errors.Message(
    "Usługa jest chwilowo niedostępna. Spróbuj ponownie za chwilę: nic nie zostało zapisane.",
    "The service is briefly unavailable. Try again in a moment: nothing was saved.",
)
DATABASE_RETRY_AFTER_SECONDS = 5


class DatabaseAway:
    """A request that met the service's database away is answered 503 with `Retry-After` (a
    client retries, with its Idempotency-Key), not 500; the outage is logged once when it
    starts and once when a request gets through again, not once per request."""

    def __init__(self, app: ASGIApp, what: str = "database") -> None:
        self.app = app
        self.outage = OutageLog(f"{what} (HTTP requests)")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except DATABASE_AWAY as error:
            if started:
                raise
            self.outage.failed(error)
            await self._unavailable(scope, send)
            return
        self.outage.recovered()

    @staticmethod
    async def _unavailable(scope: Scope, send: Send) -> None:
        language = "en" if "en" in Headers(scope=scope).get("accept-language", "")[:2] else "pl"
        text = DATABASE_AWAY_MESSAGE.in_language(language)
        body = {
            "detail": text,
            "errors": [{"field": None, "code": "service_unavailable", "message": text}],
        }
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"retry-after", str(DATABASE_RETRY_AFTER_SECONDS).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": json.dumps(body).encode()})


def install_http_guards(app: FastAPI, settings: ServiceSettings) -> None:
    """What every service's API gets: the body cap, the client address behind trusted proxies
    (and only those: `RMA_TRUSTED_PROXIES`), and the refusal of NUL in any text."""
    app.router.dependencies.append(Depends(refuse_nul_characters))
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.forwarded_allow_ips)
