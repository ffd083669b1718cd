"""Every HTTP request counted into the metrics that prometheus-fastapi-instrumentator's defaults
make: the same names, labels and buckets (the dashboards and alerts read them,
docs/observability.md).

The instrumentator's middleware names a request's handler (its route's path template) before
the request, by matching it against every route of the app again, FastAPI's included routers
flattened anew each time (issue 27, item 2: per request straight through ASGI, `/health` took
105 µs with it and 87 µs with this, a refused `POST /api/claims` 376 and 327 µs). Here
the handler is named after the request, from the route the router matched (`scope["route"]`),
and named once per route: by the instrumentator's own `get_route_name`, so the names stay
what they were. A request answered before the router (a replayed Idempotency-Key, a refused
one) is named by that matching, as every request was before.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram, Summary
from prometheus_fastapi_instrumentator.routing import get_route_name
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The instrumentator's default buckets: many for the one histogram without labels, few for the
# one per handler.
_LATENCY_HIGHR_BUCKETS = (
    0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 7.5, 10,
    30, 60,
)  # fmt: skip
_LATENCY_LOWR_BUCKETS = (0.1, 0.5, 1)
# A request that matched no route: its path would make a series per path.
UNTEMPLATED = "none"


class HttpRequestMetrics:
    """The five series of the instrumentator's defaults, in `registry`."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.total = Counter(
            "http_requests_total",
            "Total number of requests by method, status and handler.",
            ("method", "status", "handler"),
            registry=registry,
        )
        self.request_size = Summary(
            "http_request_size_bytes",
            "Content length of incoming requests by handler. Only value of header is "
            "respected. Otherwise ignored. No percentile calculated. ",
            ("handler",),
            registry=registry,
        )
        self.response_size = Summary(
            "http_response_size_bytes",
            "Content length of outgoing responses by handler. Only value of header is "
            "respected. Otherwise ignored. No percentile calculated. ",
            ("handler",),
            registry=registry,
        )
        self.latency_highr = Histogram(
            "http_request_duration_highr_seconds",
            "Latency with many buckets but no API specific labels. Made for more accurate "
            "percentile calculations. ",
            buckets=_LATENCY_HIGHR_BUCKETS,
            registry=registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Latency with only few buckets by handler. Made to be only used if aggregation by "
            "handler is important. ",
            ("method", "handler"),
            buckets=_LATENCY_LOWR_BUCKETS,
            registry=registry,
        )

    def observe(
        self, method: str, status: int, handler: str, sizes: tuple[int, int], seconds: float
    ) -> None:
        self.total.labels(method, f"{str(status)[0]}xx", handler).inc()
        self.request_size.labels(handler).observe(sizes[0])
        self.response_size.labels(handler).observe(sizes[1])
        self.latency_highr.observe(seconds)
        self.latency.labels(method, handler).observe(seconds)


def _content_length(headers: Headers) -> int:
    value = headers.get("content-length", "0")
    return int(value) if value.isdigit() else 0


class CountedRequests:
    """ASGI middleware: each HTTP request into `metrics`, but those of the `uncounted` handlers
    (matched as the instrumentator's `excluded_handlers`: a regular expression searched in the
    handler's name)."""

    def __init__(
        self, app: ASGIApp, *, metrics: HttpRequestMetrics, uncounted: Iterable[str] = ()
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.uncounted = [re.compile(pattern) for pattern in uncounted]
        # Each route's name, found once, by the route's id (routes are not hashable); the route
        # is kept beside its name, so that its id is not another's later.
        self._names: dict[int, tuple[object, str | None]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status, response_size = 500, 0
        # As they came: a mount changes the root path (and the router adds the route it matched).
        arrived = {"path": scope["path"], "root_path": scope.get("root_path", "")}

        async def measured_send(message: Message) -> None:
            nonlocal status, response_size
            if message["type"] == "http.response.start":
                status = int(message["status"])
                response_size = _content_length(Headers(raw=message.get("headers", [])))
            await send(message)

        try:
            await self.app(scope, receive, measured_send)
        finally:
            name = self._route_name(scope, arrived)
            # As the instrumentator: an unrouted request's path is what `uncounted` is searched
            # in, and it is counted as `none` (a series per path would have no bound).
            if not any(pattern.search(name or arrived["path"]) for pattern in self.uncounted):
                self.metrics.observe(
                    scope["method"],
                    status,
                    name or UNTEMPLATED,
                    (_content_length(Headers(scope=scope)), response_size),
                    max(time.perf_counter() - started, 0.0),
                )

    def _route_name(self, scope: Scope, arrived: dict[str, str]) -> str | None:
        """The path template of the route the request matched (None if none did), found by the
        instrumentator's matching of the request as it `arrived`."""
        route = scope.get("route")
        if route is None or isinstance(route, Mount):
            # Not routed, or a mount, whose name depends on the path within it.
            return self._matched({**scope, **arrived})
        if (known := self._names.get(id(route))) is None:
            known = self._names[id(route)] = (route, self._matched({**scope, **arrived}))
        return known[1]

    @staticmethod
    def _matched(scope: Scope) -> str | None:
        return get_route_name(Request(scope), should_include_root_path=False)
