"""Charts of the operators' dashboard, drawn on the server as SVG (no script, no CDN), and the
dashboard's tables as CSV.

The functions here compute each chart's geometry (pixels in the SVG's own coordinates); the
templates draw it, with a title, axis labels and a table of the same figures beside it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

# The dashboard's tables as CSV: one writer with the claims service's finance export.
from shared.spreadsheet import csv_text as csv_text

CHART_WIDTH = 600
BAR_HEIGHT = 22
BAR_GAP = 6
LABEL_WIDTH = 270


@dataclass(frozen=True)
class Bar:
    key: str
    label: str
    value: float
    y: int
    width: int


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    width: int
    height: int
    label_width: int


def bar_chart(items: Sequence[tuple[str, str, float]]) -> BarChart:
    """Horizontal bars for (key, label, value), the longest bar filling the chart."""
    largest = max((value for _key, _label, value in items), default=0) or 1
    room = CHART_WIDTH - LABEL_WIDTH - 60
    bars = [
        Bar(key, label, value, index * (BAR_HEIGHT + BAR_GAP), round(room * value / largest))
        for index, (key, label, value) in enumerate(items)
    ]
    height = max(len(bars) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP, BAR_HEIGHT)
    return BarChart(bars, CHART_WIDTH, height, LABEL_WIDTH)


# --- charts over time -------------------------------------------------------------------------

PLOT_WIDTH = 640
PLOT_LEFT = 56  # room for the value axis: its label and the ticks' labels
PLOT_RIGHT = 8
PLOT_TOP = 10
PLOT_BOTTOM = 34  # room for the dates


@dataclass(frozen=True)
class Series:
    key: str
    label: str  # a marked text, translated where it is shown
    colour: int  # the stylesheet's `series-N` class


@dataclass(frozen=True)
class Tick:
    position: float  # y for the value axis, x for the time axis
    value: float
    day: date | None = None


@dataclass(frozen=True)
class Frame:
    """The drawing area of a chart over time: its plot spans left..right and top..bottom."""

    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    value_ticks: list[Tick]
    time_ticks: list[Tick]


@dataclass(frozen=True)
class Segment:
    series: Series
    value: int
    y: float
    height: float


@dataclass(frozen=True)
class Column:
    day: date
    x: float
    width: float
    above: list[Segment]  # filed, stacked upwards from the zero line
    below: list[Segment]  # ended, stacked downwards
    up: int
    down: int


@dataclass(frozen=True)
class DivergingColumns:
    frame: Frame
    zero: float  # y of the zero line
    columns: list[Column]
    series: list[Series]


def nice_ceiling(value: float) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50... not below `value`."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def _value_ticks(top: int) -> list[int]:
    return [0, top // 2, top] if top % 2 == 0 and top > 1 else [0, top]


def _time_ticks(days: Sequence[date], left: float, slot: float) -> list[Tick]:
    """A tick on each Monday, at the middle of its column; the template labels every other."""
    return [
        Tick(left + slot * (index + 0.5), 0, day)
        for index, day in enumerate(days)
        if day.weekday() == 0
    ]


def diverging_columns(
    days: Sequence[date],
    series: Sequence[Series],
    up: Mapping[tuple[date, str], int],
    down: Mapping[tuple[date, str], int],
    height: int = 260,
) -> DivergingColumns:
    """A column per day: `up` stacked above the zero line, `down` below, on one scale."""

    def total(values: Mapping[tuple[date, str], int], day: date) -> int:
        return sum(values.get((day, s.key), 0) for s in series)

    largest = max((max(total(up, d), total(down, d)) for d in days), default=0)
    top = nice_ceiling(largest)
    left, right = PLOT_LEFT, PLOT_WIDTH - PLOT_RIGHT
    zero = PLOT_TOP + (height - PLOT_TOP - PLOT_BOTTOM) / 2
    scale = (zero - PLOT_TOP) / top
    slot = (right - left) / max(len(days), 1)
    columns = []
    for index, day in enumerate(days):
        above, below, rise, fall = [], [], 0.0, 0.0
        for one in series:
            if count := up.get((day, one.key), 0):
                rise += count * scale
                above.append(Segment(one, count, zero - rise, count * scale))
            if count := down.get((day, one.key), 0):
                below.append(Segment(one, count, zero + fall, count * scale))
                fall += count * scale
        x = left + slot * index + slot * 0.1
        columns.append(Column(day, x, slot * 0.8, above, below, total(up, day), total(down, day)))
    ticks = [Tick(zero - value * scale, value) for value in _value_ticks(top)]
    ticks += [Tick(zero + value * scale, value) for value in _value_ticks(top) if value]
    frame = Frame(
        PLOT_WIDTH, height, left, right, PLOT_TOP, height - PLOT_BOTTOM, ticks,
        _time_ticks(days, left, slot),
    )  # fmt: skip
    return DivergingColumns(frame, zero, columns, list(series))


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    week: date
    kept: int
    settled: int

    @property
    def percent(self) -> int:
        return round(100 * self.kept / self.settled)


@dataclass(frozen=True)
class Line:
    series: Series
    points: list[Point]

    @property
    def path(self) -> str:
        return " ".join(f"{point.x:.1f},{point.y:.1f}" for point in self.points)


@dataclass(frozen=True)
class LineChart:
    frame: Frame
    lines: list[Line]


def mondays(since: date, until: date) -> list[date]:
    first = since - timedelta(days=since.weekday())
    return [first + timedelta(weeks=n) for n in range((until - first).days // 7 + 1)]


def share_lines(
    weeks: Sequence[date],
    series: Sequence[Series],
    settled: Mapping[tuple[date, str], tuple[int, int]],
    height: int = 220,
) -> LineChart:
    """Per series a line of the share kept (0-100 %) per week; a week with nothing settled of a
    series has no point. `settled[(week, key)]` is (kept, settled)."""
    left, right = PLOT_LEFT, PLOT_WIDTH - PLOT_RIGHT
    bottom = height - PLOT_BOTTOM
    slot = (right - left) / max(len(weeks), 1)

    def y(share: float) -> float:
        return bottom - share * (bottom - PLOT_TOP)

    lines = []
    for one in series:
        points = [
            Point(left + slot * (index + 0.5), y(kept / total), week, kept, total)
            for index, week in enumerate(weeks)
            for kept, total in [settled.get((week, one.key), (0, 0))]
            if total
        ]
        if points:
            lines.append(Line(one, points))
    value_ticks = [Tick(y(percent / 100), percent) for percent in (0, 25, 50, 75, 100)]
    time_ticks = [Tick(left + slot * (index + 0.5), 0, week) for index, week in enumerate(weeks)]
    frame = Frame(PLOT_WIDTH, height, left, right, PLOT_TOP, bottom, value_ticks, time_ticks)
    return LineChart(frame, lines)
