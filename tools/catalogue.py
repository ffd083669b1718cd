"""The demo product catalogue: what INNPRO sells, when it was on sale, and how it is claimed.

EANs are GTIN-13 with a GS1 Poland-like `590` prefix, derived from the SKU so that adding a
product never changes another's EAN. `sold_from`/`sold_until` keep discontinued products out of
recent documents, which gives the support-period check (by the last sale) something to show.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from stdnum import ean

# Products of these brands cannot be claimed without a serial number (seed 000).
SERIAL_REQUIRED_BRANDS = frozenset({"dji", "dualtron", "kaabo", "nami"})

CATEGORIES = (
    "drone",
    "camera",
    "gimbal",
    "battery",
    "cable",
    "housing",
    "propeller",
    "accessory",
    "scooter",
    "scooter_battery",
    "scooter_part",
    "other",
)

DRONE_PROBLEMS = (
    "Dron nie łączy się z aparaturą",
    "Gimbal nie kalibruje się",
    "Uszkodzenie po upadku",
    "Błąd IMU lub kompasu",
    "Silnik nie startuje lub pracuje nierówno",
    "Brak obrazu z kamery w aplikacji",
    "Nie można zaktualizować oprogramowania",
    "Akumulator nie ładuje się lub szybko się rozładowuje",
    "Uszkodzone śmigło",
    "Uszkodzony kabel lub złącze",
    "Pęknięta obudowa",
    "Inny problem (opisany w zgłoszeniu)",
)
CAMERA_PROBLEMS = (
    "Urządzenie nie włącza się",
    "Stabilizacja obrazu nie działa",
    "Nie zapisuje nagrań na karcie pamięci",
    "Zakłócenia obrazu lub dźwięku",
    "Uszkodzenie mechaniczne",
    "Inny problem (opisany w zgłoszeniu)",
)
GIMBAL_PROBLEMS = (
    "Gimbal nie kalibruje się",
    "Silnik osi drga lub się przegrzewa",
    "Nie łączy się z aplikacją",
    "Nie ładuje się",
    "Inny problem (opisany w zgłoszeniu)",
)
SCOOTER_PROBLEMS = (
    "Nie ładuje się",
    "Błąd sterownika",
    "Hamulce nie działają prawidłowo",
    "Wyświetlacz nie działa",
    "Znacznie zmniejszony zasięg",
    "Luz na mechanizmie składania",
    "Silnik nie działa lub szarpie",
    "Akumulator nie trzyma ładowania",
    "Inny problem (opisany w zgłoszeniu)",
)
SCOOTER_BATTERY_PROBLEMS = (
    "Nie ładuje się",
    "Szybko się rozładowuje",
    "Hulajnoga wyłącza się pod obciążeniem",
    "Uszkodzona obudowa lub złącze",
    "Inny problem (opisany w zgłoszeniu)",
)

# The problems that concern a wear part of a kit or a scooter, and which part (the warranty
# service judges them at the part's own period: DJI 12 months, a scooter's battery 6).
DRONE_PROBLEM_PARTS = {
    "Akumulator nie ładuje się lub szybko się rozładowuje": "battery",
    "Uszkodzone śmigło": "propeller",
    "Uszkodzony kabel lub złącze": "cable",
    "Pęknięta obudowa": "housing",
}
SCOOTER_PROBLEM_PARTS = {"Akumulator nie trzyma ładowania": "scooter_battery"}
PROBLEM_PARTS = {"drone": DRONE_PROBLEM_PARTS, "scooter": SCOOTER_PROBLEM_PARTS}

# The categories whose claims make the customer pick a problem from a list.
PROBLEMS = {
    "drone": DRONE_PROBLEMS,
    "camera": CAMERA_PROBLEMS,
    "gimbal": GIMBAL_PROBLEMS,
    "scooter": SCOOTER_PROBLEMS,
    "scooter_battery": SCOOTER_BATTERY_PROBLEMS,
}


@dataclass(frozen=True)
class Product:
    brand: str
    model: str
    category: str
    price: Decimal
    sold_from: date
    sold_until: date | None = None
    # Start of the product's serial numbers: `1581F...` for DJI, a model code for scooters.
    serial_code: str = ""
    problems: tuple[str, ...] = ()
    outlet: bool = False

    @property
    def name(self) -> str:
        return f"{self.brand} {self.model}" + (" (outlet)" if self.outlet else "")

    @property
    def sku(self) -> str:
        slug = "".join(
            ch for ch in f"{self.brand}-{self.model}".upper() if ch.isalnum() or ch == "-"
        )
        return slug + ("-OUTLET" if self.outlet else "")

    @property
    def ean(self) -> str:
        body = "590" + str(int(hashlib.sha256(self.sku.encode()).hexdigest(), 16))[:9]
        return body + ean.calc_check_digit(body)

    @property
    def serial_required(self) -> bool:
        return self.brand.lower() in SERIAL_REQUIRED_BRANDS

    def on_sale(self, day: date) -> bool:
        return self.sold_from <= day and (self.sold_until is None or day <= self.sold_until)

    def serial_number(self, made_on: date, counter: int) -> str:
        """A unit's serial number, unique for a unique `counter`."""
        if self.brand == "DJI":
            return f"{self.serial_code}{made_on:%y}{counter:06d}"
        return f"{self.serial_code}-{made_on:%Y}-{counter:06d}"

    def export(self) -> dict[str, Any]:
        """The product as `catalogue.json` holds it."""
        return {
            "ean": self.ean,
            "sku": self.sku,
            "name": self.name,
            "brand": self.brand,
            "category": self.category,
            "outlet": self.outlet,
            "problems": list(self.problems),
            "serial_required": self.serial_required,
            "problem_parts": PROBLEM_PARTS.get(self.category, {}),
        }


