"""The parcel label: a PDF that opens, shows the RMA number, and whose Code 128 bars decode back
to the RMA number (decoded here with python-barcode's symbol table, not reportlab's)."""

from __future__ import annotations

import functools
import io
import re
from pathlib import Path
from typing import Any

import pytest
from barcode.charsets import code128 as symbols
from fontTools.ttLib import TTFont as FontToolsFont
from pypdf import PdfReader
from reportlab.graphics.barcode.code128 import Code128
from reportlab.graphics.barcode.common import MultiWidthBarcode
from reportlab.lib.pagesizes import A6
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics

from shared import label_pdf
from shared.labels import (
    LABEL_MARGIN,
    LabelPage,
    barcode,
    label_font,
    lay_out_parcel_label,
    prepared_font,
    render_label,
)


def bars_as_modules(bars: Code128) -> str:
    """The barcode as drawn on the label, as a string of modules: '1' for bar, '0' for space."""
    drawn: list[tuple[float, float]] = []
    bars.rect = lambda x, _y, width, _height: drawn.append((x, width))  # type: ignore[method-assign]
    bars.draw()
    modules, end = "", drawn[0][0]
    for x, width in sorted(drawn):
        modules += "0" * round((x - end) / bars.barWidth)
        modules += "1" * round(width / bars.barWidth)
        end = x + width
    return modules


def decode_code128(modules: str) -> str:
    """Start symbol, data symbols (code sets B and C), checksum, stop pattern."""
    assert modules.endswith(symbols.STOP + "11"), "stop pattern"
    values = [symbols.CODES.index(modules[i : i + 11]) for i in range(0, len(modules) - 13, 11)]
    start, *data, checksum = values
    assert (start + sum(i * v for i, v in enumerate(data, 1))) % 103 == checksum
    by_value = {
        "B": {v: k for k, v in symbols.B.items()},
        "C": {v: k for k, v in symbols.C.items()},
    }
    code_set = {v: k for k, v in symbols.START_CODES.items()}[start]
    decoded = ""
    for value in data:
        if code_set == "C" and value < 100:  # set C: two digits per symbol
            decoded += f"{value:02d}"
            continue
        symbol = by_value[code_set][value]
        if symbol in ("TO_B", "TO_C"):
            code_set = symbol[-1]
        else:
            decoded += symbol
    return decoded


@pytest.mark.parametrize(
    "rma_number", ["RMA/1024/SR/2026", "RMA/7/SR/2025", "RMA/123456789/SR/2030"]
)
def test_barcode_decodes_to_the_rma_number_and_fits_the_page(rma_number: str) -> None:
    bars = barcode(rma_number, width=250)
    assert bars.value == rma_number
    assert bars.width <= 250 + 1e-6
    assert decode_code128(bars_as_modules(bars)) == rma_number


def test_label_pdf_opens_and_shows_rma_number_address_and_sender() -> None:
    pdf = render_label("RMA/1024/SR/2026", "Łukasz Żółć")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "RMA/1024/SR/2026" in text
    assert "Rudzka 65C" in text
    assert "44-200 Rybnik" in text
    assert "Łukasz Żółć" in text or "Lukasz Zolc" in text  # without DejaVu: no diacritics


def test_label_without_a_known_name_has_no_sender_and_is_reproducible() -> None:
    pdf = render_label("RMA/9/SR/2026")
    assert "Nadawca" not in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert render_label("RMA/9/SR/2026") == pdf


def embedded_font(pdf: bytes) -> FontToolsFont:
    reader = PdfReader(io.BytesIO(pdf))
    fonts = [font.get_object() for font in reader.pages[0]["/Resources"]["/Font"].values()]
    [embedded] = [
        font["/FontDescriptor"].get_object()["/FontFile2"].get_object()
        for font in fonts
        if "/FontDescriptor" in font
    ]
    return FontToolsFont(io.BytesIO(embedded.get_data()))


def instruction_bytes(font: FontToolsFont) -> int:
    glyf = font["glyf"]
    total = 0
    for name in font.getGlyphOrder():
        glyph = glyf[name]
        glyph.expand(glyf)
        program = getattr(glyph, "program", None)
        total += len(program.getBytecode()) if program is not None else 0
    return total


