"""The email written straight as bytes (adapters/mime.py) reads back, with the standard library's
parser, as the very email the `email.mime` builder it replaced made from the same template:
every header, part, charset, transfer encoding and attachment; and it stays valid on the wire
(CRLF lines within SMTP's limit, RFC 2047 subjects, quoted-printable for an overlong line)."""

from __future__ import annotations

import base64
import struct
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email import encoders, policy
from email.charset import Charset
from email.header import Header
from email.message import EmailMessage, Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.parser import BytesParser
from email.utils import format_datetime as real_format_datetime
from email.utils import formataddr, formatdate, parseaddr, parsedate_to_datetime
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.notifications import attachments, handlers, preview
from services.notifications.adapters import mime
from services.notifications.adapters.mime import wire_email
from services.notifications.adapters.templates import TemplateRenderer
from services.notifications.settings import NotificationsSettings
from services.notifications.unit_of_work import QueuedEmail

SETTINGS = NotificationsSettings()
NOW = datetime(2026, 12, 6, 2, 30, tzinfo=UTC)
RENDERER = TemplateRenderer()

# --- the builder the writer replaced (services/notifications/adapters/smtp.py at 1e32ef7) ----

_UTF8 = Charset("utf-8")
_UTF8.body_encoding = None  # type: ignore[assignment]
_COMPAT32_ON_THE_WIRE = policy.compat32.clone(linesep="\r\n")


def _mime_attachment(attachment: dict[str, Any]) -> MIMEBase:
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


def built_with_email_mime(email: QueuedEmail) -> bytes:
    body = MIMEMultipart("alternative")
    body.attach(MIMEText(email.text_body, "plain", _UTF8))  # type: ignore[arg-type]
    body.attach(MIMEText(email.html_body, "html", _UTF8))  # type: ignore[arg-type]
    message: MIMEMultipart = body
    if email.attachments:
        message = MIMEMultipart("mixed")
        message.attach(body)
        for attachment in email.attachments:
            message.attach(_mime_attachment(attachment))
    message["From"] = formataddr(parseaddr(SETTINGS.mail_from), charset="utf-8")
    message["To"] = email.recipient
    message["Subject"] = Header(email.subject, "utf-8")  # type: ignore[assignment]
    message["Message-ID"] = email.message_id
    message["Date"] = formatdate(localtime=False)
    if email.rma_number:
        message["X-RMA-Number"] = email.rma_number
    return message.as_bytes(policy=_COMPAT32_ON_THE_WIRE)


# --- every template, as the sender takes it from the queue ----------------------------------


def queued(subject: str, text: str, html: str, *files: dict[str, Any]) -> QueuedEmail:
    return QueuedEmail(
        email_id=uuid4(),
        event_id=uuid4(),
        message_id=f"<{uuid4()}@rma.innpro.example>",
        recipient="Jan Kowalski <jan.kowalski@example.com>",
        subject=subject,
        text_body=text,
        html_body=html,
        attachments=list(files),
        rma_number="RMA/1024/SR/2026",
        attempts=1,
        retry_from=NOW,
    )


def every_template() -> list[tuple[str, QueuedEmail]]:
    emails = []
    for language in ("pl", "en"):
        for stem, draft in preview._drafts(language):
            composed = handlers.compose(
                RENDERER,
                draft,
                customer_name="Zofia Wójcik-Łęcka",
                secrets={name: f"https://panel.example/{name}?t=1" for name in draft.sealed},
                panel_url="https://panel.example",
            )
            rendered = composed.rendered
            email = queued(rendered.subject, rendered.text, rendered.html, *composed.attachments)
            emails.append((f"{language}/{stem}", email))
    return emails


EVERY_TEMPLATE = every_template()


def parsed(wire: bytes) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(wire)
    assert isinstance(message, EmailMessage)
    assert not message.defects, message.defects
    return message


