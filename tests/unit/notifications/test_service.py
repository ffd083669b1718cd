"""The notifications service layer on the in-memory unit of work, on an injected clock: every
event that asks for an email queues it once, in the customer's language; the events that ask
for none queue none; the operators' commands and their refusals. No server, no sleeping.

(The fake is held to PostgreSQL by tests/support/notifications_contract.py; Kafka, SMTP and the
HTTP wiring are tests/integration/test_notifications.py's.)"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, get_args
from uuid import UUID, uuid4, uuid5

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from services.notifications import domain, handlers, preview
from services.notifications.adapters.memory import (
    MemoryCustomerNames,
    MemoryDatabase,
    StoredEmail,
)
from services.notifications.adapters.templates import TemplateRenderer
from services.notifications.bootstrap import memory_context
from services.notifications.settings import NotificationsSettings
from shared.errors import BusinessRuleError
from shared.events import ClaimStatus, Event, Language
from shared.sealing import seal

NOW = preview.NOW + timedelta(minutes=1)
DESK = "serwis@innpro.example"
RENDERER = TemplateRenderer()
GREETING = {"pl": "Dzień dobry", "en": "Hello"}
_PRIVATE = X25519PrivateKey.generate()
PRIVATE_PEM = _PRIVATE.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
)
PUBLIC_PEM = _PRIVATE.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
)


@dataclass
class Service:
    database: MemoryDatabase
    ctx: handlers.NotificationsContext
    now: list[datetime]

    async def handle(self, event: Event) -> None:
        async with self.ctx.uow() as uow:
            await handlers.record_email(self.ctx, uow, event)

    def emails(self, event: Event | None = None) -> list[StoredEmail]:
        emails = self.database.state.emails.values()
        return [e for e in emails if event is None or e.email.event_id == event.event_id]


def service_with(**settings: Any) -> Service:
    database, now = MemoryDatabase(), [NOW]
    ctx = memory_context(
        NotificationsSettings(public_base_url="https://panel.example", **settings),
        database,
        clock=lambda: now[0],
        seal_private_key=PRIVATE_PEM,
        renderer=RENDERER,
    )
    return Service(database, ctx, now)


@pytest.fixture
def service() -> Service:
    return service_with()


def fresh(event: Event, **data: Any) -> Event:
    """The sample as it arrives now: a new event id, links really sealed, `data` changed."""
    event_id = uuid4()
    sealed = {
        name: seal(
            PUBLIC_PEM,
            f"https://panel.example/{name.removesuffix('_sealed')}?token=T-{event_id}",
        )
        for name in type(event.data).model_fields
        if name.endswith("_sealed")
    }
    return event.model_copy(
        update={
            "event_id": event_id,
            "occurred_at": NOW - timedelta(seconds=5),
            "data": event.data.model_copy(update={**sealed, **data}),
        }
    )


def customer_samples() -> list[Any]:
    return [
        pytest.param(language, stem, event, id=f"{language}-{stem}")
        for language in get_args(Language)
        for stem, event in preview.samples(language)
    ]


@pytest.mark.parametrize(("language", "stem", "sample"), customer_samples())
async def test_each_event_queues_one_email_to_the_customer_in_their_language(
    service: Service, language: str, stem: str, sample: Event
) -> None:
    event = fresh(sample)
    await service.handle(event)
    draft = domain.draft_for(event)
    assert draft is not None
    [stored] = [e for e in service.emails(event) if e.email.recipient == draft.recipient]
    email = stored.email
    assert email.email_id == uuid5(event.event_id, "email")
    assert email.message_id == f"<{event.event_id}@rma.innpro.example>"
    assert (email.event_type, email.account_id, email.claim_id) == (
        event.type,
        draft.account_id,
        draft.claim_id,
    )
    assert GREETING[language] in email.text_body and GREETING[language] in email.html_body
    other = next(lang for lang in get_args(Language) if lang != language)
    assert GREETING[other] not in email.text_body
    if draft.rma_number:
        assert draft.rma_number in email.subject and email.rma_number == draft.rma_number
    for name in draft.sealed:  # the link opened, never the sealed text
        assert f"https://panel.example/{name}?token=T-{event.event_id}" in email.text_body
        assert draft.sealed[name] not in email.text_body
    assert (stored.status, stored.attempts, stored.created_at) == ("pending", 0, NOW)
    assert (stored.next_attempt_at, stored.retry_from) == (NOW, NOW)


async def test_a_redelivered_event_queues_its_email_once(service: Service) -> None:
    event = fresh(preview.status_changed("pl", "in_inspection"))
    for _ in range(3):
        await service.handle(event)
    assert len(service.emails(event)) == 1


@pytest.mark.parametrize("language", get_args(Language))
async def test_an_answered_offer_tells_the_customer_and_the_service_centre(
    service: Service, language: Language
) -> None:
    [answered] = [e for e in preview.after_decision(language) if e.type == "ClaimOfferAnswered"]
    claim_id = uuid4()
    event = fresh(answered, claim_id=claim_id)
    await service.handle(event)
    await service.handle(event)  # redelivered: still one email each
    by_recipient = {e.email.recipient: e.email for e in service.emails(event)}
    assert set(by_recipient) == {preview.EMAIL, DESK}
    staff = by_recipient[DESK]
    assert staff.message_id == f"<{event.event_id}.staff-email@rma.innpro.example>"
    assert staff.subject.startswith(f"Odpowiedź klienta, {preview.RMA_NUMBER}")  # always Polish
    assert f"https://panel.example/operator/claims/{claim_id}" in staff.text_body
    assert preview.EMAIL in staff.text_body
    assert GREETING[language] in by_recipient[preview.EMAIL].text_body


async def test_without_a_service_desk_address_only_the_customer_is_told() -> None:
    service = service_with(service_desk_email="")
    [answered] = [e for e in preview.after_decision("pl") if e.type == "ClaimOfferAnswered"]
    event = fresh(answered)
    await service.handle(event)
    assert [e.email.recipient for e in service.emails(event)] == [preview.EMAIL]
    await service.handle(fresh(preview.deadlines_at_risk()))
    assert len(service.emails()) == 1


async def test_the_days_claims_at_risk_go_to_the_service_centre_only(service: Service) -> None:
    event = fresh(preview.deadlines_at_risk())
    await service.handle(event)
    [email] = service.emails(event)
    assert email.email.recipient == DESK
    assert email.email.message_id == f"<{event.event_id}.staff-email@rma.innpro.example>"


@pytest.mark.parametrize("status", sorted(domain.STATUSES_TOLD_BY_THEIR_OWN_EVENT))
async def test_a_status_its_own_event_told_is_not_emailed_again(
    service: Service, status: ClaimStatus
) -> None:
    # Replaces tests/integration/test_notifications.py::
    # test_receipt_is_emailed_once_and_the_next_status_change_too (its rule).
    event = fresh(preview.status_changed("pl", status))
    await service.handle(event)
    assert service.emails() == []


async def test_a_verdicts_deadlines_update_is_not_emailed_again(service: Service) -> None:
    # Replaces tests/integration/test_notifications.py::
    # test_the_verdict_is_emailed_once_though_the_receipt_republishes_its_deadlines.
    verdict = fresh(preview.warranty_assessed("pl"))
    update = fresh(verdict, deadlines_update=True)
    await service.handle(verdict)
    await service.handle(update)
    assert [e.email.event_id for e in service.emails()] == [verdict.event_id]
    assert "produkt objęty gwarancją" in service.emails()[0].email.subject


async def test_history_replayed_from_long_ago_is_not_emailed_but_its_name_is_kept(
    service: Service,
) -> None:
    # Replaces tests/integration/test_notifications.py::
    # test_history_replayed_from_long_ago_is_recorded_but_not_emailed.
    max_age = timedelta(days=service.ctx.settings.email_max_event_age_days)
    [activated] = [e for e in preview.samples("pl") if e[1].type == "AccountActivated"]
    old = fresh(activated[1]).model_copy(update={"occurred_at": NOW - max_age - timedelta(1)})
    borderline = fresh(preview.status_changed("pl", "closed"))
    borderline = borderline.model_copy(update={"occurred_at": NOW - max_age})
    await service.handle(old)
    await service.handle(borderline)
    assert [e.email.event_id for e in service.emails()] == [borderline.event_id]
    async with service.ctx.uow() as uow:
        assert await uow.customers.name(preview.ACCOUNT_ID) == preview.CUSTOMER


async def test_a_new_claims_email_greets_by_the_name_an_account_event_told_and_labels_it(
    service: Service,
) -> None:
    account_id = uuid4()
    [activated] = [e for _, e in preview.samples("pl") if e.type == "AccountActivated"]
    await service.handle(fresh(activated, account_id=account_id, full_name="Zofia Wójcik"))
    created = fresh(preview.claim_created("pl"), account_id=account_id)
    await service.handle(created)
    [email] = service.emails(created)
    assert "Dzień dobry Zofia Wójcik" in email.email.text_body
    [label] = email.email.attachments
    assert label["label"] == {"rma_number": preview.RMA_NUMBER, "customer_name": "Zofia Wójcik"}
    assert label["filename"] == "etykieta-RMA-1024-SR-2026.pdf"


async def test_a_claims_emails_take_the_name_without_asking_the_database_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The name an account event told, or one read once, is kept for the next emails of the
    process (`customer_name_cache_seconds`); after that long it is read again, and a name read
    as unknown is asked for again (the account's event may come later)."""
    service = service_with(customer_name_cache_seconds=60)
    asked: list[UUID] = []
    name = MemoryCustomerNames.name

    async def counted(names: MemoryCustomerNames, account_id: UUID) -> str | None:
        asked.append(account_id)
        return await name(names, account_id)

    monkeypatch.setattr(MemoryCustomerNames, "name", counted)
    told, read, unknown = uuid4(), uuid4(), uuid4()
    [activated] = [e for _, e in preview.samples("pl") if e.type == "AccountActivated"]
    await service.handle(fresh(activated, account_id=told, full_name="Zofia Wójcik"))
    service.database.state.customers[read] = "Jan Kowalski"  # told to another instance
    for account_id in (told, read, unknown) * 2:
        await service.handle(fresh(preview.claim_created("pl"), account_id=account_id))
        await service.handle(fresh(preview.warranty_assessed("pl"), account_id=account_id))
    assert asked == [read] + [unknown] * 4
    texts = {e.email.account_id: e.email.text_body for e in service.emails()}
    assert "Dzień dobry Zofia Wójcik" in texts[told] and "Dzień dobry Jan Kowalski" in texts[read]
    service.database.state.customers[read] = "Jan Nowak"
    service.now[0] += timedelta(seconds=59)
    await service.handle(fresh(preview.claim_created("pl"), account_id=read))
    service.now[0] += timedelta(seconds=1)
    last = fresh(preview.claim_created("pl"), account_id=read)
    await service.handle(last)
    [email] = service.emails(last)
    assert "Dzień dobry Jan Nowak" in email.email.text_body
    assert asked[5:] == [read]


