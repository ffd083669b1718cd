"""Demo data: the product catalogue and a few thousand sales documents, the same for a seed.

    python -m tools.demo_data --out DIR [--documents 3000] [--seed 42]

Writes DIR/sales.json and DIR/sales.csv (the same documents in both export formats of
`tools.erp_feed`) and DIR/catalogue.json (products with their problem lists and whether a claim
needs a serial number). The documents are the fixed `DEMO_DOCUMENTS` followed by `--documents`
random ones issued 2019-01-01..2026-11-15, so that every scooter warranty rule by purchase date
(up to 2020-02-29, 2020-03-01..2021-02-28, from 2021-03-01) has sales to apply to.

The fixed documents the README and the demo rely on (number, total, buyer, products):

- PA 2025/000001, 4299.00, consumer Jan Kowalski, issued 2025-09-15:
  DJI Mini 4 Pro, serial 1581F6Q8D25000001 (DJI warranty, 24 months from the sale).
- FS 2025/000002, 7097.00, Dron-Serwis Sp. z o.o., NIP 5260250274, issued 2025-06-02:
  DJI Air 3S, serial 1581F7K3C25000002, and 2 x DJI Air 3 Flight Battery, serials
  6BAIR325000003 and 6BAIR325000004 (a DJI battery: 12 months, expired on 2026-06-02).
- PA 2025/000003, 17999.00, consumer Anna Nowak, issued 2025-04-10:
  Dualtron Thunder 3, serial DT3-2025-000005 (24 months if registered within 30 days, else 12).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import random
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from shared.events import Buyer, SaleLine, SaleRecordedData
from tools.catalogue import BY_SKU, CATALOGUE, Product
from tools.erp_feed import CSV_COLUMNS, SERIAL_SEPARATOR

FIRST_DAY = date(2019, 1, 1)
LAST_DAY = date(2026, 11, 15)
# Numbers below this (in every year) and serial counters below the next one are left to the
# fixed demo documents, so that generated documents never collide with them.
FIRST_GENERATED_NUMBER = 100
FIRST_GENERATED_SERIAL = 1000
INVOICE_SHARE = 0.2
NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)
GROSZ = Decimal("0.01")

FIRST_NAMES = {
    "m": ("Jan", "Piotr", "Tomasz", "Paweł", "Michał", "Krzysztof", "Marcin", "Łukasz"),
    "f": ("Anna", "Katarzyna", "Magdalena", "Agnieszka", "Monika", "Joanna", "Ewa", "Zofia"),
}
# Polish surnames agree with the bearer's gender: (masculine, feminine).
SURNAMES = (
    ("Kowalski", "Kowalska"),
    ("Nowak", "Nowak"),
    ("Wiśniewski", "Wiśniewska"),
    ("Wójcik", "Wójcik"),
    ("Kamiński", "Kamińska"),
    ("Lewandowski", "Lewandowska"),
    ("Zieliński", "Zielińska"),
    ("Szymański", "Szymańska"),
    ("Dąbrowski", "Dąbrowska"),
    ("Kozłowski", "Kozłowska"),
)
COMPANY_STEMS = ("Aero", "Foto", "Dron", "Elektro", "Moto", "Volt", "Tech", "Media", "Eko")
COMPANY_ENDINGS = ("-Serwis", "-Hurt", "pol", "-Trade", "net", " Studio", " Logistyka")
# How often a category sells, relative to the others.
POPULARITY = {
    "drone": 4.0,
    "camera": 2.0,
    "gimbal": 1.0,
    "battery": 2.5,
    "cable": 1.0,
    "housing": 0.5,
    "propeller": 2.0,
    "accessory": 2.0,
    "scooter": 1.5,
    "scooter_battery": 0.5,
    "scooter_part": 1.0,
    "other": 2.0,
}
SAME_BRAND_SHARE = 0.7
LEGAL_FORMS = ("Sp. z o.o.", "S.A.", "s.c.", "Sp. j.", "Sp. z o.o. Sp. k.")


def _line(
    line_no: int,
    product: Product,
    quantity: int,
    serials: Sequence[str] = (),
    unit_price: Decimal | None = None,
) -> SaleLine:
    return SaleLine(
        line_no=line_no,
        ean=product.ean,
        sku=product.sku,
        name=product.name,
        brand=product.brand,
        category=product.category,
        quantity=quantity,
        unit_price=product.price if unit_price is None else unit_price,
        serial_numbers=tuple(serials),
        outlet=product.outlet,
    )


def _document(
    document_type: str,
    number: str,
    issued_on: date,
    delivered_on: date | None,
    buyer: Buyer,
    lines: Sequence[SaleLine],
) -> SaleRecordedData:
    total = sum((line.unit_price * line.quantity for line in lines), Decimal(0))
    return SaleRecordedData.model_validate(
        {
            "document_type": document_type,
            "document_number": number,
            "issued_on": issued_on,
            "delivered_on": delivered_on,
            "buyer": buyer,
            "total": total.quantize(GROSZ),
            "lines": lines,
        }
    )


def _serials(sku: str, made_on: date, *counters: int) -> tuple[str, ...]:
    return tuple(BY_SKU[sku].serial_number(made_on, counter) for counter in counters)


DEMO_DJI_RECEIPT = _document(
    "PA",
    "2025/000001",
    date(2025, 9, 15),
    date(2025, 9, 17),
    Buyer(type="consumer", name="Jan Kowalski"),
    [_line(1, BY_SKU["DJI-MINI4PRO"], 1, _serials("DJI-MINI4PRO", date(2025, 9, 15), 1))],
)
DEMO_COMPANY_INVOICE = _document(
    "FS",
    "2025/000002",
    date(2025, 6, 2),
    date(2025, 6, 4),
    Buyer(type="business", name="Dron-Serwis Sp. z o.o.", vat_country="PL", tax_id="5260250274"),
    [
        _line(1, BY_SKU["DJI-AIR3S"], 1, _serials("DJI-AIR3S", date(2025, 6, 2), 2)),
        _line(
            2,
            BY_SKU["DJI-AIR3FLIGHTBATTERY"],
            2,
            _serials("DJI-AIR3FLIGHTBATTERY", date(2025, 6, 2), 3, 4),
        ),
    ],
)
DEMO_SCOOTER_RECEIPT = _document(
    "PA",
    "2025/000003",
    date(2025, 4, 10),
    date(2025, 4, 10),
    Buyer(type="consumer", name="Anna Nowak"),
    [_line(1, BY_SKU["DUALTRON-THUNDER3"], 1, _serials("DUALTRON-THUNDER3", date(2025, 4, 10), 5))],
)
DEMO_DOCUMENTS: tuple[SaleRecordedData, ...] = (
    DEMO_DJI_RECEIPT,
    DEMO_COMPANY_INVOICE,
    DEMO_SCOOTER_RECEIPT,
)


def valid_nip(rng: random.Random) -> str:
    """A random NIP with a correct check digit (a weighted sum mod 11 that is not 10)."""
    while True:
        body = f"{rng.randint(101, 999)}{rng.randrange(10**6):06d}"
        check = sum(w * int(d) for w, d in zip(NIP_WEIGHTS, body, strict=True)) % 11
        if check < 10:
            return f"{body}{check}"


def _companies(rng: random.Random, count: int) -> list[Buyer]:
    """Repeat business customers: each company keeps its NIP on all of its invoices."""
    names = sorted(
        {
            f"{stem}{ending} {form}"
            for stem in COMPANY_STEMS
            for ending in COMPANY_ENDINGS
            for form in LEGAL_FORMS
        }
    )
    return [
        Buyer(type="business", name=name, vat_country="PL", tax_id=valid_nip(rng))
        for name in rng.sample(names, count)
    ]


def _consumer(rng: random.Random) -> Buyer:
    if rng.random() < 0.35:
        return Buyer(type="consumer")  # a shop receipt carries no name
    gender = rng.choice(("m", "f"))
    surname = rng.choice(SURNAMES)[0 if gender == "m" else 1]
    return Buyer(type="consumer", name=f"{rng.choice(FIRST_NAMES[gender])} {surname}")


def _unit_price(rng: random.Random, product: Product) -> Decimal:
    if rng.random() < 0.15:  # a promotion
        discount = rng.choice((Decimal("0.05"), Decimal("0.10"), Decimal("0.15")))
        return (product.price * (1 - discount)).quantize(GROSZ, rounding=ROUND_HALF_UP)
    return product.price


def _basket(rng: random.Random, on_sale: Sequence[Product], size: int) -> list[Product]:
    """Distinct products, mostly of the first one's brand (a drone with spare batteries...)."""
    basket: list[Product] = []
    while len(basket) < min(size, len(on_sale)):
        pool = [product for product in on_sale if product not in basket]
        if basket and rng.random() < SAME_BRAND_SHARE:
            pool = [product for product in pool if product.brand == basket[0].brand] or pool
        weights = [POPULARITY[product.category] for product in pool]
        basket.append(rng.choices(pool, weights)[0])
    return basket


