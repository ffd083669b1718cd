"""The product vocabulary shared by the catalogue, the warranty rules and the ERP feed.

Brands are free, case-insensitive strings ("DJI", "dji " and "Dji" are the same brand); only the
brands the warranty terms of seed 001 name are constants here. Categories are a closed set, so
that a rule can name them and a typo cannot silently fall through to the statutory row.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Literal

from shared.brands import is_scooter_brand


class ProductCategory(StrEnum):
    """What kind of product a catalogue line is; the value is what travels in events and SQL.

    - ``drone``: a complete aircraft (e.g. a DJI Mavic kit).
    - ``camera``: a handheld or action camera (DJI Osmo Action, Pocket).
    - ``gimbal``: a handheld stabiliser (DJI Osmo Mobile, RS).
    - ``battery``: a battery or accumulator of a drone, camera or gimbal (DJI wear part).
    - ``cable``: a cable or adapter (DJI wear part).
    - ``housing``: a housing, shell or cover (DJI wear part).
    - ``propeller``: a propeller (DJI wear part).
    - ``accessory``: any other accessory (filters, bags, chargers, controllers sold alone).
    - ``scooter``: a complete electric scooter (Dualtron, Kaabo, Nami and others).
    - ``scooter_battery``: a battery or accumulator of an electric scooter.
    - ``scooter_part``: a service part of an electric scooter (brakes, tyres, controllers...).
    - ``other``: anything else; unknown categories from the ERP end up here.
    """

    DRONE = "drone"
    CAMERA = "camera"
    GIMBAL = "gimbal"
    BATTERY = "battery"
    CABLE = "cable"
    HOUSING = "housing"
    PROPELLER = "propeller"
    ACCESSORY = "accessory"
    SCOOTER = "scooter"
    SCOOTER_BATTERY = "scooter_battery"
    SCOOTER_PART = "scooter_part"
    OTHER = "other"

    @classmethod
    def parse(cls, value: str) -> ProductCategory:
        """Unknown categories from the ERP count as `other` rather than failing a sale."""
        try:
            return cls(value.strip().lower())
        except ValueError:
            return cls.OTHER


# Who bought: a consumer (osoba fizyczna, art. 22¹ KC) or a business (firma, non-consumer).
BuyerType = Literal["consumer", "business"]
# The claim types of the claim form: manufacturer's warranty, statutory non-conformity
# (rękojmia), withdrawal from the contract (zwrot) and the DJI-specific claim.
ClaimType = Literal["warranty", "non_conformity", "return", "dji"]
CLAIM_TYPES: tuple[ClaimType, ...] = ("warranty", "non_conformity", "return", "dji")


def is_scooter_product(brand: str) -> bool:
    """Whether the brand is one of the scooter brands of seed 001 (any of its categories)."""
    return is_scooter_brand(brand)


# The wear parts that keep their own warranty period inside a kit or a scooter (seed 001: DJI's
# batteries, cables, housings and propellers; a scooter's battery). A catalogue entry's problem
# list says which of its problems concern one of them (CatalogueEntry.problem_parts), so that a
# claim naming such a problem is judged at the part's period, not the whole product's.
WearPart = Literal["battery", "cable", "housing", "propeller", "scooter_battery"]
WEAR_PART_NAMES: dict[ProductCategory, str] = {
    ProductCategory.BATTERY: "akumulator",
    ProductCategory.CABLE: "kabel",
    ProductCategory.HOUSING: "obudowa",
    ProductCategory.PROPELLER: "śmigło",
    ProductCategory.SCOOTER_BATTERY: "bateria hulajnogi",
}


def problem_key(problem: str) -> str:
    """Two problems are the same when their texts differ only in case and spacing."""
    return " ".join(problem.split()).casefold()


def wear_part_of(problem_parts: Mapping[str, str], problem: str | None) -> ProductCategory | None:
    """The wear part the claimed problem concerns, by the product's problem list; None when the
    problem concerns the product as a whole (or was not chosen from the list)."""
    if not problem:
        return None
    wanted = problem_key(problem)
    for listed, part in problem_parts.items():
        if problem_key(listed) == wanted:
            category = ProductCategory.parse(part)
            return category if category in WEAR_PART_NAMES else None
    return None
