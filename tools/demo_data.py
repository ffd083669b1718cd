"""Demo data: a realistic catalogue and a few thousand sales documents, the same for a seed.

    python -m tools.demo_data --out DIR [--documents 3000] [--seed 42]

Writes DIR/sales.json and DIR/sales.csv (the ERP export formats of tools.erp_feed) and
DIR/catalogue.json (products with their problem lists, for the warranty service's import).
`DEMO_DOCUMENTS` are fixed documents the README and the demo rely on.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from stdnum import ean
from stdnum.pl import nip

from tools.erp_feed import CSV_COLUMNS

DRONE_PROBLEMS = (
    "Dron nie łączy się z aparaturą",
    "Gimbal nie kalibruje się",
    "Uszkodzenie po upadku",
    "Błąd IMU / kompasu",
    "Kamera nie nagrywa",
)
CAMERA_PROBLEMS = ("Nie włącza się", "Problem z obrazem", "Stabilizacja nie działa")
SCOOTER_PROBLEMS = (
    "Nie ładuje się",
    "Błąd sterownika",
    "Hamulce nie działają prawidłowo",
    "Wyświetlacz nie działa",
    "Zmniejszony zasięg",
)


@dataclass(frozen=True)
class Product:
    brand: str
    name: str
    category: str
    price: Decimal
    outlet: bool = False
    problems: tuple[str, ...] = ()

    @property
    def sku(self) -> str:
        slug = "".join(
            ch for ch in f"{self.brand}-{self.name}".upper() if ch.isalnum() or ch == "-"
        )
        return slug + ("-OUTLET" if self.outlet else "")

    @property
    def ean(self) -> str:
        # Stable per SKU: 590 (GS1 Poland) + 9 digits from a hash + the check digit.
        digits = str(int(hashlib.sha256(self.sku.encode()).hexdigest(), 16))[:9]
        body = f"590{digits}"
        return body + ean.calc_check_digit(body)

    @property
    def serial_required(self) -> bool:
        return self.brand.lower() in ("dji", "dualtron", "kaabo", "nami")


def _p(brand: str, name: str, category: str, price: str, **more: Any) -> Product:
    return Product(brand, name, category, Decimal(price), **more)


CATALOGUE: tuple[Product, ...] = (
    _p("DJI", "Mini 4 Pro", "drone", "4299.00", problems=DRONE_PROBLEMS),
    _p("DJI", "Mini 3", "drone", "2199.00", problems=DRONE_PROBLEMS),
    _p("DJI", "Air 3S", "drone", "5499.00", problems=DRONE_PROBLEMS),
    _p("DJI", "Mavic 3 Pro", "drone", "9999.00", problems=DRONE_PROBLEMS),
    _p("DJI", "Mavic 3 Classic", "drone", "6999.00", problems=DRONE_PROBLEMS),
    _p("DJI", "Avata 2", "drone", "2999.00", problems=DRONE_PROBLEMS),
    _p("DJI", "Neo", "drone", "899.00", problems=DRONE_PROBLEMS),
    _p("DJI", "Mini 4 Pro", "drone", "3499.00", outlet=True, problems=DRONE_PROBLEMS),
    _p("DJI", "Air 3", "drone", "3999.00", outlet=True, problems=DRONE_PROBLEMS),
    _p("DJI", "Osmo Pocket 3", "camera", "2399.00", problems=CAMERA_PROBLEMS),
    _p("DJI", "Osmo Action 5 Pro", "camera", "1899.00", problems=CAMERA_PROBLEMS),
    _p("DJI", "Osmo 360", "camera", "2199.00", problems=CAMERA_PROBLEMS),
    _p("DJI", "RS 4", "gimbal", "2399.00", problems=CAMERA_PROBLEMS),
    _p("DJI", "RS 4 Mini", "gimbal", "1599.00", problems=CAMERA_PROBLEMS),
    _p("DJI", "Osmo Mobile 7P", "gimbal", "749.00"),
    _p("DJI", "Mini 4 Pro Intelligent Flight Battery", "battery", "449.00"),
    _p("DJI", "Air 3 Intelligent Flight Battery", "battery", "799.00"),
    _p("DJI", "Mavic 3 Intelligent Flight Battery", "battery", "1049.00"),
    _p("DJI", "Osmo Action Extreme Battery", "battery", "169.00"),
    _p("DJI", "Mini 4 Pro Propellers", "propeller", "59.00"),
    _p("DJI", "Air 3 Propellers", "propeller", "79.00"),
    _p("DJI", "Avata 2 Propellers", "propeller", "69.00"),
    _p("DJI", "USB-C to USB-C PD Cable", "cable", "69.00"),
    _p("DJI", "RC-N2 Cable Kit", "cable", "49.00"),
    _p("DJI", "Mini 4 Pro Upper Shell", "housing", "199.00"),
    _p("DJI", "Avata 2 Frame", "housing", "299.00"),
    _p("DJI", "RC 2 Remote Controller", "accessory", "1599.00"),
    _p("DJI", "Goggles 3", "accessory", "2599.00"),
    _p("Dualtron", "Thunder 3", "scooter", "17999.00", problems=SCOOTER_PROBLEMS),
    _p("Dualtron", "Victor Luxury", "scooter", "9999.00", problems=SCOOTER_PROBLEMS),
    _p("Dualtron", "Mini Special", "scooter", "5999.00", problems=SCOOTER_PROBLEMS),
    _p("Dualtron", "Popular", "scooter", "7499.00", problems=SCOOTER_PROBLEMS),
    _p("Kaabo", "Mantis 10", "scooter", "6999.00", problems=SCOOTER_PROBLEMS),
    _p("Kaabo", "Wolf Warrior 11", "scooter", "14999.00", problems=SCOOTER_PROBLEMS),
    _p("Kaabo", "Skywalker 10H", "scooter", "4599.00", problems=SCOOTER_PROBLEMS),
    _p("Nami", "Burn-E 2", "scooter", "19999.00", problems=SCOOTER_PROBLEMS),
    _p("Nami", "Klima", "scooter", "11999.00", problems=SCOOTER_PROBLEMS),
    _p("Dualtron", "Thunder 3 Battery 72V 40Ah", "scooter_battery", "5499.00"),
    _p("Kaabo", "Mantis 10 Battery 60V 24Ah", "scooter_battery", "2999.00"),
    _p("Nami", "Burn-E 2 Battery 72V 35Ah", "scooter_battery", "5999.00"),
    _p("Dualtron", "Brake Pads Set", "scooter_part", "89.00"),
    _p("Dualtron", "Tyre 11 inch", "scooter_part", "249.00"),
    _p("Kaabo", "Controller 60V", "scooter_part", "699.00"),
    _p("Kaabo", "Tyre 10 inch", "scooter_part", "179.00"),
    _p("Nami", "Controller 72V", "scooter_part", "899.00"),
    _p("Dualtron", "Phone Holder", "accessory", "129.00"),
    _p("Xiaomi", "Redmi Buds 6", "other", "149.00"),
    _p("Xiaomi", "Smart Band 9", "other", "199.00"),
    _p("Xiaomi", "Mi Robot Vacuum S10", "other", "999.00"),
    _p("Sony", "WH-1000XM5", "other", "1499.00"),
    _p("JBL", "Flip 6", "other", "549.00"),
    _p("Anker", "PowerCore 20000", "accessory", "199.00"),
    _p("Anker", "Nano Charger 65W", "accessory", "179.00"),
    _p("Baseus", "USB-C Cable 2m", "cable", "39.00"),
    _p("Insta360", "X4", "camera", "2299.00", problems=CAMERA_PROBLEMS),
    _p("GoPro", "HERO13 Black", "camera", "2199.00", problems=CAMERA_PROBLEMS),
    _p("Tapo", "C200 Camera", "other", "129.00"),
    _p("Philips", "Hue White Starter Kit", "other", "399.00"),
    _p("Samsung", "Galaxy Watch 7", "other", "1299.00"),
    _p("Logitech", "MX Master 3S", "accessory", "449.00"),
)
_BY_SKU = {product.sku: product for product in CATALOGUE}

FIRST_NAMES = ("Jan", "Anna", "Piotr", "Katarzyna", "Tomasz", "Magdalena", "Paweł", "Agnieszka")
LAST_NAMES = ("Kowalski", "Nowak", "Wiśniewski", "Wójcik", "Kamińska", "Lewandowska", "Zieliński")
COMPANIES = ("Dron-Serwis", "Foto-Pro", "Miasto w Ruchu", "Elektro-Hurt", "Aero-Media")


def _line(line_no: int, product: Product, quantity: int, serials: list[str]) -> dict[str, Any]:
    return {
        "line_no": line_no,
        "ean": product.ean,
        "sku": product.sku,
        "name": f"{product.brand} {product.name}",
        "brand": product.brand,
        "category": product.category,
        "quantity": quantity,
        "unit_price": str(product.price),
        "serial_numbers": serials,
        "outlet": product.outlet,
    }


def _document(
    document_type: str,
    number: str,
    issued_on: date,
    buyer: dict[str, Any],
    lines: list[dict[str, Any]],
) -> dict[str, Any]:
    total = sum((Decimal(line["unit_price"]) * line["quantity"] for line in lines), Decimal(0))
    return {
        "document_type": document_type,
        "document_number": number,
        "issued_on": issued_on.isoformat(),
        "delivered_on": (issued_on + timedelta(days=2)).isoformat(),
        "buyer": buyer,
        "total": str(total),
        "currency": "PLN",
        "lines": lines,
    }


def _serial(product: Product, issued_on: date, counter: int) -> str:
    if product.brand == "DJI":
        return f"1581F{issued_on:%y%m}{counter:07d}"
    return f"{product.brand[:2].upper()}-{issued_on:%Y}-{counter:06d}"


def _nip(rng: random.Random) -> str:
    # About one random number in eleven has a valid NIP checksum; python-stdnum decides.
    while True:
        candidate = f"{rng.randint(100, 999)}{rng.randint(0, 9999999):07d}"
        if nip.is_valid(candidate):
            return candidate


# Fixed documents for the README and the demo (their serials are unique to them).
DEMO_DOCUMENTS: tuple[dict[str, Any], ...] = (
    _document(
        "PA",
        "2025/000001",
        date(2025, 9, 15),
        {"type": "consumer", "name": "Jan Kowalski"},
        [_line(1, _BY_SKU["DJI-MINI4PRO"], 1, ["1581F6Q8D2300001"])],
    ),
    _document(
        "FS",
        "2025/000002",
        date(2025, 6, 2),
        {
            "type": "business",
            "name": "Dron-Serwis Sp. z o.o.",
            "vat_country": "PL",
            "tax_id": "5260250274",
        },
        [
            _line(1, _BY_SKU["DJI-AIR3S"], 1, ["1581F7A1B2300002"]),
            _line(2, _BY_SKU["DJI-AIR3INTELLIGENTFLIGHTBATTERY"], 2, []),
        ],
    ),
    _document(
        "PA",
        "2025/000003",
        date(2025, 4, 10),
        {"type": "consumer", "name": "Anna Nowak"},
        [_line(1, _BY_SKU["DUALTRON-THUNDER3"], 1, ["DU-2025-000003"])],
    ),
)


def generate(documents: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    start, end = date(2019, 1, 1), date(2026, 11, 15)
    span = (end - start).days
    numbers = {"PA": 100, "FS": 100}
    serial_counter = 0
    generated = list(DEMO_DOCUMENTS)
    for _ in range(documents):
        issued_on = start + timedelta(days=rng.randrange(span + 1))
        document_type = "PA" if rng.random() < 0.8 else "FS"
        numbers[document_type] += 1
        number = f"{issued_on.year}/{numbers[document_type]:06d}"
        if document_type == "PA":
            buyer = {
                "type": "consumer",
                "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            }
        else:
            buyer = {
                "type": "business",
                "name": f"{rng.choice(COMPANIES)} Sp. z o.o.",
                "vat_country": "PL",
                "tax_id": _nip(rng),
            }
        lines = []
        for line_no, product in enumerate(rng.sample(CATALOGUE, rng.randint(1, 4)), start=1):
            quantity = rng.randint(1, 2)
            serials = []
            if product.serial_required and product.category in (
                "drone",
                "camera",
                "gimbal",
                "scooter",
            ):
                for _unit in range(quantity):
                    serial_counter += 1
                    serials.append(_serial(product, issued_on, serial_counter))
            lines.append(_line(line_no, product, quantity, serials))
        generated.append(_document(document_type, number, issued_on, buyer, lines))
    return generated


def _csv_rows(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for document in documents:
        buyer = document["buyer"]
        for line in document["lines"]:
            rows.append(
                {
                    "document_type": document["document_type"],
                    "document_number": document["document_number"],
                    "issued_on": document["issued_on"],
                    "delivered_on": document["delivered_on"] or "",
                    "buyer_type": buyer["type"],
                    "buyer_name": buyer.get("name") or "",
                    "vat_country": buyer.get("vat_country") or "",
                    "tax_id": buyer.get("tax_id") or "",
                    "total": document["total"],
                    "currency": document["currency"],
                    "line_no": line["line_no"],
                    "ean": line["ean"],
                    "sku": line["sku"],
                    "name": line["name"],
                    "brand": line["brand"],
                    "category": line["category"],
                    "quantity": line["quantity"],
                    "unit_price": line["unit_price"],
                    "serial_numbers": "|".join(line["serial_numbers"]),
                    "outlet": "1" if line["outlet"] else "0",
                }
            )
    return rows


def catalogue_export() -> list[dict[str, Any]]:
    return [
        {
            "ean": p.ean,
            "sku": p.sku,
            "name": f"{p.brand} {p.name}",
            "brand": p.brand,
            "category": p.category,
            "outlet": p.outlet,
            "problems": list(p.problems),
            "serial_required": p.serial_required,
        }
        for p in CATALOGUE
    ]


def write(out: Path, documents: int, seed: int) -> list[dict[str, Any]]:
    out.mkdir(parents=True, exist_ok=True)
    generated = generate(documents, seed)
    (out / "sales.json").write_text(json.dumps(generated, ensure_ascii=False, indent=1))
    with (out / "sales.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(_csv_rows(generated))
    (out / "catalogue.json").write_text(
        json.dumps(catalogue_export(), ensure_ascii=False, indent=1)
    )
    return generated


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Generate demo sales documents")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--documents", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    generated = write(args.out, args.documents, args.seed)
    print(f"demo_data: {len(generated)} documents, {len(CATALOGUE)} products in {args.out}")


if __name__ == "__main__":
    main()
