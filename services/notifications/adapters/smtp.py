"""Sending through the configured SMTP server with aiosmtplib, over a bounded pool of
long-lived connections, and telling a temporary refusal from a permanent one."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import aiosmtplib

from services.notifications.adapters.mime import OutgoingEmail
from services.notifications.settings import NotificationsSettings


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

    async def send(self, message: OutgoingEmail) -> None:
        async with self._session() as smtp:
            await smtp.sendmail(message.sender, [message.recipient], message.wire)

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
