"""The mail sender's loop: woken by the `emails` NOTIFY a queued email sends at commit, with a
poll as a safety net; each round is the service layer's `MailDelivery.send_due`."""

from __future__ import annotations

import asyncpg

from services.notifications.delivery import MailDelivery
from shared.worker import NotifiedWorker


class MailSender(NotifiedWorker):
    def __init__(self, pool: asyncpg.Pool, delivery: MailDelivery) -> None:
        super().__init__(pool, channel="emails", name="mail-sender")
        self.delivery = delivery

    async def stop(self) -> None:
        await super().stop()
        await self.delivery.marks_landed(timeout=10)

    async def work(self) -> None:
        await self.delivery.send_due()
