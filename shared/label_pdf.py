"""A one-page label's PDF written straight from what is drawn on it: lines of text in the label's
TrueType font and the bars of a barcode.

ReportLab's canvas builds every label as a document of objects, subsets and compresses the font
anew each time and formats it all in Python: 2.5 ms of CPU per label on the bench's VM, the
largest single cost of a new claim's email. A label is always the same few objects, and its
font subset depends only on the letters it shows, so here the subset, its widths and its
ToUnicode map are made once per set of letters (kept for the next labels with the same ones)
and only the page's content is written per label. The PDF is the one ReportLab would write in
substance: a simple TrueType font embedded as a subset (codes 0-255, with a ToUnicode map so
its text can be copied and searched), text in it, bars as filled rectangles.
"""

from __future__ import annotations

import functools
import hashlib
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase import pdfmetrics

# The digits are always in the subset: RMA numbers change them from label to label, and a
# subset per set of digits would rarely be made twice.
_ALWAYS = frozenset("0123456789")
# One simple font holds 256 codes; code 0 stays the font's "missing character".
_MOST_LETTERS = 255
_FONT = b"/F1"


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    size: float
    text: str


@dataclass(frozen=True)
class Bars:
    """A barcode's rectangles, each (x, y, width, height) from the barcode's origin at x, y."""

    x: float
    y: float
    rectangles: Sequence[tuple[float, float, float, float]]


# Compared and hashed as itself (`_shown` keeps lines per subset; a subset is made once).
@dataclass(frozen=True, eq=False)
class _Subset:
    """The font's objects for one set of letters, and each letter's code."""

    # str.translate's table: every letter to its code (a text is only its letters).
    to_codes: dict[int, int]
    font_file: bytes  # compressed
    font_length: int
    font: bytes  # the Font dictionary: its descriptor is object 6, its ToUnicode 7
    descriptor: bytes  # the FontDescriptor: its font file is object 4
    to_unicode: bytes


def write_label_pdf(
    font_name: str, title: str, pagesize: tuple[float, float], texts: list[Text], bars: list[Bars]
) -> bytes | None:
    """The label's PDF; None when its letters are more than one simple font holds (ReportLab's
    canvas splits them into several fonts instead)."""
    letters = _sorted_letters(_ALWAYS.union("".join([text.text for text in texts])))
    if len(letters) > _MOST_LETTERS:
        return None
    subset = _subset(font_name, letters)
    content = zlib.compress(_content(subset, texts, bars))
    width, height = pagesize
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [ 3 0 R ] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [ 0 0 %s ] /Contents 8 0 R "
        b"/Resources << /Font << %s 5 0 R >> /ProcSet [ /PDF /Text ] >> >>"
        % (fp_str(width, height).encode(), _FONT),
        _stream(subset.font_file, b"/Filter /FlateDecode /Length1 %d" % subset.font_length),
        subset.font,
        subset.descriptor,
        _stream(subset.to_unicode),
        _stream(content, b"/Filter /FlateDecode"),
        b"<< /Title %s /Producer (RMA platform) >>" % _text_string(title),
    ]
    return _document(objects)


# The letters of a label's lines and the digits, sorted, kept: labels with the same letters (those
# of their sender's name, besides the fixed lines') are most labels; sorting was a tenth of
# writing one.
@functools.lru_cache(maxsize=256)
def _sorted_letters(shown: frozenset[str]) -> str:
    """The letters the subset holds (code 0 stays the missing character's)."""
    return "".join(sorted(shown - {"\0"}))


