"""The warranty rules as data: one row per rule of seed 001 / DESIGN.md, in order of precedence.

The engine takes the first row whose conditions all hold; a condition left as None does not
constrain. Changing a period, a date boundary or a reason is a change to this table alone.

A reason is a one-line Polish template. The engine fills in `{period}` (e.g. "24 miesiące"),
`{until}` (the last covered day, ISO), `{registration_window}`, `{purchased_from}` and
`{purchased_until}` from the row itself, so the text cannot drift away from the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from services.warranty.domain.periods import NO_PERIOD, Period
from services.warranty.domain.products import (
    DJI,
    SCOOTER_BRANDS,
    BuyerType,
    ClaimType,
    ProductCategory,
)

# What a period is counted from. "sale" is the date on the proof of purchase (the scooter terms
# call it the purchase date); "delivery" falls back to the sale date when it is not known.
CountedFrom = Literal["sale", "activation", "delivery"]
C = ProductCategory


@dataclass(frozen=True)
class WarrantyRule:
    rule_id: str
    period: Period  # NO_PERIOD: the product has no warranty under this row
    counted_from: CountedFrom
    reason: str
    # Matching conditions (None: any).
    brands: frozenset[str] | None = None  # normalised (lower-case) brand names
    categories: frozenset[ProductCategory] | None = None
    buyer: BuyerType | None = None
    claim_types: frozenset[ClaimType] | None = None
    outlet: bool | None = None
    purchased_from: date | None = None  # inclusive, on the sale date
    purchased_until: date | None = None  # inclusive, on the sale date
    # Registered (True) or not (False) within `registration_window` of the sale date.
    registered_in_time: bool | None = None
    registration_window: Period | None = None
    # An unknown installer counts as not authorised: the buyer has to show the condition is met.
    installed_by_authorised_service: bool | None = None
    # Days spent in warranty repair are added to the end of the period.
    extended_by_repairs: bool = False

    def __post_init__(self) -> None:
        if self.registered_in_time is not None and (
            self.registration_window is None or self.registration_window.is_empty
        ):
            raise ValueError(f"{self.rule_id}: a registration condition needs a window")
        if (
            self.purchased_from is not None
            and self.purchased_until is not None
            and self.purchased_from > self.purchased_until
        ):
            raise ValueError(f"{self.rule_id}: the purchase-date range is empty")
        if self.brands is not None and any(b != b.strip().lower() for b in self.brands):
            raise ValueError(f"{self.rule_id}: brands must be normalised (lower case)")


DJI_BRANDS = frozenset({DJI})
DJI_WEAR_PARTS = frozenset({C.BATTERY, C.CABLE, C.HOUSING, C.PROPELLER})
SCOOTERS = frozenset({C.SCOOTER})
SCOOTER_REGISTRATION_WINDOW = Period.of_days(30)

RULES: tuple[WarrantyRule, ...] = (
    # A consumer's statutory non-conformity claim (rękojmia, consumer rights act art. 43c) runs
    # two years from delivery whatever the brand's own warranty says; business buyers have none.
    WarrantyRule(
        "statutory-non-conformity",
        Period.of_months(24),
        "delivery",
        "Rękojmia za niezgodność towaru z umową: {period} od wydania towaru (do {until} włącznie).",
        claim_types=frozenset({"non_conformity"}),
        buyer="consumer",
    ),
    # Before the outlet row: a used wear part cannot be covered longer than a new one.
    WarrantyRule(
        "dji-consumable",
        Period.of_months(12),
        "sale",
        "Gwarancja DJI na części i akcesoria podlegające zużyciu (akumulatory, kable, obudowy, "
        "śmigła): {period} od daty sprzedaży (do {until} włącznie).",
        brands=DJI_BRANDS,
        categories=DJI_WEAR_PARTS,
    ),
    WarrantyRule(
        "dji-outlet",
        Period.of_months(24),
        "activation",
        "Gwarancja DJI na produkt outletowy (używany): {period} od daty aktywacji "
        "(do {until} włącznie).",
        brands=DJI_BRANDS,
        outlet=True,
    ),
    WarrantyRule(
        "dji-standard",
        Period.of_months(24),
        "sale",
        "Gwarancja DJI: {period} od daty sprzedaży (do {until} włącznie).",
        brands=DJI_BRANDS,
    ),
    # Batteries and service parts come before the scooter rows, whoever bought them.
    WarrantyRule(
        "scooter-battery",
        Period.of_months(6),
        "sale",
        "Gwarancja na baterie i akumulatory hulajnóg: {period} od daty zakupu "
        "(do {until} włącznie).",
        brands=SCOOTER_BRANDS,
        categories=frozenset({C.SCOOTER_BATTERY}),
        extended_by_repairs=True,
    ),
    WarrantyRule(
        "scooter-service-part-authorised",
        Period.of_months(12),
        "sale",
        "Gwarancja na części serwisowe zamontowane przez autoryzowany serwis: {period} od daty "
        "zakupu (do {until} włącznie).",
        brands=SCOOTER_BRANDS,
        categories=frozenset({C.SCOOTER_PART}),
        installed_by_authorised_service=True,
        extended_by_repairs=True,
    ),
    WarrantyRule(
        "scooter-service-part-unauthorised",
        NO_PERIOD,
        "sale",
        "Części serwisowe zamontowane poza autoryzowanym serwisem gwarancyjnym nie są objęte "
        "gwarancją.",
        brands=SCOOTER_BRANDS,
        categories=frozenset({C.SCOOTER_PART}),
        installed_by_authorised_service=False,
    ),
    # Non-consumers get 12 months whatever the purchase date or registration.
    WarrantyRule(
        "scooter-business",
        Period.of_months(12),
        "sale",
        "Gwarancja na hulajnogę dla klienta niebędącego konsumentem: {period} od daty sprzedaży "
        "(do {until} włącznie).",
        brands=SCOOTER_BRANDS,
        categories=SCOOTERS,
        buyer="business",
        extended_by_repairs=True,
    ),
    WarrantyRule(
        "scooter-until-2020-02-29",
        Period.of_months(12),
        "sale",
        "Gwarancja na hulajnogę kupioną do {purchased_until}: {period} od daty zakupu "
        "(do {until} włącznie).",
        brands=SCOOTER_BRANDS,
        categories=SCOOTERS,
        purchased_until=date(2020, 2, 29),
        extended_by_repairs=True,
    ),
    WarrantyRule(
        "scooter-2020-03-01-to-2021-02-28",
        Period.of_months(24),
        "sale",
        "Gwarancja na hulajnogę kupioną od {purchased_from} do {purchased_until}: {period} od "
        "daty zakupu (do {until} włącznie).",
        brands=SCOOTER_BRANDS,
        categories=SCOOTERS,
        purchased_from=date(2020, 3, 1),
        purchased_until=date(2021, 2, 28),
        extended_by_repairs=True,
    ),
    WarrantyRule(
        "scooter-registered",
        Period.of_months(24),
        "sale",
        "Gwarancja na hulajnogę zarejestrowaną w ciągu {registration_window} od zakupu: "
        "{period} od daty zakupu (do {until} włącznie).",
        brands=SCOOTER_BRANDS,
        categories=SCOOTERS,
        purchased_from=date(2021, 3, 1),
        registered_in_time=True,
        registration_window=SCOOTER_REGISTRATION_WINDOW,
        extended_by_repairs=True,
    ),
    WarrantyRule(
        "scooter-unregistered",
        Period.of_months(12),
        "sale",
        "Hulajnoga niezarejestrowana w ciągu {registration_window} od zakupu: gwarancja skrócona "
        "do {period} od daty zakupu (do {until} włącznie).",
        brands=SCOOTER_BRANDS,
        categories=SCOOTERS,
        purchased_from=date(2021, 3, 1),
        registered_in_time=False,
        registration_window=SCOOTER_REGISTRATION_WINDOW,
        extended_by_repairs=True,
    ),
    # The catch-all: the engine relies on the table ending with a row without conditions.
    WarrantyRule(
        "statutory",
        Period.of_months(24),
        "delivery",
        "Gwarancja ustawowa: {period} od wydania towaru (do {until} włącznie).",
    ),
)
