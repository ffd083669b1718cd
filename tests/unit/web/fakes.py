"""Fake APIs for the web panel's unit tests (httpx.MockTransport): routes by port and path,
and records every request the panel makes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

Handler = Callable[[httpx.Request], httpx.Response]
CLAIM_ID = "6f1c1f0e-5c4b-4b8e-9d6e-0a4a2d0c1b11"
CSRF_TOKEN = "k" * 43


class FakeApis:
    """Routes by `METHOD host:port/path`; records every request."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.requests: list[httpx.Request] = []

    def on(self, method: str, service_port: int, path: str, handler: Handler) -> None:
        self.routes[f"{method} {service_port}{path}"] = handler

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        key = f"{request.method} {request.url.port}{request.url.path}"
        handler = self.routes.get(key)
        if handler is None:
            return httpx.Response(404, json={"detail": f"no fake for {key}"})
        return handler(request)


ACCOUNTS, CLAIMS, WARRANTY = 8001, 8002, 8003
# The accounts API's /api/me of a private customer without documents.
PROFILE: dict[str, Any] = {
    "account_id": "0b7c0d3e-8a46-4d55-9d3e-2f4c9a1b2c3d",
    "account_type": "private",
    "full_name": "Jan Kowalski",
    "email": "jan@example.com",
    "language": "pl",
    "vat_country": None,
    "tax_id": None,
    "documents": [],
}
ALL_TYPES_ALLOWED = [
    {"claim_type": kind, "allowed": True, "reason": None}
    for kind in ("warranty", "non_conformity", "return", "dji")
]


def reply(status: int, body: Any) -> Handler:
    return lambda _request: httpx.Response(status, json=body)
