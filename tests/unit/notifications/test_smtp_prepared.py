"""What the SMTP server gets from the mailer (`PreparedSMTP`): a message this service wrote goes
as it is, without aiosmtplib's passes over it, and every command and byte is what the library's
own `sendmail` sends; any other message goes through `sendmail`. The server is a small recording
one on 127.0.0.1 (the real Mailpit: tests/integration/test_email_delivery.py)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import aiosmtplib
import aiosmtplib.protocol
import aiosmtplib.smtp
import pytest

from services.notifications import attachments
from services.notifications.adapters import smtp
from services.notifications.adapters.mime import OutgoingEmail, wire_email
from services.notifications.adapters.smtp import SmtpMailer, as_transmitted, is_permanent
from services.notifications.settings import NotificationsSettings
from tests.unit.notifications.test_smtp import stored_email

SENDER, RECIPIENT = "serwis@innpro.example", "klient@example.com"


@dataclass
class RecordingServer:
    """Answers EHLO (with SIZE), MAIL, RCPT, DATA, RSET and QUIT; keeps every command line and
    every message's bytes as they came after DATA (its final ".\\r\\n" included)."""

    refuse: dict[bytes, bytes] = field(default_factory=dict)  # a verb's answer instead of 250
    commands: list[bytes] = field(default_factory=list)
    messages: list[bytes] = field(default_factory=list)
    _server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        assert self._server is not None
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 recording ESMTP\r\n")
        while line := await reader.readline():
            self.commands.append(line)
            verb = line[:4].upper()
            if verb in self.refuse:
                writer.write(self.refuse[verb])
            elif verb == b"EHLO":
                writer.write(b"250-recording\r\n250-SIZE 10485760\r\n250 8BITMIME\r\n")
            elif verb == b"DATA":
                writer.write(b"354 go ahead\r\n")
                self.messages.append(await reader.readuntil(b"\r\n.\r\n"))
                writer.write(b"250 2.0.0 stored\r\n")
            elif verb == b"QUIT":
                writer.write(b"221 bye\r\n")
                break
            else:
                writer.write(b"250 ok\r\n")
            await writer.drain()
        writer.close()


@contextlib.asynccontextmanager
async def recording(**refuse: bytes) -> AsyncIterator[RecordingServer]:
    server = RecordingServer({verb.encode(): answer for verb, answer in refuse.items()})
    server._server = await asyncio.start_server(server._serve, "127.0.0.1", 0, limit=2**20)
    try:
        yield server
    finally:
        server._server.close()


@pytest.fixture
def addresses_parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The addresses aiosmtplib parsed for MAIL and RCPT."""
    parsed: list[str] = []
    quote = aiosmtplib.smtp.quote_address

    def counted(address: str) -> str:
        parsed.append(address)
        return quote(address)

    monkeypatch.setattr(aiosmtplib.smtp, "quote_address", counted)
    return parsed


@pytest.fixture
def library_passes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times aiosmtplib normalised a message's line endings (for SIZE, for DATA)."""
    runs: list[int] = []
    normalize = aiosmtplib.protocol.normalize_message_line_endings

    def counted(message: bytes) -> bytes:
        runs.append(len(message))
        return normalize(message)

    monkeypatch.setattr(aiosmtplib.protocol, "normalize_message_line_endings", counted)
    monkeypatch.setattr(aiosmtplib.smtp, "normalize_message_line_endings", counted)
    return runs


def label_email() -> bytes:
    """A new claim's email with its parcel label, as the sender writes it."""
    email = stored_email("Zgłoszenie RMA/947453/SR/2026 przyjęte", _label())
    return wire_email(NotificationsSettings(), email, datetime(2026, 12, 6, 9, tzinfo=UTC)).wire


def _label() -> dict[str, Any]:
    return attachments.parcel_label("RMA/947453/SR/2026", "Zażółć Gęślą")


async def sent_by_the_library(message: bytes, recipient: str = RECIPIENT) -> RecordingServer:
    async with recording() as server:
        smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=server.port, timeout=5)
        async with smtp:
            await smtp.sendmail(SENDER, [recipient], message)
        return server


@pytest.mark.parametrize(
    "recipient", ["Jan Kowalski <jan@example.com>", "jan(biuro)@example.com", "jan@[127.0.0.1]"]
)
async def test_an_address_that_is_not_bare_is_parsed_as_the_library_does(
    recipient: str, addresses_parsed: list[str]
) -> None:
    prepared = await sent_by_the_mailer(label_email(), recipient)
    assert recipient in addresses_parsed
    library = await sent_by_the_library(label_email(), recipient)
    assert prepared.commands == library.commands


async def sent_by_the_mailer(
    message: bytes | OutgoingEmail, recipient: str = RECIPIENT
) -> RecordingServer:
    if isinstance(message, bytes):
        message = OutgoingEmail("<1@rma.innpro.example>", SENDER, recipient, message)
    async with recording() as server:
        settings = NotificationsSettings(smtp_host="127.0.0.1", smtp_port=server.port)
        mailer = SmtpMailer(settings, connections=1)
        await mailer.send(message)
        await mailer.close()
        return server


async def test_a_message_written_with_crlf_goes_as_it_is_without_the_librarys_passes(
    library_passes: list[int], addresses_parsed: list[str]
) -> None:
    message = label_email()
    assert as_transmitted(message)
    prepared = await sent_by_the_mailer(message)
    assert library_passes == []
    assert addresses_parsed == []  # bare addresses: MAIL and RCPT without parseaddr
    assert prepared.messages == [message + b".\r\n"]
    library = await sent_by_the_library(message)
    assert len(library_passes) == 2  # what was spared: SIZE's pass and DATA's
    assert prepared.commands == library.commands  # EHLO, MAIL with its SIZE, RCPT, DATA, QUIT
    assert prepared.messages == library.messages


