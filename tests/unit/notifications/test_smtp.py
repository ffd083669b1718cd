"""What goes over SMTP: subjects survive the trip intact, attachments are attached."""

from __future__ import annotations

import base64
import io
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import pytest
from pypdf import PdfReader

from services.notifications import attachments
from services.notifications.adapters.smtp import build_message, to_wire
from services.notifications.settings import NotificationsSettings
from shared.labels import render_label

LEGACY_LABEL = {
    # A row written before labels were kept as their facts: it carries the PDF's bytes.
    "filename": "etykieta-RMA-947453-SR-2026.pdf",
    "content_type": "application/pdf",
    "content_base64": base64.b64encode(b"%PDF-1.4 label").decode(),
}


def received(subject: str, label: dict[str, Any] = LEGACY_LABEL) -> EmailMessage:
    email = {
        "recipient": "klient@example.com",
        "subject": subject,
        "message_id": "<1@rma.innpro.example>",
        "rma_number": "RMA/947453/SR/2026",
        "text_body": "Następny krok: ...\n",
        "html_body": "<p>Następny krok: ...</p>\n",
        "attachments": [label],
    }
    wire = to_wire(build_message(NotificationsSettings(), email))
    message = BytesParser(policy=policy.default).parsebytes(wire)
    assert isinstance(message, EmailMessage)
    return message


@pytest.mark.parametrize(
    "subject",
    [
        # email.policy.SMTP folds both between two encoded words and loses the space there.
        "Zgłoszenie RMA/947453/SR/2026: produkt objęty gwarancją",
        "Zgłoszenie RMA/123/SR/2026: produkt nieobjęty gwarancją",
        # Long enough to be split into several encoded words, each keeping its spaces.
        "Zgłoszenie RMA/947453/SR/2026: naprawa zakończona, paczka z produktem wraca do Ciebie",
    ],
)
def test_polish_subjects_arrive_unchanged(subject: str) -> None:
    assert str(received(subject)["Subject"]) == subject


def test_a_label_kept_as_bytes_travels_as_a_pdf_attachment() -> None:
    message = received("Zgłoszenie RMA/947453/SR/2026 przyjęte")
    [attachment] = list(message.iter_attachments())
    assert isinstance(attachment, EmailMessage)
    assert attachment.get_filename() == "etykieta-RMA-947453-SR-2026.pdf"
    assert attachment.get_content() == b"%PDF-1.4 label"
    assert message["X-RMA-Number"] == "RMA/947453/SR/2026"


def test_label_is_drawn_when_the_email_goes_out() -> None:
    stored = attachments.parcel_label("RMA/947453/SR/2026", "Zofia Wójcik")
    message = received("Zgłoszenie RMA/947453/SR/2026 przyjęte", stored)
    [attachment] = list(message.iter_attachments())
    assert isinstance(attachment, EmailMessage)
    assert attachment.get_filename() == "etykieta-RMA-947453-SR-2026.pdf"
    pdf = attachment.get_content()
    # The label renders invariantly: the very bytes drawn from the same facts.
    assert pdf == render_label("RMA/947453/SR/2026", "Zofia Wójcik")
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "RMA/947453/SR/2026" in text
    assert "Zofia Wójcik" in text or "Zofia Wojcik" in text  # without DejaVu: no diacritics
