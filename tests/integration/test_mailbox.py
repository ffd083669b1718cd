"""The tests' Mailbox helper against the real Mailpit: what it reads, and the refusals it makes."""

from __future__ import annotations

import asyncio
import re
import uuid
from email.message import EmailMessage

import aiosmtplib
import httpx
import pytest

from tools.bench import mailpit
from tools.support.mailbox import Mailbox
from tools.support.stack import Stack

pytestmark = pytest.mark.integration


def letter(to: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Serwis INNPRO <serwis@rma.innpro.example>"
    message["To"] = to
    message["Subject"] = "Zgłoszenie RMA/1/SR/2026 przyjęte"
    message["Message-ID"] = f"<{uuid.uuid4()}@rma.innpro.example>"
    message["X-RMA-Number"] = "RMA/1/SR/2026"
    message.set_content("Dzień dobry,\nzgłoszenie przyjęte.\n")
    message.add_alternative("<p>Zgłoszenie <b>przyjęte</b></p>", subtype="html")
    message.add_attachment(
        b"%PDF-1.4 label", maintype="application", subtype="pdf", filename="etykieta.pdf"
    )
    return message


async def send(stack: Stack, message: EmailMessage) -> None:
    await aiosmtplib.send(message, hostname=stack.smtp_host, port=stack.smtp_port, timeout=10)


def recipient() -> str:
    return f"mailbox-{uuid.uuid4().hex[:10]}@example.com"


async def test_a_message_reads_as_the_tests_expect(stack: Stack, mailbox: Mailbox) -> None:
    to, other = recipient(), recipient()
    sent = letter(to)
    await send(stack, sent)
    await send(stack, letter(f"x{to}"))  # Mailpit's search matches substrings; the helper not
    await send(stack, letter(other))
    [message] = await mailbox.wait_for(to)
    assert message["subject"] == "Zgłoszenie RMA/1/SR/2026 przyjęte"
    assert message["rcpt_tos"] == [to]
    assert message["mail_from"] == "serwis@rma.innpro.example"
    assert message["message_id"] == sent["Message-ID"]
    assert message["headers"]["X-RMA-Number"] == "RMA/1/SR/2026"  # the name as it was sent
    assert message["text"] == "Dzień dobry,\nzgłoszenie przyjęte.\n"
    assert "<b>przyjęte</b>" in message["html"]
    [attachment] = message["attachments"]
    assert (attachment["filename"], attachment["content_type"]) == (
        "etykieta.pdf",
        "application/pdf",
    )
    assert await mailbox.attachment(message["id"], 0) == b"%PDF-1.4 label"


async def test_refuse_until_accept(stack: Stack, mailbox: Mailbox) -> None:
    to = recipient()
    await mailbox.refuse(451)
    try:
        for _ in range(3):
            with pytest.raises(aiosmtplib.SMTPResponseException) as refused:
                await send(stack, letter(to))
            assert refused.value.code == 451
    finally:
        await mailbox.accept()
    await send(stack, letter(to))
    assert len(await mailbox.wait_for(to)) == 1


async def test_fail_next_refuses_exactly_that_many(stack: Stack, mailbox: Mailbox) -> None:
    to = recipient()
    await mailbox.fail_next(2, code=452)
    codes = []
    for _ in range(3):
        try:
            await send(stack, letter(to))
            codes.append(250)
        except aiosmtplib.SMTPResponseException as error:
            codes.append(error.code)
            await asyncio.sleep(0.5)  # the helper turns the refusal off after the last one
    assert codes == [452, 452, 250]
    assert len(await mailbox.wait_for(to)) == 1


async def test_accepting_again_waits_for_the_trigger_to_be_off(
    stack: Stack, mailbox: Mailbox
) -> None:
    """A send made the moment after the last refusal is accepted once `accepting_again` ends."""
    to = recipient()
    await mailbox.fail_next(1, code=550)
    with pytest.raises(aiosmtplib.SMTPResponseException):
        await send(stack, letter(to))
    await mailbox.accepting_again()
    await send(stack, letter(to))
    assert len(await mailbox.wait_for(to)) == 1


async def test_the_web_ui_is_served_with_its_scripts_and_styles(stack: Stack) -> None:
    """Mailpit's page loads its built UI (server/ui/dist, built by deploy/scripts/mailpit.sh):
    a `go install` build serves the page but not these, and people see a blank page."""
    async with httpx.AsyncClient(base_url=stack.mailbox_url, timeout=10) as http:
        page = await http.get("/")
        assert page.status_code == 200
        assets = re.findall(r'(?:src|href)="/?(dist/app\.(?:js|css))\?[^"]*"', page.text)
        assert sorted(assets) == ["dist/app.css", "dist/app.js"], page.text
        script, styles = await http.get("/dist/app.js"), await http.get("/dist/app.css")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert styles.status_code == 200 and styles.headers["content-type"].startswith("text/css")
    # The bundled Vue application and Bootstrap, not an empty file or an error page.
    assert len(script.content) > 100_000 and b"createApp" in script.content
    assert len(styles.content) > 50_000 and b".btn" in styles.content


async def test_the_bench_reads_new_mail_only_and_misses_none(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mailpit, "PAGE", 2)  # a read of several pages
    pages: list[int] = []
    get = httpx.AsyncClient.get

    async def counted(client: httpx.AsyncClient, url: str, **kwargs: object) -> httpx.Response:
        pages.append(1)
        return await get(client, url, **kwargs)

    monkeypatch.setattr(httpx.AsyncClient, "get", counted)
    reader = mailpit.MailboxReader(stack.mailbox_url)
    first, then = [recipient() for _ in range(3)], [recipient() for _ in range(3)]
    for to in first:
        await send(stack, letter(to))
    before = await reader.everything()
    for to in then:
        await send(stack, letter(to))
    pages.clear()
    after = await reader.everything()
    new_mail_pages = len(pages)
    whole = await mailpit.everything(stack.mailbox_url)

    def to_whom(listing: list[dict[str, object]], whom: list[str]) -> list[object]:
        return [entry["rcpt_tos"] for entry in listing if entry["rcpt_tos"] in [[w] for w in whom]]

    assert to_whom(before, first) == [[to] for to in first]
    assert to_whom(after, first + then) == [[to] for to in first + then]  # oldest first, once
    assert {entry["id"] for entry in whole} <= {entry["id"] for entry in after}
    assert len({entry["id"] for entry in after}) == len(after)
    # Three new messages in pages of two, the second page reaching known mail: not the rest.
    assert new_mail_pages == 2
