"""The product vocabulary shared by the catalogue, the rules and the ERP feed."""

from __future__ import annotations

from enum import StrEnum


class ProductCategory(StrEnum):
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


DJI = "dji"
SCOOTER_BRANDS = frozenset({"dualtron", "kaabo", "nami"})


def normalise_brand(brand: str) -> str:
    return brand.strip().lower()


def is_scooter_product(brand: str) -> bool:
    return normalise_brand(brand) in SCOOTER_BRANDS
