"""The dashboard's charts of the last 90 days, from the claims service's statistics: claims filed
and ended per day by type and by status, the share of deadlines kept per kind and week, and the
median days from receipt to decision; each with its table, exportable as CSV."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from services.web import charts, vocabulary
from services.web.clients import ApiError, Apis, Caller, Unauthorized
from services.web.clients.claims import ClaimStatistics
from services.web.i18n import N_
from shared.claims_vocabulary import CLAIM_TYPE_SHORT_LABELS

DAYS = 90
# Short names for the legends; the claim page names the types in full.
TYPE_NAMES: dict[str, str] = dict(CLAIM_TYPE_SHORT_LABELS)
TYPES = [charts.Series(key, name, n) for n, (key, name) in enumerate(TYPE_NAMES.items())]
STATUSES = [
    charts.Series(status, vocabulary.STATUS_NAMES[status], n)
    for n, status in enumerate(vocabulary.STATUS_ORDER)
]
DEADLINE_KINDS = [
    charts.Series(kind, name, n) for n, (kind, name) in enumerate(vocabulary.DEADLINE_KINDS.items())
]
ALL_TYPES = N_("Wszystkie typy")
EXPORTS = ("claims-per-day", "deadlines-kept", "decision-times")


async def statistics(apis: Apis, caller: Caller) -> ClaimStatistics | None:
    """The figures; None when the claims service cannot give them (the rest of the dashboard
    still shows)."""
    try:
        return await apis.claims.statistics(caller, DAYS)
    except Unauthorized:
        raise
    except ApiError:
        return None


def _days(figures: ClaimStatistics) -> list[date]:
    count = (figures.until - figures.since).days + 1
    return [figures.since + timedelta(days=n) for n in range(count)]


def charts_context(figures: ClaimStatistics | None) -> dict[str, Any]:
    if figures is None:
        return {"statistics": None}
    filed_by_type: dict[tuple[date, str], int] = {}
    closed_by_type: dict[tuple[date, str], int] = {}
    filed_by_status: dict[tuple[date, str], int] = {}
    closed_by_status: dict[tuple[date, str], int] = {}
    for row in figures.daily:
        for table, key, value in (
            (filed_by_type, row.claim_type, row.filed),
            (closed_by_type, row.claim_type, row.closed),
            (filed_by_status, row.status, row.filed),
            (closed_by_status, row.status, row.closed),
        ):
            table[(row.day, key)] = table.get((row.day, key), 0) + value
    days = _days(figures)
    settled = {
        (row.week, row.kind): (row.kept, row.kept + row.missed + row.deemed_accepted)
        for row in figures.deadlines
    }
    times = figures.decision_times
    overall = next((row for row in times if row.claim_type is None), None)
    return {
        "statistics": figures,
        "by_type_chart": charts.diverging_columns(days, TYPES, filed_by_type, closed_by_type),
        "by_status_chart": charts.diverging_columns(
            days, STATUSES, filed_by_status, closed_by_status
        ),
        "deadline_chart": charts.share_lines(
            charts.mondays(figures.since, figures.until), DEADLINE_KINDS, settled
        ),
        "decision_median": overall,
        "decision_chart": charts.bar_chart(
            [
                (row.claim_type, TYPE_NAMES.get(row.claim_type, row.claim_type), row.median_days)
                for row in times
                if row.claim_type is not None
            ]
        ),
        "type_names": TYPE_NAMES,
        "all_types": ALL_TYPES,
    }


def export_rows(
    table: str, figures: ClaimStatistics, say: Callable[[str], str]
) -> tuple[list[str], list[list[Any]]]:
    """The header and rows of one of the charts' tables, in the page's language."""
    if table == "deadlines-kept":
        header = [
            N_("Tydzień od"),
            N_("Rodzaj terminu"),
            N_("Dotrzymane"),
            N_("Przekroczone"),
            N_("Uznane (brak odpowiedzi w 14 dni)"),
            N_("Odsetek dotrzymanych"),
        ]
        rows: list[list[Any]] = [
            [
                row.week.isoformat(),
                say(vocabulary.DEADLINE_KINDS.get(row.kind, row.kind)),
                row.kept,
                row.missed,
                row.deemed_accepted,
                f"{round(100 * row.share_kept)}%",
            ]
            for row in figures.deadlines
        ]
    elif table == "decision-times":
        header = [N_("Typ"), N_("Rozpatrzone"), N_("Mediana dni od przyjęcia do decyzji")]
        rows = [
            [say(TYPE_NAMES.get(row.claim_type, row.claim_type) if row.claim_type else ALL_TYPES),
             row.decided, row.median_days]
            for row in figures.decision_times
        ]  # fmt: skip
    else:
        header = [N_("Dzień"), N_("Typ"), N_("Status"), N_("Zgłoszone"), N_("Zakończone")]
        rows = [
            [
                row.day.isoformat(),
                say(TYPE_NAMES.get(row.claim_type, row.claim_type)),
                say(vocabulary.STATUS_NAMES.get(row.status, row.status)),
                row.filed,
                row.closed,
            ]
            for row in figures.daily
        ]
    return [say(name) for name in header], rows
