"""Warranty against the real Kafka and PostgreSQL: one WarrantyAssessed per ClaimCreated, even
when redelivered; registrations and repair time reach the verdict; the EAN check over HTTP."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from dateutil.relativedelta import relativedelta

from services.warranty.bootstrap import build_app
from services.warranty.settings import WarrantySettings
from shared import topics
from shared.auth import Principal, issue_token
from shared.events import (
    Buyer,
    ClaimCreated,
    ClaimCreatedData,
    ClaimedProduct,
    ClaimStatusChanged,
    ClaimStatusChangedData,
    DocumentLinked,
    DocumentLinkedData,
    Event,
    SaleLine,
    SaleRecorded,
    SaleRecordedData,
)
from tests.support.inprocess import running_app
from tools.support.kafka import TopicProbe, publish
from tools.support.stack import Stack

pytestmark = pytest.mark.integration


def random_ean() -> str:
    from stdnum import ean

    body = "59" + str(uuid.uuid4().int)[:10]
    return body + ean.calc_check_digit(body)


@pytest.fixture(scope="module")
async def warranty(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    from tests.conftest import create_database, drop_database

    url = await create_database(stack, "rma_test_warranty")
    settings = WarrantySettings(
        kafka_bootstrap_servers=stack.kafka_bootstrap,
        database_url=url,
        # Its own group: other copies of the service may run in the same test session.
        consumer_group=f"test-warranty-{uuid.uuid4().hex[:8]}",
        token_public_key_file=stack.keys_dir / "token_public.pem",
    )
    async with running_app(build_app(settings)) as client:
        await caught_up(stack)
        yield client
    await drop_database(stack, url)


async def caught_up(stack: Stack, timeout: float = 300.0) -> None:
    """Its own group reads the claims topic from the start: wait until one claim of ours, sent
    after the history, is assessed, so the tests' own waits do not include the replay."""
    marker = claim(random_ean(), "DJI", "drone", date.today() - timedelta(days=30))
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


def sale(ean: str, brand: str, category: str, sold_on: date, *serial_numbers: str) -> SaleRecorded:
    number = uuid.uuid4().hex[:8]
    return SaleRecorded(
        producer="erp",
        key=f"PA/{number}",
        data=SaleRecordedData(
            document_type="PA",
            document_number=number,
            issued_on=sold_on,
            buyer=Buyer(type="consumer"),
            total=Decimal("100.00"),
            lines=(
                SaleLine(
                    line_no=1,
                    ean=ean,
                    sku="SKU",
                    name=f"{brand} product",
                    brand=brand,
                    category=category,
                    quantity=max(1, len(serial_numbers)),
                    unit_price=Decimal("100.00"),
                    serial_numbers=serial_numbers,
                ),
            ),
        ),
    )


def linked(document: SaleRecorded, account: uuid.UUID) -> DocumentLinked:
    """The accounts service's fact: `account` linked the sales document."""
    return DocumentLinked(
        producer="accounts",
        key=str(account),
        data=DocumentLinkedData(
            account_id=account,
            account_type="private",
            email="klient@example.com",
            document_type=document.data.document_type,
            document_number=document.data.document_number,
        ),
    )


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


def claim(ean: str, brand: str, category: str, sold_on: date, **more: Any) -> ClaimCreated:
    claim_id = uuid.uuid4()
    data: dict[str, Any] = {
        "claim_id": claim_id,
        "rma_number": f"RMA/{uuid.uuid4().int % 100000}/SR/2026",
        "account_id": uuid.uuid4(),
        "email": "klient@example.com",
        "buyer_type": "consumer",
        "claim_type": "warranty",
        "document_type": "PA",
        "document_number": "1",
        "sold_on": sold_on,
        "product": ClaimedProduct(ean=ean, sku="S", name="n", brand=brand, category=category),
        "serial_number": "SN-1",
        "problem_description": "Nie działa po tygodniu.",
        "package_contents": "produkt",
        **more,
    }
    return ClaimCreated(producer="claims", key=str(claim_id), data=ClaimCreatedData(**data))