@pytest.mark.parametrize(
    "change",
    [
        # A line starting with a period: doubled on the wire, dropped again by the server.
        lambda wire: wire.replace(b"\r\n\r\n", b"\r\n\r\n.net i .\r\n", 1),
        lambda wire: b"." + wire,
        lambda wire: wire.replace(b"\r\n", b"\n", 3),  # bare line feeds
        lambda wire: wire.replace(b"\r\n", b"\r", 1),  # a bare carriage return
        lambda wire: wire[:-2],  # the last line not ended
    ],
    ids=["period-in-a-line", "period-first", "bare-lf", "bare-cr", "unended"],
)
async def test_any_other_message_goes_the_librarys_way(
    change: Callable[[bytes], bytes], library_passes: list[int]
) -> None:
    message = change(label_email())
    assert not as_transmitted(message)
    prepared = await sent_by_the_mailer(message)
    assert library_passes  # sendmail's
    library = await sent_by_the_library(message)
    assert (prepared.commands, prepared.messages) == (library.commands, library.messages)


async def test_refusals_are_told_apart_and_the_envelope_reset() -> None:
    """A refused recipient (550) is permanent, a refused message (451 to DATA) temporary; both
    reset the envelope, as sendmail does, and the next message goes out whole."""
    async with recording(RCPT=b"550 5.1.1 no such mailbox\r\n") as server:
        settings = NotificationsSettings(smtp_host="127.0.0.1", smtp_port=server.port)
        mailer = SmtpMailer(settings, connections=1)
        email = wire_email(settings, stored_email("Pierwsza", _label()), datetime.now(UTC))
        with pytest.raises(aiosmtplib.SMTPResponseException) as recipient_refused:
            await mailer.send(email)
        server.refuse = {b"DATA": b"451 4.3.0 try later\r\n"}
        with pytest.raises(aiosmtplib.SMTPDataError) as data_refused:
            await mailer.send(email)
        server.refuse = {}
        second = replace(email, wire=email.wire.replace(b"Pierwsza", b"Druga"))
        await mailer.send(second)
        await mailer.close()
    assert is_permanent(recipient_refused.value)
    assert not is_permanent(data_refused.value)
    verbs = [command[:4] for command in server.commands]
    assert verbs.count(b"RSET") == 2
    assert server.messages == [second.wire + b".\r\n"]


async def test_a_conversation_waits_for_its_replies_without_a_wrapper_each(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A message on a connection already open: its four replies (MAIL, RCPT, DATA, the message)
    each awaited with a timer, not through asyncio.wait_for (a wrapper and callbacks each)."""
    wrapped: list[float | None] = []
    wait_for = asyncio.wait_for

    async def counted(awaitable: Any, timeout: float | None) -> Any:
        wrapped.append(timeout)
        return await wait_for(awaitable, timeout)

    async with recording() as server:
        settings = NotificationsSettings(smtp_host="127.0.0.1", smtp_port=server.port)
        mailer = SmtpMailer(settings, connections=1)
        email = OutgoingEmail("<1@rma.innpro.example>", SENDER, RECIPIENT, label_email())
        await mailer.send(email)  # connected: the greeting, EHLO
        monkeypatch.setattr(asyncio, "wait_for", counted)
        await mailer.send(email)
        monkeypatch.undo()
        await mailer.close()
    assert wrapped == []
    assert server.messages == [email.wire + b".\r\n"] * 2


@pytest.mark.parametrize("silent", ["RCPT", "DATA"])
async def test_a_reply_that_does_not_come_times_out(silent: str) -> None:
    """A server that stops answering: the send fails after the timeout, a temporary refusal."""
    async with recording(**{silent: b""}) as server:
        settings = NotificationsSettings(
            smtp_host="127.0.0.1", smtp_port=server.port, smtp_timeout_seconds=0.2
        )
        mailer = SmtpMailer(settings, connections=1)
        email = OutgoingEmail("<1@rma.innpro.example>", SENDER, RECIPIENT, label_email())
        started = asyncio.get_running_loop().time()
        with pytest.raises(aiosmtplib.SMTPTimeoutError) as timed_out:
            await mailer.send(email)
        assert 0.2 <= asyncio.get_running_loop().time() - started < 2
        await mailer.close()
    assert not is_permanent(timed_out.value)


async def test_an_email_its_writer_vouches_for_is_not_looked_over_again(
    monkeypatch: pytest.MonkeyPatch, library_passes: list[int]
) -> None:
    """wire_email knows a label's base64 (most of its email) holds no line DATA would change, and
    says whether the rest does: the mailer sends it as it is without reading all of it again
    (43 us of CPU per label's email); an email nobody vouched for is still looked at."""
    email = stored_email("Etykieta", _label())
    written = wire_email(NotificationsSettings(), email, datetime(2026, 12, 6, 9, tzinfo=UTC))
    assert written.transmitted is True
    looked: list[int] = []

    def counted(message: bytes) -> bool:
        looked.append(len(message))
        return as_transmitted(message)

    monkeypatch.setattr(smtp, "as_transmitted", counted)
    server = await sent_by_the_mailer(written)
    assert looked == []
    assert library_passes == []
    assert server.messages == [written.wire + b".\r\n"]
    unknown = await sent_by_the_mailer(replace(written, transmitted=None))
    assert looked == [len(written.wire)]
    assert unknown.messages == server.messages
