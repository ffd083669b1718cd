"""One claim is one trace: the customer's POST on the web panel, the claims API, its outbox and
relay, Kafka, the warranty verdict, the notifications and their SMTP send all share a trace id.

The web panel, claims, warranty and notifications run in this process (claims on a real HTTP
port, since the web panel's calls carry the trace on the wire) against the real Kafka,
PostgreSQL and SMTP server; every span they finish goes to one in-memory exporter. accounts
takes no part in a claim's path (it consumes neither claims nor warranty events), so the
customer's token is issued here.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from services.claims.bootstrap import build_app as build_claims
from services.claims.settings import ClaimsSettings
from services.notifications.bootstrap import build_app as build_notifications
from services.notifications.settings import NotificationsSettings
from services.warranty.bootstrap import build_app as build_warranty
from services.warranty.settings import WarrantySettings
from services.web.app import build_app as build_web
from services.web.pages import CUSTOMER_COOKIE
from services.web.security import CSRF_COOKIE, CSRF_HEADER
from services.web.settings import WebSettings
from shared import topics
from shared.auth import Principal, issue_token
from tests.conftest import create_database, drop_database
from tests.support.inprocess import running_app, serving_app
from tests.support.metrics import scrape
from tools.support.days import polish_today
from tools.support.kafka import TopicProbe, caught_up, start_from_now
from tools.support.sales import sold_drone
from tools.support.stack import Stack

pytestmark = pytest.mark.integration


def recording(app: FastAPI, exporter: InMemorySpanExporter) -> FastAPI:
    runtime = getattr(app.state, "runtime", None)
    provider: TracerProvider = (
        runtime.tracer_provider if runtime is not None else app.state.tracer_provider
    )
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return app


@dataclass
class Platform:
    web: httpx.AsyncClient
    claims_database_url: str
    exporter: InMemorySpanExporter

    async def knows_the_owner(self, document_number: str) -> None:
        """Wait until claims has read the sale and its owner from Kafka."""
        conn = await asyncpg.connect(self.claims_database_url)
        try:
            for _ in range(300):
                if await conn.fetchval(
                    """SELECT 1 FROM document_owners o JOIN sales_documents d
                       USING (document_type, document_number)
                       JOIN customer_contacts c USING (account_id)
                       WHERE o.document_number = $1""",
                    document_number,
                ):
                    return
                await asyncio.sleep(0.2)
            raise AssertionError("claims never read the sale, its owner and the owner's address")
        finally:
            await conn.close()


async def start_platform(
    stack: Stack, exit_stack: AsyncExitStack, exporter: InMemorySpanExporter
) -> Platform:
    """Starts claims, warranty, notifications and the web panel, all recording their spans."""
    urls = {}
    for service in ("claims", "warranty", "notifications"):
        urls[service] = await create_database(stack, f"rma_test_traces_{service}")
        exit_stack.push_async_callback(drop_database, stack, urls[service])
    common: dict[str, Any] = {
        "kafka_bootstrap_servers": stack.kafka_bootstrap,
        "token_public_key_file": stack.keys_dir / "token_public.pem",
    }
    # Groups kept from one run to the next, so a re-run does not replay the topics' history.
    claims = build_claims(
        ClaimsSettings(**common, database_url=urls["claims"], consumer_group="traces-claims")
    )
    warranty = build_warranty(
        WarrantySettings(**common, database_url=urls["warranty"], consumer_group="traces-warranty")
    )
    notifications = build_notifications(
        NotificationsSettings(
            **common,
            database_url=urls["notifications"],
            consumer_group="traces-notifications",
            seal_private_key_file=stack.keys_dir / "seal_private.pem",
            smtp_host=stack.smtp_host,
            smtp_port=stack.smtp_port,
        )
    )
    # A first run on a new broker starts the groups from now, as a re-run resumes them.
    groups = ["traces-claims", "traces-warranty", "traces-notifications"]
    await start_from_now(stack.kafka_bootstrap, groups)
    claims_url = await exit_stack.enter_async_context(serving_app(recording(claims, exporter)))
    for app in (warranty, notifications):
        await exit_stack.enter_async_context(running_app(recording(app, exporter)))
    web = build_web(
        WebSettings(
            claims_url=claims_url, kafka_bootstrap_servers=stack.kafka_bootstrap, live_updates=False
        )
    )
    client = await exit_stack.enter_async_context(
        running_app(recording(web, exporter), base_url="http://web")
    )
    # The groups read the topics' history first; the trace is of the claim filed after it.
    for group, names in (
        ("traces-claims", [topics.SALES, topics.ACCOUNTS, topics.WARRANTY]),
        ("traces-warranty", [topics.SALES, topics.ACCOUNTS, topics.CLAIMS]),
        ("traces-notifications", [topics.ACCOUNTS, topics.CLAIMS, topics.WARRANTY]),
    ):
        await caught_up(stack.kafka_bootstrap, group, names)
    return Platform(client, urls["claims"], exporter)


@pytest.fixture
async def platform(stack: Stack) -> AsyncIterator[Platform]:
    async with AsyncExitStack() as exit_stack:
        yield await start_platform(stack, exit_stack, InMemorySpanExporter())


async def spans_until(
    exporter: InMemorySpanExporter,
    found: Callable[[list[ReadableSpan]], bool],
    timeout: float = 120.0,
) -> list[ReadableSpan]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not found(spans := list(exporter.get_finished_spans())):
        assert loop.time() < deadline, sorted({span.name for span in spans})
        await asyncio.sleep(0.5)
    return spans


def service_of(span: ReadableSpan) -> str:
    return str(span.resource.attributes["service.name"])


async def test_one_claim_is_one_trace_across_the_four_services(
    stack: Stack, platform: Platform
) -> None:
    exporter = platform.exporter
    sold = await sold_drone(stack.kafka_bootstrap, polish_today() - timedelta(days=40), "slad")
    account_id, number, serial = sold.account_id, sold.document_number, sold.serial
    await platform.knows_the_owner(number)
    token = issue_token(
        (stack.keys_dir / "token_private.pem").read_bytes(),
        Principal(subject=account_id, role="customer"),
    )
    form = {
        "product": f"PA|{number}|1",
        "claim_type": "dji",
        "serial_number": serial,
        "problem_description": "Dron nie startuje po wymianie śmigieł.",
        "package_contents": "Dron",
    }
    receipt = {"attachment": ("paragon.pdf", b"%PDF-1.4 receipt", "application/pdf")}
    async with TopicProbe(stack.kafka_bootstrap, topics.WARRANTY) as verdicts:
        platform.web.cookies.set(CUSTOMER_COOKIE, token)
        # A form the panel itself served: same origin, and the CSRF token of the browser's cookie.
        platform.web.cookies.set(CSRF_COOKIE, "csrf-token-of-this-browser")
        posted = await platform.web.post(
            "/claims/new",
            data=form,
            files=receipt,
            headers={"Origin": "http://web", CSRF_HEADER: "csrf-token-of-this-browser"},
        )
        assert posted.status_code == 303, posted.text
        claim_id = posted.headers["location"].split("/")[2].split("?")[0]
        await verdicts.wait_for(
            lambda body, _: body["type"] == "WarrantyAssessed" and body["key"] == claim_id,
            timeout=60,
        )

    # The web panel counts its requests too.
    metrics = await scrape(platform.web)
    assert metrics.total("http_requests_total", handler="/claims/new", method="POST") == 1

    [post] = [
        span
        for span in exporter.get_finished_spans()
        if service_of(span) == "web" and span.name == "POST /claims/new" and span.parent is None
    ]
    assert post.context is not None
    trace_id = post.context.trace_id

    def in_trace(spans: list[ReadableSpan]) -> list[ReadableSpan]:
        return [s for s in spans if s.context is not None and s.context.trace_id == trace_id]

    def claim_emails_sent(spans: list[ReadableSpan]) -> bool:
        # The new claim's e-mail and the verdict's, both sent to the SMTP server.
        return sum(s.name == "smtp send" for s in in_trace(spans)) >= 2

    trace = in_trace(await spans_until(exporter, claim_emails_sent))
    by_service: dict[str, set[str]] = {}
    for span in trace:
        by_service.setdefault(service_of(span), set()).add(span.name)

    assert set(by_service) == {"web", "claims", "warranty", "notifications"}
    assert "POST /api/claims" in by_service["claims"]
    # The relay publishes from the outbox in the trace of the request that wrote the event.
    assert f"{topics.CLAIMS} publish" in by_service["claims"]
    assert f"{topics.CLAIMS} process" in by_service["warranty"]
    assert f"{topics.WARRANTY} publish" in by_service["warranty"]
    assert f"{topics.WARRANTY} process" in by_service["claims"]
    assert {f"{topics.CLAIMS} process", f"{topics.WARRANTY} process", "smtp send"} <= by_service[
        "notifications"
    ]
    assert all(s.status.is_ok for s in trace if s.name == "smtp send")
