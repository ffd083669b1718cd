"""The month's money movements for accounting (issue 25 §1): refunds paid out and charges paid
in, one row each, amounts in grosze (whole numbers, so the sums are exact), a refund beside the
amount its decision set."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from services.claims.domain.refusals import Refusal
from shared.calendar import polish_date, start_of_polish_day

MovementKind = Literal["refund", "charge"]
HEADER = (
    "date",
    "rma_number",
    "movement",
    "kind",
    "amount_grosze",
    "decided_grosze",
    "difference_grosze",
    "difference_reason",
    "method",
)
_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


@dataclass(frozen=True)
class Movement:
    """Money moving once: a refund to the customer (`kind` its method) or a charge paid by the
    customer (`kind` the charge's kind). `decided`: a refund's amount in its decision."""

    at: datetime
    claim_id: UUID
    rma_number: str
    movement: MovementKind
    kind: str
    amount: Decimal
    decided: Decimal | None = None
    difference_reason: str | None = None


def grosze(amount: Decimal) -> int:
    """Złote with two decimal places as whole grosze, exactly (never through a float)."""
    return int(amount.quantize(Decimal("0.01")) * 100)


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """`YYYY-MM` as the month's first moment and the next month's, in Polish time."""
    found = _MONTH.fullmatch(month.strip())
    if found is None:
        raise Refusal("month_invalid", "month", {"month": month[:20]})
    year, number = int(found[1]), int(found[2])
    following = date(year + number // 12, number % 12 + 1, 1)
    return start_of_polish_day(date(year, number, 1)), start_of_polish_day(following)


def movement_rows(movements: list[Movement]) -> list[tuple[object, ...]]:
    """One row per movement, oldest first, then the total: money in (charges) positive, money
    out (refunds) negative, summed in grosze."""
    rows: list[tuple[object, ...]] = []
    for m in sorted(movements, key=lambda m: (m.at, m.rma_number)):
        sign = -1 if m.movement == "refund" else 1
        amount = sign * grosze(m.amount)
        decided = None if m.decided is None else sign * grosze(m.decided)
        difference = None if decided is None else amount - decided
        method = m.kind if m.movement == "refund" else None
        kind = None if m.movement == "refund" else m.kind
        rows.append(
            (
                polish_date(m.at).isoformat(),
                m.rma_number,
                m.movement,
                kind,
                amount,
                decided,
                difference,
                m.difference_reason,
                method,
            )
        )
    total = sum(row[4] for row in rows if isinstance(row[4], int))
    rows.append(("", "", "total", None, total, None, None, None, None))
    return rows
