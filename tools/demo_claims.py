"""The demo customer and the story of their claims, for `make run`.

    python -m tools.demo_claims prepare --out DIR [--today YYYY-MM-DD]
    python -m tools.demo_claims customer --out DIR --accounts URL --warranty URL --mailbox URL

`prepare` writes DIR/customer-sales.json (the customer's purchase documents, dated from `today`
back, for `tools.erp_feed`) and DIR/claims-plan.json is written by `customer` once the account
exists (40 claims over the last 100 days, every claim type and status, for
`python -m services.claims.admin seed-demo`). `customer` registers the customer through the
accounts API, follows the activation link from the mailbox, links the other documents and
registers two scooters through the warranty API. Run again, it logs in and changes nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from shared.events import Buyer, SaleLine, SaleRecordedData
from tools.catalogue import BY_SKU, Product
from tools.support.mailbox import Mailbox
from tools.support.signup import SignUpError, activation_token, retry_post

EMAIL = "klient.demo@innpro.example"
PASSWORD = "Klient-Demo-2026"
FULL_NAME = "Jan Demo"
ADDRESS = {
    "recipient": FULL_NAME,
    "street": "ul. Pokazowa 7",
    "postal_code": "44-100",
    "city": "Gliwice",
}
WARSAW = ZoneInfo("Europe/Warsaw")
# Days before today each of the customer's ten documents was issued (delivered a day later).
ISSUED_DAYS_AGO = (100, 90, 80, 70, 60, 50, 40, 30, 22, 13)
LINES_PER_DOCUMENT = 4

# Every claim in the order filed: the product, the claim type, and where the story ends
# (services/claims/demo.py's outcomes). Line i is document i // 4, line i % 4 + 1, filed
# 1 + 2 * (i % 4) days after the document's issue.
STORY: tuple[tuple[str, str, str], ...] = (
    ("DJI-MINI4PRO", "dji", "repaired"),
    ("SONY-WH-1000XM5", "non_conformity", "rejected"),
    ("XIAOMI-ROBOTVACUUMS10", "return", "refund_closed"),
    ("DUALTRON-THUNDER3", "warranty", "repaired"),
    ("DJI-OSMOPOCKET3", "dji", "repaired"),
    ("JBL-FLIP6", "return", "refund_closed"),
    ("SAMSUNG-GALAXYWATCH7", "warranty", "rejected"),
    ("KAABO-MANTIS10", "warranty", "repaired"),
    ("DJI-AIR3S", "dji", "rejected"),
    ("XIAOMI-SMARTBAND9", "non_conformity", "repaired"),
    ("SONY-WH-1000XM5", "return", "cancelled"),
    ("DJI-RS4", "dji", "repaired"),
    ("DJI-NEO", "return", "refund_closed"),
    ("NAMI-KLIMA", "warranty", "repaired"),
    ("JBL-FLIP6", "non_conformity", "rejected"),
    ("DJI-MINI4PRO", "dji", "repaired"),
    ("XIAOMI-ROBOTVACUUMS10", "warranty", "repaired"),
    ("DJI-OSMOACTION5PRO", "dji", "rejected"),
    ("SAMSUNG-GALAXYWATCH7", "return", "refund_closed"),
    ("DUALTRON-MINISPECIAL", "warranty", "repaired"),
    ("DJI-AVATA2", "dji", "repaired"),
    ("SONY-WH-1000XM5", "non_conformity", "repaired"),
    ("XIAOMI-REDMIBUDS6", "return", "refunded"),
    ("KAABO-WOLFWARRIOR11", "warranty", "rejected"),
    ("DJI-MINI3", "dji", "shipped_back"),
    ("JBL-FLIP6", "warranty", "repaired"),
    ("ANKER-POWERCORE20000", "return", "rejected"),
    ("DJI-RS4MINI", "dji", "repaired"),
    ("NAMI-BURN-E2", "warranty", "shipped_back"),
    ("DJI-OSMOPOCKET3", "dji", "repaired"),
    ("TP-LINK-TAPOC200", "return", "refunded"),
    ("SAMSUNG-GALAXYWATCH7", "non_conformity", "cancelled"),
    ("DJI-MINI4PRO", "dji", "shipped_back"),
    ("DUALTRON-VICTORLUXURY", "warranty", "in_repair"),
    ("SONY-WH-1000XM5", "non_conformity", "awaiting_customer"),
    ("DJI-AIR3S", "dji", "quote_awaiting"),
    ("XIAOMI-ROBOTVACUUMS10", "non_conformity", "in_inspection"),  # its 14 days at risk
    ("DJI-NEO", "dji", "received"),
    ("DUALTRON-THUNDER3", "warranty", "submitted"),
    ("JBL-FLIP6", "return", "submitted"),
)
# Registered with the distributor within 30 days of purchase; the other scooters are not.
REGISTERED_LINES = (33, 38)
DESCRIPTIONS = {
    "return": "Odstępuję od umowy: produkt nie spełnił moich oczekiwań.",
    "dji": "Dron po starcie traci połączenie z aparaturą i ląduje awaryjnie.",
}
COMPLAINT = "Urządzenie przestało działać po kilku tygodniach zwykłego używania."


@dataclass(frozen=True)
class DemoLine:
    """One unit the customer bought, and its claim."""

    index: int
    document_number: str
    issued_on: date
    product: Product
    serial_number: str
    claim_type: str
    outcome: str

    @property
    def line_no(self) -> int:
        return self.index % LINES_PER_DOCUMENT + 1

    @property
    def filed_at(self) -> datetime:
        day = self.issued_on + timedelta(days=1 + 2 * (self.index % LINES_PER_DOCUMENT))
        return datetime.combine(day, time(10, 15 + self.index), WARSAW).astimezone(UTC)


def document_number(today: date, document: int) -> str:
    return f"{today:%Y}/DEMO{document + 1:02d}"


def _serial(product: Product, issued_on: date, index: int) -> str:
    counter = 900_000 + index
    if product.serial_code:
        return product.serial_number(issued_on, counter)
    return f"SN{product.sku.replace('-', '')[:10]}{counter}"


def demo_lines(today: date) -> list[DemoLine]:
    lines = []
    for index, (sku, claim_type, outcome) in enumerate(STORY):
        document = index // LINES_PER_DOCUMENT
        issued_on = today - timedelta(days=ISSUED_DAYS_AGO[document])
        product = BY_SKU[sku]
        lines.append(
            DemoLine(
                index,
                document_number(today, document),
                issued_on,
                product,
                _serial(product, issued_on, index),
                claim_type,
                outcome,
            )
        )
    return lines


def customer_documents(today: date) -> list[dict[str, Any]]:
    """The customer's receipts as the ERP exports them (tools.erp_feed's JSON)."""
    by_document: dict[str, list[DemoLine]] = {}
    for line in demo_lines(today):
        by_document.setdefault(line.document_number, []).append(line)
    documents = []
    for number, lines in by_document.items():
        sale_lines = [
            SaleLine(
                line_no=line.line_no,
                ean=line.product.ean,
                sku=line.product.sku,
                name=line.product.name,
                brand=line.product.brand,
                category=line.product.category,
                quantity=1,
                unit_price=line.product.price,
                serial_numbers=(line.serial_number,),
            )
            for line in lines
        ]
        documents.append(
            SaleRecordedData(
                document_type="PA",
                document_number=number,
                issued_on=lines[0].issued_on,
                delivered_on=lines[0].issued_on + timedelta(days=1),
                buyer=Buyer(type="consumer", name=FULL_NAME),
                total=sum((line.unit_price for line in sale_lines), Decimal(0)),
                lines=tuple(sale_lines),
            ).model_dump(mode="json")
        )
    return documents


def claims_plan(today: date, account_id: str) -> dict[str, Any]:
    """The plan services.claims.admin seed-demo runs (its DemoPlan)."""
    claims = []
    for line in demo_lines(today):
        problems = line.product.problems
        claims.append(
            {
                "reference": f"DEMO-{line.index + 1:02d}",
                "filed_at": line.filed_at.isoformat(),
                "document_type": "PA",
                "document_number": line.document_number,
                "line_no": line.line_no,
                "serial_number": line.serial_number,
                "claim_type": line.claim_type,
                "outcome": line.outcome,
                "problem_code": problems[0] if problems and line.claim_type != "return" else None,
                "problem_description": DESCRIPTIONS.get(line.claim_type, COMPLAINT),
            }
        )
    unidentified_at = datetime.combine(today - timedelta(days=1), time(11, 0), WARSAW)
    return {
        "account_id": account_id,
        "return_address": ADDRESS,
        "claims": claims,
        "unidentified_tracking": f"PL{today:%y%m}0000000DEMO",
        "unidentified_at": unidentified_at.astimezone(UTC).isoformat(),
    }


# --- the customer, through the APIs -----------------------------------------------------------


def _total(document: dict[str, Any]) -> str:
    return str(document["total"]).replace(".", ",")


async def _log_in(accounts: httpx.AsyncClient) -> str | None:
    login = await accounts.post("/api/auth/login", json={"email": EMAIL, "password": PASSWORD})
    return login.json()["access_token"] if login.status_code == 200 else None


async def _register(accounts: httpx.AsyncClient, mailbox: Mailbox, first: dict[str, Any]) -> str:
    registered = await retry_post(
        accounts,
        "/api/accounts",
        {
            "account_type": "private",
            "full_name": FULL_NAME,
            "email": EMAIL,
            "password": PASSWORD,
            "document_number": f"PA {first['document_number']}",
            "document_total": _total(first),
        },
    )
    if registered.status_code != 202:
        raise SignUpError(f"registration refused: {registered.status_code} {registered.text}")
    token = await activation_token(mailbox, EMAIL)
    activated = await accounts.post("/api/accounts/activation", json={"token": token})
    if activated.status_code != 200:
        raise SignUpError(f"activation refused: {activated.status_code} {activated.text}")
    bearer = await _log_in(accounts)
    if bearer is None:
        raise SignUpError("the demo customer cannot log in after activation")
    return bearer


async def _link(accounts: httpx.AsyncClient, documents: list[dict[str, Any]]) -> None:
    for document in documents:
        number = f"PA {document['document_number']}"
        body = {"document_number": number, "document_total": _total(document)}
        linked = await retry_post(accounts, "/api/me/documents", body)
        if linked.status_code not in (200, 201):
            raise SignUpError(f"linking {document['document_number']}: {linked.text}")


async def _register_scooters(warranty: httpx.AsyncClient, today: date) -> None:
    for line in demo_lines(today):
        if line.index not in REGISTERED_LINES:
            continue
        body = {"ean": line.product.ean, "serial_number": line.serial_number}
        for _ in range(120):  # the sale and the link reach warranty as events
            registered = await warranty.post("/api/registrations", json=body)
            if registered.status_code != 404:
                break
            await asyncio.sleep(0.5)
        if registered.status_code not in (201, 409):
            raise SignUpError(f"registering {line.serial_number}: {registered.text}")


async def _contact(accounts: httpx.AsyncClient) -> None:
    answer = await accounts.put("/api/me/contact", json=ADDRESS)
    if answer.status_code >= 400:
        raise SignUpError(f"the contact address was refused: {answer.text}")


async def set_up_customer(urls: dict[str, str], out: Path, today: date) -> str:
    """The customer's account id; registers, activates and links only what is missing."""
    documents = customer_documents(today)
    mailbox = Mailbox(urls["mailbox"])
    async with httpx.AsyncClient(base_url=urls["accounts"], timeout=60) as accounts:
        bearer = await _log_in(accounts) or await _register(accounts, mailbox, documents[0])
        accounts.headers["Authorization"] = f"Bearer {bearer}"
        await _link(accounts, documents[1:])
        await _contact(accounts)
        me = (await accounts.get("/api/me")).json()
    async with httpx.AsyncClient(
        base_url=urls["warranty"], timeout=60, headers={"Authorization": f"Bearer {bearer}"}
    ) as warranty:
        await _register_scooters(warranty, today)
    plan = claims_plan(today, me["account_id"])
    (out / "claims-plan.json").write_text(json.dumps(plan, indent=1, ensure_ascii=False))
    return str(me["account_id"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.demo_claims")
    commands = parser.add_subparsers(dest="command", required=True)
    prepare = commands.add_parser("prepare", help="write the customer's sales documents")
    customer = commands.add_parser("customer", help="register the customer, write the plan")
    for command in (prepare, customer):
        command.add_argument("--out", type=Path, required=True)
        command.add_argument("--today", type=date.fromisoformat, default=date.today())
    for name in ("accounts", "warranty", "mailbox"):
        customer.add_argument(f"--{name}", required=True, help=f"the {name} URL")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.command == "prepare":
        sales = json.dumps(customer_documents(args.today), indent=1, ensure_ascii=False)
        (args.out / "customer-sales.json").write_text(sales)
        return 0
    urls = {"accounts": args.accounts, "warranty": args.warranty, "mailbox": args.mailbox}
    try:
        account_id = asyncio.run(set_up_customer(urls, args.out, args.today))
    except SignUpError as error:
        print(f"demo: {error}")
        return 1
    print(f"demo: customer {EMAIL} (account {account_id}) ready")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