def _stream(data: bytes, entries: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n%s\nendstream" % (len(data), entries, data)


def _document(objects: list[bytes]) -> bytes:
    """The objects numbered from 1, the cross-reference table and the trailer (/Info the last)."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\n" % (len(objects) + 1, len(objects))
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def _content(subset: _Subset, texts: list[Text], bars: list[Bars]) -> bytes:
    parts = [_shown(subset, text) for text in texts]
    for barcode in bars:
        parts.append(b"q 1 0 0 1 %s cm" % fp_str(barcode.x, barcode.y).encode())
        # A fill per bar, as ReportLab draws them: viewers snap a lone rectangle to whole
        # pixels, so the bars stay as sharp on a screen as in print.
        parts.extend(map(_bar, barcode.rectangles))
        parts.append(b"Q")
    return b"\n".join(parts)


# A line as written in a subset's codes, kept: a label's fixed lines (all but the RMA number
# and the sender, at the same places) recur from label to label with the same letters.
@functools.lru_cache(maxsize=1024)
def _shown(subset: _Subset, text: Text) -> bytes:
    # Every letter of the texts has its code (\0 stays 0, the missing character's).
    shown = text.text.translate(subset.to_codes).encode("latin-1").hex().encode()
    return b"BT %s %s Tf %s Td <%s> Tj ET" % (
        _FONT,
        fp_str(text.size).encode(),
        fp_str(text.x, text.y).encode(),
        shown,
    )


# A bar's fill as written, kept: at one bar width the same bars recur at the same places from
# label to label, and formatting their four numbers was a third of writing a label's PDF.
@functools.lru_cache(maxsize=4096)
def _bar(rectangle: tuple[float, float, float, float]) -> bytes:
    return b"%s re f" % fp_str(*rectangle).encode()


def _text_string(text: str) -> bytes:
    """A PDF text string: ASCII as it is (escaped), anything else as UTF-16 with its mark."""
    if text.isascii():
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        return b"(%s)" % escaped.encode("ascii")
    return b"<feff%s>" % text.encode("utf-16-be").hex().encode()


@functools.lru_cache(maxsize=256)
def _subset(font_name: str, letters: str) -> _Subset:
    """The font's subset for these letters (sorted), made once per set of letters."""
    face = pdfmetrics.getFont(font_name).face
    unicodes = [0, *map(ord, letters)]
    font_file = face.makeSubset(unicodes)
    # A subset's name starts with a tag of six capitals of its own (PDF 32000-1, 9.6.4).
    digest = hashlib.sha256(letters.encode()).digest()
    tag = bytes(65 + byte % 26 for byte in digest[:6])
    base_font = b"/%s+%s" % (tag, face.name)
    flags = (face.flags & ~(1 << 5)) | (1 << 2)  # symbolic: the codes are the subset's own
    widths = b" ".join(fp_str(face.getCharWidth(code)).encode() for code in unicodes)
    descriptor = (
        b"<< /Type /FontDescriptor /FontName %s /Flags %d /FontBBox [ %s ] /ItalicAngle %s "
        b"/Ascent %s /Descent %s /CapHeight %s /StemV %d /MissingWidth %s /FontFile2 4 0 R >>"
        % (
            base_font,
            flags,
            fp_str(*face.bbox).encode(),
            fp_str(face.italicAngle).encode(),
            fp_str(face.ascent).encode(),
            fp_str(face.descent).encode(),
            fp_str(face.capHeight).encode(),
            face.stemV,
            fp_str(face.defaultWidth).encode(),
        )
    )
    font = (
        b"<< /Type /Font /Subtype /TrueType /BaseFont %s /FirstChar 0 /LastChar %d "
        b"/Widths [ %s ] /FontDescriptor 6 0 R /ToUnicode 7 0 R >>"
        % (base_font, len(unicodes) - 1, widths)
    )
    return _Subset(
        to_codes={ord(letter): code for code, letter in enumerate(letters, start=1)},
        font_file=zlib.compress(font_file),
        font_length=len(font_file),
        font=font,
        descriptor=descriptor,
        to_unicode=_to_unicode(letters),
    )


def _to_unicode(letters: str) -> bytes:
    """The CMap from each code back to its letter, in blocks of 100 (the most one may hold)."""
    pairs = [
        b"<%02x> <%s>" % (code, letter.encode("utf-16-be").hex().encode())
        for code, letter in enumerate(letters, start=1)
    ]
    blocks = b"".join(
        b"%d beginbfchar\n%s\nendbfchar\n" % (len(block), b"\n".join(block))
        for block in (pairs[i : i + 100] for i in range(0, len(pairs), 100))
    )
    return (
        b"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        b"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        b"1 begincodespacerange\n<00> <ff>\nendcodespacerange\n%s"
        b"endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend" % blocks
    )