async def test_claim_created_gets_exactly_one_assessment_even_when_redelivered(
    warranty: httpx.AsyncClient, stack: Stack
) -> None:
    created = claim(random_ean(), "DJI", "drone", date.today() - timedelta(days=30))
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
    sold_on = date.today() - timedelta(days=30)
    assert data["warranty_until"] == (sold_on + relativedelta(months=24)).isoformat()
    assert {d["kind"] for d in data["deadlines"]} == {"complaint_answer", "dji_repair"}
    assert data["email"] == "klient@example.com"


async def test_the_claim_type_is_the_claims_services_verdict_not_decided_again(
    warranty: httpx.AsyncClient, stack: Stack
) -> None:
    """Claims owns which claim types a buyer may file: warranty passes its verdict on and
    judges coverage only (before, the two could disagree on an excluded return category)."""
    created = claim(
        random_ean(),
        "Xiaomi",
        "software",
        date.today() - timedelta(days=5),
        claim_type="return",
        claim_type_rule="return-within-30-days",
        claim_type_reason="Zwrot w terminie 30 dni od odbioru towaru.",
    )
    async with TopicProbe(stack.kafka_bootstrap, topics.WARRANTY) as probe:
        await send(stack, created)
        [assessed] = await probe.wait_for(
            lambda body, _: body["data"].get("claim_id") == str(created.data.claim_id)
        )
    assert assessed["data"]["claim_type_allowed"] is True
    assert assessed["data"]["claim_type_reason"] == "Zwrot w terminie 30 dni od odbioru towaru."
    assert {d["kind"] for d in assessed["data"]["deadlines"]} == {"return_refund"}


async def test_scooter_registration_and_repair_time_reach_the_verdict(
    warranty: httpx.AsyncClient, stack: Stack
) -> None:
    ean, owner, stranger = random_ean(), uuid.uuid4(), uuid.uuid4()
    bought = date.today() - timedelta(days=20)
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
    for status, day in (("received", 0), ("shipped_back", 12)):
        changed_at = datetime.now(UTC) - timedelta(days=15 - day)
        await send(
            stack,
            ClaimStatusChanged(
                producer="claims",
                key=str(repaired.data.claim_id),
                data=ClaimStatusChangedData(
                    claim_id=repaired.data.claim_id,
                    rma_number=repaired.data.rma_number,
                    account_id=owner,
                    email="klient@example.com",
                    claim_type="warranty",
                    product=repaired.data.product,
                    from_status=None,
                    to_status=status,  # type: ignore[arg-type]
                    changed_at=changed_at,
                    actor="operator",
                    serial_number="DT-7",
                ),
            ),
        )
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


async def test_a_wear_part_of_a_kit_is_judged_at_its_own_period(
    warranty: httpx.AsyncClient, stack: Stack
) -> None:
    """Issue 24 item 5: the catalogue's problem list says which problems concern a wear part; a
    claim naming one is judged at the part's period (DJI: 12 months), not the kit's 24."""
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

    sold_on = date.today() - relativedelta(months=13)
    verdicts = {}
    async with TopicProbe(stack.kafka_bootstrap, topics.WARRANTY) as probe:
        claims = {
            problem: claim(ean, "DJI", "drone", sold_on, problem_code=problem, serial_number=None)
            for problem in (battery, motor)
        }
        for created in claims.values():
            await send(stack, created)
        for problem, created in claims.items():
            [assessed] = await probe.wait_for(
                lambda body, _, c=created: body["data"].get("claim_id") == str(c.data.claim_id)
            )
            verdicts[problem] = assessed["data"]
    assert (verdicts[battery]["rule"], verdicts[battery]["covered"]) == ("dji-consumable", False)
    assert verdicts[battery]["warranty_until"] == (sold_on + relativedelta(months=12)).isoformat()
    assert "(akumulator)" in verdicts[battery]["reason"]
    assert (verdicts[motor]["rule"], verdicts[motor]["covered"]) == ("dji-standard", True)


