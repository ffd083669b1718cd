"""Rule-level checks of the claims service on its in-memory unit of work: what a refusal is
(its code and HTTP status) and that it changed nothing, and the steps that bring a claim to the
state a rule applies in. The HTTP layer answers a refusal with the error's own status and code
(shared/errors.py), so these are the answers the API gives, without a server."""

from __future__ import annotations

import copy
from collections.abc import Awaitable
from typing import Any
from uuid import UUID, uuid4

import pytest

from services.claims import handlers
from services.claims.domain.intake import read_label
from services.claims.domain.refusals import Refusal
from services.claims.entrypoints.http import customer_view
from services.claims.entrypoints.operators import Transition, _transition_command
from services.claims.entrypoints.refusals import business_error
from shared.errors import BusinessRuleError
from shared.events import Event
from tests.support.claims_service import Customer, Desk


async def refusal(desk: Desk, call: Awaitable[Any]) -> BusinessRuleError:
    """The refusal `call` ends in, as the HTTP layer answers it (a domain Refusal with its
    catalogue words); the store (claims, outbox) is as it was before it."""
    before = copy.deepcopy(desk.database.state)
    with pytest.raises((BusinessRuleError, Refusal)) as refused:
        await call
    assert desk.database.state == before
    error = refused.value
    return business_error(error) if isinstance(error, Refusal) else error


def answer(error: BusinessRuleError) -> tuple[int, str]:
    """The HTTP answer of a refusal: its status and its error code."""
    return error.status_code, error.code


async def move(desk: Desk, claim_id: UUID, **body: Any) -> list[Event]:
    """The operator's status form (POST /api/operator/claims/{id}/status) with `body`."""
    return await desk.run(claim_id, desk.operator, _transition_command(Transition(**body)))


async def scan(desk: Desk, rma_number: str) -> handlers.ScanResult:
    """A warehouse scanner reads the parcel's RMA label."""
    return await handlers.receive_parcel(desk.ctx, desk.scanner, read_label(rma_number), uuid4())


async def in_inspection(desk: Desk, customer: Customer, **form: Any) -> UUID:
    """A claim the customer files, received and taken into inspection by an operator."""
    created = await customer.file(**form)
    await scan(desk, created.data.rma_number)
    await move(desk, created.data.claim_id, status="in_inspection")
    return created.data.claim_id


async def shown(desk: Desk, customer: Customer, claim_id: UUID) -> dict[str, Any]:
    """The claim as its owner's GET /api/claims/{id} answers it (JSON)."""
    view = await handlers.claim_view(desk.ctx, claim_id, customer.account_id)
    return customer_view(desk.ctx, view.claim, view.assessment).model_dump(mode="json")
