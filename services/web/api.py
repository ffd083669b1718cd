"""Calls to the platform's HTTP APIs, forwarding the user's bearer token.

Every answer of 400 or more becomes an `ApiError` carrying the API's `detail` and its `errors`
list (`{"field", "code", "message"}`), so that a page can show each message next to its field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal
from uuid import uuid4

import httpx

from shared.logging import get_logger

Service = Literal["accounts", "claims", "warranty", "notifications"]
# A list value repeats its name in the query: `status=a&status=b`.
QueryParams = dict[str, str | list[str]]
log = get_logger(__name__)

UNAVAILABLE = "Usługa jest chwilowo niedostępna. Spróbuj ponownie za chwilę."


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

    def __str__(self) -> str:
        return f"{self.status_code}: {self.detail}"

    @classmethod
    def from_response(cls, response: httpx.Response) -> ApiError:
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return cls(response.status_code, _fallback_detail(response.status_code))
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
        return cls(response.status_code, detail, errors)


class Unauthorized(ApiError):
    """The token is missing, expired or of the wrong role: the user must log in again."""


def _fallback_detail(status_code: int) -> str:
    if status_code == 404:
        return "Nie znaleziono."
    if status_code == 413:
        return "Plik jest za duży."
    if status_code == 429:
        return "Zbyt wiele prób. Spróbuj ponownie później."
    if status_code >= 500:
        return UNAVAILABLE
    return "Nie udało się wykonać operacji."


class Backend:
    """One HTTP client per API; `call` raises `ApiError` for every answer of 400 or more."""

    def __init__(
        self,
        urls: dict[Service, str],
        timeout: float = 15.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._clients: dict[Service, httpx.AsyncClient] = {
            service: httpx.AsyncClient(
                base_url=url.rstrip("/"),
                timeout=timeout,
                transport=transport,
                headers={"Accept-Language": "pl", "User-Agent": "rma-web"},
            )
            for service, url in urls.items()
        }

    async def close(self) -> None:
        for client in self._clients.values():
            await client.aclose()

    async def _send(
        self,
        service: Service,
        method: str,
        path: str,
        *,
        token: str | None = None,
        json: Any = None,
        params: QueryParams | None = None,
        data: dict[str, str] | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> httpx.Response:
        headers = {"X-Correlation-ID": str(uuid4())}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            response = await self._clients[service].request(
                method, path, json=json, params=params, data=data, files=files, headers=headers
            )
        except httpx.HTTPError as error:
            log.warning("api_unreachable", service=service, path=path, error=str(error))
            raise ApiError(503, UNAVAILABLE) from None
        if response.status_code >= 400:
            refused = ApiError.from_response(response)
            if response.status_code == 401:
                # Kept with its field errors: a wrong password belongs next to the password.
                raise Unauthorized(refused.status_code, refused.detail, refused.errors)
            log.info("api_refused", service=service, path=path, status=response.status_code)
            raise refused
        return response

    async def call(
        self,
        service: Service,
        method: str,
        path: str,
        *,
        token: str | None = None,
        json: Any = None,
        params: QueryParams | None = None,
        data: dict[str, str] | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> Any:
        response = await self._send(
            service, method, path, token=token, json=json, params=params, data=data, files=files
        )
        if not response.content:
            return None
        return response.json()

    async def download(self, service: Service, path: str, *, token: str) -> httpx.Response:
        """A file from an API (the parcel label PDF), passed on as it came."""
        return await self._send(service, "GET", path, token=token)
