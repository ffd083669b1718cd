"""Sending through the configured SMTP server with aiosmtplib, over a bounded pool of
long-lived connections, and telling a temporary refusal from a permanent one."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from email import encoders
from email.charset import Charset
from email.header import Header
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import Compat32
from email.utils import formataddr, formatdate, parseaddr
from typing import Any

import aiosmtplib

from services.notifications import attachments
from services.notifications.settings import NotificationsSettings
from services.notifications.unit_of_work import QueuedEmail

# The standard library's compat32 API (email.mime): the modern EmailMessage parses every header
# it is given into objects and folds it again on output, a quarter of this service's CPU per
# email when profiled. The bodies go as 8-bit UTF-8, as before; the subject as RFC 2047 encoded
# words, which keep the spaces where a long subject is split (the modern folder lost them).
_UTF8 = Charset("utf-8")
# None: "no encoding" (the email.charset docs), so the text goes as 8bit, not base64.
_UTF8.body_encoding = None  # type: ignore[assignment]


def _text(body: str, subtype: str) -> MIMEText:
    # MIMEText takes a Charset too (it sets the payload with it); typeshed says str.
    return MIMEText(body, subtype, _UTF8)  # type: ignore[arg-type]


def _attachment(attachment: dict[str, Any]) -> MIMEBase:
    maintype, subtype = attachment["content_type"].split("/", 1)
    part = MIMEBase(maintype, subtype)
    part.set_payload(attachments.content(attachment))
    encoders.encode_base64(part)
    filename = attachment["filename"]
    part.add_header(
        "Content-Disposition",
        "attachment",
        filename=filename if filename.isascii() else ("utf-8", "", filename),
    )
    return part


def _boundary() -> str:
    """A multipart's boundary, drawn here: left to the generator, it draws one and compiles a
    regular expression to search the whole message for it, a third of putting an email on the
    wire when measured. 122 random bits drawn as the email is built cannot be in its text."""
    return f"=_{uuid.uuid4().hex}"


def build_message(settings: NotificationsSettings, email: QueuedEmail) -> Message:
    body = MIMEMultipart("alternative", boundary=_boundary())
    body.attach(_text(email.text_body, "plain"))
    body.attach(_text(email.html_body, "html"))
    message: MIMEMultipart = body
    if email.attachments:
        message = MIMEMultipart("mixed", boundary=_boundary())
        message.attach(body)
        for attachment in email.attachments:
            message.attach(_attachment(attachment))
    message["From"] = formataddr(parseaddr(settings.mail_from), charset="utf-8")
    message["To"] = email.recipient
    # A Header, not its text: the generator folds it knowing the field's name (typeshed: str).
    message["Subject"] = Header(email.subject, "utf-8")  # type: ignore[assignment]
    message["Message-ID"] = email.message_id
    message["Date"] = formatdate(localtime=False)
    if email.rma_number:
        message["X-RMA-Number"] = email.rma_number
    return message


class WirePolicy(Compat32):
    """compat32 with a short way for the headers that need no folding or encoding.

    compat32 runs every header, however short and plain, through a `Header` and its folding
    algorithm: a quarter to a third of the time to put an email on the wire when measured (about
    20 headers an email, most of them a MIME type or an id). A printable ASCII value that fits
    on its line comes out of that algorithm unchanged, so it is written as it is; any other
    value (encoded words, long parameters, line breaks) goes the whole way, as before.
    """

    def fold_binary(self, name: str, value: Any) -> bytes:
        if (
            isinstance(value, str)
            and value.isascii()
            and value.isprintable()
            and len(name) + 2 + len(value) <= (self.max_line_length or 78)
        ):
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


WIRE_POLICY = WirePolicy(linesep="\r\n")


def to_wire(message: Message) -> bytes:
    return message.as_bytes(policy=WIRE_POLICY)


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

    async def send(self, message: Message) -> None:
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
