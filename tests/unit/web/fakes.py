"""Fake APIs for the web panel's unit tests (httpx.MockTransport): routes by port and path,
and records every request the panel makes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import httpx

from services.claims.domain import lifecycle
from services.claims.domain.deadlines import DeadlineStanding
from shared.claims_vocabulary import rejection_reasons
from tests.unit.web.contracts import answer_errors, route_errors
from tools.support.days import polish_today

Handler = Callable[[httpx.Request], httpx.Response]
CLAIM_ID = "6f1c1f0e-5c4b-4b8e-9d6e-0a4a2d0c1b11"
ATTACHMENT_ID = "0d3f2b1a-7c6e-4f5d-8a9b-1c2d3e4f5a6b"
CSRF_TOKEN = "k" * 43


class FakeApis:
    """Routes by `METHOD host:port/path`; records every request, and in `contract_errors`
    every route the service has no operation for and every successful JSON answer that the
    service's own OpenAPI document would not give."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.requests: list[httpx.Request] = []
        self.contract_errors: list[str] = []

    def on(self, method: str, service_port: int, path: str, handler: Handler) -> None:
        self.contract_errors += route_errors(service_port, method, path)
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
# The answers below are whole, as the services give them (tests/unit/web/contracts.py holds
# them to the services' OpenAPI documents); a test changes only what it is about.
ADDRESS: dict[str, Any] = {
    "recipient": "Jan Kowalski",
    "street": "ul. Zielona 5",
    "postal_code": "44-200",
    "city": "Rybnik",
    "country": "PL",
}
# The accounts API's /api/me: a private customer without documents, with the postal address
# kept on the account.
PROFILE: dict[str, Any] = {
    "account_id": "0b7c0d3e-8a46-4d55-9d3e-2f4c9a1b2c3d",
    "account_type": "private",
    "full_name": "Jan Kowalski",
    "email": "jan@example.com",
    "language": "pl",
    "vat_country": None,
    "tax_id": None,
    "documents": [],
    "postal_address": ADDRESS,
}
ALL_TYPES_ALLOWED = [
    {"claim_type": kind, "allowed": True, "reason": None}
    for kind in ("warranty", "non_conformity", "return", "dji")
]


def reply(status: int, body: Any) -> Handler:
    return lambda _request: httpx.Response(status, json=body)


def profile(**overrides: Any) -> dict[str, Any]:
    """The accounts API's `GET /api/me`, changed by `overrides`."""
    return {**PROFILE, **overrides}


def account_product(**overrides: Any) -> dict[str, Any]:
    """A product of the customer's linked documents (`GET /api/me/products`)."""
    product: dict[str, Any] = {
        "document_type": "PA",
        "document_number": "2023/1",
        "issued_on": "2023-01-10",
        "line_no": 1,
        "ean": "5903317221234",
        "sku": "GC-65W",
        "name": "Ładowarka Green Cell 65 W",
        "brand": "Green Cell",
        "category": "Ładowarki",
        "quantity": 1,
        "serial_numbers": [],
    }
    return {**product, **overrides}


def claim_options(**overrides: Any) -> dict[str, Any]:
    """The claims API's `GET /api/claim-options`: every type allowed, no problem list."""
    return {"claim_types": ALL_TYPES_ALLOWED, "problems": [], **overrides}


def claim_created(**overrides: Any) -> dict[str, Any]:
    """The claims API's `201` to `POST /api/claims`."""
    created = {
        "claim_id": CLAIM_ID,
        "rma_number": "RMA/7/SR/2026",
        "status": "submitted",
        "message": "Zgłoszenie zostało przyjęte.",
    }
    return {**created, **overrides}


def deadline_standing(**overrides: Any) -> dict[str, Any]:
    """How a claim's deadline stands, as the claims API judges it (running, not overdue unless
    told): its days left and risk counted today by the claims domain itself."""
    standing: dict[str, Any] = {
        "kind": "complaint_answer",
        "description": "Odpowiedź na reklamację w 14 dni.",
        "due_on": "2026-01-15",
        "moved_to": None,
        "paused_working_days": 0,
        "state": "running",
        "state_name": "biegnie",
        "overdue": False,
        **overrides,
    }
    judged = DeadlineStanding(
        standing["kind"],
        standing["description"],
        date.fromisoformat(standing["due_on"]) if standing["due_on"] else None,
        date.fromisoformat(standing["moved_to"]) if standing["moved_to"] else None,
        standing["paused_working_days"],
        standing["state"],
        standing["overdue"],
    )
    today = polish_today()
    standing.setdefault("days_left", judged.days_left(today))
    standing.setdefault("at_risk", judged.at_risk(today))
    return standing


