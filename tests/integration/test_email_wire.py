"""The bytes the real SMTP server (Mailpit) stores, sent by the mailer: a label's email, which
goes without aiosmtplib's passes (adapters/smtp.py, `PreparedSMTP`), and one with lines starting
with a period, which goes through `sendmail`; each arrives as the library's own `sendmail` makes
it arrive, and as written."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import aiosmtplib
import httpx
import pytest

from services.notifications import attachments
from services.notifications.adapters.mime import wire_email
from services.notifications.adapters.smtp import SmtpMailer, as_transmitted
from services.notifications.settings import NotificationsSettings
from services.notifications.unit_of_work import QueuedEmail
from tools.bench import mailpit
from tools.support.mailbox import Mailbox
from tools.support.stack import Stack

pytestmark = pytest.mark.integration


def email_to(address: str, text: str) -> QueuedEmail:
    return QueuedEmail(
        email_id=uuid.uuid4(),
        event_id=uuid.uuid4(),
        message_id=f"<{uuid.uuid4()}@rma.innpro.example>",
        recipient=address,
        subject="Zgłoszenie RMA/947453/SR/2026 przyjęte",
        text_body=text,
        html_body=f"<p>{text}</p>\n",
        attachments=[attachments.parcel_label("RMA/947453/SR/2026", "Zażółć Gęślą")],
        rma_number="RMA/947453/SR/2026",
        attempts=1,
        retry_from=datetime.now(UTC),
    )


async def stored(stack: Stack, mailbox: Mailbox, address: str) -> bytes:
    [entry] = await mailbox.wait_for(address)
    async with httpx.AsyncClient(base_url=stack.mailbox_url, timeout=10) as client:
        return await mailpit.raw(client, entry["id"])


@pytest.mark.parametrize(
    ("text", "prepared"),
    [
        ("Dzień dobry,\nw załączniku etykieta.\n", True),
        ("Dzień dobry,\n.\n..kropki na początku linii\n", False),
    ],
    ids=["as-written", "periods"],
)
async def test_the_server_stores_what_the_library_would_have_sent(
    stack: Stack, mailbox: Mailbox, text: str, prepared: bool
) -> None:
    settings = NotificationsSettings(smtp_host=stack.smtp_host, smtp_port=stack.smtp_port)
    mailer = SmtpMailer(settings, connections=1)
    ours, theirs = (f"wire-{uuid.uuid4().hex[:12]}@example.com" for _ in range(2))
    date = datetime.now(UTC)
    sent = wire_email(settings, email_to(ours, text), date)
    assert as_transmitted(sent.wire) is prepared
    assert sent.transmitted is prepared  # as wire_email tells the mailer
    await mailer.send(sent)
    await mailer.close()
    # The same message, to another address, through the library's sendmail.
    reference = sent.wire.replace(ours.encode(), theirs.encode())
    async with aiosmtplib.SMTP(hostname=stack.smtp_host, port=stack.smtp_port) as smtp:
        await smtp.sendmail(sent.sender, [theirs], reference)
    received, expected = await stored(stack, mailbox, ours), await stored(stack, mailbox, theirs)
    assert received.replace(ours.encode(), theirs.encode()) == expected
    assert received.endswith(sent.wire)
