"""Charts of the operators' dashboard, drawn on the server as SVG (no script, no CDN), and the
dashboard's tables as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

CHART_WIDTH = 600
BAR_HEIGHT = 22
BAR_GAP = 6
LABEL_WIDTH = 270


@dataclass(frozen=True)
class Bar:
    key: str
    label: str
    value: int
    y: int
    width: int


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    width: int
    height: int
    label_width: int


def bar_chart(items: Sequence[tuple[str, str, int]]) -> BarChart:
    """Horizontal bars for (key, label, value), the longest bar filling the chart."""
    largest = max((value for _key, _label, value in items), default=0) or 1
    room = CHART_WIDTH - LABEL_WIDTH - 60
    bars = [
        Bar(key, label, value, index * (BAR_HEIGHT + BAR_GAP), round(room * value / largest))
        for index, (key, label, value) in enumerate(items)
    ]
    height = max(len(bars) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP, BAR_HEIGHT)
    return BarChart(bars, CHART_WIDTH, height, LABEL_WIDTH)


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A table as CSV; a cell that a spreadsheet would run as a formula is quoted as text."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return out.getvalue()


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
