"""What every notifications unit of work promises, as one test class: tests/unit runs it on the
in-memory store, tests/integration on PostgreSQL, so the fake the service-layer tests rely on
cannot drift from the database.

A subclass gives a `store` fixture: a fresh, empty store with `uow()`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from uuid import UUID, uuid4

from services.notifications.unit_of_work import NewEmail, NotificationsUnitOfWork, QueuedEmail

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
CLAIM = timedelta(seconds=65)


class Store(Protocol):
    def uow(self) -> NotificationsUnitOfWork: ...


def seconds(n: float) -> datetime:
    return NOW + timedelta(seconds=n)


def new_email(**changes: Any) -> NewEmail:
    email_id = uuid4()
    fields: dict[str, Any] = {
        "email_id": email_id,
        "event_id": uuid4(),
        "event_type": "ClaimStatusChanged",
        "message_id": f"<{email_id}@rma.innpro.example>",
        "recipient": "klient@example.com",
        "subject": "Zgłoszenie RMA/1/SR/2026: w diagnozie",
        "text_body": "Dzień dobry",
        "html_body": "<p>Dzień dobry</p>",
        "attachments": [],
        "account_id": None,
        "claim_id": None,
        "rma_number": "RMA/1/SR/2026",
    }
    fields.update(changes)
    return NewEmail(**fields)


class NotificationsStoreContract:
    async def add(self, store: Store, email: NewEmail, at: datetime = NOW) -> bool:
        async with store.uow() as uow:
            added = await uow.emails.add_all([email], at)
            await uow.commit()
        return added == 1

    async def take(self, store: Store, at: datetime, limit: int = 10) -> list[QueuedEmail]:
        async with store.uow() as uow:
            taken = await uow.emails.take_due(at, at + CLAIM, limit)
            await uow.commit()
        return taken

    async def refuse(self, store: Store, email_id: UUID, retry_at: datetime | None) -> None:
        async with store.uow() as uow:
            await uow.emails.mark_refused(email_id, "SMTPResponseException(451)", retry_at)
            await uow.commit()

    async def status(self, store: Store, email_id: UUID) -> str | None:
        async with store.uow() as uow:
            return await uow.emails.status(email_id)

    # --- the queue -------------------------------------------------------------------------

    async def test_a_queued_email_is_taken_once_as_it_was_composed(self, store: Store) -> None:
        label = {"filename": "etykieta.pdf", "content_type": "application/pdf", "label": {"a": 1}}
        trace = {"traceparent": f"00-{'a' * 32}-{'b' * 16}-01"}
        email = new_email(
            attachments=[label], account_id=uuid4(), claim_id=uuid4(), trace_context=trace
        )
        assert await self.add(store, email)
        [taken] = await self.take(store, NOW)
        assert (taken.email_id, taken.event_id, taken.message_id) == (
            email.email_id,
            email.event_id,
            email.message_id,
        )
        assert (taken.recipient, taken.subject, taken.text_body, taken.html_body) == (
            email.recipient,
            email.subject,
            email.text_body,
            email.html_body,
        )
        assert (taken.attachments, taken.rma_number) == ([label], email.rma_number)
        assert (taken.attempts, taken.retry_from, taken.trace_context) == (1, NOW, trace)
        # Claimed: no other take gets it until the claim expires.
        assert await self.take(store, seconds(60)) == []
        [again] = await self.take(store, NOW + CLAIM)
        assert again.attempts == 2

    async def test_the_same_message_id_is_queued_once(self, store: Store) -> None:
        email = new_email()
        assert await self.add(store, email)
        assert not await self.add(store, new_email(message_id=email.message_id))
        assert [e.email_id for e in await self.take(store, NOW)] == [email.email_id]

    async def test_a_batch_of_emails_is_queued_each_once(self, store: Store) -> None:
        """A consumer's batch queues its events' emails together: the new ones, each once;
        one queued before, or twice in the batch (a redelivery), changes nothing."""
        before, first, second = new_email(), new_email(), new_email()
        assert await self.add(store, before)
        again = new_email(message_id=first.message_id)
        batch = [first, new_email(message_id=before.message_id), second, again]
        async with store.uow() as uow:
            assert await uow.emails.add_all(batch, seconds(1)) == 2
            assert await uow.emails.add_all([], seconds(1)) == 0
            await uow.commit()
        taken = await self.take(store, seconds(1))
        assert {e.email_id for e in taken} == {before.email_id, first.email_id, second.email_id}
        assert len(taken) == 3

    async def test_emails_queued_claimed_are_taken_at_once_each_once(self, store: Store) -> None:
        """The consumer's hand-off: the new emails come back as the sender's take would give
        them; no other take gets them while claimed; one known before is neither queued again
        nor handed (it may be sent already)."""
        before, first, second = new_email(), new_email(), new_email(text_body="Druga")
        assert await self.add(store, before)
        batch = [first, new_email(message_id=before.message_id), second, first]
        async with store.uow() as uow:
            handed = await uow.emails.add_claimed(batch, seconds(1), seconds(1) + CLAIM)
            await uow.commit()
        assert [e.email_id for e in handed] == [first.email_id, second.email_id]
        assert (handed[1].text_body, handed[1].attempts, handed[1].retry_from) == (
            "Druga",
            1,
            seconds(1),
        )
        assert handed[1].subject == second.subject
        assert handed[1].trace_context == second.trace_context
        assert [e.email_id for e in await self.take(store, seconds(2))] == [before.email_id]
        # A sender that died with them: their claim expires, and any sender takes them.
        later = seconds(1) + CLAIM  # (`before`, taken at 2 s, is still claimed)
        assert {e.email_id for e in await self.take(store, later)} == {
            first.email_id,
            second.email_id,
        }

    async def test_a_released_hand_off_is_due_at_once_for_any_sender(self, store: Store) -> None:
        """Released under its own claim only: an email taken again since, or sent, stays."""
        emails = [new_email() for _ in range(3)]
        claimed_until = seconds(1) + CLAIM
        async with store.uow() as uow:
            handed = await uow.emails.add_claimed(emails, seconds(1), claimed_until)
            await uow.commit()
        async with store.uow() as uow:
            await uow.emails.mark_sent([emails[2].email_id], seconds(2))
            await uow.commit()
        ids = [e.email_id for e in handed]
        async with store.uow() as uow:
            assert await uow.emails.release(ids, seconds(1), seconds(3)) == 0  # not that claim
            assert await uow.emails.release(ids, claimed_until, seconds(3)) == 2
            await uow.commit()
        taken = await self.take(store, seconds(3))
        assert sorted(e.email_id for e in taken) == sorted(e.email_id for e in emails[:2])
        assert [e.attempts for e in taken] == [1, 1]  # the hand-off not counted

    async def test_due_emails_are_taken_oldest_first_up_to_the_limit(self, store: Store) -> None:
        emails = [new_email() for _ in range(3)]
        for offset, email in zip((2, 0, 1), emails, strict=True):
            await self.add(store, email, seconds(offset))
        assert await self.take(store, seconds(-1)) == []  # none due yet
        taken = await self.take(store, seconds(5), limit=2)
        assert [e.email_id for e in taken] == [emails[1].email_id, emails[2].email_id]
        [last] = await self.take(store, seconds(5))
        assert last.email_id == emails[0].email_id

    async def test_a_refused_email_waits_for_its_retry_and_a_given_up_one_fails(
        self, store: Store
    ) -> None:
        retried, given_up = new_email(), new_email()
        for email in (retried, given_up):
            await self.add(store, email)
        await self.take(store, NOW)
        await self.refuse(store, retried.email_id, seconds(30))
        await self.refuse(store, given_up.email_id, None)
        assert await self.take(store, seconds(29)) == []
        [taken] = await self.take(store, seconds(30))
        assert taken.email_id == retried.email_id
        assert await self.status(store, given_up.email_id) == "failed"
        async with store.uow() as uow:
            assert await uow.emails.count_failed() == 1
            [failed] = await uow.emails.listing(
                account_id=None, claim_id=None, status="failed", limit=10
            )
        assert (failed.email_id, failed.attempts) == (given_up.email_id, 1)
        assert failed.last_error == "SMTPResponseException(451)"

    async def test_a_sent_email_is_sent_and_stays_so(self, store: Store) -> None:
        email = new_email()
        await self.add(store, email)
        await self.take(store, NOW)
        await self.refuse(store, email.email_id, seconds(1))
        [taken] = await self.take(store, seconds(1))
        async with store.uow() as uow:
            await uow.emails.mark_sent([taken.email_id], seconds(2))
            await uow.commit()
        await self.refuse(store, email.email_id, None)  # a late refusal changes nothing
        async with store.uow() as uow:
            [listed] = await uow.emails.listing(
                account_id=None, claim_id=None, status=None, limit=10
            )
        assert (listed.status, listed.sent_at, listed.last_error) == ("sent", seconds(2), None)
        assert listed.attempts == 2
        assert await self.take(store, seconds(3600)) == []

    async def test_failed_emails_are_resent_with_a_new_retry_period(self, store: Store) -> None:
        emails = [new_email() for _ in range(3)]
        for email in emails:
            await self.add(store, email)
        await self.take(store, NOW)
        for email in emails[:2]:
            await self.refuse(store, email.email_id, None)
        async with store.uow() as uow:
            assert await uow.emails.resend_failed(emails[2].email_id, seconds(10)) == []
            assert await uow.emails.resend_failed(emails[0].email_id, seconds(10)) == [
                emails[0].email_id
            ]
            assert await uow.emails.resend_failed(None, seconds(20)) == [emails[1].email_id]
            assert await uow.emails.status(uuid4()) is None
            await uow.commit()
        taken = {e.email_id: e for e in await self.take(store, seconds(20))}
        assert set(taken) == {emails[0].email_id, emails[1].email_id}
        assert taken[emails[0].email_id].retry_from == seconds(10)
        assert taken[emails[1].email_id].retry_from == seconds(20)
        assert {e.attempts for e in taken.values()} == {1}

    async def test_the_listing_filters_and_shows_the_newest_first(self, store: Store) -> None:
        account, claim = uuid4(), uuid4()
        mine = [new_email(account_id=account, claim_id=claim) for _ in range(3)]
        other = new_email(account_id=uuid4())
        for offset, email in enumerate([*mine, other]):
            await self.add(store, email, seconds(offset))
        async with store.uow() as uow:
            by_account = await uow.emails.listing(
                account_id=account, claim_id=None, status=None, limit=10
            )
            by_claim = await uow.emails.listing(
                account_id=None, claim_id=claim, status="pending", limit=2
            )
            none_sent = await uow.emails.listing(
                account_id=None, claim_id=None, status="sent", limit=10
            )
        assert [e.email_id for e in by_account] == [e.email_id for e in reversed(mine)]
        assert [e.email_id for e in by_claim] == [mine[2].email_id, mine[1].email_id]
        first = by_account[-1]
        assert (first.created_at, first.status, first.attempts, first.sent_at) == (
            NOW,
            "pending",
            0,
            None,
        )
        assert (first.event_type, first.recipient, first.rma_number, first.claim_id) == (
            mine[0].event_type,
            mine[0].recipient,
            mine[0].rma_number,
            claim,
        )
        assert none_sent == []

    async def test_a_probe_takes_the_waiting_email_whose_retry_comes_first_never_one_in_flight(
        self, store: Store
    ) -> None:
        later, sooner, in_flight, failed = (new_email() for _ in range(4))
        for email in (later, sooner, in_flight, failed):
            await self.add(store, email)
        await self.take(store, NOW)
        await self.refuse(store, later.email_id, seconds(60))
        await self.refuse(store, sooner.email_id, seconds(30))
        await self.refuse(store, failed.email_id, None)
        async with store.uow() as uow:  # in_flight: still claimed (until NOW + 65 s)
            probe = await uow.emails.take_probe(seconds(1), seconds(1) + CLAIM)
            second = await uow.emails.take_probe(seconds(1), seconds(1) + CLAIM)
            third = await uow.emails.take_probe(seconds(1), seconds(1) + CLAIM)
            await uow.commit()
        assert probe is not None and (probe.email_id, probe.attempts) == (sooner.email_id, 2)
        assert second is not None and second.email_id == later.email_id
        assert third is None  # the one in flight, the probes now in flight, the failed one
        assert await self.take(store, seconds(60)) == []  # the probes are claimed too

    async def test_the_servers_return_releases_every_waiting_email_but_those_in_flight(
        self, store: Store
    ) -> None:
        waiting = [new_email() for _ in range(3)]
        in_flight, sent = new_email(), new_email()
        for email in (*waiting, in_flight, sent):
            await self.add(store, email)
        await self.take(store, NOW)
        for offset, email in enumerate(waiting):
            await self.refuse(store, email.email_id, seconds(100 * (offset + 1)))
        async with store.uow() as uow:
            await uow.emails.mark_sent([sent.email_id], seconds(1))
            assert await uow.emails.release_waiting(seconds(5)) == 3
            await uow.commit()
        released = await self.take(store, seconds(5))
        assert {e.email_id for e in released} == {e.email_id for e in waiting}
        async with store.uow() as uow:
            assert await uow.emails.release_waiting(seconds(6)) == 0  # all in flight now

    # --- customers and the unit of work ----------------------------------------------------

    async def test_a_customers_name_is_remembered_and_updated(self, store: Store) -> None:
        account = uuid4()
        async with store.uow() as uow:
            assert await uow.customers.name(account) is None
            await uow.customers.remember(account, "Jan Kowalski")
            await uow.commit()
        async with store.uow() as uow:
            await uow.customers.remember(account, "Jan Nowak")
            await uow.commit()
        async with store.uow() as uow:
            assert await uow.customers.name(account) == "Jan Nowak"

    async def test_nothing_is_kept_without_a_commit(self, store: Store) -> None:
        email, account = new_email(), uuid4()
        async with store.uow() as uow:
            await uow.emails.add_all([email], NOW)
            await uow.customers.remember(account, "Jan Kowalski")
        async with store.uow() as uow:
            await uow.emails.add_all([new_email()], NOW)
            await uow.rollback()
        async with store.uow() as uow:
            assert await uow.emails.status(email.email_id) is None
            assert await uow.customers.name(account) is None
            assert (
                await uow.emails.listing(account_id=None, claim_id=None, status=None, limit=10)
                == []
            )
