"""Sending through the configured SMTP server with aiosmtplib, over a bounded pool of
long-lived connections, and telling a temporary refusal from a permanent one."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import time
from collections.abc import AsyncIterator
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


class PermanentSmtpError(Exception):
    """The server refused the message for good (a 5xx answer): sending it again cannot help."""


def is_permanent(error: BaseException) -> bool:
    """5xx answers are permanent (RFC 5321 4.2.1); 4xx answers, timeouts and lost connections
    are temporary, as a mail server would treat them: retried for as long as it keeps mail."""
    if isinstance(error, PermanentSmtpError):
        return True
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        return bool(error.recipients) and all(
            500 <= refusal.code < 600 for refusal in error.recipients
        )
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return 500 <= error.code < 600
    return False


class SmtpMailer:
    """Up to `connections` SMTP sessions kept open and reused; each send borrows one.

    A session that failed in any way is closed rather than reused, and one idle for longer than
    the server is likely to keep it is replaced before use.
    """

    def __init__(self, settings: NotificationsSettings, connections: int | None = None) -> None:
        self._settings = settings
        self._idle: list[tuple[aiosmtplib.SMTP, float]] = []
        self._slots = asyncio.Semaphore(connections or settings.smtp_connections)

    async def send(self, message: EmailMessage) -> None:
        settings = self._settings
        async with self._session() as smtp:
            await smtp.sendmail(
                parseaddr(settings.mail_from)[1],
                [parseaddr(str(message["To"]))[1]],
                to_wire(message),
            )

    async def close(self) -> None:
        while self._idle:
            smtp, _ = self._idle.pop()
            with contextlib.suppress(Exception):
                await smtp.quit()

    @contextlib.asynccontextmanager
    async def _session(self) -> AsyncIterator[aiosmtplib.SMTP]:
        async with self._slots:
            smtp = await self._reuse_or_connect()
            try:
                yield smtp
            except BaseException:
                smtp.close()
                raise
            self._idle.append((smtp, time.monotonic()))

    async def _reuse_or_connect(self) -> aiosmtplib.SMTP:
        while self._idle:
            smtp, since = self._idle.pop()
            if smtp.is_connected and time.monotonic() - since < self._settings.smtp_idle_seconds:
                return smtp
            with contextlib.suppress(Exception):
                await smtp.quit()
        settings = self._settings
        smtp = aiosmtplib.SMTP(
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password,
            start_tls=settings.smtp_starttls,
            timeout=settings.smtp_timeout_seconds,
        )
        await smtp.connect()
        return smtp
