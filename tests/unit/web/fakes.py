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
ALL_TYPES_ALLOWED = [
    {"claim_type": kind, "allowed": True, "reason": None}
    for kind in ("warranty", "non_conformity", "return", "dji")
]


def reply(status: int, body: Any) -> Handler:
    return lambda _request: httpx.Response(status, json=body)


def serve_dashboard(
    apis: FakeApis,
    claims: list[dict[str, Any]],
    counts: dict[str, int],
    statistics: dict[str, Any] | None = None,
) -> None:
    """The claims API of the dashboard: the list answers by its status and limit parameters;
    without `statistics` the statistics answer 404 (the charts are left out)."""

    def operator_claims(request: httpx.Request) -> httpx.Response:
        wanted = request.url.params.get_list("status")
        limit = int(request.url.params["limit"])
        return httpx.Response(200, json=[c for c in claims if c["status"] in wanted][:limit])

    apis.on("GET", CLAIMS, "/api/operator/claims", operator_claims)
    apis.on("GET", CLAIMS, "/api/operator/claims/counts", reply(200, counts))
    apis.on("GET", CLAIMS, "/api/operator/parcels/unidentified", reply(200, []))
    if statistics is not None:
        apis.on("GET", CLAIMS, "/api/operator/claims/statistics", reply(200, statistics))
