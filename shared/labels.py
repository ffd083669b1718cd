"""The printable parcel label sent with a new claim: the RMA number as Code 128 and in large text.

The scanner at the service centre reads the barcode, so a parcel with this label never lands in
the unidentified-parcels queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib.metadata
import io
import itertools
import operator
import os
import string
import subprocess
import sys
import unicodedata
from pathlib import Path

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.pagesizes import A6
from reportlab.lib.units import inch, mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from shared import label_pdf
from shared.logging import get_logger
from shared.service_centre import SERVICE_CENTRE

log = get_logger(__name__)

# Seed 000: where customers send their parcels (one setting: shared/service_centre.py).
SERVICE_ADDRESS = SERVICE_CENTRE.one_line
LABEL_MARGIN = 8 * mm
_BAR_HEIGHT = 22 * mm
# The standard PDF fonts have no ą, ę, ś, ź, ż: use DejaVu where the system has it.
_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


@functools.cache
def label_font() -> str:
    """The label's one font, DejaVu Sans Bold registered once per process when the system has it
    (prepared once per machine, in under a second; notifications does it at start, off the
    event loop).

    One font, not a regular and a bold, and without its TrueType hinting (shared/fonts.py): every
    new claim's email carries the label, and rendering, encoding and sending it all scale with its
    bytes. The captions stay told apart by their size. Each label embeds only the letters it
    shows (`asciiReadable=False`): ReportLab would otherwise put all of ASCII in every label's
    font as well, for a content stream a person can read (19 KB of font instead of 15, and an
    eighth more time to draw).
    """
    bold = _DEJAVU / "DejaVuSans-Bold.ttf"
    if not bold.exists():
        return "Helvetica-Bold"
    if "DejaVuSans-Bold" not in pdfmetrics.getRegisteredFontNames():
        font = TTFont("DejaVuSans-Bold", prepared_font(bold), asciiReadable=False)
        pdfmetrics.registerFont(font)
    return "DejaVuSans-Bold"


async def prepare_label_font(_runtime: object = None) -> None:
    """Prepare the font off the event loop (a service's start hook), before the first label."""
    await asyncio.to_thread(label_font)


def prepared_font(path: Path) -> io.BytesIO | str:
    """The font without hinting: as cached, or made by a child process and cached; the font as
    it is should that fail (the labels stay right, only larger)."""
    cached = _cached_font(path)
    if cached.exists():
        return str(cached)
    try:
        made = subprocess.run(
            [sys.executable, "-m", "shared.fonts", str(path)],
            capture_output=True,
            check=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError) as error:
        stderr = getattr(error, "stderr", None) or b""
        log.warning(
            "label font not prepared: embedded as it is",
            font=str(path),
            error=repr(error),
            stderr=stderr[-500:].decode(errors="replace"),
        )
        return str(path)
    with contextlib.suppress(OSError):  # no cache where none can be written: made again
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.partial")
        partial.write_bytes(made.stdout)
        partial.replace(cached)  # whole or not at all, for the other services reading it
    return io.BytesIO(made.stdout)


def _cached_font(path: Path) -> Path:
    """Where the prepared font is kept, as the deploy scripts keep Kafka's jars: named after the
    system's font file as it is and the fontTools that prepared it, so a change of either makes
    it anew."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    source = path.stat()
    made_by = importlib.metadata.version("fonttools")
    name = f"{path.stem}-{source.st_size}-{source.st_mtime_ns}-fonttools-{made_by}.ttf"
    return cache / "rma-platform" / "fonts" / name


def _printable(text: str, font: str) -> str:
    """Text the font can show: without DejaVu, Polish letters lose their diacritics."""
    if font.startswith("DejaVu"):
        return text
    folded = unicodedata.normalize("NFKD", text.replace("ł", "l").replace("Ł", "L"))
    return folded.encode("ascii", "ignore").decode()


# ReportLab's Code 128 patterns as letters, one per element: a capital a bar, a small letter a
# space, its place in the alphabet its width in modules. As bytes, each element's modules.
_MODULES = bytes.maketrans(
    (string.ascii_uppercase + string.ascii_lowercase).encode(), bytes([*range(1, 27)] * 2)
)


class _EncodedOnce(Code128):  # type: ignore[misc]  # ReportLab has no type hints
    """Code 128 that encodes its value once, and is measured and drawn from its elements' widths
    in modules (a table, `_MODULES`). ReportLab's encodes it again (validate, encode, decompose,
    measure) on every read of its width or height and on every drawing, and measures and draws
    it with a test of each element's letter (the canvas's labels still draw it that way).

    The sizes and the bars are ReportLab's to the last bit: the same products of the bar width
    and the modules, summed in the same order."""

    _modules: bytes | None = None
    barHeight: float | None = None

    def _calculate(self) -> None:
        if self._modules is None:
            self.validate()
            self.encode()
            self.decompose()
            self._modules = self.decomposed.encode("ascii").translate(_MODULES)
            self.computeSize()

    def _widths(self) -> list[float]:
        self._calculate()
        bar_width = self.barWidth
        return [bar_width * modules for modules in self._modules or b""]

    def computeSize(self, *_args: object) -> None:
        """MultiWidthBarcode's: the elements' widths summed, and the quiet zones."""
        width = functools.reduce(operator.add, self._widths(), 0.0)
        if self.barHeight is None:
            self.barHeight = max(0.25 * inch, width * 0.15)
        if self.quiet:
            width += self.lquiet + self.rquiet
        self._height = self.barHeight
        self._width = width

    def rectangles(self) -> list[tuple[float, float, float, float]]:
        """The bars as MultiWidthBarcode.draw puts them, each (x, y, width, height). Every
        symbol's pattern is a bar, a space, a bar and so on: the bars are every other element,
        each starting where the elements before it end (summed from the quiet zone)."""
        widths = self._widths()
        height = self.barHeight
        assert height is not None  # measured: computeSize gave it one
        starts = itertools.accumulate(widths, initial=(self.quiet and self.lquiet) or 0)
        return list(
            zip(
                itertools.islice(starts, 0, None, 2),
                itertools.repeat(0),
                widths[0::2],
                itertools.repeat(height),
            )
        )


def barcode(rma_number: str, width: float) -> _EncodedOnce:
    """The RMA number as a Code 128 barcode no wider than `width` points (quiet zones included).

    Drawn straight onto the canvas: the same bars as a graphics Drawing cost several times the
    CPU (a shape object per bar, rendered again), and every new claim's email carries a label.
    """
    bars = _EncodedOnce(rma_number, barWidth=1, humanReadable=False)
    # The quiet zones keep their 1/4 inch whatever the bar width (at most 1.8 points, as
    # here); only the bars scale.
    quiet = bars.lquiet + bars.rquiet
    # 0.5 mm bars scan easily; narrower only when the RMA number is long (scanners need ~0.25 mm).
    bars.barWidth = min(0.5 * mm, (width - quiet) / (bars.width - quiet))
    bars.barHeight = _BAR_HEIGHT
    bars.computeSize()  # the same symbols, measured again at that bar width
    return bars


def _fitted_size(text: str, font: str, largest: float, width: float) -> float:
    natural: float = pdfmetrics.stringWidth(text, font, largest)
    return min(largest, largest * width / natural)


# A label's fixed lines (the captions, the service centre's address, the notes) recur on every
# label: each is made printable and measured once per process, not once per label.
@functools.lru_cache(maxsize=256)
def _fitted_line(text: str, font: str, largest: float, width: float) -> tuple[str, float]:
    """The line as the font shows it, and its size: `largest`, or less to fit `width`."""
    printable = _printable(text, font)
    return printable, _fitted_size(printable, font, largest, width)


class LabelLayout:
    """A label laid out from the top down in the label's font: lines fitted to the page's width,
    the addressee and the sender, a barcode. Subclasses put each line and barcode on the page.

    invariant: no creation date or random id, so the same label always gives the same bytes."""

    def __init__(self, title: str, pagesize: tuple[float, float], margin: float) -> None:
        self.font = label_font()
        self.title = title
        self.pagesize = pagesize
        self.margin = margin
        self.width, self.height = pagesize
        self.usable = self.width - 2 * margin
        self.y = self.height - margin

    def _text(self, x: float, y: float, size: float, text: str) -> None:
        raise NotImplementedError

    def _bars(self, x: float, y: float, bars: _EncodedOnce) -> None:
        raise NotImplementedError

    def line(self, text: str, largest: float, gap: float = 1.3) -> None:
        """One line at `largest` points, smaller if the text would not fit the page's width."""
        text, size = _fitted_line(text, self.font, largest, self.usable)
        self.y -= size * gap
        self._text(self.margin, self.y, size, text)

    def addresses(self, sender: str | None, small: float, large: float, space: float) -> None:
        """The service centre as the recipient, then the sender when known."""
        self.line("Odbiorca / Recipient", small)
        for part in SERVICE_CENTRE.lines:
            self.line(part, large)
        if sender:
            self.y -= space
            self.line("Nadawca / Sender", small)
            self.line(sender, large - 2)

    def barcode(self, code: str, width: float, centred: bool) -> None:
        bars = barcode(code, width)
        self.y -= 4 * mm + bars.height
        x = self.margin + (self.usable - bars.width) / 2 if centred else self.margin
        self._bars(x, self.y, bars)


