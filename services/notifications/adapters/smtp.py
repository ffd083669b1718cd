"""Sending through the configured SMTP server with aiosmtplib."""

from __future__ import annotations

import base64
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Any

import aiosmtplib

from services.notifications.settings import NotificationsSettings


def build_message(settings: NotificationsSettings, email: Any) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = email["recipient"]
    message["Subject"] = email["subject"]
    message["Message-ID"] = email["message_id"]
    message["Date"] = formatdate(localtime=False)
    if email["rma_number"]:
        message["X-RMA-Number"] = email["rma_number"]
    message.set_content(email["text_body"])
    message.add_alternative(email["html_body"], subtype="html")
    for attachment in email["attachments"]:
        maintype, subtype = attachment["content_type"].split("/", 1)
        message.add_attachment(
            base64.b64decode(attachment["content_base64"]),
            maintype=maintype,
            subtype=subtype,
            filename=attachment["filename"],
        )
    return message


# CPython's header folding can drop the space where it splits a non-ASCII subject into two
# encoded words ("objęty gwarancją" arrives as "objętygwarancją"); unfolded headers keep it.
_WIRE_POLICY = policy.SMTP.clone(max_line_length=None)


def to_wire(message: EmailMessage) -> bytes:
    return message.as_bytes(policy=_WIRE_POLICY)


class SmtpMailer:
    def __init__(self, settings: NotificationsSettings) -> None:
        self._settings = settings

    async def send(self, message: EmailMessage) -> None:
        settings = self._settings
        await aiosmtplib.send(
            to_wire(message),
            sender=parseaddr(settings.mail_from)[1],
            recipients=[parseaddr(str(message["To"]))[1]],
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password,
            start_tls=settings.smtp_starttls,
            timeout=30,
        )
