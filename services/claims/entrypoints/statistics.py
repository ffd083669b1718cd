"""HTTP entry point of the operators' statistics: what the dashboard's charts draw."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from services.claims import handlers
from services.claims.entrypoints.http import Context, Operator

router = APIRouter(tags=["operators"])


class DailyCountPublic(BaseModel):
    day: date
    claim_type: str
    status: str = Field(description="A filed claim's status now; an ended claim's final status")
    filed: int = Field(description="Claims filed that day")
    closed: int = Field(description="Claims that reached closed or cancelled that day")


class DeadlinesOfWeekPublic(BaseModel):
    week: date = Field(description="The Monday of the week the deadlines were settled in")
    kind: str = Field(
        description="complaint_answer | business_assessment | dji_repair | scooter_repair | "
        "return_refund"
    )
    kept: int
    missed: int
    deemed_accepted: int = Field(description="Consumer complaints not answered in 14 days")
    share_kept: float = Field(description="kept / (kept + missed + deemed_accepted)")


class DecisionTimePublic(BaseModel):
    claim_type: str | None = Field(description="None: every claim type together")
    decided: int = Field(description="Claims first decided in the period")
    median_days: float = Field(description="Median days from first receipt to first decision")


class ClaimStatisticsPublic(BaseModel):
    since: date
    until: date
    daily: list[DailyCountPublic] = Field(description="Only days, types and statuses with claims")
    deadlines: list[DeadlinesOfWeekPublic]
    decision_times: list[DecisionTimePublic] = Field(
        description="Empty when no claim was first decided in the period"
    )


@router.get(
    "/api/operator/claims/statistics",
    response_model=ClaimStatisticsPublic,
    summary="Claims filed and ended per day, deadlines kept per week, days to a decision",
    responses={422: {"description": "days outside 1..366"}},
)
async def claim_statistics(
    _operator: Operator,
    ctx: Context,
    days: Annotated[int, Query(ge=1, le=366, description="The last days, today included")] = 90,
) -> ClaimStatisticsPublic:
    """Per Polish day (Europe/Warsaw), claim type and status: claims filed and claims ended (closed
    or cancelled). Per week and deadline kind: deadlines kept, missed and deemed accepted, as the
    claims domain judges them, in the week each became final. The median days from a claim's first
    receipt to its first decision, for all claims first decided in the period and per type."""
    figures = await handlers.claim_statistics(ctx, days)
    return ClaimStatisticsPublic(
        since=figures.since,
        until=figures.until,
        daily=[DailyCountPublic(**vars(row)) for row in figures.daily],
        deadlines=[
            DeadlinesOfWeekPublic(**vars(row), share_kept=round(row.share_kept, 4))
            for row in figures.deadlines
        ],
        decision_times=[DecisionTimePublic(**vars(row)) for row in figures.decision_times],
    )
