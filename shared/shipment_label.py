"""The one label of a reseller's shipment of many claims (issue 25 §6): the shipment number as
Code 128 (the warehouse's scanner page shows the whole list from it) and every RMA number the
parcel holds, drawn as the single claim's label is (shared/labels.py), on A4 pages.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from shared.labels import _fitted_size, _printable, barcode, label_font
from shared.service_centre import SERVICE_CENTRE

_MARGIN = 15 * mm
_COLUMNS = 3
_ROW = 5 * mm


def render_shipment_label(
    shipment_number: str, rma_numbers: Sequence[str], sender: str | None = None
) -> bytes:
    """An A4 PDF: recipient, sender if known, the shipment number with its barcode, then the
    list of the RMA numbers in the parcel (continued on further pages when long)."""
    font = label_font()
    buffer = io.BytesIO()
    page_width, page_height = A4
    usable = page_width - 2 * _MARGIN
    canvas = Canvas(buffer, pagesize=A4, invariant=True, initialFontName=font)
    canvas.setTitle(f"Etykieta wysyłki {shipment_number}")
    y = page_height - _MARGIN

    def line(text: str, largest: float, gap: float = 1.3) -> None:
        nonlocal y
        text = _printable(text, font)
        size = _fitted_size(text, font, largest, usable)
        y -= size * gap
        canvas.setFont(font, size)
        canvas.drawString(_MARGIN, y, text)

    line("Odbiorca / Recipient", 9)
    for part in SERVICE_CENTRE.lines:
        line(part, 14)
    if sender:
        y -= 3 * mm
        line("Nadawca / Sender", 9)
        line(sender, 12)
    y -= 5 * mm
    line("Wysyłka zbiorcza / Bulk shipment", 9)
    line(shipment_number, 28, gap=1.1)
    bars = barcode(shipment_number, min(usable, 110 * mm))
    y -= 4 * mm + bars.height
    bars.drawOn(canvas, _MARGIN, y)
    line(f"Zgłoszenia w paczce / Claims in the parcel: {len(rma_numbers)}", 11, gap=2.0)
    y = _numbers(canvas, font, list(rma_numbers), y - 2 * mm, page_height)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _numbers(canvas: Canvas, font: str, numbers: list[str], top: float, height: float) -> float:
    """The RMA numbers in columns, down the page and on to the next ones."""
    column_width = (A4[0] - 2 * _MARGIN) / _COLUMNS
    canvas.setFont(font, 9)
    y, column = top, 0
    for index, number in enumerate(numbers, start=1):
        if y < _MARGIN:
            column += 1
            y = top
            if column == _COLUMNS:
                canvas.showPage()
                canvas.setFont(font, 9)
                column, top = 0, height - _MARGIN
                y = top
        canvas.drawString(_MARGIN + column * column_width, y - _ROW, f"{index}. {number}")
        y -= _ROW
    return y
