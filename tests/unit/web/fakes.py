"""Fake APIs for the web panel's unit tests (httpx.MockTransport): routes by port and path,
and records every request the panel makes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from tests.unit.web.contracts import answer_errors

Handler = Callable[[httpx.Request], httpx.Response]
CLAIM_ID = "6f1c1f0e-5c4b-4b8e-9d6e-0a4a2d0c1b11"
ATTACHMENT_ID = "0d3f2b1a-7c6e-4f5d-8a9b-1c2d3e4f5a6b"
CSRF_TOKEN = "k" * 43


class FakeApis:
    """Routes by `METHOD host:port/path`; records every request, and every successful JSON
    answer that the service's own OpenAPI document would not give (`contract_errors`)."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.requests: list[httpx.Request] = []
        self.contract_errors: list[str] = []

    def on(self, method: str, service_port: int, path: str, handler: Handler) -> None:
        self.routes[f"{method} {service_port}{path}"] = handler

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        key = f"{request.method} {request.url.port}{request.url.path}"
        handler = self.routes.get(key)
        if handler is None:
            return httpx.Response(404, json={"detail": f"no fake for {key}"})
        response = handler(request)
        is_json = response.headers.get("content-type", "").startswith("application/json")
        if 200 <= response.status_code < 300 and is_json and request.url.port is not None:
            self.contract_errors += answer_errors(
                request.url.port,
                request.method,
                request.url.path,
                response.status_code,
                response.json(),
            )
        return response


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

# The logged-in customer's profile, with the postal address kept on the account.
PROFILE: dict[str, Any] = {
    "account_id": "0b7c0d3e-8a46-4d55-9d3e-2f4c9a1b2c3d",
    "account_type": "private",
    "full_name": "Jan Kowalski",
    "email": "jan@example.com",
    "language": "pl",
    "vat_country": None,
    "tax_id": None,
    "documents": [],
    "postal_address": {
        "recipient": "Jan Kowalski",
        "street": "ul. Zielona 5",
        "postal_code": "44-200",
        "city": "Rybnik",
        "country": "PL",
    },
}


def reply(status: int, body: Any) -> Handler:
    return lambda _request: httpx.Response(status, json=body)


def claim_answer(**overrides: Any) -> dict[str, Any]:
    """A claim as the claims API answers `GET /api/claims/{id}`, changed by `overrides`."""
    claim: dict[str, Any] = {
        "claim_id": CLAIM_ID,
        "rma_number": "RMA/7/SR/2026",
        "status": "decided",
        "status_name": "decyzja podjęta",
        "claim_type": "warranty",
        "product": {
            "name": "Ładowarka Green Cell 65 W",
            "brand": "Green Cell",
            "ean": "5903317221234",
        },
        "serial_number": None,
        "customer_reference": None,
        "created_at": "2026-01-01T10:00:00Z",
        "document_type": "PA",
        "document_number": "2023/1",
        "problem_description": "Nie ładuje laptopa.",
        "problem_code": None,
        "tracking_number": "TRK-IN-1",
        "package_contents": "Ładowarka",
        "assessment": None,
        "deadlines": [],
        "deadline_standings": [],
        "decision": None,
        "return_address": PROFILE["postal_address"],
        "outbound": None,
        "replacement": None,
        "refund": None,
        "next_statuses": [],
        "timeline": [],
    }
    return {**claim, **overrides}


def operator_claim_answer(**overrides: Any) -> dict[str, Any]:
    """A claim as operators get it: with the customer, the purchase document and the files."""
    return claim_answer(
        customer={
            "full_name": "Jan Kowalski",
            "email": "jan@example.com",
            "phone": "+48600100200",
            "address": PROFILE["postal_address"],
        },
        document={
            "document_type": "PA",
            "document_number": "2023/1",
            "issued_on": "2023-01-10",
            "buyer_type": "consumer",
            "buyer_name": "Jan Kowalski",
            "total": "199.00",
            "unit_price": "199.00",
        },
        attachments=[
            {
                "attachment_id": ATTACHMENT_ID,
                "purpose": "sales_document",
                "filename": "paragon.pdf",
                "content_type": "application/pdf",
                "size_bytes": 8,
                "created_at": "2026-01-01T10:00:00Z",
            }
        ],
        **overrides,
    )


def paid_quote(**overrides: Any) -> dict[str, Any]:
    """A decision offering a paid repair, not answered yet."""
    decision = {
        "decision": "paid_repair",
        "justification": "Wymiana gniazda zasilania.",
        "amount": "150.00",
        "rejection_reason": None,
        "deductions": [],
        "valid_until": "2026-02-01",
        "exchange_product": None,
        "offer": "paid_repair_quote",
        "customer_response": None,
        "decided_by": "operator:ola@innpro.example",
        "decided_at": "2026-01-05T10:00:00Z",
    }
    return {**decision, **overrides}


def refusal(status: int, field: str | None, message: str, code: str = "refused") -> Handler:
    """An API's 4xx with its message at `field`."""
    body = {"detail": message, "errors": [{"field": field, "code": code, "message": message}]}
    return reply(status, body)


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
