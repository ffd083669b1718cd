"""Which claim types a buyer may file for a product (DESIGN.md, seed 000, seed 002)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.warranty.domain.periods import Period, last_day_of_period
from services.warranty.domain.products import DJI, normalise_brand
from services.warranty.domain.rules import BuyerType

# The shop extends the 14 legal days of withdrawal to 30 days from receipt of the goods.
RETURN_WINDOW = Period(days=30)


@dataclass(frozen=True)
class Eligibility:
    allowed: bool
    rule: str
    reason: str


def claim_type_eligibility(
    claim_type: str, brand: str, buyer: BuyerType, received_goods_on: date, claimed_on: date
) -> Eligibility:
    if claim_type == "dji":
        if normalise_brand(brand) != DJI:
            return Eligibility(
                False, "dji-claims-for-dji-only", "Zgłoszenia typu DJI są tylko dla produktów DJI."
            )
        return Eligibility(True, "dji-claims-for-dji-only", "Produkt marki DJI.")
    if claim_type == "non_conformity":
        if buyer == "business":
            return Eligibility(
                False,
                "non-conformity-consumers-only",
                "Przedsiębiorcy nie przysługuje rękojmia (art. 558 § 1 Kodeksu cywilnego).",
            )
        return Eligibility(True, "non-conformity-consumers-only", "Kupujący jest konsumentem.")
    if claim_type == "return":
        if buyer == "business":
            return Eligibility(
                False,
                "return-consumers-only",
                "Prawo odstąpienia od umowy przysługuje tylko konsumentom.",
            )
        window_ends = last_day_of_period(received_goods_on, RETURN_WINDOW)
        if claimed_on > window_ends:
            return Eligibility(
                False,
                "return-within-30-days",
                f"Termin zwrotu (30 dni od odbioru towaru) minął {window_ends.isoformat()}.",
            )
        return Eligibility(
            True,
            "return-within-30-days",
            f"Zwrot w terminie 30 dni od odbioru towaru (do {window_ends.isoformat()}).",
        )
    return Eligibility(True, "warranty-any-buyer", "Zgłoszenie gwarancyjne.")
