"""The web tests' contract check itself (tests/unit/web/contracts.py): a fake answer with a
field the service no longer sends is a contract error, the whole answer none; and every path
the panel's clients call is an operation of its service."""

from __future__ import annotations

import asyncio
import inspect
import typing
from typing import Any
from uuid import UUID

import httpx
import pytest

from services.web.clients import ApiError, Apis, Caller, accounts, claims, evidence
from services.web.settings import WebSettings
from tests.unit.web.contracts import route_errors
from tests.unit.web.fakes import (
    ACCOUNTS,
    CLAIM_ID,
    CLAIMS,
    PROFILE,
    SCOOTER_EAN,
    WARRANTY,
    FakeApis,
    account_product,
    claim_answer,
    label_lookup,
    operator_claim_answer,
    operator_claim_summary,
    owned_unit,
    passport,
    registration_answer,
    reply,
    scanned_claim,
)

# (port, method, path, status, a whole answer, one of its required fields)
ANSWERS = [
    (ACCOUNTS, "GET", "/api/me", 200, PROFILE, "full_name"),
    (ACCOUNTS, "GET", "/api/me/products", 200, [account_product()], "serial_numbers"),
    (CLAIMS, "GET", f"/api/claims/{CLAIM_ID}", 200, claim_answer(), "status_name"),
    (CLAIMS, "GET", f"/api/operator/claims/{CLAIM_ID}", 200, operator_claim_answer(), "intake"),
    (CLAIMS, "GET", "/api/operator/claims", 200, [operator_claim_summary()], "serial_mismatch"),
    (CLAIMS, "GET", "/api/scanner/lookup", 200, label_lookup(claim=scanned_claim()), "outlook"),
    (WARRANTY, "GET", "/api/me/units", 200, [owned_unit("KB-1", "open")], "registration"),
    (WARRANTY, "GET", f"/api/passport/{SCOOTER_EAN}/KB-1", 200, passport(), "verdict"),
    (WARRANTY, "POST", "/api/registrations", 201, registration_answer(), "registration_id"),
]


def renamed(answer: Any, field: str) -> Any:
    """`answer` with `field` (of the object, or of a list's first item) renamed."""
    if isinstance(answer, list):
        return [renamed(answer[0], field), *answer[1:]]
    return {
        (f"{field}_renamed" if name == field else name): value for name, value in answer.items()
    }


def answered(port: int, method: str, path: str, status: int, body: Any) -> FakeApis:
    """Fake APIs that gave `body` to one request of the panel's."""
    apis = FakeApis()
    apis.on(method, port, path, reply(status, body))
    with httpx.Client(transport=httpx.MockTransport(apis)) as client:
        assert client.request(method, f"http://127.0.0.1:{port}{path}").status_code == status
    return apis


@pytest.mark.parametrize(("port", "method", "path", "status", "answer", "field"), ANSWERS)
def test_a_renamed_field_is_a_contract_error_and_the_whole_answer_none(
    port: int, method: str, path: str, status: int, answer: Any, field: str
) -> None:
    assert answered(port, method, path, status, answer).contract_errors == []
    errors = answered(port, method, path, status, renamed(answer, field)).contract_errors
    assert errors == [f'{method} {path} {status}: "{field}" is a required property']


def test_an_answer_of_a_wrong_type_or_status_is_a_contract_error() -> None:
    path = f"/api/claims/{CLAIM_ID}"
    [wrong_type] = answered(
        CLAIMS, "GET", path, 200, claim_answer(next_statuses="decided")
    ).contract_errors
    assert wrong_type.startswith(f"GET {path} 200: ") and "array" in wrong_type
    [wrong_status] = answered(CLAIMS, "GET", path, 201, claim_answer()).contract_errors
    assert wrong_status.startswith(f"GET {path}: the service never answers 201")


