"""The credential-change check kept per process for a bounded time (shared/auth.py NotBeforeCache):
a token issued before a password change is refused at most `max_age` seconds after the change
reached the service's database, at once when this process recorded it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from uuid import UUID

from shared.auth import NotBeforeCache, Principal

ISSUED = datetime(2026, 12, 5, 20, 0, tzinfo=UTC)
CHANGED = ISSUED + timedelta(minutes=1)


class Store:
    """token_not_before as a dict, counting the questions asked of it."""

    def __init__(self) -> None:
        self.not_before: dict[UUID, datetime] = {}
        self.asked = 0

    async def fetch(self, subject: UUID) -> datetime | None:
        self.asked += 1
        return self.not_before.get(subject)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _token() -> Principal:
    return Principal(uuid.uuid4(), "customer", issued_at=ISSUED)


async def test_a_token_older_than_a_change_is_refused_once_the_kept_answer_is_max_age_old() -> None:
    store, clock, token = Store(), Clock(), _token()
    cache = NotBeforeCache(store.fetch, max_age=5.0, clock=clock)
    assert not await cache.refuses(token)

    store.not_before[token.subject] = CHANGED  # the consumer recorded the password change
    clock.now += 4.9
    assert not await cache.refuses(token)  # the answer read before the change, within bound
    clock.now += 0.1
    assert await cache.refuses(token)
    assert store.asked == 2


async def test_a_customers_requests_within_max_age_ask_the_database_once() -> None:
    store, clock, token = Store(), Clock(), _token()
    cache = NotBeforeCache(store.fetch, max_age=5.0, clock=clock)

    for _ in range(20):
        assert not await cache.refuses(token)
        clock.now += 0.2

    assert store.asked == 1


async def test_a_change_this_process_recorded_holds_at_once() -> None:
    store, clock, token = Store(), Clock(), _token()
    cache = NotBeforeCache(store.fetch, max_age=5.0, clock=clock)
    assert not await cache.refuses(token)

    store.not_before[token.subject] = CHANGED
    cache.forget(token.subject)

    assert await cache.refuses(token)


async def test_a_token_issued_after_the_change_is_accepted_and_max_age_0_asks_every_time() -> None:
    store, clock = Store(), Clock()
    newer = Principal(uuid.uuid4(), "customer", issued_at=CHANGED + timedelta(seconds=1))
    store.not_before[newer.subject] = CHANGED
    cache = NotBeforeCache(store.fetch, max_age=0.0, clock=clock)

    assert not await cache.refuses(newer)
    assert not await cache.refuses(newer)

    assert store.asked == 2


async def test_at_most_max_entries_accounts_are_kept() -> None:
    store, clock = Store(), Clock()
    cache = NotBeforeCache(store.fetch, max_age=5.0, clock=clock, max_entries=2)
    first, second, third = _token(), _token(), _token()
    for token in (first, second, third):
        await cache.refuses(token)

    await cache.refuses(third)
    await cache.refuses(second)
    assert store.asked == 3
    await cache.refuses(first)  # the oldest answer went when the third came
    assert store.asked == 4
