"""The one label of a reseller's shipment of many claims (issue 25 §6): the shipment number as
Code 128 (the warehouse's scanner page shows the whole list from it) and every RMA number the
parcel holds, drawn as the single claim's label is (shared/labels.py), on A4 pages.
"""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from shared.labels import LabelPage

_MARGIN = 15 * mm
_COLUMNS = 3
_ROW = 5 * mm


def render_shipment_label(
    shipment_number: str, rma_numbers: Sequence[str], sender: str | None = None
) -> bytes:
    """An A4 PDF: recipient, sender if known, the shipment number with its barcode, then the
    list of the RMA numbers in the parcel (continued on further pages when long)."""
    page = LabelPage(f"Etykieta wysyłki {shipment_number}", A4, _MARGIN)
    page.addresses(sender, 9, 14, 3 * mm)
    page.y -= 5 * mm
    page.line("Wysyłka zbiorcza / Bulk shipment", 9)
    page.line(shipment_number, 28, gap=1.1)
    page.barcode(shipment_number, min(page.usable, 110 * mm), centred=False)
    page.line(f"Zgłoszenia w paczce / Claims in the parcel: {len(rma_numbers)}", 11, gap=2.0)
    _numbers(page.canvas, page.font, list(rma_numbers), page.y - 2 * mm, page.height)
    return page.pdf()


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