def described(part: Message, top: bool) -> dict[str, Any]:
    """What a reader gets of a part: its headers (decoded; the boundary and the Date aside) and
    its content (decoded from its transfer encoding)."""
    headers = {
        name.lower(): str(value)
        for name, value in part.items()
        # email.mime put MIME-Version into every part; only the message's own counts.
        if name.lower() not in ("date", "content-type") and (top or name != "MIME-Version")
    }
    return {
        "headers": headers,
        "content_type": part.get_content_type(),
        "params": {k: v for k, v in part.get_params() or [] if k not in ("boundary",)},
        "charset": part.get_content_charset(),
        "filename": part.get_filename(),
        "disposition": part.get_content_disposition(),
        "payload": None if part.is_multipart() else part.get_payload(decode=True),
        "defects": part.defects,
    }


def structure(message: EmailMessage) -> list[dict[str, Any]]:
    return [described(part, part is message) for part in message.walk()]


@pytest.mark.parametrize(("name", "email"), EVERY_TEMPLATE, ids=[n for n, _ in EVERY_TEMPLATE])
def test_every_template_reads_back_as_the_email_mime_builder_made_it(
    name: str, email: QueuedEmail
) -> None:
    new = parsed(wire_email(SETTINGS, email, NOW).wire)
    old = parsed(built_with_email_mime(email))
    assert structure(new) == structure(old)
    assert [part.get_content_type() for part in new.walk()] == [
        part.get_content_type() for part in old.walk()
    ]
    assert str(new["Subject"]) == email.subject
    # compat32 wrote the wall clock's UTC as "-0000"; the writer the injected clock's.
    assert parsedate_to_datetime(str(new["Date"])) == NOW
    assert abs(parsedate_to_datetime(str(old["Date"])).replace(tzinfo=UTC) - NOW).days < 400


def test_the_templates_cover_both_kinds_of_label() -> None:
    kinds = {key for _, email in EVERY_TEMPLATE for file in email.attachments for key in file}
    assert {"label", "shipment_label"} <= kinds


@pytest.mark.parametrize(("name", "email"), EVERY_TEMPLATE, ids=[n for n, _ in EVERY_TEMPLATE])
def test_every_line_ends_in_crlf_within_the_limits(name: str, email: QueuedEmail) -> None:
    wire = wire_email(SETTINGS, email, NOW).wire
    assert wire.endswith(b"\r\n")
    lines = wire.split(b"\r\n")
    assert not any(b"\n" in line or b"\r" in line for line in lines)
    assert max(len(line) for line in lines) <= 998
    headers = wire.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    assert max(len(line) for line in headers) <= 78
    assert all(line.isascii() for line in headers)


def test_the_envelope_takes_the_addresses_without_names() -> None:
    _, email = EVERY_TEMPLATE[0]
    outgoing = wire_email(SETTINGS, email, NOW)
    assert (outgoing.sender, outgoing.recipient) == (
        "serwis@innpro.example",
        "jan.kowalski@example.com",
    )
    assert outgoing.message_id == email.message_id


def test_a_line_longer_than_smtp_allows_goes_quoted_printable_and_arrives_whole() -> None:
    # The compat32 builder sent it as 8bit: a 1,200-octet line that SMTP servers may cut.
    line = "Żółć " * 240
    email = queued("Długa linia", f"Początek\n{line}\nKoniec\n", f"<p>{line}</p>\n")
    wire = wire_email(SETTINGS, email, NOW).wire
    assert max(len(part) for part in wire.split(b"\r\n")) <= 998
    message = parsed(wire)
    plain, html = (message.get_body((kind,)) for kind in ("plain", "html"))
    assert isinstance(plain, EmailMessage) and isinstance(html, EmailMessage)
    assert plain["Content-Transfer-Encoding"] == "quoted-printable"
    # Read from the wire, a text keeps its CRLFs (the 8-bit parts' too).
    assert plain.get_content().replace("\r\n", "\n") == f"Początek\n{line}\nKoniec\n"
    assert html.get_content().replace("\r\n", "\n") == f"<p>{line}</p>\n"


