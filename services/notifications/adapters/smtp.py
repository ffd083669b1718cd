"""Sending through the configured SMTP server with aiosmtplib, over a bounded pool of
long-lived connections, and telling a temporary refusal from a permanent one.

A message this service wrote is already as DATA transmits it (mime.py: CRLF line endings), so
it goes without aiosmtplib's passes over the whole message (`PreparedSMTP`)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import aiosmtplib

from services.notifications.adapters.mime import OutgoingEmail, as_transmitted, is_plain_address
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


class PreparedSMTP(aiosmtplib.SMTP):
    """aiosmtplib's client, sending a message that is already as transmitted as it is.

    `SMTP.sendmail` runs a regular expression over the whole message to make every line ending
    a CRLF twice (once for SIZE, once for DATA) and another to double the periods that start a
    line: on a label's email about 0.4 ms of CPU, which changes none of its bytes. Any other
    message goes through `sendmail` as before. (aiosmtplib 5.1: the DATA step below is its
    `SMTPProtocol.execute_data_command` without the two passes; tests/unit/notifications/
    test_smtp_prepared.py holds the bytes on the wire to the library's.)"""

    async def send_prepared(
        self, sender: str, recipient: str, message: bytes, transmitted: bool | None = None
    ) -> None:
        """`transmitted`: whether `message` is as DATA transmits it, when its writer knows
        (mime.py, `OutgoingEmail.transmitted`); looked at here if None."""
        if not (as_transmitted(message) if transmitted is None else transmitted):
            await self.sendmail(sender, [recipient], message)
            return
        await self._ehlo_or_helo_if_needed()
        # RFC 1870: the octets as transmitted, before the final "."; as sendmail words it.
        options = [f"size={len(message)}"] if self.supports_extension("size") else []
        try:
            if is_plain_address(sender) and is_plain_address(recipient):
                await self._conversation(sender, recipient, options, message)
            else:  # `mail` and `rcpt` parse the addresses, as sendmail has them parsed
                await self.mail(sender, options=options)
                await self.rcpt(recipient)
                async with self._commands() as reply:
                    await self._data(reply, message)
        except aiosmtplib.SMTPResponseException:
            # As sendmail does: a refused envelope is reset for the connection's next message.
            with contextlib.suppress(ConnectionError, aiosmtplib.SMTPResponseException):
                await self.rset()
            raise

    async def _conversation(
        self, sender: str, recipient: str, options: list[str], message: bytes
    ) -> None:
        """MAIL, RCPT, DATA and the message, the lines `mail`, `rcpt` and sendmail's DATA send
        (bare addresses: without their parse, `parseaddr` in each), in one hold of the
        connection's command lock."""
        extras = "".join(f" {option}" for option in options)
        async with self._commands() as reply:
            response = await reply(f"MAIL FROM:<{sender}>{extras}\r\n".encode())
            if response.code != aiosmtplib.SMTPStatus.completed:
                raise aiosmtplib.SMTPSenderRefused(response.code, response.message, sender)
            response = await reply(f"RCPT TO:<{recipient}>\r\n".encode())
            accepted = (aiosmtplib.SMTPStatus.completed, aiosmtplib.SMTPStatus.will_forward)
            if response.code not in accepted:
                raise aiosmtplib.SMTPRecipientRefused(response.code, response.message, recipient)
            await self._data(reply, message)

    @staticmethod
    async def _data(reply: Reply, message: bytes) -> None:
        started = await reply(b"DATA\r\n")
        if started.code != aiosmtplib.SMTPStatus.start_input:
            raise aiosmtplib.SMTPDataError(started.code, started.message)
        accepted = await reply(message + b".\r\n")
        if accepted.code != aiosmtplib.SMTPStatus.completed:
            raise aiosmtplib.SMTPDataError(accepted.code, accepted.message)

    @contextlib.asynccontextmanager
    async def _commands(self) -> AsyncIterator[Reply]:
        """The connection's command lock held, and a step: bytes written, the server's reply.

        As aiosmtplib's `execute_command` and `read_response` do it (the reply marked expected
        before the write, a new waiter after it), with the reply's timeout a timer on the
        waiter instead of `asyncio.wait_for` (a task's wrapper and its callbacks per reply:
        four per email)."""
        protocol = self.protocol
        if protocol is None or protocol._command_lock is None:
            raise aiosmtplib.SMTPServerDisconnected("Server not connected")
        loop = asyncio.get_running_loop()

        async def reply(data: bytes) -> aiosmtplib.SMTPResponse:
            waiter = protocol._response_waiter
            if waiter is None:
                raise aiosmtplib.SMTPServerDisconnected("Connection lost")
            protocol._response_pending = True
            timer = None if self.timeout is None else loop.call_later(self.timeout, _late, waiter)
            try:
                protocol.write(data)
                return await waiter
            finally:
                if timer is not None:
                    timer.cancel()
                protocol._response_pending = False
                # As read_response: no new waiter once the connection is lost.
                protocol._response_waiter = (
                    None if protocol.transport is None else loop.create_future()
                )

        async with protocol._command_lock:
            yield reply


# A step of the conversation: its bytes written, the server's reply awaited.
Reply = Callable[[bytes], Awaitable[aiosmtplib.SMTPResponse]]


def _late(waiter: asyncio.Future[aiosmtplib.SMTPResponse]) -> None:
    if not waiter.done():
        waiter.set_exception(
            aiosmtplib.SMTPReadTimeoutError("Timed out waiting for server response")
        )


class SmtpMailer:
    """Up to `connections` SMTP sessions kept open and reused; each send borrows one.

    A session that failed in any way is closed rather than reused, and one idle for longer than
    the server is likely to keep it is replaced before use.
    """

    def __init__(self, settings: NotificationsSettings, connections: int | None = None) -> None:
        self._settings = settings
        self._idle: list[tuple[PreparedSMTP, float]] = []
        self._slots = asyncio.Semaphore(connections or settings.smtp_connections)

    async def send(self, message: OutgoingEmail) -> None:
        async with self._session() as smtp:
            await smtp.send_prepared(
                message.sender, message.recipient, message.wire, message.transmitted
            )

    async def close(self) -> None:
        while self._idle:
            smtp, _ = self._idle.pop()
            with contextlib.suppress(Exception):
                await smtp.quit()

    @contextlib.asynccontextmanager
    async def _session(self) -> AsyncIterator[PreparedSMTP]:
        async with self._slots:
            smtp = await self._reuse_or_connect()
            try:
                yield smtp
            except BaseException:
                smtp.close()
                raise
            self._idle.append((smtp, time.monotonic()))

    async def _reuse_or_connect(self) -> PreparedSMTP:
        while self._idle:
            smtp, since = self._idle.pop()
            if smtp.is_connected and time.monotonic() - since < self._settings.smtp_idle_seconds:
                return smtp
            with contextlib.suppress(Exception):
                await smtp.quit()
        settings = self._settings
        smtp = PreparedSMTP(
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password,
            start_tls=settings.smtp_starttls,
            timeout=settings.smtp_timeout_seconds,
        )
        await smtp.connect()
        return smtp
