"""The mail sender's loop: woken by the `emails` NOTIFY a queued email sends at commit, or by
this process's consumer handing emails over (handoff.py), with a poll as a safety net; each
round is the service layer's `MailDelivery.send_due`."""

from __future__ import annotations

from typing import Any

import asyncpg

from services.notifications.delivery import MailDelivery
from services.notifications.handoff import Handoff
from shared.worker import NotifiedWorker


class MailSender(NotifiedWorker):
    def __init__(
        self, pool: asyncpg.Pool, delivery: MailDelivery, handoff: Handoff | None = None
    ) -> None:
        super().__init__(pool, channel="emails", name="mail-sender")
        self.delivery = delivery
        self._handoff = handoff
        # A NOTIFY since the last round (or none yet): the queue has emails for any sender.
        self._announced = True

    async def start(self) -> None:
        await super().start()
        if self._handoff is not None:
            self._handoff.open(wake=self._wake.set)

    async def stop(self) -> None:
        await super().stop()
        await self.delivery.marks_landed(timeout=10)
        await self.delivery.release_handed()

    def _on_notify(self, *args: Any) -> None:
        self._announced = True
        super()._on_notify(*args)

    async def work(self) -> None:
        announced, self._announced = self._announced, False
        try:
            await self.delivery.send_due(queue_announced=announced)
        except Exception:
            self._announced = True  # the next round looks at the queue again
            raise