def _product(
    brand: str,
    model: str,
    category: str,
    price: str,
    on_sale: str,
    serial_code: str = "",
    *,
    outlet: bool = False,
) -> Product:
    """`on_sale` is `FROM..UNTIL` in ISO dates, `UNTIL` empty while the product is still sold."""
    sold_from, sold_until = on_sale.split("..")
    return Product(
        brand=brand,
        model=model,
        category=category,
        price=Decimal(price),
        sold_from=date.fromisoformat(sold_from),
        sold_until=date.fromisoformat(sold_until) if sold_until else None,
        serial_code=serial_code,
        problems=PROBLEMS.get(category, ()),
        outlet=outlet,
    )


def _dji(
    model: str, category: str, price: str, on_sale: str, serial_code: str, *, outlet: bool = False
) -> Product:
    return _product("DJI", model, category, price, on_sale, serial_code, outlet=outlet)


# Gross prices in PLN; on sale FROM..UNTIL; the serial code starts each unit's serial number.
CATALOGUE: tuple[Product, ...] = (
    _dji("Mavic 2 Pro", "drone", "6999.00", "2019-01-01..2021-12-31", "1581F0AXC"),
    _dji("Mavic Mini", "drone", "1799.00", "2019-11-01..2021-06-30", "1581F1MMN"),
    _dji("Mavic Air 2", "drone", "3899.00", "2020-05-01..2022-12-31", "1581F2MA2"),
    _dji("Mini 2", "drone", "2099.00", "2020-11-15..2023-06-30", "1581F3MN2"),
    _dji("Mini 3", "drone", "2199.00", "2022-12-09..", "1581F5BKD"),
    _dji("Mini 4 Pro", "drone", "4299.00", "2023-09-25..", "1581F6Q8D"),
    _dji("Air 3", "drone", "4799.00", "2023-07-25..2024-12-31", "1581F6N8C"),
    _dji("Air 3S", "drone", "5499.00", "2024-10-15..", "1581F7K3C"),
    _dji("Mavic 3 Pro", "drone", "9999.00", "2023-04-25..", "1581F5FHD"),
    _dji("Avata 2", "drone", "2999.00", "2024-04-11..", "1581F7A2B"),
    _dji("Neo", "drone", "899.00", "2024-09-05..", "1581F8N1E"),
    _dji("Mini 3", "drone", "1649.00", "2023-06-01..", "1581F5BKD", outlet=True),
    _dji("Mini 4 Pro", "drone", "3499.00", "2024-06-01..", "1581F6Q8D", outlet=True),
    _dji("Air 3", "drone", "3799.00", "2024-03-01..2025-12-31", "1581F6N8C", outlet=True),
    _dji("Osmo Action", "camera", "1299.00", "2019-05-15..2021-12-31", "3ZKAC1"),
    _dji("Osmo Pocket 2", "camera", "1599.00", "2020-10-27..2023-10-31", "5YRDP2"),
    _dji("Osmo Pocket 3", "camera", "2399.00", "2023-10-25..", "9SPCP3"),
    _dji("Osmo Action 5 Pro", "camera", "1899.00", "2024-09-19..", "8ACTP5"),
    _dji("Ronin-SC", "gimbal", "1499.00", "2019-07-17..2022-06-30", "4RSCGM"),
    _dji("RS 4", "gimbal", "2399.00", "2024-04-18..", "7RS4GM"),
    _dji("RS 4 Mini", "gimbal", "1599.00", "2025-01-23..", "8RS4MN"),
    _dji("Mavic 2 Flight Battery", "battery", "699.00", "2019-01-01..2022-06-30", "3CBMV2"),
    _dji("Mini 3 Flight Battery", "battery", "379.00", "2022-05-10..", "4BMN3S"),
    _dji("Mini 4 Pro Flight Battery", "battery", "449.00", "2023-09-25..", "6BMN4P"),
    _dji("Air 3 Flight Battery", "battery", "799.00", "2023-07-25..", "6BAIR3"),
    _dji("Mavic 2 Propellers", "propeller", "59.90", "2019-01-01..2022-06-30", "2PMV2N"),
    _dji("Mini 4 Pro Propellers", "propeller", "59.00", "2023-09-25..", "6PMN4P"),
    _dji("Air 3 Propellers", "propeller", "79.00", "2023-07-25..", "6PAIR3"),
    _dji("USB-C PD Cable", "cable", "69.00", "2019-01-01..", "2CUSBC"),
    _dji("RC-N2 Cable Kit", "cable", "49.00", "2023-07-25..", "6CRCN2"),
    _dji("Mini 4 Pro Upper Shell", "housing", "199.00", "2023-09-25..", "6HMN4P"),
    _dji("Avata 2 Frame", "housing", "299.00", "2024-04-11..", "7HAVT2"),
    _dji("RC 2 Remote Controller", "accessory", "1599.00", "2023-07-25..", "5RC2CT"),
    _dji("Goggles 3", "accessory", "2599.00", "2024-04-11..", "7GGL3X"),
    _dji("Mini 4 Pro ND Filters Set", "accessory", "249.00", "2023-09-25..", "6NDMN4"),
    _product("Dualtron", "Thunder", "scooter", "14999.00", "2019-01-01..2021-06-30", "DTT"),
    _product("Dualtron", "Thunder 3", "scooter", "17999.00", "2023-04-01..", "DT3"),
    _product("Dualtron", "Victor Luxury", "scooter", "9999.00", "2019-01-01..", "DTV"),
    _product("Dualtron", "Mini Special", "scooter", "5999.00", "2019-01-01..", "DTM"),
    _product("Kaabo", "Mantis 10", "scooter", "6999.00", "2019-01-01..", "KM10"),
    _product("Kaabo", "Wolf Warrior 11", "scooter", "14999.00", "2019-01-01..", "KWW11"),
    _product("Kaabo", "Skywalker 10H", "scooter", "4599.00", "2019-01-01..2023-12-31", "KSW10"),
    _product("Nami", "Burn-E", "scooter", "16999.00", "2020-06-01..2022-06-30", "NBE"),
    _product("Nami", "Burn-E 2", "scooter", "19999.00", "2022-06-01..", "NBE2"),
    _product("Nami", "Klima", "scooter", "11999.00", "2023-03-01..", "NKL"),
    _product("Dualtron", "Battery 72V 35Ah", "scooter_battery", "4999.00", "2019-01-01..", "DTB72"),
    _product("Kaabo", "Battery 60V 24.5Ah", "scooter_battery", "2999.00", "2019-01-01..", "KBB60"),
    _product("Nami", "Battery 72V 35Ah", "scooter_battery", "5999.00", "2020-06-01..", "NBB72"),
    _product("Dualtron", "Brake Pads Set", "scooter_part", "89.00", "2019-01-01..", "DTBP"),
    _product("Dualtron", "Tyre 11 inch", "scooter_part", "249.00", "2019-01-01..", "DTTY11"),
    _product("Kaabo", "Controller 60V", "scooter_part", "699.00", "2019-01-01..", "KBC60"),
    _product("Kaabo", "Tyre 10 inch", "scooter_part", "179.00", "2019-01-01..", "KBTY10"),
    _product("Nami", "Controller 72V", "scooter_part", "899.00", "2020-06-01..", "NMC72"),
    _product("Xiaomi", "Redmi Buds 6", "other", "149.99", "2024-07-01.."),
    _product("Xiaomi", "Smart Band 9", "other", "199.99", "2024-07-19.."),
    _product("Xiaomi", "Robot Vacuum S10", "other", "999.00", "2022-03-01.."),
    _product("Sony", "WH-1000XM4", "other", "1399.00", "2019-01-01..2023-12-31"),
    _product("Sony", "WH-1000XM5", "other", "1499.00", "2022-05-20.."),
    _product("JBL", "Flip 6", "other", "549.99", "2022-01-10.."),
    _product("Philips", "Hue White Starter Kit", "other", "399.00", "2019-01-01.."),
    _product("TP-Link", "Tapo C200", "other", "129.90", "2019-01-01.."),
    _product("Samsung", "Galaxy Watch 7", "other", "1299.00", "2024-07-24.."),
    _product("Anker", "PowerCore 20000", "accessory", "199.99", "2019-01-01.."),
    _product("Anker", "Nano Charger 65W", "accessory", "179.99", "2021-03-01.."),
    _product("Baseus", "USB-C Cable 2m", "accessory", "39.99", "2019-01-01.."),
    _product("Spigen", "Tough Armor Case", "accessory", "79.90", "2019-01-01.."),
)
BY_SKU = {product.sku: product for product in CATALOGUE}
