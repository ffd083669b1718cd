"""The web panel: pages for customers, operators and the warehouse, rendered on the server.

The pages call the platform's APIs through typed clients (`clients/`). A login's bearer token
is kept in an HttpOnly, SameSite=Lax cookie (one each for customers, operators and the
warehouse's scanners) and forwarded to the APIs, which verify it; this server holds no state of
its own. Forms work without JavaScript; a few scripts (static files only: the
Content-Security-Policy allows no inline script) add the serial-number check on Enter, the
product's claim types and problem list, the company fields of the registration, the intake
page's focus and the live dashboard (Server-Sent Events from Kafka).

This module only wires: settings, clients, the live feed, the routers, security and errors.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from services.web.clients import ApiError, Apis, Unauthorized
from services.web.i18n import N_
from services.web.live import KafkaFeed, LiveHub
from services.web.pages import HERE, LoginRequired, render
from services.web.routers import (
    account,
    auth,
    bulk,
    charges,
    claims,
    evidence,
    manufacturer,
    operator,
    scanner,
    scanner_shipments,
    warranty,
)
from services.web.security import CsrfRefused, SecurityMiddleware, verify_csrf
from services.web.settings import WebSettings
from shared.http import MAX_UPLOAD_REQUEST_BYTES, BodySizeLimit
from shared.logging import configure_logging, get_logger
from shared.metrics import serve_metrics
from shared.tracing import trace_web_panel

log = get_logger(__name__)
FORM_REFUSED = N_(
    "Formularz wygasł albo został wysłany z innej strony. Odśwież stronę i spróbuj ponownie."
)


def build_app(
    settings: WebSettings | None = None, transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    """The app; `transport` replaces the network to the APIs (the unit tests' fake APIs)."""
    settings = settings or WebSettings()
    configure_logging("web", settings.log_level, settings.log_format)
    hub = LiveHub()
    bootstrap = settings.kafka_bootstrap_servers
    feed = KafkaFeed(bootstrap, hub, settings) if settings.live_updates else None

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.apis = Apis.connect(
            {
                "accounts": settings.accounts_url,
                "claims": settings.claims_url,
                "warranty": settings.warranty_url,
                "notifications": settings.notifications_url,
            },
            timeout=settings.api_timeout_seconds,
            transport=transport,
        )
        if feed is not None:
            feed.start()
        try:
            yield
        finally:
            if feed is not None:
                await feed.stop()
            await app.state.apis.close()

    app = FastAPI(
        title="RMA web panel",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        # Every state-changing request of every router passes the CSRF check first.
        dependencies=[Depends(verify_csrf)],
    )
    trace_web_panel(app, settings.otlp_endpoint)
    serve_metrics(app)
    app.add_middleware(BodySizeLimit, max_bytes=MAX_UPLOAD_REQUEST_BYTES)
    app.state.settings = settings
    app.state.hub = hub
    app.add_middleware(SecurityMiddleware, secure_cookies=settings.secure_cookies)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    # The charges', DJI's and the evidence's forms before the operator's, whose
    # /operator/claims/{id}/{command} would take their paths.
    areas = (auth, account, claims, bulk, charges, manufacturer, evidence, operator, scanner)
    for area in (*areas, scanner_shipments, warranty):
        app.include_router(area.router)
    _add_error_pages(app)

    @app.get("/health", include_in_schema=False)
    async def health() -> dict[str, Any]:
        return {
            "status": "ok",
            "live_updates": feed is not None,
            "live_ready": hub.ready.is_set(),
            "live_group": feed.group_id if feed else None,
        }

    return app


def _add_error_pages(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, error: LoginRequired) -> Response:
        return auth.login_redirect(request, error.operator, error.expired, scanner=error.scanner)

    @app.exception_handler(Unauthorized)
    async def _unauthorized(request: Request, error: Unauthorized) -> Response:
        path = request.url.path
        return auth.login_redirect(
            request, path.startswith("/operator"), True, scanner=path.startswith("/scanner")
        )

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, error: ApiError) -> Response:
        status = error.status_code if error.status_code in (403, 404, 409, 503) else 502
        return render(request, "error.html", status_code=status, message=error.detail)

    @app.exception_handler(CsrfRefused)
    async def _csrf_refused(request: Request, error: CsrfRefused) -> Response:
        log.warning("csrf_refused", path=request.url.path, reason=str(error))
        return render(request, "error.html", status_code=403, message=FORM_REFUSED)

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, error: HTTPException) -> Response:
        message = N_("Nie znaleziono strony.") if error.status_code == 404 else str(error.detail)
        return render(request, "error.html", status_code=error.status_code, message=message)
