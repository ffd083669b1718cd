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

from datetime import datetime
from uuid import UUID

from shared.expiring import ExpiringEntries


class KnownNames:
    def __init__(self, max_age_seconds: float, max_entries: int = 10_000) -> None:
        self._known: ExpiringEntries[UUID, str] = ExpiringEntries(max_age_seconds, max_entries)

    def name(self, account_id: UUID, now: datetime) -> str | None:
        known = self._known.fresh(account_id, now.timestamp())
        return None if known is None else known.value

    def learned(self, account_id: UUID, name: str, now: datetime) -> None:
        self._known.learned(account_id, name, now.timestamp())
