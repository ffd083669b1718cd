"""What every API client shares: the call, the caller it speaks for, and the errors it raises.

Every answer of 400 or more becomes an `ApiError` carrying the API's `detail` and its `errors`
list (`{"field", "code", "message"}`), so that a page can show each message next to its field.
An answer that does not have the documented shape is an `ApiError` of 502: the page says the
service failed instead of crashing.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypeVar, cast
from uuid import uuid4

import httpx
from pydantic import TypeAdapter, ValidationError

from services.web.i18n import N_
from shared.logging import get_logger

log = get_logger(__name__)
T = TypeVar("T")
# A list value repeats its name in the query: `status=a&status=b`.
QueryParams = dict[str, str | list[str]]
# A file per name, or (name, file) pairs where one name carries several files.
FileTuple = tuple[str, bytes, str]
Files = dict[str, FileTuple] | list[tuple[str, FileTuple]]

UNAVAILABLE = N_("Usługa jest chwilowo niedostępna. Spróbuj ponownie za chwilę.")


@dataclass(frozen=True)
class Caller:
    """Whom a call is made for: the login's token, the page's language, the browser's address
    (forwarded so that accounts limits each person, not the web panel, by address)."""

    token: str | None = None
    language: str = "pl"
    client_ip: str | None = None


@dataclass
class FieldError:
    field: str | None
    code: str
    message: str


@dataclass
class ApiError(Exception):
    status_code: int
    detail: str
    errors: list[FieldError] = field(default_factory=list)
    # Seconds to wait before trying again (a 429's `Retry-After`).
    retry_after: int | None = None

    def __str__(self) -> str:
        return f"{self.status_code}: {self.detail}"

    @classmethod
    def from_response(cls, response: httpx.Response) -> ApiError:
        retry_after = _retry_after(response)
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return cls(
                response.status_code, _fallback_detail(response.status_code), [], retry_after
            )
        detail = body.get("detail")
        errors: list[FieldError] = []
        for item in body.get("errors") or []:
            if isinstance(item, dict) and item.get("message"):
                errors.append(
                    FieldError(item.get("field"), str(item.get("code", "")), str(item["message"]))
                )
        if not isinstance(detail, str):
            # FastAPI's own validation format (a list): keep the first message as the summary.
            detail = errors[0].message if errors else _fallback_detail(response.status_code)
        return cls(response.status_code, detail, errors, retry_after)


class Unauthorized(ApiError):
    """The token is missing, expired or of the wrong role: the user must log in again."""


def _retry_after(response: httpx.Response) -> int | None:
    value = response.headers.get("retry-after", "")
    return int(value) if value.isdigit() else None


def _fallback_detail(status_code: int) -> str:
    if status_code == 404:
        return N_("Nie znaleziono.")
    if status_code == 413:
        return N_("Plik jest za duży.")
    if status_code == 429:
        return N_("Zbyt wiele prób. Spróbuj ponownie później.")
    if status_code >= 500:
        return UNAVAILABLE
    return N_("Nie udało się wykonać operacji.")


def _adapter(answer: type[T]) -> TypeAdapter[T]:
    return cast(TypeAdapter[T], _cached_adapter(cast(Hashable, answer)))


@lru_cache(maxsize=64)
def _cached_adapter(answer: Any) -> TypeAdapter[Any]:
    return TypeAdapter(answer)


class HttpApi:
    """One API over one httpx client; the typed clients of each service build on `_call`."""

    service = "api"

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def _send(
        self,
        method: str,
        path: str,
        caller: Caller,
        *,
        json: Any = None,
        params: QueryParams | None = None,
        data: dict[str, str] | None = None,
        files: Files | None = None,
        idempotency_key: str | None = None,
    ) -> httpx.Response:
        headers = {"X-Correlation-ID": str(uuid4()), "Accept-Language": caller.language}
        if caller.token:
            headers["Authorization"] = f"Bearer {caller.token}"
        if caller.client_ip:
            headers["X-Forwarded-For"] = caller.client_ip
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        # A kept-alive connection the API closed just then fails without an answer; a request
        # that may be repeated (a GET, or one with an idempotency key) is sent once more.
        attempts = 2 if method == "GET" or idempotency_key else 1
        for attempt in range(1, attempts + 1):
            try:
                response = await self._client.request(
                    method, path, json=json, params=params, data=data, files=files, headers=headers
                )
                break
            except (httpx.RemoteProtocolError, httpx.ConnectError) as error:
                if attempt == attempts:
                    raise self._unreachable(path, error) from None
            except httpx.HTTPError as error:
                raise self._unreachable(path, error) from None
        if response.status_code >= 400:
            refused = ApiError.from_response(response)
            if response.status_code == 401:
                # Kept with its field errors: a wrong password belongs next to the password.
                raise Unauthorized(refused.status_code, refused.detail, refused.errors)
            log.info("api_refused", service=self.service, path=path, status=response.status_code)
            raise refused
        return response

    def _unreachable(self, path: str, error: httpx.HTTPError) -> ApiError:
        log.warning("api_unreachable", service=self.service, path=path, error=str(error))
        return ApiError(503, UNAVAILABLE)

    async def _call(
        self,
        answer: type[T],
        method: str,
        path: str,
        caller: Caller,
        **options: Any,
    ) -> T:
        """The API's answer, validated as `answer` (a model, or a type such as `list[Model]`)."""
        response = await self._send(method, path, caller, **options)
        try:
            parsed: T = _adapter(answer).validate_json(response.content or b"null")
        except ValidationError as error:
            log.warning(
                "api_answer_invalid", service=self.service, path=path, errors=error.error_count()
            )
            raise ApiError(502, UNAVAILABLE) from None
        return parsed
