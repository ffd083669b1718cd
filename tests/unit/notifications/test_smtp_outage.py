"""A five-minute SMTP refusal on an injected clock, with the production backoff (2 s doubling to
600 s): once the server refused, it is probed with one email every few seconds, and when one is
accepted every other email goes at once, so each arrives within 30 s of the server's return;
the outage is logged twice (its start, its end with counts), not once per refusal (issue 28,
fault 4). The sender's loop is played as the worker runs it: a round at least every second."""

from __future__ import annotations

from datetime import timedelta

from services.notifications import delivery
from shared import outage
from tests.support.logs import captured_logs
from tests.support.notifications_contract import NOW
from tests.unit.notifications.test_delivery import sending, temporary

REFUSAL = 302  # seconds: the server comes back between two probes
EMAILS = 40


async def test_every_email_is_sent_within_30_s_of_the_return_and_two_lines_tell_it() -> None:
    run = sending()  # the production backoff and probe settings
    ids = await run.queue(EMAILS)
    run.mailer.refusals = [temporary() for _ in range(100_000)]
    with captured_logs(outage, delivery) as logs:
        for second in range(REFUSAL + 60):
            run.at(second)
            if second == REFUSAL:
                run.mailer.refusals = []  # the server is back
            await run.delivery.send_due()

    returned = NOW + timedelta(seconds=REFUSAL)
    sent_at = [run.email(email_id).sent_at for email_id in ids]
    assert all(at is not None for at in sent_at), "an email was never sent"
    assert max(at for at in sent_at if at) - returned <= timedelta(seconds=30)
    assert len(run.mailer.accepted) == EMAILS  # once each
    warnings = [line for line in logs if line["log_level"] in ("warning", "error")]
    assert [line["event"] for line in warnings] == ["outage started", "outage ended"]
    started, ended = warnings
    assert started["dependency"] == ended["dependency"] == "SMTP server"
    assert "451" in started["error"]
    # Every refusal in the five minutes counted once, the emails released counted.
    refusals = len(run.mailer.tried) - EMAILS
    assert ended["failures"] == refusals
    assert ended["released"] >= EMAILS - 2 and ended["outage_seconds"] >= REFUSAL - 5
    # Probing is one email every few seconds, not a storm: the backoff still spaces the rest.
    assert refusals <= EMAILS * 9 + REFUSAL // 5 + 1
