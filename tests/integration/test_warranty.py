"""Warranty against the real Kafka and PostgreSQL: one WarrantyAssessed per ClaimCreated, even
when redelivered; registrations and repair time reach the verdict; the EAN check, the catalogue
and its refusals over HTTP. The rules themselves are tested on the in-memory unit of work
(tests/unit/warranty/test_service.py)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from dateutil.relativedelta import relativedelta

from services.warranty.bootstrap import build_app
from services.warranty.settings import WarrantySettings
from shared import topics
from shared.auth import Principal, issue_token
from shared.events import (
    Event,
)
from tests.support.inprocess import running_app
from tests.support.warranty_service import claim, linked, random_ean, sale, status
from tools.support.days import polish_today
from tools.support.kafka import TopicProbe, publish, start_from_now
from tools.support.stack import Stack

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def warranty(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    from tests.conftest import create_database, drop_database

    url = await create_database(stack, "rma_test_warranty")
    group = f"test-warranty-{uuid.uuid4().hex[:8]}"
    settings = WarrantySettings(
        kafka_bootstrap_servers=stack.kafka_bootstrap,
        database_url=url,
        # Its own group: other copies of the service may run in the same test session.
        consumer_group=group,
        token_public_key_file=stack.keys_dir / "token_public.pem",
    )
    # The claims earlier modules filed are not this module's: assessing them all again (500 of
    # the bulk filing's among them) took most of the fixture's time late in the run. The sales
    # topic is still read from the start.
    await start_from_now(stack.kafka_bootstrap, [group], (topics.CLAIMS,))
    async with running_app(build_app(settings)) as client:
        await caught_up(stack)
        yield client
    await drop_database(stack, url)


async def caught_up(stack: Stack, timeout: float = 300.0) -> None:
    """Its own group reads the sales topic from the start: wait until one claim of ours, sent
    after that history, is assessed, so the tests' own waits do not include the replay."""
    marker = claim(random_ean(), "DJI", "drone", polish_today() - timedelta(days=30))
    async with TopicProbe(stack.kafka_bootstrap, topics.WARRANTY) as probe:
        await send(stack, marker)
        await probe.wait_for(
            lambda body, _: body["data"].get("claim_id") == str(marker.data.claim_id),
            timeout=timeout,
        )


def bearer(stack: Stack, role: str, subject: uuid.UUID | None = None) -> dict[str, str]:
    token = issue_token(
        (stack.keys_dir / "token_private.pem").read_bytes(),
        Principal(subject=subject or uuid.uuid4(), role=role),  # type: ignore[arg-type]
    )
    return {"Authorization": f"Bearer {token}"}


async def send(stack: Stack, event: Event) -> None:
    await publish(stack.kafka_bootstrap, event)