def test_label_embeds_its_font_without_hinting_and_with_any_script_of_a_name() -> None:
    assert label_font() == "DejaVuSans-Bold", (
        "the label needs DejaVu: apt install fonts-dejavu-core"
    )
    name = "Ștefan Łukasz Ирина"  # Latin Extended-B, Polish, Cyrillic
    pdf = render_label("RMA/1024/SR/2026", name)
    font = embedded_font(pdf)
    # Hinting fits outlines to a screen's pixels: a printed label would only pay for its bytes.
    assert not {"fpgm", "prep", "cvt "} & set(font.keys())
    assert instruction_bytes(font) == 0
    # Every glyph of the system's font is kept for the names customers give.
    glyphs = pdfmetrics.getFont(label_font()).face.charToGlyph
    assert all(glyphs.get(ord(letter)) for letter in name if not letter.isspace())
    assert name in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_a_font_that_cannot_be_prepared_is_embedded_as_it_is(tmp_path: Path) -> None:
    not_a_font = tmp_path / "broken.ttf"
    not_a_font.write_bytes(b"not a font")
    assert prepared_font(not_a_font) == str(not_a_font)


def test_the_prepared_font_is_made_once_and_then_read_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    system_font = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
    assert system_font.exists(), "the label needs DejaVu: apt install fonts-dejavu-core"
    made = prepared_font(system_font)
    assert not isinstance(made, str)
    [cached] = (tmp_path / "rma-platform" / "fonts").iterdir()
    assert prepared_font(system_font) == str(cached)
    assert cached.read_bytes() == made.getvalue()


def test_the_label_carries_no_font_it_does_not_use() -> None:
    reader = PdfReader(io.BytesIO(render_label("RMA/1024/SR/2026", "Zofia Wójcik")))
    fonts = [font.get_object() for font in reader.pages[0]["/Resources"]["/Font"].values()]
    assert [str(font["/BaseFont"]).split("+")[-1] for font in fonts] == [label_font()]


def test_the_label_embeds_only_the_letters_it_shows() -> None:
    pdf = render_label("RMA/1024/SR/2026", "Zofia Wójcik")
    letters_shown = set(PdfReader(io.BytesIO(pdf)).pages[0].extract_text()) - {"\n"}
    assert set("RMA/1024 Zofia Wójcik") <= letters_shown
    # A few more for the font's own needs (.notdef and the like), not all of ASCII besides.
    assert len(embedded_font(pdf).getGlyphOrder()) < len(letters_shown) + 10


def canvas_label(rma_number: str, customer_name: str | None) -> bytes:
    """The same label drawn on ReportLab's canvas, as every label was before it was written
    from its prepared font subset."""
    page = LabelPage(f"Etykieta {rma_number}", A6, LABEL_MARGIN)
    lay_out_parcel_label(page, rma_number, customer_name)
    return page.pdf()


def placed_text(pdf: bytes) -> list[tuple[str, float, float, float]]:
    """Each piece of text with where it starts and its size, as a reader of the PDF finds it."""
    placed: list[tuple[str, float, float, float]] = []

    def visit(text: str, _cm: Any, tm: list[float], _font: Any, size: float) -> None:
        if text.strip():
            placed.append((text.strip(), round(tm[4], 2), round(tm[5], 2), round(size, 2)))

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    return placed


def drawn_bars(pdf: bytes) -> str:
    """The barcode as the page's content draws it: its rectangles as modules, as above."""
    content = PdfReader(io.BytesIO(pdf)).pages[0].get_contents()
    assert content is not None
    number = r"(-?[\d.]+)"
    found = re.findall(rf"{number} {number} {number} {number} re", content.get_data().decode())
    rectangles = [(float(x), float(width)) for x, _y, width, _height in found]
    narrowest = min(width for _x, width in rectangles)
    modules, end = "", rectangles[0][0]
    for x, width in sorted(rectangles):
        modules += "0" * round((x - end) / narrowest) + "1" * round(width / narrowest)
        end = x + width
    return modules


