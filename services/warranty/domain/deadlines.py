"""The deadlines the dashboard tracks for a claim (DESIGN.md, seed 001, consumer rights act)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.warranty.domain.periods import Period, add_working_days, last_day_of_period
from services.warranty.domain.products import DJI, is_scooter_product, normalise_brand
from services.warranty.domain.rules import BuyerType

COMPLAINT_ANSWER = Period(days=14)  # art. 7a: otherwise the complaint counts as accepted
DJI_REPAIR_WORKING_DAYS = 60
SCOOTER_REPAIR = Period(days=30)
RETURN_REFUND = Period(days=14)


@dataclass(frozen=True)
class ClaimDeadline:
    kind: str
    due_on: date | None  # None until the event it is counted from has happened
    description: str


def claim_deadlines(
    claim_type: str,
    brand: str,
    buyer: BuyerType,
    claimed_on: date,
    received_on: date | None,
) -> list[ClaimDeadline]:
    deadlines: list[ClaimDeadline] = []
    if claim_type == "return":
        deadlines.append(
            ClaimDeadline(
                "return_refund",
                received_on and last_day_of_period(received_on, RETURN_REFUND),
                "Zwrot pieniędzy w ciągu 14 dni od otrzymania zwracanego towaru.",
            )
        )
        return deadlines
    if buyer == "consumer":
        deadlines.append(
            ClaimDeadline(
                "complaint_answer",
                last_day_of_period(claimed_on, COMPLAINT_ANSWER),
                "Odpowiedź na reklamację konsumenta w ciągu 14 dni, inaczej uznaje się ją "
                "za uzasadnioną (art. 7a ustawy o prawach konsumenta).",
            )
        )
    if normalise_brand(brand) == DJI:
        deadlines.append(
            ClaimDeadline(
                "dji_repair",
                received_on and add_working_days(received_on, DJI_REPAIR_WORKING_DAYS),
                "Naprawa DJI w ciągu 60 dni roboczych od przyjęcia do serwisu.",
            )
        )
    elif is_scooter_product(brand):
        deadlines.append(
            ClaimDeadline(
                "scooter_repair",
                received_on and last_day_of_period(received_on, SCOOTER_REPAIR),
                "Naprawa hulajnogi w ciągu 30 dni od przyjęcia do naprawy.",
            )
        )
    return deadlines