# --- the operators' commands ----------------------------------------------------------------


async def queue_failed(service: Service, count: int) -> list[UUID]:
    events = [fresh(preview.status_changed("pl", "in_inspection")) for _ in range(count)]
    for event in events:
        await service.handle(event)
    async with service.ctx.uow() as uow:
        taken = await uow.emails.take_due(NOW, NOW + timedelta(minutes=1), 10)
        for email in taken:
            await uow.emails.mark_refused(email.email_id, "SMTPResponseException(550)", None)
        await uow.commit()
    return [email.email_id for email in taken]


async def test_operators_list_emails_newest_first_and_count_the_failed(service: Service) -> None:
    failed = await queue_failed(service, 2)
    service.now[0] = NOW + timedelta(seconds=1)
    claim_id = uuid4()
    newest = fresh(preview.status_changed("en", "in_inspection"), claim_id=claim_id)
    await service.handle(newest)
    listed = await handlers.list_emails(service.ctx)
    assert [e.status for e in listed] == ["pending", "failed", "failed"]
    assert {e.email_id for e in listed[1:]} == set(failed)
    [mine] = await handlers.list_emails(service.ctx, claim_id=claim_id)
    assert (mine.event_type, mine.created_at) == ("ClaimStatusChanged", NOW + timedelta(seconds=1))
    assert len(await handlers.list_emails(service.ctx, status="failed", limit=1)) == 1
    assert await handlers.count_failed(service.ctx) == 2