@pytest.mark.parametrize("name", ["Zofia Wójcik", "Ștefan Łukasz Ирина", None])
def test_the_written_label_places_every_line_as_the_canvas_does(name: str | None) -> None:
    written, drawn = (
        render_label("RMA/947453/SR/2026", name),
        canvas_label("RMA/947453/SR/2026", name),
    )
    assert placed_text(written) == placed_text(drawn)
    assert decode_code128(drawn_bars(written)) == "RMA/947453/SR/2026"
    assert drawn_bars(written) == drawn_bars(drawn)
    assert PdfReader(io.BytesIO(written)).metadata.title == "Etykieta RMA/947453/SR/2026"


def test_the_font_subset_is_made_once_for_the_same_letters(monkeypatch: pytest.MonkeyPatch) -> None:
    face = pdfmetrics.getFont(label_font()).face
    made: list[list[int]] = []
    make_subset = face.makeSubset

    def counted(unicodes: list[int]) -> bytes:
        made.append(unicodes)
        return make_subset(unicodes)

    monkeypatch.setattr(face, "makeSubset", counted)
    first = render_label("RMA/1111/SR/2026", "Hugo Qwerty")
    second = render_label("RMA/9876/SR/2026", "Hugo Qwerty")  # other digits, same letters
    assert len(made) <= 1
    assert "RMA/9876/SR/2026" in PdfReader(io.BytesIO(second)).pages[0].extract_text()
    assert first != second
    render_label("RMA/1111/SR/2026", "Hugo Qwertyź")
    assert len(made) == len(set(map(tuple, made))) >= 1


def test_a_name_of_more_letters_than_one_font_subset_holds_still_makes_a_label() -> None:
    name = "".join(chr(code) for code in range(0x0100, 0x0100 + 300))  # Latin Extended-A and B
    pdf = render_label("RMA/7/SR/2026", name)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "RMA/7/SR/2026" in text
    assert name[:40] in text.replace("\n", "")


def test_a_label_encodes_its_barcode_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """ReportLab's Code 128 encodes its value again on every read of its size and every
    drawing (five times per label before): the label's barcode is encoded once."""
    encoded: list[str] = []
    encode = Code128.encode

    def counted(bars: Code128) -> str:
        encoded.append(bars.value)
        return encode(bars)  # type: ignore[no-any-return]

    monkeypatch.setattr(Code128, "encode", counted)
    pdf = render_label("RMA/947453/SR/2026", "Zofia Wójcik")
    assert encoded == ["RMA/947453/SR/2026"]
    assert decode_code128(drawn_bars(pdf)) == "RMA/947453/SR/2026"


def test_bars_seen_before_are_not_formatted_again_and_write_the_same_bytes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A label's bars recur from label to label at one bar width: formatting their numbers was
    a third of writing the PDF, so a bar written once is kept as written (label_pdf._bar)."""
    render_label("RMA/2048/SR/2026", "Jan Nowak")
    formatted: list[tuple[float, ...]] = []
    fp_str = label_pdf.fp_str

    def counted(*numbers: float) -> str:
        formatted.append(numbers)
        return fp_str(*numbers)  # type: ignore[no-any-return]

    monkeypatch.setattr(label_pdf, "fp_str", counted)
    kept = render_label("RMA/2048/SR/2026", "Nowak Jan")  # its bars, and its letters, seen
    assert not [numbers for numbers in formatted if len(numbers) == 4]
    label_pdf._bar.cache_clear()
    assert render_label("RMA/2048/SR/2026", "Nowak Jan") == kept
    assert [numbers for numbers in formatted if len(numbers) == 4]
    assert decode_code128(drawn_bars(kept)) == "RMA/2048/SR/2026"


def test_the_bars_kept_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    kept = functools.lru_cache(maxsize=10)(label_pdf._bar.__wrapped__)
    monkeypatch.setattr(label_pdf, "_bar", kept)
    for number in range(5):
        render_label(f"RMA/{number}/SR/2026")
        assert kept.cache_info().currsize <= 10


def reportlab_bars(value: str, width: float) -> tuple[float, float, list[tuple[Any, ...]]]:
    """ReportLab's own Code 128, sized as `barcode` sizes it: its width, height and bars."""
    bars = Code128(value, barWidth=1, humanReadable=False)
    quiet = bars.lquiet + bars.rquiet
    bars.barWidth = min(0.5 * mm, (width - quiet) / (bars.width - quiet))
    bars.barHeight = 22 * mm
    bars.computeSize()
    drawn: list[tuple[Any, ...]] = []
    bars.rect = lambda *rectangle: drawn.append(rectangle)
    bars.draw()
    return bars.width, bars.height, drawn


