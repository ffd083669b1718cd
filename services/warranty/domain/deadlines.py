"""The deadlines the dashboard tracks for a claim (DESIGN.md, seed 001, seed 002).

- complaint_answer: a consumer's complaint is answered within 14 days of filing, or it counts as
  accepted (consumer rights act art. 7a). Not for returns, which are not complaints.
- dji_repair: DJI warranty repairs within 60 working days of receipt at the service (seed 001 §7).
- scooter_repair: Dualtron/Kaabo/Nami warranty repairs within 30 days of acceptance (seed 001 §8).
- return_refund: a return is refunded within 14 days of receiving the goods back (seed 002).
- business_assessment: a business buyer's complaint is assessed within the shop's 30 days; no
  statutory fiction follows when it is not (that is the consumer's art. 7a only).

Repair and refund deadlines run from the parcel's arrival; until then their due date is None.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from services.warranty.domain.periods import Period, add_working_days, last_day_of_period
from services.warranty.domain.products import BuyerType, ClaimType, is_scooter_product
from shared.brands import is_dji
from shared.claims_vocabulary import GUARANTEE_CLAIM_TYPES

DeadlineKind = Literal[
    "complaint_answer", "business_assessment", "dji_repair", "scooter_repair", "return_refund"
]

COMPLAINT_ANSWER = Period.of_days(14)
BUSINESS_ASSESSMENT = Period.of_days(30)
DJI_REPAIR_WORKING_DAYS = 60
SCOOTER_REPAIR = Period.of_days(30)
RETURN_REFUND = Period.of_days(14)

# Manufacturer's repair deadlines apply to warranty claims, not to statutory non-conformity.
_DJI_REPAIR_CLAIMS: frozenset[ClaimType] = GUARANTEE_CLAIM_TYPES
_SCOOTER_REPAIR_CLAIMS: frozenset[ClaimType] = frozenset({"warranty"})


@dataclass(frozen=True)
class ClaimDeadline:
    kind: DeadlineKind
    due_on: date | None  # the last day to act; None until the event it is counted from happens
    description: str  # one line, Polish


def claim_deadlines(
    claim_type: ClaimType,
    brand: str,
    buyer: BuyerType,
    claimed_on: date,
    received_on: date | None,
) -> list[ClaimDeadline]:
    """The deadlines of one claim; `received_on` is when the service received the parcel."""
    if claim_type == "return":
        return [
            ClaimDeadline(
                "return_refund",
                None if received_on is None else last_day_of_period(received_on, RETURN_REFUND),
                "Zwrot pieniędzy w ciągu 14 dni od otrzymania zwracanego towaru.",
            )
        ]
    deadlines: list[ClaimDeadline] = []
    if buyer != "consumer":
        deadlines.append(
            ClaimDeadline(
                "business_assessment",
                last_day_of_period(claimed_on, BUSINESS_ASSESSMENT),
                "Rozpatrzenie reklamacji firmy w ciągu 30 dni (regulamin sklepu); brak "
                "odpowiedzi nie oznacza uznania reklamacji.",
            )
        )
    if buyer == "consumer":
        deadlines.append(
            ClaimDeadline(
                "complaint_answer",
                last_day_of_period(claimed_on, COMPLAINT_ANSWER),
                "Odpowiedź na reklamację konsumenta w ciągu 14 dni, inaczej uznaje się ją "
                "za uzasadnioną (art. 7a ustawy o prawach konsumenta).",
            )
        )
    if is_dji(brand) and claim_type in _DJI_REPAIR_CLAIMS:
        deadlines.append(
            ClaimDeadline(
                "dji_repair",
                None
                if received_on is None
                else add_working_days(received_on, DJI_REPAIR_WORKING_DAYS),
                "Naprawa gwarancyjna DJI w ciągu 60 dni roboczych od przyjęcia do serwisu.",
            )
        )
    elif is_scooter_product(brand) and claim_type in _SCOOTER_REPAIR_CLAIMS:
        deadlines.append(
            ClaimDeadline(
                "scooter_repair",
                None if received_on is None else last_day_of_period(received_on, SCOOTER_REPAIR),
                "Naprawa gwarancyjna hulajnogi w ciągu 30 dni od przyjęcia do naprawy.",
            )
        )
    return deadlines
