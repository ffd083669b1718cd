"""Claims rules (seed 000, seed 002): what a claim needs and how it moves, without any I/O."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.errors import BusinessRuleError, Message
from shared.events import BuyerType, ClaimStatus, ClaimType

# Brands whose products cannot be claimed without a serial number (seed 000: "wybrane marki").
SERIAL_REQUIRED_BRANDS = frozenset({"dji", "dualtron", "kaabo", "nami"})


def format_rma_number(sequence: int, year: int) -> str:
    return f"RMA/{sequence}/SR/{year}"


@dataclass(frozen=True)
class ClaimedLine:
    line_no: int
    ean: str
    sku: str
    name: str
    brand: str
    category: str
    outlet: bool
    serial_numbers: tuple[str, ...]

    @classmethod
    def from_ledger(cls, line: dict[str, Any]) -> ClaimedLine:
        return cls(
            line_no=int(line["line_no"]),
            ean=line["ean"],
            sku=line["sku"],
            name=line["name"],
            brand=line["brand"],
            category=line["category"],
            outlet=bool(line.get("outlet", False)),
            serial_numbers=tuple(line.get("serial_numbers", ())),
        )

    @property
    def is_dji(self) -> bool:
        return self.brand.strip().lower() == "dji"


def check_claim_type(claim_type: ClaimType, buyer_type: BuyerType, line: ClaimedLine) -> None:
    if claim_type == "dji" and not line.is_dji:
        raise BusinessRuleError(
            "claim_type_dji_only",
            Message(
                "Zgłoszenia typu DJI służą wyłącznie do produktów marki DJI.",
                "DJI claims are only for DJI products.",
            ),
            field="claim_type",
        )
    if claim_type in ("non_conformity", "return") and buyer_type == "business":
        raise BusinessRuleError(
            "claim_type_consumers_only",
            Message(
                "Reklamacja z tytułu niezgodności towaru z umową i zwrot przysługują tylko "
                "konsumentom (art. 558 § 1 Kodeksu cywilnego). Wybierz zgłoszenie gwarancyjne.",
                "Non-conformity claims and returns are for consumers only. Choose warranty.",
            ),
            field="claim_type",
        )


def check_serial_number(line: ClaimedLine, serial_number: str | None) -> str | None:
    serial = (serial_number or "").strip().upper() or None
    if serial is None and line.brand.strip().lower() in SERIAL_REQUIRED_BRANDS:
        raise BusinessRuleError(
            "serial_number_required",
            Message(
                f"Dla produktów marki {line.brand} numer seryjny jest wymagany. Znajdziesz go "
                "na opakowaniu lub na produkcie.",
                f"A serial number is required for {line.brand} products.",
            ),
            field="serial_number",
        )
    if (
        serial is not None
        and line.serial_numbers
        and serial not in {known.upper() for known in line.serial_numbers}
    ):
        raise BusinessRuleError(
            "serial_number_unknown",
            Message(
                "Ten numer seryjny nie zgadza się z produktem na dokumencie zakupu.",
                "This serial number does not match the product on the purchase document.",
            ),
            field="serial_number",
        )
    return serial


INITIAL_STATUS: ClaimStatus = "submitted"
