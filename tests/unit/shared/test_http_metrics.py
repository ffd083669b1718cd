"""HTTP requests are counted as prometheus-fastapi-instrumentator's defaults counted them
(shared/http_metrics.py): the same series for the same requests, the instrumentator's own
middleware counting beside ours in one app."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, HTTPException
from prometheus_client import CollectorRegistry
from prometheus_fastapi_instrumentator import Instrumentator
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route

from shared.http_metrics import CountedRequests, HttpRequestMetrics
from shared.metrics import serve_metrics
from tests.unit.web.contracts import ACCOUNTS, CLAIMS, NOTIFICATIONS, WARRANTY, _app

UNCOUNTED = ("/metrics", "/health")
# Measured in time: equal in count, not in value.
_TIMED = ("http_request_duration_highr_seconds", "http_request_duration_seconds")


def series(registry: CollectorRegistry) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the HTTP families but the times' buckets and sums."""
    found = {}
    for family in registry.collect():
        for sample in family.samples:
            timed = family.name in _TIMED and not sample.name.endswith("_count")
            if (
                sample.name.startswith("http_")
                and not timed
                and not sample.name.endswith("_created")
            ):
                found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def counted_twice(app: FastAPI) -> tuple[CollectorRegistry, CollectorRegistry]:
    """`app` counted by ours and, outermost, by the instrumentator's middleware."""
    ours, theirs = CollectorRegistry(), CollectorRegistry()
    app.add_middleware(CountedRequests, metrics=HttpRequestMetrics(ours), uncounted=UNCOUNTED)
    Instrumentator(registry=theirs, excluded_handlers=list(UNCOUNTED)).instrument(app)
    return ours, theirs


def an_app() -> FastAPI:
    """Routes of every kind the services have: path parameters, a router with its own prefix,
    one included with a prefix, a mount with routes, errors of the app and of the router."""
    app = FastAPI()
    emails = APIRouter(prefix="/api/emails")

    @emails.get("/{email_id}")
    async def one_email(email_id: str) -> dict[str, str]:
        if email_id == "missing":
            raise HTTPException(404, "no such email")
        return {"id": email_id}

    @emails.post("")
    async def send(body: dict[str, Any]) -> dict[str, Any]:
        return body

    app.include_router(emails)
    parcels = APIRouter()

    @parcels.get("/{parcel_id}/label")
    async def label(parcel_id: int) -> PlainTextResponse:
        return PlainTextResponse("L" * parcel_id)

    app.include_router(parcels, prefix="/api/parcels")

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "alive"}

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("a bug")

    async def static(request: Any) -> PlainTextResponse:
        return PlainTextResponse(request.path_params["name"])

    app.router.routes.append(Mount("/static", routes=[Route("/{name}", static)]))
    return app


REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/api/emails/7", {}),
    ("GET", "/api/emails/8", {}),
    ("GET", "/api/emails/missing", {}),
    ("POST", "/api/emails", {"json": {"to": "jan@example.com"}}),
    (
        "POST",
        "/api/emails",
        {"content": b"{not json", "headers": {"content-type": "application/json"}},
    ),
    ("DELETE", "/api/emails/7", {}),
    ("GET", "/api/parcels/3/label", {}),
    ("GET", "/api/parcels/x/label", {}),
    ("GET", "/static/logo.png", {}),
    ("GET", "/health", {}),
    ("GET", "/nowhere", {}),
    ("GET", "/nowhere/health", {}),
    ("GET", "/api/emails/7/", {}),
    ("GET", "/boom", {}),
]


async def test_every_kind_of_request_is_counted_as_the_instrumentator_counted_it() -> None:
    app = an_app()
    ours, theirs = counted_twice(app)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        for method, path, sent in REQUESTS:
            await client.request(method, path, **sent)
    assert series(ours) == series(theirs)
    counted = {labels for name, labels in series(ours) if name == "http_requests_total"}
    assert (("handler", "/api/emails/{email_id}"), ("method", "GET"), ("status", "2xx")) in counted
    assert (
        ("handler", "/api/parcels/{parcel_id}/label"),
        ("method", "GET"),
        ("status", "4xx"),
    ) in counted
    assert (("handler", "none"), ("method", "GET"), ("status", "4xx")) in counted
    assert (("handler", "/boom"), ("method", "GET"), ("status", "5xx")) in counted
    assert not any(("handler", "/health") in labels for labels in counted)


@pytest.mark.parametrize("port", [ACCOUNTS, CLAIMS, WARRANTY, NOTIFICATIONS])
async def test_each_services_requests_are_named_by_their_routes_as_before(port: int) -> None:
    """Every route of the service (answered before the database: no token, a wrong method, an
    unknown path) counted by both."""
    app = _app(port)
    theirs = CollectorRegistry()
    Instrumentator(registry=theirs, excluded_handlers=list(UNCOUNTED)).instrument(app)
    paths = {route.path for route in app.routes if hasattr(route, "path")}
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        for path in sorted(paths):
            concrete = path.replace("{", "").replace("}", "")
            await client.request("PATCH", concrete)
            await client.post(concrete, headers={"authorization": "Bearer nonsense"})
    ours = app.state.runtime.metrics.registry
    assert series(ours) == series(theirs)
    assert len(series(ours)) > 20


def test_a_service_serves_its_request_counts() -> None:
    app = FastAPI()
    serve_metrics(app)
    assert CountedRequests in [getattr(m, "cls", None) for m in app.user_middleware]
