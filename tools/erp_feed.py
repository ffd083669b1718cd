"""The ERP feed: publish an export of sales documents as SaleRecorded events.

    python -m tools.erp_feed sales.json [--bootstrap 127.0.0.1:9092] [--dry-run]

Kafka user: RMA_KAFKA_USERNAME and RMA_KAFKA_PASSWORD (`make run` uses erp-feed, the only user
allowed to write rma.sales.v1).

JSON: a list of documents shaped like `SaleRecordedData`. CSV: one row per document line, the
document's columns repeated on each of its rows (see `CSV_COLUMNS`), the rows of a document
consecutive, serial numbers separated by `|`, `outlet` 0 or 1. Every document is validated (the
contract, EAN check digits, amounts in grosze, serial numbers, total = sum of its lines, not twice
in the export); a bad one is reported and skipped. Event ids are derived from the document key,
so feeding the same export twice publishes the same ids and the consumers' inboxes drop the
repeats.

Exit status: 0 all published, 1 some documents were skipped, 2 the export could not be read or
the broker did not acknowledge (feeding again is safe).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from pydantic import ValidationError
from stdnum import ean
from tqdm import tqdm

from shared.events import SaleRecorded, SaleRecordedData, document_key
from shared.kafka import KafkaConnectionSettings, client_options
from shared.outbox import kafka_headers

EVENT_NAMESPACE = uuid5(NAMESPACE_URL, "https://rma.innpro.example/erp/sales")
PRODUCER = "erp"
SEND_BATCH = 500

DOCUMENT_COLUMNS = (
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
)
LINE_COLUMNS = (
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
CSV_COLUMNS = DOCUMENT_COLUMNS + LINE_COLUMNS
SERIAL_SEPARATOR = "|"


@dataclass(frozen=True)
class BadDocument:
    """A document of the export that was not published, and why."""

    where: str  # `sales.csv:12` (line of its first row) or `sales.json[3]` (index in the list)
    document: str  # `PA 2025/000001`
    problem: str

    def __str__(self) -> str:
        return f"{self.where}: {self.document}: {self.problem}"


def sale_event(data: SaleRecordedData) -> SaleRecorded:
    key = document_key(data.document_type, data.document_number)
    return SaleRecorded(
        event_id=uuid5(EVENT_NAMESPACE, key),
        producer=PRODUCER,
        key=key,
        # Each document starts its own chain of events; stable, like the event id.
        correlation_id=uuid5(EVENT_NAMESPACE, f"correlation:{key}"),
        data=data,
    )


def _finer_than_grosze(amount: Decimal) -> bool:
    exponent = amount.normalize().as_tuple().exponent  # 4299.000 is fine, 12.345 is not
    return isinstance(exponent, int) and exponent < -2


def document_problems(data: SaleRecordedData) -> list[str]:
    """What the contract cannot check: EAN check digits, grosze, serial numbers, the total."""
    problems = []
    amounts = [("total", data.total)]
    serials_seen: set[str] = set()
    for line in data.lines:
        if not ean.is_valid(line.ean):
            problems.append(f"line {line.line_no}: invalid EAN {line.ean!r} (GTIN check digit)")
        amounts.append((f"line {line.line_no}: unit price", line.unit_price))
        if len(line.serial_numbers) > line.quantity:
            problems.append(
                f"line {line.line_no}: {len(line.serial_numbers)} serial numbers "
                f"for a quantity of {line.quantity}"
            )
        for serial in line.serial_numbers:
            if serial in serials_seen:
                problems.append(f"line {line.line_no}: serial number {serial} repeats")
            serials_seen.add(serial)
    line_numbers = [line.line_no for line in data.lines]
    if len(set(line_numbers)) != len(line_numbers):
        problems.append(f"line numbers repeat: {line_numbers}")
    problems += [
        f"{what} {amount} has more than 2 decimal places"
        for what, amount in amounts
        if _finer_than_grosze(amount)
    ]
    lines_total = sum((line.unit_price * line.quantity for line in data.lines), Decimal(0))
    if lines_total != data.total:
        problems.append(f"total {data.total} differs from the sum of its lines {lines_total}")
    return problems


def _label(raw: object) -> str:
    if not isinstance(raw, dict):
        return "?"
    return f"{raw.get('document_type') or '?'} {raw.get('document_number') or '?'}"


def validate_document(raw: object, where: str) -> SaleRecorded | BadDocument:
    """One document of an export, as parsed from JSON or assembled from CSV rows."""
    if not isinstance(raw, dict):
        return BadDocument(where, "?", f"expected a JSON object, got {type(raw).__name__}")
    try:
        data = SaleRecordedData.model_validate(raw)
    except ValidationError as error:
        problems = [
            f"{'.'.join(str(part) for part in e['loc'])}: {e['msg']}" for e in error.errors()
        ]
        return BadDocument(where, _label(raw), "; ".join(problems))
    problems = document_problems(data)
    return BadDocument(where, _label(raw), "; ".join(problems)) if problems else sale_event(data)


def _csv_document(row: dict[str, str]) -> dict[str, Any]:
    return {
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
    }


def _csv_line(row: dict[str, str]) -> dict[str, Any]:
    return {
        "line_no": row["line_no"],
        "ean": row["ean"],
        "sku": row["sku"],
        "name": row["name"],
        "brand": row["brand"],
        "category": row["category"],
        "quantity": row["quantity"],
        "unit_price": row["unit_price"],
        "serial_numbers": [
            serial
            for part in row["serial_numbers"].split(SERIAL_SEPARATOR)
            if (serial := part.strip())
        ],
        # Pydantic reads 0/1 (and true/false) and refuses anything else.
        "outlet": row["outlet"] or False,
    }


Source = Iterator[tuple[str, object, list[str]]]  # where, document, problems of its rows


def _csv_documents(path: Path) -> Source:
    """Assemble documents from consecutive rows with the same type and number."""
    # utf-8-sig: spreadsheet programs start their CSV exports with a byte order mark.
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [column for column in CSV_COLUMNS if column not in (reader.fieldnames or ())]
        if missing:
            raise ValueError(f"{path}: missing CSV columns: {', '.join(missing)}")
        current: tuple[str, dict[str, Any], list[str]] | None = None
        header: tuple[str, ...] = ()
        for raw_row in reader:
            row = {column: (raw_row.get(column) or "").strip() for column in CSV_COLUMNS}
            row_header = tuple(row[column] for column in DOCUMENT_COLUMNS)
            if current is None or row_header[:2] != header[:2]:
                if current is not None:
                    yield current
                current = (f"{path.name}:{reader.line_num}", _csv_document(row), [])
                header = row_header
            elif row_header != header:
                changed = [
                    column
                    for column, first, this in zip(
                        DOCUMENT_COLUMNS, header, row_header, strict=True
                    )
                    if first != this
                ]
                current[2].append(
                    f"row {reader.line_num}: {', '.join(changed)} differ from the first row"
                )
            current[1]["lines"].append(_csv_line(row))
        if current is not None:
            yield current


def _json_documents(path: Path) -> Source:
    # parse_float=Decimal: amounts written as JSON numbers never pass through a float.
    documents = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    if not isinstance(documents, list):
        raise ValueError(f"{path}: expected a JSON list of documents")
    for index, document in enumerate(documents):
        yield f"{path.name}[{index}]", document, []


def read_export(path: Path) -> tuple[list[SaleRecorded], list[BadDocument]]:
    """Parse and validate an export; raises ValueError or OSError when the file is unusable."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        documents = _csv_documents(path)
    elif suffix == ".json":
        documents = _json_documents(path)
    else:
        raise ValueError(f"{path}: the export must be a .csv or .json file")
    events: list[SaleRecorded] = []
    bad: list[BadDocument] = []
    first_seen: dict[str, str] = {}
    for where, raw, row_problems in documents:
        outcome = validate_document(raw, where)
        if isinstance(outcome, BadDocument):
            bad.append(outcome)
        elif row_problems:
            bad.append(BadDocument(where, _label(raw), "; ".join(row_problems)))
        elif outcome.key in first_seen:
            # A repeat would carry the same event id and vanish in the inboxes, even if it differs.
            problem = f"appears again (first at {first_seen[outcome.key]})"
            bad.append(BadDocument(where, _label(raw), problem))
        else:
            first_seen[outcome.key] = where
            events.append(outcome)
    return events, bad