async def eventually(
    request: Callable[[], Awaitable[httpx.Response]],
    done: Callable[[httpx.Response], bool],
    timeout: float = 30.0,
) -> httpx.Response:
    """Repeat `request` until `done` holds for its answer (the service learns from Kafka)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not done(response := await request()):
        if loop.time() > deadline:
            raise AssertionError(f"still {response.status_code} {response.text} after {timeout}s")
        await asyncio.sleep(0.2)
    return response


async def test_claim_created_gets_exactly_one_assessment_even_when_redelivered(
    warranty: httpx.AsyncClient, stack: Stack
) -> None:
    created = claim(random_ean(), "DJI", "drone", polish_today() - timedelta(days=30))
    async with TopicProbe(stack.kafka_bootstrap, topics.WARRANTY) as probe:
        for _ in range(3):
            await send(stack, created)
        [assessed] = await probe.wait_for(
            lambda body, _: body["data"].get("claim_id") == str(created.data.claim_id)
        )
        await probe.settle(2.0)
    same_claim = [r for r in probe.records if str(created.data.claim_id).encode() in r.value]
    assert len(same_claim) == 1
    data = assessed["data"]
    assert assessed["type"] == "WarrantyAssessed"
    assert assessed["correlation_id"] == str(created.correlation_id)
    assert (data["rule"], data["covered"]) == ("dji-standard", True)
    sold_on = polish_today() - timedelta(days=30)
    assert data["warranty_until"] == (sold_on + relativedelta(months=24)).isoformat()
    assert {d["kind"] for d in data["deadlines"]} == {"complaint_answer", "dji_repair"}
    assert data["email"] == "klient@example.com"


async def test_scooter_registration_and_repair_time_reach_the_verdict(
    warranty: httpx.AsyncClient, stack: Stack
) -> None:
    ean, owner, stranger = random_ean(), uuid.uuid4(), uuid.uuid4()
    bought = polish_today() - timedelta(days=20)
    receipt = sale(ean, "Dualtron", "scooter", bought, "dt-7")
    await send(stack, receipt)
    await send(stack, linked(receipt, owner))
    registration = {"ean": ean, "serial_number": "dt-7"}

    def register(account: uuid.UUID, body: dict[str, str] = registration) -> Any:
        return lambda: warranty.post(
            "/api/registrations", json=body, headers=bearer(stack, "customer", account)
        )

    # Another customer cannot register the owner's scooter (and is not told whose it is).
    refused = await eventually(register(stranger), lambda r: r.status_code == 404)
    assert "dokumentach zakupu przypisanych do Twojego konta" in refused.json()["detail"]
    bad_ean = await register(
        owner, {"ean": ean[:-1] + str((int(ean[-1]) + 1) % 10), "serial_number": "dt-7"}
    )()
    assert bad_ean.status_code == 422 and "kontroln" in bad_ean.json()["detail"]
    async with TopicProbe(stack.kafka_bootstrap, topics.WARRANTY) as probe:
        response = await eventually(register(owner), lambda r: r.status_code != 404)
        assert response.status_code == 201, response.text
        [registered] = await probe.wait_for(lambda body, _: body["type"] == "ProductRegistered")
    assert registered["data"]["serial_number"] == "DT-7"
    assert registered["data"]["account_id"] == str(owner)
    body = response.json()
    assert (body["purchased_on"], body["registered_in_time"]) == (bought.isoformat(), True)
    assert body["registration_deadline"] == (bought + timedelta(days=30)).isoformat()
    again = await register(owner)()
    assert again.status_code == 409
    assert (await register(stranger)()).status_code == 404

    # A finished warranty repair of 12 days, then a new claim for the same scooter.
    repaired = claim(ean, "Dualtron", "scooter", bought, serial_number="DT-7")
    for to_status, day in (("received", 0), ("shipped_back", 12)):
        changed_at = datetime.now(UTC) - timedelta(days=15 - day)
        await send(stack, status(repaired, to_status, changed_at))  # type: ignore[arg-type]
    await asyncio.sleep(2)
    later = claim(ean, "Dualtron", "scooter", bought, serial_number="DT-7")
    async with TopicProbe(stack.kafka_bootstrap, topics.WARRANTY) as probe:
        await send(stack, later)
        [assessed] = await probe.wait_for(
            lambda body, _: body["data"].get("claim_id") == str(later.data.claim_id)
        )
    data = assessed["data"]
    assert data["rule"] == "scooter-registered"
    expected = bought + relativedelta(months=24) + timedelta(days=12)
    assert data["warranty_until"] == expected.isoformat()
    assert "12 dni" in data["reason"]


async def test_support_period_by_ean(warranty: httpx.AsyncClient, stack: Stack) -> None:
    ean = random_ean()
    for sold_on in (date(2025, 3, 1), date(2025, 6, 30), date(2025, 5, 1)):
        await send(stack, sale(ean, "DJI", "battery", sold_on))
    for _ in range(50):
        response = await warranty.get(f"/api/support-period/{ean}")
        if response.status_code == 200 and response.json()["last_sold_on"] == "2025-06-30":
            break
        await asyncio.sleep(0.2)
    body = response.json()
    assert (body["rule"], body["support_until"]) == ("dji-consumable", "2026-06-30")
    wrong = await warranty.get(f"/api/support-period/{ean[:-1]}{(int(ean[-1]) + 1) % 10}")
    assert wrong.status_code == 422 and "kontroln" in wrong.json()["detail"]
    unknown = await warranty.get(f"/api/support-period/{random_ean()}")
    assert unknown.status_code == 404


async def test_catalogue_import_by_operators_only(
    warranty: httpx.AsyncClient, stack: Stack
) -> None:
    ean = random_ean()
    entry = {
        "ean": ean,
        "sku": "DJI-X",
        "name": "DJI X",
        "brand": "DJI",
        "category": "drone",
        "problems": ["Dron nie łączy się z aparaturą"],
        "serial_required": True,
    }
    refused = await warranty.post(
        "/api/admin/catalogue", json=[entry], headers=bearer(stack, "customer")
    )
    assert refused.status_code == 403
    done = await warranty.post(
        "/api/admin/catalogue", json=[entry], headers=bearer(stack, "operator")
    )
    assert done.json() == {"imported": 1, "changed": 1}
    product = (await warranty.get(f"/api/products/{ean}")).json()
    assert product["problems"] == ["Dron nie łączy się z aparaturą"]
    again = await warranty.post(
        "/api/admin/catalogue", json=[entry], headers=bearer(stack, "operator")
    )
    assert again.json() == {"imported": 1, "changed": 0}  # the same entries change nothing


async def test_a_wear_part_is_named_only_for_a_listed_problem(
    warranty: httpx.AsyncClient, stack: Stack
) -> None:
    """Issue 24 item 5: the catalogue's problem list says which problems concern a wear part
    (the verdict at the part's period: tests/unit/warranty/test_service.py); the import refuses
    a part named for a problem not on the list, or what is no wear part, and imports nothing."""
    ean, battery, motor = random_ean(), "Akumulator szybko się rozładowuje", "Silnik nie startuje"
    entry = {
        "ean": ean,
        "sku": "DJI-KIT",
        "name": "DJI Mini Fly More Combo",
        "brand": "DJI",
        "category": "drone",
        "problems": [motor, battery],
        "problem_parts": {battery: "battery"},
    }
    operator = bearer(stack, "operator")
    wrong = await warranty.post(
        "/api/admin/catalogue",
        json=[{**entry, "problem_parts": {"Nie ma na liście": "battery"}}],
        headers=operator,
    )
    assert wrong.status_code == 422 and "„Nie ma na liście”" in wrong.json()["detail"]
    assert wrong.json()["errors"][0]["field"] == "problem_parts"
    assert (await warranty.get(f"/api/products/{ean}")).status_code == 404  # nothing imported
    not_a_wear_part = await warranty.post(
        "/api/admin/catalogue",
        json=[{**entry, "problem_parts": {motor: "drone"}}],
        headers=operator,
    )
    assert not_a_wear_part.status_code == 422
    done = await warranty.post("/api/admin/catalogue", json=[entry], headers=operator)
    assert done.json() == {"imported": 1, "changed": 1}
    product = (await warranty.get(f"/api/products/{ean}")).json()
    assert product["problem_parts"] == {battery: "battery"}


class ProcessDied(BaseException):
    """A kill -9 as the request sees it: nothing after this point runs, nothing is recorded."""


async def test_a_registration_committed_by_a_process_that_died_is_answered_on_retry(
    warranty: httpx.AsyncClient, stack: Stack
) -> None:
    """Issue 28, fault probe 1: the Idempotency-Key is kept with the registration it made."""
    ean, owner = random_ean(), uuid.uuid4()
    receipt = sale(ean, "Kaabo", "scooter", polish_today() - timedelta(days=5), "km-1")
    await send(stack, receipt)
    await send(stack, linked(receipt, owner))
    headers = {**bearer(stack, "customer", owner), "Idempotency-Key": str(uuid.uuid4())}
    body = {"ean": ean, "serial_number": "km-1"}
    await eventually(
        lambda: warranty.get(f"/api/passport/{ean}/KM-1", headers=bearer(stack, "operator")),
        lambda r: r.status_code == 200,
    )
    ctx = warranty._transport.app.state.warranty  # type: ignore[attr-defined]
    open_unit_of_work = ctx.uow

    def dying_unit_of_work() -> Any:
        unit = open_unit_of_work()
        commit = unit.commit

        async def commit_and_die() -> None:
            await commit()
            raise ProcessDied

        unit.commit = commit_and_die
        return unit

    async with TopicProbe(stack.kafka_bootstrap, topics.WARRANTY) as probe:
        ctx.uow = dying_unit_of_work
        try:
            with pytest.raises(ProcessDied):
                await warranty.post("/api/registrations", json=body, headers=headers)
        finally:
            ctx.uow = open_unit_of_work
        retry = await warranty.post("/api/registrations", json=body, headers=headers)
        await probe.wait_for(lambda event, _: event["type"] == "ProductRegistered")
        await probe.settle(1.5)
    assert retry.status_code == 201, retry.text
    assert retry.headers["idempotent-replayed"] == "true"
    assert (retry.json()["serial_number"], retry.json()["registered_in_time"]) == ("KM-1", True)
    announced = [r for r in probe.records if b"ProductRegistered" in (r.value or b"")]
    assert len(announced) == 1
    again = await warranty.post("/api/registrations", json=body, headers=headers)
    assert (again.status_code, again.json()) == (201, retry.json())
