"""The customer's own paper of a claim, filled in from it, as a PDF (the label's library): the
statement of withdrawal for a return, the complaint form for every other claim.

What the paper says is the claim's: its RMA number, the purchase document, the product, the unit,
the problem and the return address. The law it cites is the consumer rights act (u.p.k.).
"""

from __future__ import annotations

import functools
import io
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

from services.claims.domain.claim import Claim
from shared.calendar import polish_date
from shared.labels import SERVICE_ADDRESS, prepared_font

_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


@functools.cache
def _fonts() -> tuple[str, str]:
    """(regular, bold): DejaVu where the system has it (Polish letters), else Helvetica."""
    regular, bold = _DEJAVU / "DejaVuSans.ttf", _DEJAVU / "DejaVuSans-Bold.ttf"
    if not (regular.exists() and bold.exists()):
        return "Helvetica", "Helvetica-Bold"
    for name, path in (("DejaVuSans", regular), ("DejaVuSans-Bold", bold)):
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, prepared_font(path), asciiReadable=False))
    return "DejaVuSans", "DejaVuSans-Bold"


def form_kind(claim: Claim) -> str:
    """withdrawal for a return, complaint otherwise."""
    return "withdrawal" if claim.claim_type == "return" else "complaint"


def file_name(claim: Claim) -> str:
    stem = "odstapienie" if form_kind(claim) == "withdrawal" else "reklamacja"
    return f"{stem}-{claim.rma_number.replace('/', '-')}.pdf"


def _facts(claim: Claim) -> list[tuple[str, str]]:
    address = claim.return_address
    where = (
        f"{address.recipient}, {address.street}, {address.postal_code} {address.city}"
        if address
        else "—"
    )
    return [
        ("Numer zgłoszenia (RMA)", claim.rma_number),
        ("Data zgłoszenia", f"{polish_date(claim.created_at):%d.%m.%Y}"),
        (
            "Dokument zakupu",
            f"{claim.document_type} {claim.document_number}, pozycja {claim.line_no}",
        ),
        ("Produkt", f"{claim.product.name} (EAN {claim.product.ean})"),
        ("Numer seryjny", claim.serial_number or "—"),
        ("Konsument / adres zwrotny", where),
        ("E-mail", claim.email),
    ]


def _body(claim: Claim) -> tuple[str, list[str]]:
    if form_kind(claim) == "withdrawal":
        return "Oświadczenie o odstąpieniu od umowy", [
            f"Adresat: {SERVICE_ADDRESS}.",
            "Niniejszym informuję o moim odstąpieniu od umowy sprzedaży następującej rzeczy "
            "(art. 27 i 30 ustawy o prawach konsumenta). Odstąpienie nie wymaga podania "
            "przyczyny.",
            "Zwrot płatności proszę przekazać tą samą metodą, którą zapłaciłem(-am), chyba że "
            "uzgodnimy inaczej.",
        ]
    return "Formularz reklamacyjny", [
        f"Adresat: {SERVICE_ADDRESS}.",
        "Zgłaszam reklamację następującego produktu.",
        f"Opis wady: {claim.problem_description or '—'}",
        f"Problem z listy: {claim.problem_code}" if claim.problem_code else "",
        f"Zawartość przesyłki: {claim.package_contents}",
        "Odpowiedź na reklamację konsumenta należy się w ciągu 14 dni; jej brak oznacza uznanie "
        "reklamacji (art. 7a ustawy o prawach konsumenta).",
    ]


def render_customer_form(claim: Claim) -> bytes:
    """The claim's statement of withdrawal or complaint form, one A4 page to sign."""
    regular, bold = _fonts()
    text = ParagraphStyle("text", fontName=regular, fontSize=10, leading=14)
    title = ParagraphStyle("title", fontName=bold, fontSize=15, leading=20, spaceAfter=6 * mm)
    heading, paragraphs = _body(claim)
    table = Table(
        [
            [Paragraph(escape(name), text), Paragraph(escape(value), text)]
            for name, value in _facts(claim)
        ],
        colWidths=(55 * mm, 115 * mm),
    )
    story = [Paragraph(escape(heading), title), table, Spacer(1, 6 * mm)]
    story += [Paragraph(escape(line), text) for line in paragraphs if line]
    story += [
        Spacer(1, 20 * mm),
        Paragraph("Data i podpis konsumenta: ______________________", text),
    ]
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        title=f"{heading} {claim.rma_number}",
        leftMargin=20 * mm,
        rightMargin=20 * mm,
    )
    document.build(story)
    return out.getvalue()