async def publish_sales(
    events: Sequence[SaleRecorded],
    bootstrap_servers: str,
    *,
    progress: bool = True,
    connection: KafkaConnectionSettings | None = None,
) -> int:
    """Publish to `rma.sales.v1` and return only when the broker acknowledged every event.

    As the Kafka user of `connection`, else of RMA_KAFKA_USERNAME / RMA_KAFKA_PASSWORD.
    """
    producer = AIOKafkaProducer(
        **client_options(bootstrap_servers, connection),
        client_id="erp-feed",
        enable_idempotence=True,
        acks="all",
        linger_ms=20,
    )
    try:
        await producer.start()  # inside: a failed start must still close the producer
        with tqdm(total=len(events), unit="doc", desc="SaleRecorded", disable=not progress) as bar:
            for start in range(0, len(events), SEND_BATCH):
                batch = events[start : start + SEND_BATCH]
                # send() only enqueues; awaiting the futures waits for the acknowledgements.
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
    parser = argparse.ArgumentParser(
        prog="python -m tools.erp_feed", description="Publish an ERP export as SaleRecorded events"
    )
    parser.add_argument("export", type=Path, help="a .json or .csv export of sales documents")
    parser.add_argument("--bootstrap", default="127.0.0.1:9092", help="Kafka bootstrap servers")
    parser.add_argument("--dry-run", action="store_true", help="validate only, publish nothing")
    args = parser.parse_args(argv)
    try:
        events, bad = read_export(args.export)
    except (OSError, ValueError) as error:
        print(f"erp_feed: cannot read the export: {error}", file=sys.stderr)
        return 2
    for document in bad:
        print(f"erp_feed: skipped {document}", file=sys.stderr)
    if args.dry_run:
        print(f"erp_feed: dry run, would publish {len(events)}, skipped {len(bad)}")
    else:
        try:
            published = asyncio.run(publish_sales(events, args.bootstrap))
        except KafkaError as error:
            print(
                f"erp_feed: Kafka at {args.bootstrap} failed: {error!r}; nothing is lost by "
                "feeding the export again (same event ids)",
                file=sys.stderr,
            )
            return 2
        print(f"erp_feed: published {published}, skipped {len(bad)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
