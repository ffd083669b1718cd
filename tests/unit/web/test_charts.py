"""The dashboard's 90-day charts: their geometry, the SVG the page draws, and their CSV tables."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.web import charts, vocabulary
from tests.unit.web.fakes import FakeApis, serve_dashboard

UNTIL = date(2026, 3, 4)  # a Wednesday
SINCE = UNTIL - timedelta(days=89)
A, B = charts.Series("a", "A", 0), charts.Series("b", "B", 1)


@pytest.mark.parametrize(
    ("value", "ceiling"), [(0, 1), (1, 1), (3, 5), (7, 10), (11, 20), (51, 100)]
)
def test_the_value_axis_ends_on_a_round_number(value: int, ceiling: int) -> None:
    assert charts.nice_ceiling(value) == ceiling


def test_columns_stack_filed_above_and_ended_below_the_zero_line_on_one_scale() -> None:
    days = [UNTIL - timedelta(days=2), UNTIL - timedelta(days=1), UNTIL]
    up = {(days[0], "a"): 3, (days[0], "b"): 1, (days[2], "b"): 2}
    down = {(days[1], "a"): 5}
    chart = charts.diverging_columns(days, [A, B], up, down)
    first, second, third = chart.columns
    # The largest day (5 ended) sets the scale: 5 fills the room from the zero line to the top.
    room = chart.zero - chart.frame.top
    assert [s.value for s in first.above] == [3, 1] and first.up == 4 and first.down == 0
    assert first.above[0].height == pytest.approx(3 * room / 5)
    assert first.above[0].y + first.above[0].height == pytest.approx(chart.zero)
    assert first.above[1].y + first.above[1].height == pytest.approx(first.above[0].y)  # stacked
    assert second.below[0].y == chart.zero and second.below[0].height == pytest.approx(room)
    assert third.above[0].series == B and not third.below
    assert first.x < second.x < third.x and first.x + first.width <= second.x
    assert [tick.value for tick in chart.frame.value_ticks] == [0, 5, 5]  # above and below


def test_a_share_line_has_a_point_for_each_week_with_something_settled() -> None:
    weeks = charts.mondays(SINCE, UNTIL)
    assert weeks[0] <= SINCE < weeks[0] + timedelta(days=7) and weeks[-1] == date(2026, 3, 2)
    assert all(week.weekday() == 0 for week in weeks) and len(weeks) == 14
    settled = {(weeks[0], "a"): (1, 2), (weeks[3], "a"): (3, 3), (weeks[3], "b"): (0, 1)}
    chart = charts.share_lines(weeks, [A, B], settled)
    line_a, line_b = chart.lines
    assert [(p.week, p.percent) for p in line_a.points] == [(weeks[0], 50), (weeks[3], 100)]
    assert line_a.points[1].y == chart.frame.top and line_b.points[0].y == chart.frame.bottom
    assert line_a.path.count(",") == 2
    assert charts.share_lines(weeks, [A], {}).lines == []  # nothing settled: no line at all


def statistics() -> dict[str, Any]:
    today, yesterday = UNTIL.isoformat(), (UNTIL - timedelta(days=1)).isoformat()
    return {
        "since": SINCE.isoformat(),
        "until": today,
        "daily": [
            {"day": yesterday, "claim_type": "dji", "status": "decided", "filed": 2, "closed": 0},
            {"day": today, "claim_type": "return", "status": "submitted", "filed": 1, "closed": 0},
            {"day": today, "claim_type": "dji", "status": "closed", "filed": 0, "closed": 1},
        ],
        "deadlines": [
            {
                "week": "2026-03-02",
                "kind": "complaint_answer",
                "kept": 1,
                "missed": 0,
                "deemed_accepted": 1,
                "share_kept": 0.5,
            },
        ],
        "decision_times": [
            {"claim_type": None, "decided": 3, "median_days": 2.5},
            {"claim_type": "dji", "decided": 2, "median_days": 1.25},
            {"claim_type": "return", "decided": 1, "median_days": 4},
        ],
    }


def serve(apis: FakeApis, client: TestClient) -> None:
    serve_dashboard(apis, [], dict.fromkeys(vocabulary.STATUS_ORDER, 0), statistics())
    client.cookies.set("rma_operator", "jwt")


def section(html: str, element_id: str) -> str:
    return html.split(f'id="{element_id}"')[1].split("</figure>")[0]


def test_the_dashboard_draws_the_charts_with_titles_axes_and_tables(
    client: TestClient, apis: FakeApis
) -> None:
    serve(apis, client)
    page = client.get("/operator").text
    [asked] = [r for r in apis.requests if r.url.path.endswith("/statistics")]
    assert asked.url.params["days"] == "90"
    by_type = section(page, "chart-by-type")
    assert "Zgłoszone i zakończone dziennie według typu" in by_type
    assert 'aria-labelledby="chart-by-type-title chart-by-type-desc"' in by_type
    assert "zgłoszone dziennie" in by_type and "dzień (UTC)" in by_type  # the axes' labels
    columns = re.findall(r'data-day="([\d-]+)" data-filed="(\d+)" data-closed="(\d+)"', by_type)
    assert columns == [("2026-03-03", "2", "0"), ("2026-03-04", "1", "1")]
    assert "<title>04.03.2026, zakończone: DJI 1</title>" in by_type
    by_status = section(page, "chart-by-status")
    assert 'data-series="closed"' in by_status and 'data-series="submitted"' in by_status
    deadlines = section(page, "chart-deadlines")
    assert re.search(r'data-week="2026-03-02" data-percent="50"', deadlines)
    assert "Odpowiedź na reklamację (14 dni): 50% (1/2)" in deadlines
    times = section(page, "chart-decision-times")
    assert re.search(r'id="decision-median"><span class="number">2,5</span> dni', times)
    assert 'data-type="dji"' in times and ">1,25<" in times
    table = page.split('id="table-deadlines-kept"')[1].split("</details>")[0]
    assert "<td>1</td><td>0</td><td>1</td><td>50%</td>" in table
    assert 'href="/operator/export/deadlines-kept.csv"' in table
    english = client.get("/operator", headers={"Accept-Language": "en"}).text
    assert "Claims filed and ended per day by type" in english
    assert re.search(r'id="decision-median"><span class="number">2.5</span> days', english)


def test_each_chart_table_exports_as_csv_in_the_pages_language(
    client: TestClient, apis: FakeApis
) -> None:
    serve(apis, client)
    per_day = client.get("/operator/export/claims-per-day.csv")
    assert per_day.headers["content-type"].startswith("text/csv")
    assert per_day.text.splitlines() == [
        "Dzień,Typ,Status,Zgłoszone,Zakończone",
        "2026-03-03,DJI,decyzja podjęta,2,0",
        "2026-03-04,Zwrot,zgłoszone (czeka na przesyłkę),1,0",
        "2026-03-04,DJI,zamknięte,0,1",
    ]
    kept = client.get("/operator/export/deadlines-kept.csv").text.splitlines()
    assert kept[1] == "2026-03-02,Odpowiedź na reklamację (14 dni),1,0,1,50%"
    times = client.get("/operator/export/decision-times.csv", headers={"Accept-Language": "en"})
    assert times.text.splitlines() == [
        "Type,Decided,Median days from receipt to decision",
        "All types,3,2.5",
        "DJI,2,1.25",
        "Return,1,4.0",
    ]


def test_without_statistics_the_dashboard_still_shows_its_live_part(
    client: TestClient, apis: FakeApis
) -> None:
    serve_dashboard(apis, [], dict.fromkeys(vocabulary.STATUS_ORDER, 0))  # statistics: 404
    client.cookies.set("rma_operator", "jwt")
    page = client.get("/operator")
    assert page.status_code == 200
    assert "Statystyki zgłoszeń są chwilowo niedostępne." in page.text
    assert 'id="status-chart"' in page.text and 'id="chart-by-type"' not in page.text
