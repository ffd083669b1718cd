"""An email's bytes on the wire (RFC 5322 with MIME: RFC 2045-2047, 2231), written straight from
its parts.

Every email this service sends has one fixed structure: a multipart/alternative of a plain-text
and an HTML part, both UTF-8, inside a multipart/mixed with the attachments when there are any.
The standard library's `email` package builds a tree of message objects for it, and its
generator walks the tree and folds every header through its general algorithm: 2.3 ms of CPU per
email with its label and 0.43 ms without (1,000 of each, timed), the largest part of what the
sender does besides the SMTP conversation. Here the known structure is written as bytes at once:
the subject as RFC 2047 encoded words ("Q", UTF-8), the bodies as 8-bit UTF-8 (quoted-printable
if a line is longer than SMTP allows), the attachments in base64; any other header that is not
plain short ASCII goes through compat32's folding, as before (`WIRE_POLICY`).
tests/unit/notifications/test_mime.py parses the output of every template with the standard
library's parser and compares it with what its `email.mime` builder made.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
import struct
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.policy import Compat32
from email.utils import encode_rfc2231, format_datetime, formataddr, parseaddr, quote
from typing import Any

from services.notifications import attachments
from services.notifications.settings import NotificationsSettings
from services.notifications.unit_of_work import QueuedEmail

CRLF = b"\r\n"
# RFC 5321 4.5.3.1.6: a line of at most 1,000 octets with its CRLF.
_LONGEST_LINE = 998
# RFC 2047 2: an encoded word is at most 75 characters, a line holding one at most 76.
_ENCODED_LINE = 76
_WORD_START, _WORD_END = "=?utf-8?q?", "?="
# RFC 2047 5 (3): the characters that may stand for themselves in a "Q" encoded word anywhere.
_Q_PLAIN = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!*+-/")


@dataclass(frozen=True)
class OutgoingEmail:
    """An email ready for the SMTP server: its envelope and its bytes."""

    message_id: str
    sender: str  # the envelope's addresses, without display names
    recipient: str
    wire: bytes
    # Whether `wire` is already as DATA transmits it (`as_transmitted`), as its writer knows
    # it without reading the attachments' base64 again; None: not known (the mailer looks).
    transmitted: bool | None = None


def wire_email(
    settings: NotificationsSettings, email: QueuedEmail, date: datetime
) -> OutgoingEmail:
    """The queued email as the SMTP server gets it; `date` is its Date header (the clock's now)."""
    content_type, body = _multipart(
        "alternative", [_text_part(email.text_body, "plain"), _text_part(email.html_body, "html")]
    )
    # Only what holds text from outside can break the lines DATA transmits as they are: the
    # headers and the text parts. The attachments' base64 and the boundaries cannot, and the
    # base64 is most of a label's email (a look over it all was 43 us of CPU per label).
    transmitted = as_transmitted(body)
    if email.attachments:
        parts = [_attachment(found) for found in email.attachments]
        transmitted = transmitted and all(as_transmitted(headers) for headers, _ in parts)
        attached = [headers + encoded for headers, encoded in parts]
        content_type, body = _multipart("mixed", [content_type + CRLF + body, *attached])
    from_header, sender = _from(settings.mail_from)
    headers = [
        from_header,
        _header("To", email.recipient),
        _subject(email.subject),
        _header("Message-ID", email.message_id),
        _date_header(date),
    ]
    if email.rma_number:
        headers.append(_header("X-RMA-Number", email.rma_number))
    headers += [b"MIME-Version: 1.0\r\n", content_type]
    head = b"".join(headers)
    return OutgoingEmail(
        message_id=email.message_id,
        sender=sender,
        recipient=envelope_address(email.recipient),
        wire=head + CRLF + body,
        transmitted=transmitted and as_transmitted(head),
    )


def as_transmitted(message: bytes) -> bool:
    """Whether the message is already what DATA transmits (RFC 5321 4.5.2, 4.1.1.4): every line
    ended by CRLF, the last one too, and no line starting with a period (which would be doubled).
    Three counts and a search, where aiosmtplib's passes are regular expressions that copy.
    Pieces that each are, each starting with a line of their own, are so together."""
    line_ends = message.count(b"\r\n")
    return (
        message.count(b"\n") == line_ends
        and message.count(b"\r") == line_ends
        and message.endswith(b"\r\n")
        and not message.startswith(b".")
        and b"\n." not in message
    )


# A bare address of the common characters, which `parseaddr` gives back as it is (13 us a
# parse, 4 % of the sender's busy samples on a backlog): an event's recipient almost always.
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\Z")


def is_plain_address(text: str) -> bool:
    return _PLAIN_ADDRESS.match(text) is not None


def envelope_address(recipient: str) -> str:
    """The address of an address header's value, for the envelope (RCPT TO)."""
    return recipient if is_plain_address(recipient) else parseaddr(recipient)[1]


class WirePolicy(Compat32):
    """compat32 with a short way for the headers that need no folding or encoding.

    compat32 runs every header, however short and plain, through a `Header` and its folding
    algorithm. A printable ASCII value that fits on its line comes out of that algorithm
    unchanged, so it is written as it is; any other value (encoded words, long parameters, line
    breaks) goes the whole way.
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


def _header(name: str, value: str) -> bytes:
    return WIRE_POLICY.fold_binary(name, value)


@functools.lru_cache(maxsize=8)
def _from(mail_from: str) -> tuple[bytes, str]:
    """The From header, and the envelope's sender."""
    name, address = parseaddr(mail_from)
    return _header("From", formataddr((name, address), charset="utf-8")), address


def _date_header(date: datetime) -> bytes:
    """The Date header: to the second, so every email of that second shares one."""
    # The offset is part of the key: equal instants in two zones are equal datetimes.
    return _date_header_of_second(date.replace(microsecond=0), date.utcoffset())


# The emails sent within a second (hundreds on a backlog) share their Date: formatting it was
# 1.5 % of notifications' busy samples on a backlog.
@functools.lru_cache(maxsize=4)
def _date_header_of_second(date: datetime, _offset: timedelta | None) -> bytes:
    return _header("Date", format_datetime(date))


def _subject(subject: str) -> bytes:
    """Plain ASCII that fits on its line as it is; anything else as "Q" encoded words of whole
    characters, each line within RFC 2047's 76 (a reader drops the folds between the words, and
    the spaces, written as "_", stay inside them)."""
    line = f"Subject: {subject}"
    if subject.isascii() and subject.isprintable() and "=?" not in subject and len(line) <= 78:
        return line.encode("ascii") + CRLF
    room = _ENCODED_LINE - len("Subject: ") - len(_WORD_START) - len(_WORD_END)
    pieces = list(map(_Q_TABLE.__getitem__, map(ord, subject)))
    # Most subjects (a new claim's, with its RMA number) fit in one word.
    if len(encoded := "".join(pieces)) <= room:
        return f"Subject: {_WORD_START}{encoded}{_WORD_END}".encode("ascii") + CRLF
    words: list[str] = []
    word: list[str] = []
    for piece in pieces:
        if len(piece) > room and word:
            words.append(_WORD_START + "".join(word) + _WORD_END)
            word, room = [], _ENCODED_LINE - 1 - len(_WORD_START) - len(_WORD_END)
        word.append(piece)
        room -= len(piece)
    words.append(_WORD_START + "".join(word) + _WORD_END)
    return ("Subject: " + "\r\n ".join(words)).encode("ascii") + CRLF


class _QTable(dict[int, str]):
    """Each character's code to the character as a "Q" encoded word holds it (those seen, kept
    up to a few thousand)."""

    def __missing__(self, code: int) -> str:
        encoded = _q_encoded(chr(code))
        if len(self) < 4096:
            self[code] = encoded
        return encoded


_Q_TABLE = _QTable()


@functools.lru_cache(maxsize=1024)
def _q_encoded(character: str) -> str:
    if character == " ":
        return "_"
    if character in _Q_PLAIN:
        return character
    return "".join(f"={byte:02X}" for byte in character.encode())


def _multipart(subtype: str, parts: list[bytes]) -> tuple[bytes, bytes]:
    """(its Content-Type header, its body). The boundary is drawn here, 122 random bits: it
    cannot be in the text, and so no part needs to be searched for it."""
    boundary = f"=_{uuid.uuid4().hex}"
    delimiter = b"--" + boundary.encode("ascii")
    # RFC 2046 5.1.1: the CRLF before a delimiter belongs to it, not to the part.
    body = b"".join(delimiter + CRLF + part + CRLF for part in parts) + delimiter + b"--" + CRLF
    # Folded before the boundary, as compat32 did: the line stays within RFC 5322's 78.
    content_type = f'Content-Type: multipart/{subtype};\r\n boundary="{boundary}"'.encode("ascii")
    return content_type + CRLF, body


def _text_part(text: str, subtype: str) -> bytes:
    if "\r" in text:  # rare: the templates write "\n"
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    body = text.encode()
    # A body no longer than a line may be has no line too long: only a longer one is split.
    if len(body) > _LONGEST_LINE and max(map(len, body.split(b"\n"))) > _LONGEST_LINE:
        encoding, body = "quoted-printable", binascii.b2a_qp(body, istext=True)
    else:  # RFC 2045 2.7-2.8: 7bit says there is nothing but ASCII in it
        encoding = "7bit" if body.isascii() else "8bit"
    headers = (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\nContent-Transfer-Encoding: {encoding}'
    )
    return headers.encode("ascii") + CRLF + CRLF + body.replace(b"\n", CRLF)


def _attachment(attachment: dict[str, Any]) -> tuple[bytes, bytes]:
    """(its headers, its body in base64: lines of letters, digits, "+", "/" and "=")."""
    filename: str = attachment["filename"]
    if filename.isascii():
        disposition = f'attachment; filename="{quote(filename)}"'
    else:  # RFC 2231, as compat32 wrote it
        disposition = f"attachment; filename*={encode_rfc2231(filename, 'utf-8')}"
    lines = _base64_lines(attachments.content(attachment))
    headers = b"".join(
        (
            _header("Content-Type", attachment["content_type"]),
            b"Content-Transfer-Encoding: base64\r\n",
            _header("Content-Disposition", disposition),
        )
    )
    return headers, CRLF + CRLF.join(lines) + CRLF


# RFC 2045 6.8: base64 in lines of at most 76 characters.
_BASE64_LINE = 76
# Lines cut by one struct call: a label's 166 in three, a file of megabytes in as many as it
# takes, without a struct of its own size kept for it.
_LINES_AT_ONCE = 64


def _base64_lines(content: bytes) -> list[bytes]:
    """The content in base64, cut into its lines by `struct`, many lines a call: a slice per
    line in Python was as long as the encoding itself (a label's 166 lines, 11 us)."""
    encoded = base64.b64encode(content)
    whole, rest = divmod(len(encoded), _BASE64_LINE)
    lines: list[bytes] = []
    for first in range(0, whole, _LINES_AT_ONCE):
        count = min(_LINES_AT_ONCE, whole - first)
        lines += _lines_of(count).unpack_from(encoded, first * _BASE64_LINE)
    if rest:
        lines.append(encoded[whole * _BASE64_LINE :])
    return lines


@functools.lru_cache(maxsize=_LINES_AT_ONCE)
def _lines_of(count: int) -> struct.Struct:
    return struct.Struct(f"{_BASE64_LINE}s" * count)
