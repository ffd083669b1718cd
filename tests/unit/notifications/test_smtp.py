"""What goes over SMTP: subjects survive the trip intact, attachments are attached."""

from __future__ import annotations

import base64
import io
from datetime import UTC, datetime
from email import policy
from email.errors import HeaderParseError
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from services.notifications import attachments
from services.notifications.adapters.mime import WIRE_POLICY, wire_email
from services.notifications.settings import NotificationsSettings
from services.notifications.unit_of_work import QueuedEmail
from shared.labels import render_label

LEGACY_LABEL = {
    # A row written before labels were kept as their facts: it carries the PDF's bytes.
    "filename": "etykieta-RMA-947453-SR-2026.pdf",
    "content_type": "application/pdf",
    "content_base64": base64.b64encode(b"%PDF-1.4 label").decode(),
}


def stored_email(subject: str, *attachments: dict[str, Any]) -> QueuedEmail:
    """An email as the sender takes it from the queue."""
    return QueuedEmail(
        email_id=uuid4(),
        event_id=uuid4(),
        recipient="klient@example.com",
        subject=subject,
        message_id="<1@rma.innpro.example>",
        rma_number="RMA/947453/SR/2026",
        text_body="Następny krok: ...\n",
        html_body="<p>Następny krok: ...</p>\n",
        attachments=list(attachments),
        attempts=1,
        retry_from=datetime(2026, 12, 1, tzinfo=UTC),
    )


def on_the_wire(email: QueuedEmail) -> bytes:
    return wire_email(NotificationsSettings(), email, datetime(2026, 12, 1, 9, tzinfo=UTC)).wire


def received(subject: str, label: dict[str, Any] = LEGACY_LABEL) -> EmailMessage:
    wire = on_the_wire(stored_email(subject, label))
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


_COMPAT32_ON_THE_WIRE = policy.compat32.clone(linesep="\r\n")
_WORD_CHARACTERS = st.characters(min_codepoint=33, max_codepoint=126) | st.sampled_from("ąęłśź")
_HEADER_CHARACTERS = _WORD_CHARACTERS | st.characters(min_codepoint=9, max_codepoint=32)
_HEADER_NAMES = ["Subject", "To", "Content-Type", "Content-Disposition", "X-RMA-Number"]


@settings(max_examples=2000)
@given(
    name=st.sampled_from(_HEADER_NAMES),
    # Mostly ASCII, with tabs, line breaks and the odd Polish letter; words enough to be folded.
    value=st.one_of(
        st.text(alphabet=_HEADER_CHARACTERS, max_size=120),
        st.lists(st.text(alphabet=_WORD_CHARACTERS, min_size=1, max_size=12), max_size=16).map(
            " ".join
        ),
    ),
)
def test_a_header_is_written_as_compat32_writes_it(name: str, value: str) -> None:
    assert _folded(WIRE_POLICY, name, value) == _folded(_COMPAT32_ON_THE_WIRE, name, value)


def _folded(wire_policy: policy.Compat32, name: str, value: str) -> bytes | str:
    """The header's bytes, or the error that refused it (a value with a header inside)."""
    try:
        return wire_policy.fold_binary(name, value)
    except HeaderParseError as error:
        return repr(error)


def test_each_part_of_each_email_has_a_boundary_of_its_own() -> None:
    email = stored_email("Zgłoszenie RMA/947453/SR/2026 przyjęte", LEGACY_LABEL)
    boundaries = []
    for _ in range(2):
        parsed = BytesParser(policy=policy.default).parsebytes(on_the_wire(email))
        boundaries += [part.get_boundary() for part in parsed.walk() if part.is_multipart()]
        plain = parsed.get_body(("plain",))
        assert isinstance(plain, EmailMessage)
        assert plain.get_content().splitlines() == ["Następny krok: ..."]
        assert [a.get_filename() for a in parsed.iter_attachments()] == [LEGACY_LABEL["filename"]]
    assert len(set(boundaries)) == len(boundaries) == 4
