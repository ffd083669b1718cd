"""Each running service's `/metrics`, scraped as Prometheus does, before and after a claim is filed:
the messages each consumer handled, the HTTP requests, claims per status, e-mails waiting, the
outbox backlog and the consumer lag all move with the claim. The Grafana dashboard's queries
read only metric names that the services export."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from decimal import Decimal

import httpx
import pytest

from shared import topics
from shared.auth import Principal, issue_token
from shared.events import (
    Buyer,
    DocumentLinked,
    DocumentLinkedData,
    SaleLine,
    SaleRecorded,
    SaleRecordedData,
)
from tests.support.kafka import TopicProbe, publish
from tests.support.metrics import Scrape, metric_names_in, scrape, without_grafana_variables
from tests.support.services import SERVICE_PORTS, RunningServices
from tests.support.stack import REPO, Stack

pytestmark = pytest.mark.e2e

DASHBOARD = REPO / "deploy" / "grafana" / "dashboards" / "rma-platform.json"
HANDLED = "faststream_received_processed_messages_total"
HTTP_REQUESTS = "http_requests_total"


async def scrape_all(services: RunningServices) -> dict[str, Scrape]:
    scrapes = {}
    for service in SERVICE_PORTS:
        async with httpx.AsyncClient(base_url=services.url(service), timeout=10) as client:
            scrapes[service] = await scrape(client)
    return scrapes


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        assert loop.time() < deadline, "the metrics never showed the claim"
        await asyncio.sleep(0.5)


async def customer_with_a_drone(stack: Stack) -> tuple[uuid.UUID, str]:
    """A sale and its owner, announced on Kafka as the ERP feed and accounts would."""
    account_id, number = uuid.uuid4(), f"2025/M{uuid.uuid4().hex[:7].upper()}"
    sold_on = date.today() - timedelta(days=30)
    await publish(
        stack.kafka_bootstrap,
        SaleRecorded(
            producer="erp",
            key=f"PA/{number}",
            data=SaleRecordedData(
                document_type="PA",
                document_number=number,
                issued_on=sold_on,
                buyer=Buyer(type="consumer", name="Jan Kowalski"),
                total=Decimal("4299.00"),
                lines=(
                    SaleLine(
                        line_no=1,
                        ean="6941565967251",
                        sku="DJI-MINI4PRO",
                        name="DJI Mini 4 Pro",
                        brand="DJI",
                        category="drone",
                        quantity=1,
                        unit_price=Decimal("4299.00"),
                        serial_numbers=(f"1581F{number[-7:]}",),
                    ),
                ),
            ),
        ),
    )
    await publish(
        stack.kafka_bootstrap,
        DocumentLinked(
            producer="accounts",
            key=str(account_id),
            data=DocumentLinkedData(
                account_id=account_id,
                account_type="private",
                email=f"metryki.{account_id.hex[:8]}@example.com",
                document_type="PA",
                document_number=number,
            ),
        ),
    )
    return account_id, number


async def file_claim(stack: Stack, services: RunningServices) -> str:
    account_id, number = await customer_with_a_drone(stack)
    token = issue_token(
        (stack.keys_dir / "token_private.pem").read_bytes(),
        Principal(subject=account_id, role="customer"),
    )
    form = {
        "document_type": "PA",
        "document_number": number,
        "line_no": "1",
        "claim_type": "dji",
        "serial_number": f"1581F{number[-7:]}",
        "problem_description": "Gimbal drży podczas lotu.",
        "package_contents": "Dron",
        # Every claim needs a return address; this customer keeps none on the account.
        "return_recipient": "Jan Kowalski",
        "return_street": "ul. Zielona 5",
        "return_postal_code": "44-200",
        "return_city": "Rybnik",
    }
    receipt = {"attachment": ("paragon.pdf", b"%PDF-1.4 receipt", "application/pdf")}
    async with httpx.AsyncClient(base_url=services.url("claims"), timeout=10) as claims:
        for _ in range(100):  # until the claims service has read the sale and its owner
            created = await claims.post(
                "/api/claims",
                data=form,
                files=receipt,
                headers={"Authorization": f"Bearer {token}"},
            )
            if created.status_code != 422:
                break
            await asyncio.sleep(0.3)
    assert created.status_code == 201, created.text
    claim_id: str = created.json()["claim_id"]
    return claim_id


async def test_counters_move_when_a_claim_is_filed(stack: Stack, services: RunningServices) -> None:
    before = await scrape_all(services)
    for service, metrics in before.items():
        for family in (
            "rma_outbox_unpublished_events",
            "rma_outbox_oldest_unpublished_age_seconds",
            "rma_dead_lettered_messages",
            "rma_kafka_consumer_lag_messages",
        ):
            assert family in metrics.families, (service, family)
    assert {s.labels["status"] for s in before["claims"].series("rma_claims")} >= {"submitted"}
    assert {s.labels["status"] for s in before["notifications"].series("rma_emails")} == {
        "pending",
        "failed",
    }

    async with TopicProbe(stack.kafka_bootstrap, topics.WARRANTY) as verdicts:
        claim_id = await file_claim(stack, services)
        await verdicts.wait_for(
            lambda body, _: body["type"] == "WarrantyAssessed" and body["key"] == claim_id
        )

    async def everything_moved() -> bool:
        after = await scrape_all(services)

        def grew(service: str, name: str, by: float = 1, **labels: str) -> bool:
            return (
                after[service].total(name, **labels) >= before[service].total(name, **labels) + by
            )

        return all(
            (
                grew("accounts", HANDLED, handler=topics.SALES, status="acked"),
                grew("claims", HANDLED, handler=topics.SALES, status="acked"),
                grew("claims", HANDLED, handler=topics.ACCOUNTS, status="acked"),
                grew("claims", HANDLED, handler=topics.WARRANTY, status="acked"),
                grew("warranty", HANDLED, handler=topics.CLAIMS, status="acked"),
                grew("notifications", HANDLED, handler=topics.CLAIMS, status="acked"),
                grew("notifications", HANDLED, handler=topics.WARRANTY, status="acked"),
                grew("claims", HTTP_REQUESTS, handler="/api/claims", method="POST", status="2xx"),
                grew("claims", "rma_claims"),
            )
        )

    async def outboxes_empty() -> bool:
        after = await scrape_all(services)
        return all(after[s].total("rma_outbox_unpublished_events") == 0 for s in SERVICE_PORTS)

    await until(everything_moved)
    # The relays published everything the claim caused.
    await until(outboxes_empty)
    after = await scrape_all(services)
    lag = after["warranty"].series("rma_kafka_consumer_lag_messages")
    assert {sample.labels["topic"] for sample in lag} >= {topics.CLAIMS}
    assert all(sample.value >= 0 for sample in lag)
    assert after["notifications"].total("rma_emails", status="failed") == 0


def dashboard_queries() -> dict[str, str]:
    """Every PromQL expression of the Grafana dashboard, by the panel (or variable) using it."""
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    queries = {
        f"{panel['title']} / {target['refId']}": without_grafana_variables(target["expr"])
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
    }
    for variable in dashboard["templating"]["list"]:
        # Grafana's `label_values(metric, label)`: the metric is what must exist.
        metric = re.fullmatch(r"label_values\((\w+),\s*\w+\)", variable["query"]["query"])
        assert metric is not None, variable
        queries[f"${variable['name']}"] = metric.group(1)
    return queries


async def test_the_dashboard_reads_only_metrics_the_services_export(
    services: RunningServices,
) -> None:
    exported = set().union(*(metrics.names() for metrics in (await scrape_all(services)).values()))
    exported.add("up")  # Prometheus adds it to every target it scrapes
    queries = dashboard_queries()
    read = {name for query in queries.values() for name in metric_names_in(query)}
    for where, query in queries.items():
        unknown = metric_names_in(query) - exported
        assert not unknown, f"{where}: {query} reads {unknown}, which no service exports"
    # Every figure of the issue has its panel.
    assert read >= {
        "rma_claims",
        "rma_emails",
        "rma_outbox_unpublished_events",
        "rma_outbox_oldest_unpublished_age_seconds",
        "rma_kafka_consumer_lag_messages",
        "rma_dead_lettered_messages_total",
        "faststream_received_processed_messages_total",
        "faststream_received_processed_messages_exceptions_total",
        "faststream_received_processed_messages_duration_seconds_bucket",
        "http_requests_total",
        "http_request_duration_seconds_bucket",
    }
