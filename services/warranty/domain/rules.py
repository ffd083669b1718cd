"""The warranty rules as data: one row per rule of seed 001 / DESIGN.md, in order of precedence.

The engine takes the first row whose conditions all hold. A condition left as None does not
constrain. Changing a period, a date boundary or a reason is a change to this table alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from services.warranty.domain.periods import Period
from services.warranty.domain.products import DJI, SCOOTER_BRANDS, ProductCategory

CountedFrom = Literal["sale", "activation", "delivery"]
BuyerType = Literal["consumer", "business"]
C = ProductCategory


@dataclass(frozen=True)
class WarrantyRule:
    rule_id: str
    period: Period
    counted_from: CountedFrom
    reason: str  # Polish; `{period}` and `{until}` are filled in by the engine
    brands: frozenset[str] | None = None
    categories: frozenset[ProductCategory] | None = None
    claim_types: frozenset[str] | None = None
    buyer: BuyerType | None = None
    outlet: bool | None = None
    purchased_from: date | None = None
    purchased_until: date | None = None
    # Registered within this period from purchase (None: registration does not matter).
    registered_within: Period | None = None
    installed_by_authorised_service: bool | None = None
    extended_by_repairs: bool = False


DJI_CONSUMABLES = frozenset({C.BATTERY, C.CABLE, C.HOUSING, C.PROPELLER})

RULES: tuple[WarrantyRule, ...] = (
    # Statutory non-conformity (rękojmia) does not depend on the brand: 2 years from delivery.
    WarrantyRule(
        "statutory-non-conformity",
        Period(months=24),
        "delivery",
        "Rękojmia za niezgodność towaru z umową: {period} od wydania towaru (do {until}).",
        claim_types=frozenset({"non_conformity"}),
    ),
    WarrantyRule(
        "dji-outlet",
        Period(months=24),
        "activation",
        "Gwarancja DJI na produkt outletowy (używany): {period} od daty aktywacji (do {until}).",
        brands=frozenset({DJI}),
        outlet=True,
    ),
    WarrantyRule(
        "dji-consumable",
        Period(months=12),
        "sale",
        "Gwarancja DJI na części i akcesoria zużywające się (akumulatory, kable, obudowy, "
        "śmigła): {period} od daty sprzedaży (do {until}).",
        brands=frozenset({DJI}),
        categories=DJI_CONSUMABLES,
    ),
    WarrantyRule(
        "dji-standard",
        Period(months=24),
        "sale",
        "Gwarancja DJI: {period} od daty sprzedaży (do {until}).",
        brands=frozenset({DJI}),
    ),
    WarrantyRule(
        "scooter-battery",
        Period(months=6),
        "sale",
        "Baterie i akumulatory hulajnóg: {period} od daty zakupu (do {until}).",
        brands=SCOOTER_BRANDS,
        categories=frozenset({C.SCOOTER_BATTERY}),
        extended_by_repairs=True,
    ),
    WarrantyRule(
        "scooter-service-part-authorised",
        Period(months=12),
        "sale",
        "Części serwisowe zamontowane przez autoryzowany serwis: {period} od daty zakupu "
        "(do {until}).",
        brands=SCOOTER_BRANDS,
        categories=frozenset({C.SCOOTER_PART}),
        installed_by_authorised_service=True,
        extended_by_repairs=True,
    ),
    WarrantyRule(
        "scooter-service-part-unauthorised",
        Period(),
        "sale",
        "Części serwisowe zamontowane poza autoryzowanym serwisem nie są objęte gwarancją.",
        brands=SCOOTER_BRANDS,
        categories=frozenset({C.SCOOTER_PART}),
    ),
    WarrantyRule(
        "scooter-business",
        Period(months=12),
        "sale",
        "Hulajnoga kupiona przez przedsiębiorcę: gwarancja {period} od daty sprzedaży "
        "(do {until}).",
        brands=SCOOTER_BRANDS,
        categories=frozenset({C.SCOOTER}),
        buyer="business",
        extended_by_repairs=True,
    ),
    WarrantyRule(
        "scooter-until-2020-02-29",
        Period(months=12),
        "sale",
        "Hulajnoga kupiona do 29.02.2020: gwarancja {period} od daty zakupu (do {until}).",
        brands=SCOOTER_BRANDS,
        categories=frozenset({C.SCOOTER}),
        purchased_until=date(2020, 2, 29),
        extended_by_repairs=True,
    ),
    WarrantyRule(
        "scooter-2020-03-01-to-2021-02-28",
        Period(months=24),
        "sale",
        "Hulajnoga kupiona od 01.03.2020 do 28.02.2021: gwarancja {period} od daty zakupu "
        "(do {until}).",
        brands=SCOOTER_BRANDS,
        categories=frozenset({C.SCOOTER}),
        purchased_from=date(2020, 3, 1),
        purchased_until=date(2021, 2, 28),
        extended_by_repairs=True,
    ),
    WarrantyRule(
        "scooter-registered",
        Period(months=24),
        "sale",
        "Hulajnoga zarejestrowana w ciągu 30 dni od zakupu: gwarancja {period} od daty zakupu "
        "(do {until}).",
        brands=SCOOTER_BRANDS,
        categories=frozenset({C.SCOOTER}),
        purchased_from=date(2021, 3, 1),
        registered_within=Period(days=30),
        extended_by_repairs=True,
    ),
    WarrantyRule(
        "scooter-unregistered",
        Period(months=12),
        "sale",
        "Hulajnoga niezarejestrowana w ciągu 30 dni od zakupu: gwarancja skrócona do {period} "
        "od daty zakupu (do {until}).",
        brands=SCOOTER_BRANDS,
        categories=frozenset({C.SCOOTER}),
        purchased_from=date(2021, 3, 1),
        extended_by_repairs=True,
    ),
    WarrantyRule(
        "statutory",
        Period(months=24),
        "delivery",
        "Gwarancja ustawowa: {period} od wydania towaru (do {until}).",
    ),
)
