"""Each running service's `/metrics`, scraped as Prometheus does, before and after a claim is filed:
the messages each consumer handled, the HTTP requests, claims per status, e-mails waiting, the
outbox backlog and the consumer lag all move with the claim. The Grafana dashboard's queries
read only metric names that the services export."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable

import httpx
import pytest

from shared import topics
from tests.support.claims import file_drone_claim
from tests.support.metrics import Scrape, metric_names_in, scrape, without_grafana_variables
from tools.support.kafka import TopicProbe
from tools.support.services import SERVICE_PORTS, RunningServices
from tools.support.stack import REPO, Stack

pytestmark = pytest.mark.e2e

DASHBOARD = REPO / "deploy" / "grafana" / "dashboards" / "rma-platform.json"
HANDLED = "rma_consumer_attempts_total"
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
        claim_id = (await file_drone_claim(stack, services)).claim_id
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
                grew("accounts", HANDLED, handler=topics.SALES, status="handled"),
                grew("claims", HANDLED, handler=topics.SALES, status="handled"),
                grew("claims", HANDLED, handler=topics.ACCOUNTS, status="handled"),
                grew("claims", HANDLED, handler=topics.WARRANTY, status="handled"),
                grew("warranty", HANDLED, handler=topics.CLAIMS, status="handled"),
                grew("notifications", HANDLED, handler=topics.CLAIMS, status="handled"),
                grew("notifications", HANDLED, handler=topics.WARRANTY, status="handled"),
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
        "rma_consumer_attempts_total",
        "rma_consumer_attempt_exceptions_total",
        "rma_consumer_attempt_duration_seconds_bucket",
        "http_requests_total",
        "http_request_duration_seconds_bucket",
    }
