"""Customers' names as this process last knew them.

A claim's emails greet the customer and its label names the sender, but claim events carry no
name: notifications keeps the names account events told it (the `customers` table), and asked
the database for the name once per email, in the consumer's transaction (a round trip per email,
a twentieth of the service's busy time when profiled; issue 27). A name is set when the account
is registered and only repeated by the account's later events, so each process keeps the names
it read or recorded for `max_age_seconds`: one recorded by this process is known at once, one
recorded through another instance at most that long after (none is changed today). Names not
found are not kept: the account's event may not have arrived yet. At most `max_entries` are kept,
the oldest going first.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID


class KnownNames:
    def __init__(self, max_age_seconds: float, max_entries: int = 10_000) -> None:
        self._max_age = timedelta(seconds=max_age_seconds)
        self._max_entries = max_entries
        # account -> (name, when it was read or recorded), in that order.
        self._known: dict[UUID, tuple[str, datetime]] = {}

    def name(self, account_id: UUID, now: datetime) -> str | None:
        known = self._known.get(account_id)
        if known is None or now - known[1] >= self._max_age:
            return None
        return known[0]

    def learned(self, account_id: UUID, name: str, now: datetime) -> None:
        if self._max_age <= timedelta(0):
            return
        self._known.pop(account_id, None)
        self._known[account_id] = (name, now)
        while len(self._known) > self._max_entries:
            del self._known[next(iter(self._known))]
