"""What goes over SMTP: subjects survive the trip intact, attachments are attached."""

from __future__ import annotations

import base64
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest

from services.notifications.adapters.smtp import build_message, to_wire
from services.notifications.settings import NotificationsSettings


def received(subject: str) -> EmailMessage:
    email = {
        "recipient": "klient@example.com",
        "subject": subject,
        "message_id": "<1@rma.innpro.example>",
        "rma_number": "RMA/947453/SR/2026",
        "text_body": "Następny krok: ...\n",
        "html_body": "<p>Następny krok: ...</p>\n",
        "attachments": [
            {
                "filename": "etykieta-RMA-947453-SR-2026.pdf",
                "content_type": "application/pdf",
                "content_base64": base64.b64encode(b"%PDF-1.4 label").decode(),
            }
        ],
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


def test_label_travels_as_a_pdf_attachment() -> None:
    message = received("Zgłoszenie RMA/947453/SR/2026 przyjęte")
    [attachment] = list(message.iter_attachments())
    assert isinstance(attachment, EmailMessage)
    assert attachment.get_filename() == "etykieta-RMA-947453-SR-2026.pdf"
    assert attachment.get_content() == b"%PDF-1.4 label"
    assert message["X-RMA-Number"] == "RMA/947453/SR/2026"
