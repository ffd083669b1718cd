"""How fast a reseller's 500-row CSV files (issue 25 §6: "500 rows must file in under 10 s on
this machine"), measured on the real servers: the claims and notifications services as their
own processes (as `make bench` runs them), on the slot's Kafka, PostgreSQL and Mailpit.

    python -m tools.bulk_bench [--slot 4] [--rows 500] [--runs 3]

Each run makes a new company with one invoice of `rows` serial-numbered units (its sale, its
link to the account and the account's address published on Kafka, as the ERP and accounts do),
previews the CSV, files it with an Idempotency-Key, and prints the figures: the preview's and
the filing's seconds (the HTTP request, from sending to the 201), the claims filed, and the
seconds until the shipment's one email is in the mailbox. Only 127.0.0.1, bounded in count.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import statistics
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx

from shared.auth import Principal, issue_token
from shared.events import (
    Event,
)
from tools.bench.servers import REPO, Servers, ServiceFleet, SlotServers
from tools.support.kafka import publish
from tools.support.mailbox import Mailbox
from tools.support.sales import reseller_invoice

PDF = ("faktury.pdf", b"%PDF-1.4\n% the reseller's invoices\n", "application/pdf")


class BulkFleet(ServiceFleet):
    """Only the services a bulk filing goes through: claims, and notifications for its email."""

    def names(self) -> list[str]:
        return ["claims", "notifications"]

    def port(self, name: str) -> int:
        """Accounts does not run: its port (the emails' links) is only named."""
        names = self.names()
        return self.base_port + (names.index(name) if name in names else len(names))


@dataclass(frozen=True)
class Company:
    account_id: uuid.UUID
    document: str
    serials: list[str]
    email: str


@dataclass(frozen=True)
class Figures:
    rows: int
    preview_seconds: float
    file_seconds: float
    filed: int
    email_seconds: float | None


def company_events(units: int) -> tuple[Company, list[Event]]:
    invoice = reseller_invoice(units, "Hurtownia Bench", "BENCH")
    company = Company(invoice.account_id, invoice.document, invoice.serials, invoice.email)
    return company, invoice.events


def csv_file(company: Company) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["document", "line", "serial", "problem", "description"])
    for serial in company.serials:
        writer.writerow([company.document, "1", serial, "", "Nie ładuje się, pasek nie świeci"])
    return text.getvalue().encode()


async def _until_claims_know(
    client: httpx.AsyncClient, headers: dict[str, str], content: bytes
) -> None:
    """The preview accepts every row once claims has the sale, the link and the address."""
    for _ in range(300):
        shown = await client.post(
            "/api/bulk-claims/preview", files={"file": ("b.csv", content)}, headers=headers
        )
        if shown.status_code == 200 and shown.json()["refused"] == 0:
            return
        await asyncio.sleep(0.2)
    raise RuntimeError(f"claims never accepted the rows: {shown.status_code} {shown.text[:300]}")


async def one_run(servers: Servers, fleet: ServiceFleet, rows: int) -> Figures:
    company, events = company_events(rows)
    for event in events:
        await publish(servers.kafka_bootstrap, event)
    private_key = (servers.state_dir / "keys" / "token_private.pem").read_bytes()
    token = issue_token(private_key, Principal(subject=company.account_id, role="customer"))
    headers = {"Authorization": f"Bearer {token}"}
    content = csv_file(company)
    async with httpx.AsyncClient(base_url=fleet.url("claims"), timeout=120) as client:
        await _until_claims_know(client, headers, content)
        started = time.perf_counter()
        shown = await client.post(
            "/api/bulk-claims/preview", files={"file": ("b.csv", content)}, headers=headers
        )
        preview_seconds = time.perf_counter() - started
        shown.raise_for_status()
        keyed = {**headers, "Idempotency-Key": str(uuid.uuid4())}
        started = time.perf_counter()
        filed = await client.post(
            "/api/bulk-claims",
            files={"file": ("b.csv", content), "document": PDF},
            headers=keyed,
        )
        file_seconds = time.perf_counter() - started
    if filed.status_code != 201:
        raise RuntimeError(f"filing answered {filed.status_code}: {filed.text[:300]}")
    number = filed.json()["shipment_number"]
    return Figures(
        rows,
        preview_seconds,
        file_seconds,
        filed.json()["accepted"],
        await _email_seconds(Mailbox(servers.mailbox_url), company.email, number, started),
    )


async def _email_seconds(mailbox: Mailbox, to: str, number: str, since: float) -> float | None:
    """Seconds from sending the filing until the shipment's email is in the mailbox (60 s
    at most)."""
    while time.perf_counter() - since < 60:
        if any(number in m["subject"] for m in await mailbox.messages(to)):
            return time.perf_counter() - since
        await asyncio.sleep(0.2)
    return None


def report(runs: list[Figures], limit: float) -> str:
    lines = ["run  rows  filed  preview_s  file_s  email_s"]
    for n, f in enumerate(runs, start=1):
        email = f"{f.email_seconds:.2f}" if f.email_seconds is not None else "-"
        lines.append(
            f"{n:>3}  {f.rows:>4}  {f.filed:>5}  {f.preview_seconds:>9.2f}  "
            f"{f.file_seconds:>6.2f}  {email:>7}"
        )
    filing = [f.file_seconds for f in runs]
    verdict = "within" if max(filing) < limit else "OVER"
    lines.append(
        f"filing: median {statistics.median(filing):.2f} s, max {max(filing):.2f} s: "
        f"{verdict} the {limit:.0f} s limit"
    )
    return "\n".join(lines)


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.bulk_bench", description=__doc__)
    parser.add_argument("--slot", type=int, default=4, help="port slot, as RMA_TEST_SLOT (4)")
    parser.add_argument("--state-dir", type=Path, default=REPO / ".run" / "test")
    parser.add_argument("--rows", type=int, default=500, choices=range(1, 501), metavar="1-500")
    parser.add_argument("--runs", type=int, default=3, choices=range(1, 11), metavar="1-10")
    parser.add_argument("--base-port", type=int, default=0, help="services' ports (9400+slot)")
    parser.add_argument("--limit", type=float, default=10.0, help="seconds a filing may take")
    return parser.parse_args(argv)


async def _runs(
    servers: Servers, fleet: ServiceFleet, arguments: argparse.Namespace
) -> list[Figures]:
    return [await one_run(servers, fleet, arguments.rows) for _ in range(arguments.runs)]


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    slot_servers = SlotServers(arguments.slot, arguments.state_dir, own=False)
    servers = slot_servers.up()
    servers.use_kafka_admin()
    fleet = BulkFleet(servers, arguments.base_port or 9400 + 10 * arguments.slot)
    try:
        fleet.start(arguments.state_dir / "bulk-bench-logs")
        runs = asyncio.run(_runs(servers, fleet, arguments))
    finally:
        fleet.stop()
        slot_servers.down()
    print(report(runs, arguments.limit))
    return 0 if max(f.file_seconds for f in runs) < arguments.limit else 1


if __name__ == "__main__":
    sys.exit(main())
