"""The brands whose own terms the platform knows (seed 001): DJI and the scooter brands
Dualtron, Kaabo and Nami. One place tells a brand by its name, for claims (DJI claims, serial
numbers) and warranty (the brand's terms) alike."""

from __future__ import annotations

from typing import Final

DJI: Final = "dji"
SCOOTER_BRANDS: Final = frozenset({"dualtron", "kaabo", "nami"})
# A unit of these brands is known by its serial number: a claim for one names it.
SERIAL_REQUIRED_BRANDS: Final = frozenset({DJI, *SCOOTER_BRANDS})


def normalise_brand(brand: str) -> str:
    return brand.strip().lower()


def is_dji(brand: str) -> bool:
    return normalise_brand(brand) == DJI


def is_scooter_brand(brand: str) -> bool:
    return normalise_brand(brand) in SCOOTER_BRANDS


def needs_serial_number(brand: str) -> bool:
    return normalise_brand(brand) in SERIAL_REQUIRED_BRANDS