@pytest.mark.parametrize("width", [250.0, 270.0, 110 * mm, 120.0])
@pytest.mark.parametrize(
    "value", ["RMA/1024/SR/2026", "RMA/7/SR/2025", "RMA/123456789/SR/2030", "WZ/2026/0001", "a1"]
)
def test_the_barcode_is_reportlabs_to_the_last_bit(value: str, width: float) -> None:
    """Measured and drawn from a table of its elements' modules, the barcode keeps ReportLab's
    floats exactly (the same products, summed in the same order), so a label's bytes stay."""
    bars = barcode(value, width)
    assert (bars.width, bars.height, bars.rectangles()) == reportlab_bars(value, width)


def test_a_labels_barcode_is_not_measured_or_drawn_letter_by_letter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ReportLab's measuring and drawing test each element's letter (twice measured, once
    drawn per label): the label's barcode is measured and drawn from its modules instead."""
    walked: list[str] = []

    def walking(name: str) -> Any:
        original = getattr(MultiWidthBarcode, name)

        def counted(bars: Code128, *args: Any) -> Any:
            walked.append(name)
            return original(bars, *args)

        return counted

    for name in ("computeSize", "draw"):
        monkeypatch.setattr(MultiWidthBarcode, name, walking(name))
    pdf = render_label("RMA/947453/SR/2026", "Zofia Wójcik")
    assert walked == []
    assert decode_code128(drawn_bars(pdf)) == "RMA/947453/SR/2026"


def test_a_labels_fixed_lines_are_measured_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The captions, the service centre's address and the notes are the same on every label:
    measured (and made printable) once per process, only the RMA number and a new sender's
    name per label."""
    render_label("RMA/5000/SR/2026", "Jan Nowak")
    measured: list[str] = []
    string_width = pdfmetrics.stringWidth

    def counted(text: str, font: str, size: float, *args: Any) -> float:
        measured.append(text)
        return string_width(text, font, size, *args)  # type: ignore[no-any-return]

    monkeypatch.setattr(pdfmetrics, "stringWidth", counted)
    pdf = render_label("RMA/5001/SR/2026", "Jan Nowak")
    assert measured == ["RMA/5001/SR/2026"]
    assert placed_text(pdf) == placed_text(canvas_label("RMA/5001/SR/2026", "Jan Nowak"))


def test_a_labels_fixed_lines_are_written_once_for_the_same_letters(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A line at the same place in the same subset's codes is kept as written: of a label with
    the letters of one before it, only the RMA number's line is written anew, and its letters
    are not sorted again."""
    render_label("RMA/6000/SR/2026", "Ewa Kot")
    formatted: list[tuple[float, ...]] = []
    sorts: list[object] = []
    fp_str = label_pdf.fp_str

    def counted(*numbers: float) -> str:
        formatted.append(numbers)
        return fp_str(*numbers)  # type: ignore[no-any-return]

    def counted_sort(letters: Any) -> list[str]:
        sorts.append(letters)
        return sorted(letters)

    monkeypatch.setattr(label_pdf, "fp_str", counted)
    monkeypatch.setattr(label_pdf, "sorted", counted_sort, raising=False)
    kept = render_label("RMA/6001/SR/2026", "Ewa Kot")
    sizes = [numbers for numbers in formatted if len(numbers) == 1]
    assert len(sizes) == 1  # the size of the RMA number's line
    assert sorts == []
    label_pdf._shown.cache_clear()
    label_pdf._sorted_letters.cache_clear()
    assert render_label("RMA/6001/SR/2026", "Ewa Kot") == kept
    assert len(sizes) < len([numbers for numbers in formatted if len(numbers) == 1])
    assert sorts
    assert "RMA/6001/SR/2026" in PdfReader(io.BytesIO(kept)).pages[0].extract_text()
