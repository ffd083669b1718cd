"""Which claim types a buyer may file for a product (DESIGN.md, seed 001, seed 002).

This answers only whether the claim *type* is open to this buyer and product; whether the
product is still covered is the engine's verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.warranty.domain.periods import Period, last_day_of_period
from services.warranty.domain.products import CLAIM_TYPES, BuyerType, ClaimType, is_dji

# The shop extends the 14 legal days of withdrawal to 30 days from receipt of the goods.
RETURN_WINDOW = Period.of_days(30)


@dataclass(frozen=True)
class Eligibility:
    allowed: bool
    rule: str  # the id of the eligibility rule that decided
    reason: str  # one line, Polish


def claim_type_eligibility(
    claim_type: ClaimType,
    brand: str,
    buyer: BuyerType,
    received_goods_on: date,
    claimed_on: date,
) -> Eligibility:
    """Whether `buyer` may file a claim of `claim_type` for a product of `brand` on `claimed_on`.

    `received_goods_on` is the day the buyer received the goods (the sale date when unknown);
    only the return window is counted from it.
    """
    if claim_type not in CLAIM_TYPES:
        raise ValueError(f"unknown claim type {claim_type!r}")
    if claim_type == "dji":
        if not is_dji(brand):
            return Eligibility(
                False,
                "dji-claims-for-dji-only",
                "Zgłoszenie typu DJI przysługuje tylko dla produktów marki DJI.",
            )
        return Eligibility(True, "dji-claims-for-dji-only", "Produkt marki DJI.")
    if claim_type == "non_conformity":
        if buyer == "business":
            return Eligibility(
                False,
                "non-conformity-consumers-only",
                "Kupującemu niebędącemu konsumentem nie przysługuje rękojmia "
                "(art. 558 § 1 Kodeksu cywilnego).",
            )
        return Eligibility(
            True, "non-conformity-consumers-only", "Rękojmia przysługuje konsumentowi."
        )
    if claim_type == "return":
        if buyer == "business":
            return Eligibility(
                False,
                "return-consumers-only",
                "Prawo odstąpienia od umowy przysługuje tylko konsumentom.",
            )
        window_ends = last_day_of_period(received_goods_on, RETURN_WINDOW)
        # Withdrawing before the goods arrive is allowed too, so only the end is checked.
        if claimed_on > window_ends:
            return Eligibility(
                False,
                "return-within-30-days",
                f"Termin zwrotu ({RETURN_WINDOW.describe_pl()} od odbioru towaru) upłynął "
                f"{window_ends.isoformat()}.",
            )
        return Eligibility(
            True,
            "return-within-30-days",
            f"Zwrot w terminie {RETURN_WINDOW.describe_pl()} od odbioru towaru "
            f"(do {window_ends.isoformat()} włącznie).",
        )
    return Eligibility(
        True, "warranty-any-buyer", "Reklamację gwarancyjną może złożyć każdy nabywca."
    )