def test_a_file_name_with_polish_letters_is_an_rfc_2231_parameter() -> None:
    named = {
        "filename": "etykieta-zażółć-" + "bardzo-długa-nazwa-" * 4 + ".pdf",
        "content_type": "application/pdf",
        "content_base64": "JVBERi0xLjQ=",
    }
    email = queued("Etykieta", "Tekst\n", "<p>Tekst</p>\n", named)
    new, old = parsed(wire_email(SETTINGS, email, NOW).wire), parsed(built_with_email_mime(email))
    assert structure(new) == structure(old)
    [attachment] = new.iter_attachments()
    assert attachment.get_filename() == named["filename"]
    assert attachment.get_content() == b"%PDF-1.4"


_SUBJECT_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"))
    | st.sampled_from("ąęłńśźż=?_"),
    max_size=200,
).map(lambda text: " ".join(text.split()))


@settings(max_examples=500)
@given(subject=_SUBJECT_TEXT)
def test_any_subject_arrives_unchanged_in_lines_of_76_at_most(subject: str) -> None:
    email = queued(subject, "Tekst\n", "<p>Tekst</p>\n")
    wire = wire_email(SETTINGS, email, NOW).wire
    assert str(parsed(wire)["Subject"]) == subject
    lines = wire.split(b"\r\n\r\n", 1)[0].decode("ascii").split("\r\n")
    first = next(n for n, line in enumerate(lines) if line.startswith("Subject: "))
    folded = [lines[first]]
    for line in lines[first + 1 :]:
        if not line.startswith(" "):
            break
        folded.append(line)
    # RFC 2047 2: a line holding an encoded word is at most 76 characters.
    assert max(len(line) for line in folded) <= 76 or not any("=?" in line for line in folded)
    assert max(len(line) for line in folded) <= 78