async def test_an_operator_resends_one_failed_email_then_all(service: Service) -> None:
    first, second = await queue_failed(service, 2)
    service.now[0] = later = NOW + timedelta(hours=1)
    assert await handlers.resend_failed(service.ctx, first) == [first]
    resent = service.database.email(first)
    assert (resent.status, resent.attempts, resent.retry_from) == ("pending", 0, later)
    assert resent.next_attempt_at == later
    assert await handlers.resend_failed(service.ctx) == [second]
    assert await handlers.count_failed(service.ctx) == 0


@pytest.mark.parametrize(
    ("which", "code", "status"),
    [
        (lambda ids: uuid4(), "email_not_found", 404),
        (lambda ids: ids[0], "email_not_failed", 409),
    ],
)
async def test_resending_an_email_that_does_not_exist_or_has_not_failed_is_refused(
    service: Service, which: Callable[[list[UUID]], UUID], code: str, status: int
) -> None:
    [failed] = await queue_failed(service, 1)
    await handlers.resend_failed(service.ctx, failed)  # pending again: a resend would repeat it
    before = service.database.email(failed)
    with pytest.raises(BusinessRuleError) as refused:
        await handlers.resend_failed(service.ctx, which([failed]))
    assert (refused.value.code, refused.value.status_code) == (code, status)
    assert "pending" in refused.value.message.en or code == "email_not_found"
    assert service.database.email(failed) == before
