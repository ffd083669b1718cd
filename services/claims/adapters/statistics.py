"""SQL of the operators' statistics: claims filed and ended per day, days from receipt to
decision, and the facts each claim's deadlines are judged by.

Days are Polish calendar days (Europe/Warsaw), as the claim's own dates are.
"""

from __future__ import annotations

from datetime import date, timedelta

from services.claims.adapters.claim_repository import deadline_facts_of
from services.claims.domain.deadlines import ClaimDeadlineFacts
from services.claims.unit_of_work import DailyCount, DecisionTime
from shared.calendar import start_of_polish_day
from shared.claims_vocabulary import ENDED_STATUSES
from shared.db import Conn

_start_of = start_of_polish_day


async def daily_counts(conn: Conn, since: date, until: date) -> list[DailyCount]:
    """Per day, type and status: claims filed (by their status now) and claims that ended (by
    their final status), from the claims and their status history (the timeline)."""
    rows = await conn.fetch(
        """WITH filed AS (
               SELECT (created_at AT TIME ZONE 'Europe/Warsaw')::date AS day, claim_type, status,
                      count(*) AS filed, 0 AS closed
               FROM claims WHERE created_at >= $1 AND created_at < $2
               GROUP BY 1, 2, 3),
           ended AS (
               SELECT (ended_at AT TIME ZONE 'Europe/Warsaw')::date AS day, claim_type, status,
                      0 AS filed, count(*) AS closed
               FROM (SELECT claims.claim_type, timeline.status, min(timeline.at) AS ended_at
                     FROM claim_timeline AS timeline JOIN claims USING (claim_id)
                     WHERE timeline.status = ANY($3::text[])
                     GROUP BY claims.claim_id, claims.claim_type, timeline.status) AS endings
               WHERE ended_at >= $1 AND ended_at < $2
               GROUP BY 1, 2, 3)
           SELECT day, claim_type, status, sum(filed)::int AS filed, sum(closed)::int AS closed
           FROM (SELECT * FROM filed UNION ALL SELECT * FROM ended) AS counts
           GROUP BY day, claim_type, status
           ORDER BY day, claim_type, status""",
        _start_of(since),
        _start_of(until + timedelta(days=1)),
        sorted(ENDED_STATUSES),
    )
    return [DailyCount(**dict(row)) for row in rows]


async def decision_times(conn: Conn, since: date, until: date) -> list[DecisionTime]:
    """The median days from a claim's first receipt to its first decision, for the claims first
    decided in the period: per claim type and for all of them (the first row). None decided:
    no rows (the grand total of no rows would be a count of 0 with no median)."""
    rows = await conn.fetch(
        """WITH steps AS (
               SELECT claims.claim_type,
                      min(timeline.at) FILTER (WHERE timeline.status = 'received') AS received_at,
                      min(timeline.at) FILTER (WHERE timeline.status = 'decided') AS decided_at
               FROM claims JOIN claim_timeline AS timeline USING (claim_id)
               GROUP BY claims.claim_id, claims.claim_type)
           SELECT claim_type, count(*)::int AS decided,
                  percentile_cont(0.5) WITHIN GROUP (
                      ORDER BY extract(epoch FROM decided_at - received_at) / 86400
                  ) AS median_days
           FROM steps
           WHERE received_at IS NOT NULL AND decided_at >= $1 AND decided_at < $2
           GROUP BY GROUPING SETS ((), (claim_type))
           -- The grand total of no claims at all is a row too, without a median.
           HAVING count(*) > 0
           ORDER BY claim_type NULLS FIRST""",
        _start_of(since),
        _start_of(until + timedelta(days=1)),
    )
    return [
        DecisionTime(row["claim_type"], row["decided"], round(float(row["median_days"]), 2))
        for row in rows
    ]


async def deadline_facts(conn: Conn, since: date) -> list[ClaimDeadlineFacts]:
    """The claims whose deadlines may have been settled since `since`: every one still open, and
    those ended (closed) that changed since then; a cancelled claim's deadlines no longer apply."""
    rows = await conn.fetch(
        """SELECT claims.status, claims.deadlines, claims.pauses, decisions.decided_at,
                  (claims.outbound ->> 'shipped_at')::timestamptz AS shipped_at,
                  (claims.refund ->> 'refunded_at')::timestamptz AS refunded_at
           FROM claims LEFT JOIN decisions USING (claim_id)
           WHERE claims.deadlines <> '[]'::jsonb AND claims.status <> 'cancelled'
             AND (claims.status <> 'closed' OR claims.updated_at >= $1)""",
        _start_of(since),
    )
    return [deadline_facts_of(row) for row in rows]