def _random_document(
    rng: random.Random,
    number: str,
    issued_on: date,
    companies: Sequence[Buyer],
    serial_counter: Iterator[int],
) -> SaleRecordedData:
    business = rng.random() < INVOICE_SHARE
    on_sale = [product for product in CATALOGUE if product.on_sale(issued_on)]
    lines = []
    for line_no, product in enumerate(_basket(rng, on_sale, rng.randint(1, 4)), start=1):
        quantity = rng.randint(1, 2)
        serials = (
            [product.serial_number(issued_on, next(serial_counter)) for _ in range(quantity)]
            if product.serial_required
            else []
        )
        lines.append(_line(line_no, product, quantity, serials, _unit_price(rng, product)))
    chance = rng.random()
    if chance < 0.05:
        delivered_on = None  # not recorded by the ERP
    elif business or chance < 0.5:
        delivered_on = issued_on + timedelta(days=rng.randint(1, 4))  # shipped
    else:
        delivered_on = issued_on  # bought in a shop
    return _document(
        "FS" if business else "PA",
        number,
        issued_on,
        delivered_on,
        rng.choice(companies) if business else _consumer(rng),
        lines,
    )


def generate(documents: int, seed: int) -> list[dict[str, Any]]:
    """`DEMO_DOCUMENTS`, then `documents` random ones in date order, as in the JSON export."""
    rng = random.Random(seed)
    companies = _companies(rng, 40)
    span = (LAST_DAY - FIRST_DAY).days
    days = sorted(FIRST_DAY + timedelta(days=rng.randint(0, span)) for _ in range(documents))
    serial_counter = itertools.count(FIRST_GENERATED_SERIAL)
    # One sequence per year for receipts and invoices together: the accounts service finds a
    # document by its number and total alone, so a number must not exist as both PA and FS.
    issued_in_year: Counter[int] = Counter()
    generated = [document.model_dump(mode="json") for document in DEMO_DOCUMENTS]
    for issued_on in days:
        number = f"{issued_on.year}/{FIRST_GENERATED_NUMBER + issued_in_year[issued_on.year]:06d}"
        issued_in_year[issued_on.year] += 1
        document = _random_document(rng, number, issued_on, companies, serial_counter)
        generated.append(document.model_dump(mode="json"))
    return generated