def test_a_fake_route_the_service_does_not_have_is_a_contract_error() -> None:
    apis = FakeApis()
    apis.on("GET", CLAIMS, f"/api/claims/{CLAIM_ID}", reply(200, claim_answer()))
    apis.on("POST", ACCOUNTS, "/api/auth/logout", reply(204, None))
    assert apis.contract_errors == []
    apis.on("GET", CLAIMS, f"/api/claim/{CLAIM_ID}", reply(200, claim_answer()))  # renamed
    apis.on("DELETE", CLAIMS, f"/api/claims/{CLAIM_ID}", reply(204, None))  # no such method
    assert apis.contract_errors == [
        f"GET /api/claim/{CLAIM_ID}: the service on {CLAIMS} has no such operation",
        f"DELETE /api/claims/{CLAIM_ID}: the service on {CLAIMS} has no such operation",
    ]


# Sample arguments of the clients' methods, by their annotation (the modules' own names).
SAMPLES: dict[str, list[Any]] = {
    "Caller": [Caller(token="jwt")],
    "UUID": [UUID(CLAIM_ID)],
    "str": ["x"],
    "str | None": [None],
    "int": [5],
    "bool": [False, True],  # the operators' login and the customers'...
    "bool | None": [None],
    "list[str] | None": [None],
    "dict[str, Any]": [{}],
    "dict[str, str]": [{}],
    "Files": [{}],
    "list[FileTuple]": [[]],
    "FileTuple": [("oswiadczenie.pdf", b"%PDF-1.4", "application/pdf")],
    "FileTuple | None": [None, ("oswiadczenie.pdf", b"%PDF-1.4", "application/pdf")],
    "tuple[str, ...]": [("submitted",)],
    "ProductRef": [claims.ProductRef(document_type="PA", document_number="1", line_no=1)],
    "Registration": [
        accounts.Registration(
            account_type="private",
            full_name="Jan",
            email="jan@example.com",
            password="x",
            document_number="1",
            document_total="1",
        )
    ],
    "Contact": [accounts.Contact(street="ul. Zielona 5", postal_code="44-200", city="Rybnik")],
    # Every path a Literal names.
    "OfferPath": list(typing.get_args(claims.OfferPath)),
    "OperatorCommand": list(typing.get_args(claims.OperatorCommand)),
    "Recorder": list(typing.get_args(evidence.Recorder)),
    "list[tuple[str, FileTuple]]": [[]],
}


def every_call(apis: Apis) -> list[tuple[str, Any]]:
    """Each public method of each client with sample arguments (one call per Literal value)."""
    calls = []
    for api in (apis.accounts, apis.claims, apis.warranty, apis.notifications):
        for name, method in inspect.getmembers(api, inspect.iscoroutinefunction):
            if name.startswith("_"):
                continue
            parameters = inspect.signature(method).parameters.values()
            needed = {
                p.name: SAMPLES[str(p.annotation)] for p in parameters if p.default is p.empty
            }
            rounds = max(map(len, needed.values()))
            for round_ in range(rounds):
                arguments = {name: c[round_ % len(c)] for name, c in needed.items()}
                calls.append((f"{api.service}.{name}", method(**arguments)))
    return calls


def test_every_path_the_panel_calls_is_an_operation_of_its_service() -> None:
    asked: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        return httpx.Response(404, json={"detail": "recorded"})

    async def call_all() -> list[str]:
        settings = WebSettings()
        urls = {
            "accounts": settings.accounts_url,
            "claims": settings.claims_url,
            "warranty": settings.warranty_url,
            "notifications": settings.notifications_url,
        }
        apis = Apis.connect(urls, timeout=1, transport=httpx.MockTransport(record))
        names = []
        for name, call in every_call(apis):
            with pytest.raises(ApiError):
                await call
            names.append(name)
        await apis.close()
        return names

    called = asyncio.run(call_all())
    assert len(called) == len(asked) > 40  # every method reached the network once per call
    missing = [
        error
        for request in asked
        for error in route_errors(request.url.port or 0, request.method, request.url.path)
    ]
    assert missing == []
    # The check would see a path the service lacks.
    assert route_errors(CLAIMS, "GET", "/api/claims/x/nothing") != []
