"""The ERP feed: publish an export of sales documents as SaleRecorded events.

    python -m tools.erp_feed sales.json [--bootstrap 127.0.0.1:9092] [--dry-run]

JSON: a list of documents shaped like `SaleRecordedData`. CSV: one row per document line, the
document's columns repeated (see `CSV_COLUMNS`), serial numbers separated by `|`. Each document
is validated (contract, EAN check digits, total = sum of its lines); a bad one is reported and
skipped, and the command exits 1 at the end. Event ids are derived from the document key, so
feeding the same export twice publishes the same ids and the consumers' inboxes drop repeats.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from aiokafka import AIOKafkaProducer
from pydantic import ValidationError
from stdnum import ean
from tqdm import tqdm

from shared.events import SaleRecorded, SaleRecordedData, document_key
from shared.outbox import kafka_headers

EVENT_NAMESPACE = uuid5(NAMESPACE_URL, "https://rma.innpro.example/erp/sales")
CSV_COLUMNS = (
    "document_type",
    "document_number",
    "issued_on",
    "delivered_on",
    "buyer_type",
    "buyer_name",
    "vat_country",
    "tax_id",
    "total",
    "currency",
    "line_no",
    "ean",
    "sku",
    "name",
    "brand",
    "category",
    "quantity",
    "unit_price",
    "serial_numbers",
    "outlet",
)


@dataclass(frozen=True)
class BadDocument:
    where: str
    document: str
    problem: str


def sale_event(data: SaleRecordedData) -> SaleRecorded:
    key = document_key(data.document_type, data.document_number)
    return SaleRecorded(
        event_id=uuid5(EVENT_NAMESPACE, key),
        producer="erp",
        key=key,
        correlation_id=uuid5(EVENT_NAMESPACE, f"correlation:{key}"),
        data=data,
    )


def _check(data: SaleRecordedData) -> str | None:
    bad_eans = [line.ean for line in data.lines if not ean.is_valid(line.ean)]
    if bad_eans:
        return f"invalid EAN check digit: {', '.join(bad_eans)}"
    lines_total = sum((line.unit_price * line.quantity for line in data.lines), Decimal(0))
    if lines_total != data.total:
        return f"total {data.total} differs from the sum of its lines {lines_total}"
    return None


def _validate(raw: dict[str, Any], where: str) -> SaleRecorded | BadDocument:
    label = f"{raw.get('document_type', '?')} {raw.get('document_number', '?')}"
    try:
        data = SaleRecordedData.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        return BadDocument(where, label, problems)
    problem = _check(data)
    return BadDocument(where, label, problem) if problem else sale_event(data)


def _documents_from_csv(path: Path) -> Iterable[tuple[str, dict[str, Any]]]:
    grouped: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row_number, row in enumerate(csv.DictReader(handle), start=2):
            key = (row["document_type"], row["document_number"])
            if key not in grouped:
                grouped[key] = (
                    row_number,
                    {
                        "document_type": row["document_type"],
                        "document_number": row["document_number"],
                        "issued_on": row["issued_on"],
                        "delivered_on": row["delivered_on"] or None,
                        "buyer": {
                            "type": row["buyer_type"],
                            "name": row["buyer_name"] or None,
                            "vat_country": row["vat_country"] or None,
                            "tax_id": row["tax_id"] or None,
                        },
                        "total": row["total"],
                        "currency": row["currency"] or "PLN",
                        "lines": [],
                    },
                )
            grouped[key][1]["lines"].append(
                {
                    "line_no": row["line_no"],
                    "ean": row["ean"],
                    "sku": row["sku"],
                    "name": row["name"],
                    "brand": row["brand"],
                    "category": row["category"],
                    "quantity": row["quantity"],
                    "unit_price": row["unit_price"],
                    "serial_numbers": [s for s in row["serial_numbers"].split("|") if s],
                    "outlet": row["outlet"] in ("1", "true", "True"),
                }
            )
    for first_row, document in grouped.values():
        yield f"{path.name}:{first_row}", document


def _documents_from_json(path: Path) -> Iterable[tuple[str, dict[str, Any]]]:
    documents = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    if not isinstance(documents, list):
        raise ValueError(f"{path}: expected a JSON list of documents")
    for index, document in enumerate(documents):
        yield f"{path.name}[{index}]", document


def read_export(path: Path) -> tuple[list[SaleRecorded], list[BadDocument]]:
    """Parse and validate an export; pure apart from reading the file."""
    if path.suffix.lower() == ".csv":
        documents = _documents_from_csv(path)
    elif path.suffix.lower() == ".json":
        documents = _documents_from_json(path)
    else:
        raise ValueError(f"{path}: the export must be a .csv or .json file")
    events: list[SaleRecorded] = []
    bad: list[BadDocument] = []
    for where, raw in documents:
        outcome = _validate(raw, where)
        (events if isinstance(outcome, SaleRecorded) else bad).append(outcome)  # type: ignore[arg-type]
    return events, bad


async def publish_sales(
    events: list[SaleRecorded], bootstrap_servers: str, *, progress: bool = True
) -> int:
    """Publish and wait until the broker acknowledged every event (idempotent, acks=all)."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        client_id="erp-feed",
        enable_idempotence=True,
        acks="all",
        linger_ms=20,
    )
    await producer.start()
    try:
        with tqdm(total=len(events), unit="doc", disable=not progress, desc="SaleRecorded") as bar:
            for start in range(0, len(events), 500):
                batch = events[start : start + 500]
                deliveries = [
                    await producer.send(
                        SaleRecorded.topic,
                        value=event.model_dump_json().encode(),
                        key=event.key.encode(),
                        headers=kafka_headers(
                            event.type, str(event.event_id), str(event.correlation_id)
                        ),
                    )
                    for event in batch
                ]
                await asyncio.gather(*deliveries)
                bar.update(len(batch))
    finally:
        await producer.stop()
    return len(events)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Publish an ERP export as SaleRecorded events")
    parser.add_argument("export", type=Path, help="a .json or .csv export of sales documents")
    parser.add_argument("--bootstrap", default="127.0.0.1:9092", help="Kafka bootstrap servers")
    parser.add_argument("--dry-run", action="store_true", help="validate only, publish nothing")
    args = parser.parse_args(argv)
    try:
        events, bad = read_export(args.export)
    except (OSError, ValueError) as error:
        print(f"erp_feed: {error}", file=sys.stderr)
        return 2
    for document in bad:
        print(f"erp_feed: skipped {document.document} ({document.where}): {document.problem}")
    published = 0 if args.dry_run else asyncio.run(publish_sales(events, args.bootstrap))
    verb = "would publish" if args.dry_run else "published"
    print(f"erp_feed: {verb} {len(events) if args.dry_run else published}, skipped {len(bad)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