def test_the_emails_of_one_second_share_their_date_header(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Formatted once per second (and zone), not once per email: the same bytes either way."""
    formatted: list[datetime] = []

    def counted(date: datetime) -> str:
        formatted.append(date)
        return real_format_datetime(date)

    monkeypatch.setattr(mime, "format_datetime", counted)
    mime._date_header_of_second.cache_clear()
    _, email = EVERY_TEMPLATE[0]
    second = datetime(2026, 12, 6, 3, 15, 7, tzinfo=UTC)
    within = [second.replace(microsecond=ms * 1000) for ms in (1, 250, 999)]
    warsaw = second.astimezone(ZoneInfo("Europe/Warsaw"))  # the same instant, another zone
    dates = [headers_of(wire_email(SETTINGS, email, at).wire)["Date"] for at in within]
    assert dates == ["Sun, 06 Dec 2026 03:15:07 +0000"] * 3
    assert formatted == [second]
    assert headers_of(wire_email(SETTINGS, email, warsaw).wire)["Date"] == (
        "Sun, 06 Dec 2026 04:15:07 +0100"
    )
    next_second = headers_of(wire_email(SETTINGS, email, second + timedelta(seconds=1)).wire)
    assert next_second["Date"] == "Sun, 06 Dec 2026 03:15:08 +0000"
    assert len(formatted) == 3


def headers_of(wire: bytes) -> dict[str, str]:
    head = wire.split(b"\r\n\r\n", 1)[0].decode("ascii")
    return dict(line.split(": ", 1) for line in head.replace("\r\n ", " ").split("\r\n"))


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.emails(),
        st.from_regex(r"[A-Za-z0-9._%+-]{1,12}@[A-Za-z0-9.-]{1,12}", fullmatch=True),
        st.builds(lambda name, address: f"{name} <{address}>", st.text(max_size=10), st.emails()),
        st.text(max_size=20),
    )
)
def test_the_envelope_address_is_what_parseaddr_gives(recipient: str) -> None:
    assert mime.envelope_address(recipient) == parseaddr(recipient)[1]


def test_a_bare_recipient_is_not_parsed_again(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[str] = []

    def counted(text: str) -> tuple[str, str]:
        parsed.append(text)
        return parseaddr(text)

    monkeypatch.setattr(mime, "parseaddr", counted)
    _, email = EVERY_TEMPLATE[0]
    bare = replace(email, recipient="jan.kowalski+rma@example.com")
    assert wire_email(SETTINGS, bare, NOW).recipient == "jan.kowalski+rma@example.com"
    assert parsed == []
    named = replace(email, recipient="Jan Kowalski <jan.kowalski@example.com>")
    assert wire_email(SETTINGS, named, NOW).recipient == "jan.kowalski@example.com"
    assert parsed == [named.recipient]


def unusual_texts() -> list[tuple[str, QueuedEmail]]:
    label = attachments.parcel_label("RMA/947453/SR/2026", "Zażółć Gęślą")
    texts = {
        "period-line": "Dzień dobry,\n.\n..kropki\n",
        "period-first": ".net\n",
        "bare-cr": "jedna\rdruga\r\n",
        "long-line": "Żółć " * 240 + "\n.kropka\n",
        "plain": "Dzień dobry,\nw załączniku etykieta.\n",
    }
    return [
        (f"{name}-{files}", queued("Etykieta", text, f"<p>{text}</p>\n", *[label] * files))
        for name, text in texts.items()
        for files in (0, 1, 2)
    ]


@pytest.mark.parametrize(
    ("name", "email"),
    [*EVERY_TEMPLATE, *unusual_texts()],
    ids=[n for n, _ in [*EVERY_TEMPLATE, *unusual_texts()]],
)
def test_the_writer_says_whether_its_email_goes_as_it_is(name: str, email: QueuedEmail) -> None:
    """What wire_email tells the mailer without a look over the attachments' base64 is what a
    look over the whole message finds (a line starting with a period makes it go through
    aiosmtplib's sendmail, which doubles the period)."""
    outgoing = wire_email(SETTINGS, email, NOW)
    assert outgoing.transmitted is mime.as_transmitted(outgoing.wire)
    assert outgoing.transmitted is not ("\n." in "\n" + email.text_body + email.html_body)


def test_the_characters_kept_encoded_for_subjects_stay_bounded() -> None:
    """Each character's "Q" encoding is kept for the next subjects, up to a few thousand: a
    subject of characters never seen before still arrives whole, and the table stops growing."""
    for start in range(0x4E00, 0x4E00 + 6000, 60):  # CJK ideographs: 6,000 new characters
        subject = "".join(chr(code) for code in range(start, start + 60))
        wire = wire_email(SETTINGS, queued(subject, "Tekst\n", "<p>Tekst</p>\n"), NOW).wire
        assert str(parsed(wire)["Subject"]) == subject
    assert len(mime._Q_TABLE) <= 4096


@pytest.mark.parametrize("size", [*range(0, 240), 9445, 20_000, 3_000_000])
def test_an_attachment_is_base64_in_lines_of_76(size: int) -> None:
    content = bytes(range(256)) * (size // 256 + 1)
    lines = mime._base64_lines(content[:size])
    encoded = base64.b64encode(content[:size])
    assert lines == [encoded[start : start + 76] for start in range(0, len(encoded), 76)]


def test_a_large_attachment_is_cut_without_a_struct_of_its_own_size(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The lines are cut many at a call, by structs of at most 64 lines: a file of megabytes
    makes, and keeps in the cache, no struct as large as itself (its format and its codes)."""
    made: list[int] = []
    make = struct.Struct

    def recorded(format: str) -> struct.Struct:
        made.append(make(format).size)
        return make(format)

    mime._lines_of.cache_clear()
    monkeypatch.setattr(struct, "Struct", recorded)
    content = bytes(range(256)) * 20_000  # 5 MB
    lines = mime._base64_lines(content)
    encoded = base64.b64encode(content)
    assert lines == [encoded[start : start + 76] for start in range(0, len(encoded), 76)]
    assert made
    assert max(made) <= 64 * 76
    assert mime._lines_of.cache_info().currsize <= 2  # 64 lines, and the last block's