def claim_summary(**overrides: Any) -> dict[str, Any]:
    """A claim of the customer's list (`GET /api/claims`)."""
    summary: dict[str, Any] = {
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
    }
    return {**summary, **overrides}


def operator_claim_summary(**overrides: Any) -> dict[str, Any]:
    """A claim of the operators' list (`GET /api/operator/claims`), with its deadlines."""
    listed = claim_summary(deadlines=[], deadline_standings=[], serial_mismatch=False)
    return {**listed, **overrides}


def claim_answer(**overrides: Any) -> dict[str, Any]:
    """A claim as the claims API answers `GET /api/claims/{id}`, changed by `overrides`."""
    claim = claim_summary(
        document_type="PA",
        document_number="2023/1",
        problem_description="Nie ładuje laptopa.",
        problem_code=None,
        tracking_number="TRK-IN-1",
        package_contents="Ładowarka",
        assessment=None,
        deadlines=[],
        deadline_standings=[],
        decision=None,
        return_address=ADDRESS,
        outbound=None,
        replacement=None,
        refund=None,
        next_statuses=[],
        timeline=[],
    )
    answer = {**claim, **overrides}
    # As the claims service decides it: a decided claim's offer until the customer answers.
    decision = answer["decision"]
    waiting = answer["status"] == "decided" and decision and not decision["customer_response"]
    answer.setdefault("offer_awaiting_answer", decision["offer"] if waiting else None)
    answer.setdefault("customer_actions", customer_actions(answer))
    return answer


def customer_actions(claim: dict[str, Any]) -> list[str]:
    """What the claims service lets the customer do on such a claim, by its own rule."""
    return list(lifecycle.customer_actions(claim["status"], bool(claim["offer_awaiting_answer"])))


def operator_claim_answer(**overrides: Any) -> dict[str, Any]:
    """A claim as operators get it: with the customer, the purchase document and the files."""
    attachment = f"/api/operator/claims/{CLAIM_ID}/attachments/{ATTACHMENT_ID}"
    operators: dict[str, Any] = {
        "customer": {
            "full_name": "Jan Kowalski",
            "email": "jan@example.com",
            "phone": "+48600100200",
            "address": ADDRESS,
        },
        "document": {
            "document_type": "PA",
            "document_number": "2023/1",
            "issued_on": "2023-01-10",
            "buyer_type": "consumer",
            "buyer_name": "Jan Kowalski",
            "total": "199.00",
            "unit_price": "199.00",
        },
        "attachments": [
            {
                "attachment_id": ATTACHMENT_ID,
                "purpose": "sales_document",
                "filename": "paragon.pdf",
                "content_type": "application/pdf",
                "size_bytes": 8,
                "created_at": "2026-01-01T10:00:00Z",
                "download_path": attachment,
            }
        ],
        "serial_mismatch": False,
        "intake": None,
        "operator_actions": [],
        "rejection_reasons": list(rejection_reasons("warranty")),
    }
    return claim_answer(**{**operators, **overrides})


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


# --- the warehouse's scanner (the claims API) ---------------------------------------------------
RMA = "RMA/7/SR/2026"


def scanned_claim(**overrides: Any) -> dict[str, Any]:
    """A claim as the warehouse's scanner sees it (no personal data): a DJI drone, awaited."""
    claim = {
        "rma_number": RMA,
        "status": "submitted",
        "status_name": "zgłoszone",
        "claim_type": "dji",
        "product": {"name": "DJI Mini 4 Pro", "brand": "DJI", "ean": "6941565967251"},
        "serial_number": "1581F000001",
        "declared_items": ["Dron", "aparatura"],
        "tracking_number": None,
        "received_at": None,
    }
    return {**claim, **overrides}