def csv_rows(documents: Iterable[dict[str, Any]]) -> Iterator[dict[str, str]]:
    """The documents in the CSV export format: one row per line, the document's columns repeated."""
    for document in documents:
        buyer = document["buyer"]
        header = {
            "document_type": document["document_type"],
            "document_number": document["document_number"],
            "issued_on": document["issued_on"],
            "delivered_on": document["delivered_on"] or "",
            "buyer_type": buyer["type"],
            "buyer_name": buyer["name"] or "",
            "vat_country": buyer["vat_country"] or "",
            "tax_id": buyer["tax_id"] or "",
            "total": document["total"],
            "currency": document["currency"],
        }
        for line in document["lines"]:
            yield {
                **header,
                "line_no": str(line["line_no"]),
                "ean": line["ean"],
                "sku": line["sku"],
                "name": line["name"],
                "brand": line["brand"],
                "category": line["category"],
                "quantity": str(line["quantity"]),
                "unit_price": line["unit_price"],
                "serial_numbers": SERIAL_SEPARATOR.join(line["serial_numbers"]),
                "outlet": "1" if line["outlet"] else "0",
            }


def write(out: Path, documents: int, seed: int) -> list[dict[str, Any]]:
    out.mkdir(parents=True, exist_ok=True)
    generated = generate(documents, seed)
    (out / "sales.json").write_text(
        json.dumps(generated, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    with (out / "sales.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(csv_rows(generated))
    (out / "catalogue.json").write_text(
        json.dumps([product.export() for product in CATALOGUE], ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
    return generated


def _count(value: str) -> int:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return number


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.demo_data", description="Write the demo catalogue and sales export"
    )
    parser.add_argument("--out", type=Path, required=True, help="directory for the files")
    parser.add_argument(
        "--documents", type=_count, default=3000, help="random documents besides the fixed ones"
    )
    parser.add_argument("--seed", type=int, default=42, help="the same seed, the same data")
    args = parser.parse_args(argv)
    generated = write(args.out, args.documents, args.seed)
    print(
        f"demo_data: {len(generated)} documents, {len(CATALOGUE)} products "
        f"in {args.out}/sales.json, sales.csv, catalogue.json"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
