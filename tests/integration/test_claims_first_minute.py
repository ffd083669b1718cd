"""Every reading endpoint of claims on a fresh database and on one with a single claim, against
the real PostgreSQL and Kafka: what a new `make run` shows first must answer, never a 500.

The sweep walks the app's own OpenAPI paths, so an endpoint added later is swept as well."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.claims.bootstrap import build_app
from services.claims.settings import ClaimsSettings
from shared.claims_vocabulary import CLAIM_STATUSES
from tests.integration.test_claims import Claims
from tests.support.inprocess import running_app
from tools.support.kafka import start_from_now
from tools.support.stack import Stack

pytestmark = pytest.mark.integration

ROLES = ("customer", "operator", "scanner")
# The query parameters some reading endpoints cannot do without: a value a person may send.
REQUIRED_QUERY: dict[str, dict[str, Any]] = {
    "/api/claim-options": {"document_type": "PA", "document_number": "2026/X", "line_no": "1"},
    "/api/serial-check": {"serial_number": "1581FNOTSOLD"},
    "/api/scanner/lookup": {"code": "RMA/1/SR/2026"},
}
# The query variants of the operators' lists and charts a dashboard asks for.
VARIANTS: dict[str, list[dict[str, Any]]] = {
    "/api/operator/claims": [
        {},
        {"oldest_first": "true"},
        {"status": ["submitted", "decided"], "limit": "5"},
    ],
    "/api/operator/claims/statistics": [{"days": "1"}, {"days": "90"}, {"days": "366"}],
    "/api/claims": [{}, {"q": "RMA"}],
}


def reading_paths(app: FastAPI) -> list[str]:
    """The paths of every documented GET of the app without path parameters (lists, charts,
    counts), as its OpenAPI document names them."""
    paths: dict[str, dict[str, object]] = app.openapi()["paths"]
    return sorted(
        path for path, operations in paths.items() if "get" in operations and "{" not in path
    )


@pytest.fixture(scope="module")
async def fresh(stack: Stack) -> AsyncIterator[tuple[Claims, FastAPI]]:
    from tests.conftest import create_database, drop_database

    url = await create_database(stack, "rma_test_first_minute")
    group = f"test-first-minute-{uuid.uuid4().hex[:8]}"
    settings = ClaimsSettings(
        kafka_bootstrap_servers=stack.kafka_bootstrap,
        database_url=url,
        consumer_group=group,
        token_public_key_file=stack.keys_dir / "token_public.pem",
    )
    # A fresh database stays fresh: the earlier tests' events on the broker are not replayed.
    await start_from_now(stack.kafka_bootstrap, [group])
    app = build_app(settings)
    async with running_app(app) as client:
        yield Claims(stack, client, url), app
    await drop_database(stack, url)


async def sweep(claims: Claims, app: FastAPI) -> dict[tuple[str, str, str], httpx.Response]:
    """Every reading path, with each role and each query variant: no answer is a server error,
    and each path lets some role in (a made-up document or label may then be a 404 or 422)."""
    answers: dict[tuple[str, str, str], httpx.Response] = {}
    for path in reading_paths(app):
        for params in VARIANTS.get(path, [REQUIRED_QUERY.get(path, {})]):
            for role in ROLES:
                response = await claims.client.get(path, params=params, headers=claims.bearer(role))
                assert response.status_code < 500, (path, params, role, response.text)
                answers[(path, str(params), role)] = response
            assert any(
                answers[(path, str(params), role)].status_code not in (401, 403) for role in ROLES
            ), (
                path,
                params,
            )
    return answers


async def test_every_list_and_chart_answers_on_an_empty_database(
    fresh: tuple[Claims, FastAPI],
) -> None:
    claims, app = fresh
    assert {"/api/operator/claims/statistics", "/api/operator/claims"} <= set(reading_paths(app))
    await sweep(claims, app)
    operator = claims.bearer("operator")
    statistics = await claims.client.get(
        "/api/operator/claims/statistics", params={"days": 90}, headers=operator
    )
    assert statistics.status_code == 200, statistics.text
    figures = statistics.json()
    assert (figures["daily"], figures["deadlines"], figures["decision_times"]) == ([], [], [])
    assert date.fromisoformat(figures["until"]) - date.fromisoformat(figures["since"]) == (
        timedelta(days=89)
    )
    counts = await claims.client.get("/api/operator/claims/counts", headers=operator)
    assert counts.json() == dict.fromkeys(CLAIM_STATUSES, 0)
    for path in ("/api/operator/claims", "/api/operator/parcels/unidentified"):
        assert (await claims.client.get(path, headers=operator)).json() == [], path
    mine = await claims.client.get("/api/claims", headers=claims.bearer("customer"))
    assert mine.json() == []


async def test_every_list_chart_and_view_answers_with_one_claim(
    fresh: tuple[Claims, FastAPI],
) -> None:
    claims, app = fresh
    customer = await claims.customer_with_document()
    filed = await customer.file()
    assert filed.status_code == 201, filed.text
    claim_id = filed.json()["claim_id"]
    await sweep(claims, app)
    operator = claims.bearer("operator")

    figures = (await claims.client.get("/api/operator/claims/statistics", headers=operator)).json()
    assert [(row["claim_type"], row["status"], row["filed"]) for row in figures["daily"]] == [
        ("warranty", "submitted", 1)
    ]
    assert figures["decision_times"] == []  # filed, not decided yet
    counts = (await claims.client.get("/api/operator/claims/counts", headers=operator)).json()
    assert counts == {**dict.fromkeys(CLAIM_STATUSES, 0), "submitted": 1}
    listed = await claims.client.get("/api/operator/claims", headers=operator)
    assert [claim["claim_id"] for claim in listed.json()] == [claim_id]
    mine = await claims.client.get("/api/claims", headers=customer.headers)
    assert [claim["claim_id"] for claim in mine.json()] == [claim_id]

    # The views of the one claim, and its file, to its owner and to an operator.
    seen = await claims.client.get(f"/api/operator/claims/{claim_id}", headers=operator)
    assert seen.status_code == 200, seen.text
    [attachment] = seen.json()["attachments"]
    for path, headers in (
        (f"/api/claims/{claim_id}", customer.headers),
        (f"/api/claims/{claim_id}/label", customer.headers),
        (f"/api/claims/{claim_id}/attachments/{attachment['attachment_id']}", customer.headers),
        (attachment["download_path"], operator),
    ):
        response = await claims.client.get(path, headers=headers)
        assert response.status_code == 200, (path, response.text)
    rma_number = filed.json()["rma_number"]
    assert re.fullmatch(r"RMA/\d+/SR/\d{4}", rma_number)
    looked_up = await claims.client.get(
        "/api/scanner/lookup", params={"code": rma_number}, headers=claims.bearer("scanner")
    )
    assert looked_up.status_code == 200, looked_up.text