def _canvas(buffer: io.BytesIO, page: LabelLayout) -> Canvas:
    """Started in the label's font: the default one (Helvetica) would be written into every
    label, unused."""
    canvas = Canvas(buffer, pagesize=page.pagesize, invariant=True, initialFontName=page.font)
    canvas.setTitle(page.title)
    return canvas


class LabelPage(LabelLayout):
    """A label drawn on ReportLab's canvas (`canvas`, for pages more than the layout draws);
    `pdf()` ends it."""

    def __init__(self, title: str, pagesize: tuple[float, float], margin: float) -> None:
        super().__init__(title, pagesize, margin)
        self._buffer = io.BytesIO()
        self.canvas = _canvas(self._buffer, self)

    def _text(self, x: float, y: float, size: float, text: str) -> None:
        self.canvas.setFont(self.font, size)
        self.canvas.drawString(x, y, text)

    def _bars(self, x: float, y: float, bars: _EncodedOnce) -> None:
        bars.drawOn(self.canvas, x, y)

    def pdf(self) -> bytes:
        self.canvas.showPage()
        self.canvas.save()
        return self._buffer.getvalue()


class PreparedLabelPage(LabelLayout):
    """A one-page label kept as its lines and bars, its PDF written from them with the font's
    subset prepared once per set of letters (shared/label_pdf.py): a tenth of the canvas's CPU.
    Drawn on the canvas instead without DejaVu, or with more letters than one font subset holds.
    """

    def __init__(self, title: str, pagesize: tuple[float, float], margin: float) -> None:
        super().__init__(title, pagesize, margin)
        self._texts: list[label_pdf.Text] = []
        self._barcodes: list[tuple[float, float, _EncodedOnce]] = []

    def _text(self, x: float, y: float, size: float, text: str) -> None:
        self._texts.append(label_pdf.Text(x, y, size, text))

    def _bars(self, x: float, y: float, bars: _EncodedOnce) -> None:
        self._barcodes.append((x, y, bars))

    def pdf(self) -> bytes:
        if self.font.startswith("DejaVu"):
            bars = [label_pdf.Bars(x, y, code.rectangles()) for x, y, code in self._barcodes]
            written = label_pdf.write_label_pdf(
                self.font, self.title, self.pagesize, self._texts, bars
            )
            if written is not None:
                return written
        buffer = io.BytesIO()
        canvas = _canvas(buffer, self)
        for text in self._texts:
            canvas.setFont(self.font, text.size)
            canvas.drawString(text.x, text.y, text.text)
        for x, y, code in self._barcodes:
            code.drawOn(canvas, x, y)
        canvas.showPage()
        canvas.save()
        return buffer.getvalue()


def lay_out_parcel_label(page: LabelLayout, rma_number: str, customer_name: str | None) -> None:
    """Recipient, sender if known, RMA number and its barcode, on either kind of page."""
    page.addresses(customer_name, 8, 13, 4 * mm)
    page.y -= 6 * mm
    page.line("Numer RMA / RMA number", 8)
    page.line(rma_number, 26, gap=1.1)
    page.barcode(rma_number, page.usable, centred=True)
    page.line("Naklej na paczkę. Paczka bez numeru RMA wydłuża obsługę.", 7, gap=2.2)
    page.line("Stick it on the parcel. Parcels without an RMA number take longer.", 7)


def render_label(rma_number: str, customer_name: str | None = None) -> bytes:
    """An A6 PDF label for the parcel, written from its prepared font subset."""
    page = PreparedLabelPage(f"Etykieta {rma_number}", A6, LABEL_MARGIN)
    lay_out_parcel_label(page, rma_number, customer_name)
    return page.pdf()


def label_file_name(number: str) -> str:
    """The file name a label (a claim's or a shipment's) is downloaded and emailed as."""
    return f"etykieta-{number.replace('/', '-')}.pdf"
