"""A unit's history (its passport) as the rules read it: which claims came before, which of them
were repaired, and whether the same problem is back after a repair.

A product repaired that fails again in the same way is flagged for the operator, with the
remedies the claim's legal ground gives its buyer (domain.remedies decides which).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from services.warranty.domain.engine import ServiceRecord
from services.warranty.domain.products import problem_key
from services.warranty.domain.remedies import Remedy, RemedyRule
from services.warranty.domain.rules import ServiceCase


@dataclass(frozen=True)
class PastClaim:
    """An earlier claim for the same unit (EAN and serial number)."""

    problem: str
    repaired: bool  # the claim ended with a warranty repair handed back to the buyer
    replaced_part: str | None = None  # the part its repair replaced


@dataclass(frozen=True)
class RepeatedDefectFlag:
    claim_count: int  # claims for this unit, the new one included
    same_problem_count: int  # claims for this problem, the new one included
    problem: str
    message: str  # one line, Polish, for the operator
    suggested_decisions: tuple[Remedy, ...]  # the decision form starts at the first
    remedy_rule: str  # the row of domain.remedies that chose them
    remedy_reason: str  # why these, Polish


def repeated_defect(
    earlier: Sequence[PastClaim], problem: str, remedy: RemedyRule
) -> RepeatedDefectFlag | None:
    """The flag for a new claim naming `problem`, or None when it is not back after a repair;
    `remedy` is the row for the claim's type and buyer."""
    same = [claim for claim in earlier if problem_key(claim.problem) == problem_key(problem)]
    if not any(claim.repaired for claim in same):
        return None
    claim_count, same_count = len(earlier) + 1, len(same) + 1
    return RepeatedDefectFlag(
        claim_count=claim_count,
        same_problem_count=same_count,
        problem=problem,
        message=(
            f"{claim_count}. reklamacja tego egzemplarza, {same_count}. z problemem "
            f"„{problem}” mimo naprawy. {remedy.reason}"
        ),
        suggested_decisions=remedy.decisions,
        remedy_rule=remedy.rule_id,
        remedy_reason=remedy.reason,
    )


def part_claimed_again(earlier: Sequence[PastClaim], problem: str) -> str | None:
    """The part replaced for this same problem before: the new claim concerns that part."""
    parts = [
        claim.replaced_part
        for claim in earlier
        if claim.replaced_part and problem_key(claim.problem) == problem_key(problem)
    ]
    return parts[-1] if parts else None


@dataclass(frozen=True)
class ReplacementFacts:
    """This unit was issued in place of a faulty one (ClaimReplacementIssued)."""

    issued_on: date
    # The claim's shipping back (ClaimStatusChanged to shipped_back); None while the unit waits
    # at the service or after the buyer refused the parcel and it came back.
    handed_back_on: date | None


@dataclass(frozen=True)
class RepairFacts:
    """A warranty repair of this unit: from the parcel's receipt to its shipping back."""

    case: ServiceCase  # substantial_repair, part_replaced or repair
    started_on: date
    handed_back_on: date | None  # None while the unit is at the service
    replaced_part: str | None = None


def service_records(
    replacement: ReplacementFacts | None, repairs: Sequence[RepairFacts]
) -> tuple[ServiceRecord, ...]:
    """What art. 581 §1 reads from a unit's history. A replacement's period runs from its
    hand-back (until then, provisionally, from the day it was issued); a repair counts once
    the unit is handed back, with the days from receipt to shipping back."""
    records: list[ServiceRecord] = []
    if replacement is not None:
        if replacement.handed_back_on is None:
            records.append(ServiceRecord("replacement_unit_pending", replacement.issued_on))
        else:
            records.append(ServiceRecord("replacement_unit", replacement.handed_back_on))
    for repair in repairs:
        if repair.handed_back_on is None:
            continue  # still at the service: the period it was in goes on unchanged
        records.append(
            ServiceRecord(
                repair.case,
                repair.handed_back_on,
                (repair.handed_back_on - repair.started_on).days,
                repair.replaced_part,
            )
        )
    return tuple(records)