async def test_receipt_sets_the_repair_deadline(warranty: httpx.AsyncClient, stack: Stack) -> None:
    created = claim(random_ean(), "DJI", "drone", date(2025, 10, 1))
    received_at = datetime(2025, 12, 1, 10, 0, tzinfo=UTC)
    async with TopicProbe(stack.kafka_bootstrap, topics.WARRANTY) as probe:
        await send(stack, created)
        await probe.wait_for(
            lambda body, _: body["data"].get("claim_id") == str(created.data.claim_id)
        )
        await send(
            stack,
            ClaimStatusChanged(
                producer="claims",
                key=str(created.data.claim_id),
                data=ClaimStatusChangedData(
                    claim_id=created.data.claim_id,
                    rma_number=created.data.rma_number,
                    account_id=created.data.account_id,
                    email="klient@example.com",
                    claim_type="warranty",
                    product=created.data.product,
                    from_status="submitted",
                    to_status="received",
                    changed_at=received_at,
                    actor="scanner",
                ),
            ),
        )
        [first, updated] = await probe.wait_for(
            lambda body, _: body["data"].get("claim_id") == str(created.data.claim_id), count=2
        )
    # Marked as only the deadlines, so that the verdict is not emailed a second time.
    assert (first["data"]["deadlines_update"], updated["data"]["deadlines_update"]) == (False, True)
    due = {d["kind"]: d["due_on"] for d in updated["data"]["deadlines"]}
    # 60 working days from 2025-12-01, counted by hand across Christmas: 2026-03-02.
    assert due["dji_repair"] == "2026-03-02"
    assert updated["data"]["rule"] == "dji-standard"


async def test_outlet_and_scooter_part_verdicts_use_the_sale_and_the_claim(
    warranty: httpx.AsyncClient, stack: Stack
) -> None:
    # The ERP sends the outlet drone's activation date: 2025-03-01 + 24 months = 2027-03-01,
    # though the customer gave another date on the claim.
    ean = random_ean()
    receipt = sale(ean, "DJI", "drone", date(2025, 1, 10), "OUT-1")
    line = receipt.data.lines[0].model_copy(
        update={"outlet": True, "activated_on": date(2025, 3, 1)}
    )
    await send(
        stack,
        receipt.model_copy(update={"data": receipt.data.model_copy(update={"lines": (line,)})}),
    )
    await eventually(lambda: warranty.get(f"/api/products/{ean}"), lambda r: r.status_code == 200)
    outlet = claim(
        ean,
        "DJI",
        "drone",
        date(2025, 1, 10),
        serial_number="out-1",
        activated_on=date(2025, 2, 1),
        product=ClaimedProduct(
            ean=ean, sku="S", name="n", brand="DJI", category="drone", outlet=True
        ),
    )
    part = claim(
        random_ean(),
        "Dualtron",
        "scooter_part",
        date.today() - timedelta(days=40),
        installed_by_authorised_service=True,
        installing_service_name="Serwis Hulajnóg Kraków",
    )
    async with TopicProbe(stack.kafka_bootstrap, topics.WARRANTY) as probe:
        await send(stack, outlet)
        await send(stack, part)
        verdicts = {
            body["data"]["claim_id"]: body["data"]
            for body in await probe.wait_for(
                lambda body, _: (
                    body["data"].get("claim_id")
                    in {str(outlet.data.claim_id), str(part.data.claim_id)}
                ),
                count=2,
            )
        }
    dji = verdicts[str(outlet.data.claim_id)]
    assert (dji["rule"], dji["warranty_from"], dji["warranty_until"]) == (
        "dji-outlet",
        "2025-03-01",
        "2027-03-01",
    )
    assert dji["counted_from"] == "activation_from_sale"
    assert "Data aktywacji 2025-03-01 z dokumentu sprzedaży." in dji["reason"]
    scooter_part = verdicts[str(part.data.claim_id)]
    assert (scooter_part["rule"], scooter_part["covered"]) == (
        "scooter-service-part-authorised",
        True,
    )
    assert "Serwis Hulajnóg Kraków" in scooter_part["reason"]