def label_lookup(outlook: str = "receive", claim: dict[str, Any] | None = None) -> dict[str, Any]:
    """The claims API's `GET /api/scanner/lookup` of the label `RMA`."""
    return {
        "code": RMA,
        "rma_number": RMA,
        "tracking_number": None,
        "outlook": outlook,
        "claim": claim,
        "parcel_received_at": None,
    }


# --- the warranty API -----------------------------------------------------------------------------
SCOOTER_EAN = "5901234123457"
# A repeated defect of a scooter, as the warranty service flags it.
REPEATED_DEFECT: dict[str, Any] = {
    "claim_count": 2,
    "same_problem_count": 2,
    "problem": "Silnik nie działa",
    "message": "2. reklamacja tego egzemplarza, 2. z problemem „Silnik nie działa” mimo naprawy",
    "suggested_decisions": ["replacement", "repair"],
    "remedy_rule": "warranty-repair-or-replacement",
    "remedy_reason": "Gwarancja: gwarant usuwa wadę albo dostarcza rzecz wolną od wad.",
}


def owned_unit(serial: str, state: str, **overrides: Any) -> dict[str, Any]:
    """A scooter of the customer's (`GET /api/me/units`) whose registration stands at `state`."""
    unit = {
        "ean": SCOOTER_EAN,
        "serial_number": serial,
        "name": "Kaabo Mantis",
        "brand": "Kaabo",
        "document_type": "PA",
        "document_number": "2026/1",
        "purchased_on": "2026-03-02",
        "replaces_serial_number": None,
        "replaced_by_serial_number": None,
        "registration": {"state": state, "deadline": "2026-04-01", "registered_on": None},
    }
    return {**unit, **overrides}


def registration_answer(**overrides: Any) -> dict[str, Any]:
    """The warranty API's `201` to `POST /api/registrations`: registered in time."""
    registration = {
        "registration_id": "3b2a1c0d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
        "ean": SCOOTER_EAN,
        "serial_number": "KB-1",
        "purchased_on": "2026-03-02",
        "registered_on": "2026-03-20",
        "registration_deadline": "2026-04-01",
        "registered_in_time": True,
        "message": "Hulajnoga została zarejestrowana: gwarancja 24 miesiące od daty zakupu.",
    }
    return {**registration, **overrides}


def passport(**overrides: Any) -> dict[str, Any]:
    """The warranty API's passport of scooter KB-1: registered, repaired once, claimed again
    for the same defect (`REPEATED_DEFECT`), covered."""
    answer: dict[str, Any] = {
        "ean": SCOOTER_EAN,
        "serial_number": "KB-1",
        "product": {
            "name": "Kaabo Mantis",
            "brand": "Kaabo",
            "category": "scooter",
            "outlet": False,
        },
        "sale": {
            "document_type": "PA",
            "document_number": "2026/1",
            "issued_on": "2026-03-02",
            "delivered_on": None,
            "buyer_type": "consumer",
            "activated_on": None,
            "of_serial_number": "KB-1",
        },
        "registration": {"registered_on": "2026-03-20", "purchased_on": "2026-03-02"},
        "replaces": None,
        "replaced_by": None,
        "claims": [
            {
                "claim_id": CLAIM_ID,
                "rma_number": "RMA/9/SR/2026",
                "claim_type": "warranty",
                "problem": "Silnik nie działa",
                "claimed_on": "2026-05-04",
                "status": "in_inspection",
                "status_changed_on": "2026-05-06",
                "decision": None,
                "decided_on": None,
                "repeated_defect": REPEATED_DEFECT,
            }
        ],
        "repairs": [
            {
                "claim_id": "8a7b6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c2d",
                "rma_number": "RMA/8/SR/2026",
                "kind": "repair",
                "replaced_part": None,
                "started_on": "2026-04-01",
                "handed_back_on": "2026-04-15",
                "days": 14,
            }
        ],
        "repeated_defect": None,
        "verdict": {
            "rule": "scooter-registered",
            "after_service_rules": [],
            "warranty_from": "2026-03-02",
            "counted_from": "sale",
            "warranty_until": "2028-03-16",
            "covered": True,
            "checked_on": "2026-05-04",
            "reason": "Gwarancja na hulajnogę zarejestrowaną.",
        },
    }
    return {**answer, **overrides}
