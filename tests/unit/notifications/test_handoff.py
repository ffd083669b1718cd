"""The consumer's hand-off to this process's sender (handoff.py), on the in-memory unit of work,
a fake mailer and an injected clock: the emails a committed transaction queued are sent without
a take from the queue; one reached too late, and what is left when the sender stops, goes back
to the queue; no hand-off without a running sender or while the server refuses."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from uuid import UUID

import pytest

from services.notifications import handlers
from services.notifications.delivery import MailDelivery
from services.notifications.handoff import WINDOW, Handoff
from tests.support.notifications_contract import NOW, new_email
from tests.unit.notifications.test_delivery import (
    Sending,
    Statements,
    counted,
    sending,
    temporary,
)


@dataclass
class HandingOff:
    run: Sending
    handoff: Handoff
    statements: Statements
    wakes: list[int]

    async def queue(self, count: int) -> tuple[list[UUID], handlers.Handing | None]:
        """`count` emails queued as the consumer's batch queues them, committed."""
        emails = [new_email() for _ in range(count)]
        ctx = self.run.delivery._ctx
        async with self.run.database.unit_of_work() as uow:
            handing = await handlers.queue_emails(ctx, uow, emails, hand_off=True)
            await uow.commit()
        if handing is not None:
            handing.committed()
        return [email.email_id for email in emails], handing


@pytest.fixture
def handing_off(monkeypatch: pytest.MonkeyPatch) -> HandingOff:
    run = sending(smtp_connections=4, smtp_timeout_seconds=5)  # a take's claim: 15 s
    handoff = Handoff()
    ctx = replace(run.delivery._ctx, handoff=handoff)
    run.delivery = MailDelivery(ctx, run.mailer)
    wakes: list[int] = []
    handoff.open(wake=lambda: wakes.append(len(handoff)))
    handing_off = HandingOff(run, handoff, counted(run, monkeypatch), wakes)
    return handing_off


async def started(handing_off: HandingOff) -> Statements:
    """The sender's first round (it looks at the queue: empty), then the counts afresh."""
    assert await handing_off.run.delivery.send_due(queue_announced=False) == 0
    handing_off.statements.taken.clear()
    return handing_off.statements


async def test_emails_handed_over_are_sent_without_a_take(handing_off: HandingOff) -> None:
    run = handing_off.run
    statements = await started(handing_off)
    ids, handing = await handing_off.queue(6)
    assert handing is not None and handing.claimed_until == NOW + timedelta(seconds=15) + WINDOW
    assert handing_off.wakes == [6]  # the sender woken once, by the commit
    for email_id in ids:  # in the queue as a take leaves them: no other sender takes them
        stored = run.email(email_id)
        assert (stored.attempts, stored.claimed_until) == (1, handing.claimed_until)
    run.at(0.5)
    assert await run.delivery.send_due(queue_announced=False) == 6
    assert statements.taken == []
    assert sorted(run.mailer.accepted) == sorted(f"<{i}@rma.innpro.example>" for i in ids)
    assert all(run.email(email_id).status == "sent" for email_id in ids)


async def test_a_rolled_back_transaction_hands_nothing(handing_off: HandingOff) -> None:
    emails = [new_email() for _ in range(2)]
    ctx = handing_off.run.delivery._ctx
    async with handing_off.run.database.unit_of_work() as uow:
        handing = await handlers.queue_emails(ctx, uow, emails, hand_off=True)
        # no commit, so no `committed()`: the unit of work rolls back
    assert handing is not None
    assert len(handing_off.handoff) == 0 and handing_off.wakes == []
    assert await handing_off.run.delivery.send_due(queue_announced=False) == 0


async def test_an_email_reached_too_late_goes_back_to_the_queue(handing_off: HandingOff) -> None:
    """Past the window, less than a take's claim is left: released, due at once for any sender
    (its attempt not counted), and sent through a take of the queue, under a claim of its own."""
    run = handing_off.run
    statements = await started(handing_off)
    [email_id], _ = await handing_off.queue(1)
    run.at(WINDOW.total_seconds() + 0.1)
    assert await run.delivery.send_due(queue_announced=True) == 1
    assert statements.taken == [1]
    assert (run.email(email_id).status, run.email(email_id).attempts) == ("sent", 1)


async def test_stopping_releases_what_was_handed_and_hands_no_more(
    handing_off: HandingOff,
) -> None:
    run = handing_off.run
    handed, _ = await handing_off.queue(3)
    await run.delivery.release_handed()
    assert all(run.email(email_id).claimed_until is None for email_id in handed)
    later, handing = await handing_off.queue(2)
    assert handing is None  # queued for any sender: nobody here to hand them to
    assert all(run.email(email_id).attempts == 0 for email_id in later)
    assert await run.delivery.send_due() == 5


async def test_no_hand_off_while_the_server_refuses(handing_off: HandingOff) -> None:
    run = handing_off.run
    [first], _ = await handing_off.queue(1)
    run.mailer.refusals = [temporary()]
    assert await run.delivery.send_due(queue_announced=False) == 0
    [second], handing = await handing_off.queue(1)
    assert handing is None  # the backoff and the probes decide while the server refuses
    run.at(2)  # the first retry (smtp_first_retry_seconds) and the probe come due
    assert await run.delivery.send_due() == 2
    assert run.email(first).status == run.email(second).status == "sent"
    _, handing = await handing_off.queue(1)
    assert handing is not None  # accepted again: handed over again


async def test_at_most_limit_emails_wait_handed(handing_off: HandingOff) -> None:
    handing_off.handoff = handoff = Handoff(limit=4)
    ctx = replace(handing_off.run.delivery._ctx, handoff=handoff)
    handing_off.run.delivery = MailDelivery(ctx, handing_off.run.mailer)
    handoff.open(wake=lambda: None)
    _, first = await handing_off.queue(3)
    _, second = await handing_off.queue(2)
    assert first is not None and second is None and len(handoff) == 3


async def test_without_a_notification_the_queue_is_looked_at_once_a_second(
    handing_off: HandingOff,
) -> None:
    """Rounds woken by hand-offs alone take nothing from the queue; a retry falling due is
    found within a second, as the sender's poll comes round."""
    run, statements = handing_off.run, handing_off.statements
    assert await run.delivery.send_due(queue_announced=False) == 0  # the first round looks
    assert statements.taken == [0]
    await handing_off.queue(1)
    run.at(0.5)
    assert await run.delivery.send_due(queue_announced=False) == 1
    assert statements.taken == [0]
    run.at(1)
    assert await run.delivery.send_due(queue_announced=False) == 0
    assert statements.taken == [0, 0]
    run.at(1.2)
    assert await run.delivery.send_due(queue_announced=True) == 0  # a NOTIFY: at once
    assert statements.taken == [0, 0, 0]
