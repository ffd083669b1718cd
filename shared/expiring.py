"""Answers a process keeps for a while instead of asking the database each time: each for
`max_age` seconds from when it was learned, at most `max_entries` of them (the oldest learned go
first). The caller passes the time, from its injected clock."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True)
class Kept(Generic[V]):
    value: V
    learned_at: float


class ExpiringEntries(Generic[K, V]):
    def __init__(self, max_age: float, max_entries: int = 10_000) -> None:
        self._max_age = max_age
        self._max_entries = max_entries
        # In the order they were learned, so the first is the oldest.
        self._kept: dict[K, Kept[V]] = {}

    def fresh(self, key: K, now: float) -> Kept[V] | None:
        """What was learned of `key` less than `max_age` seconds before `now`, if anything."""
        kept = self._kept.get(key)
        if kept is None or now - kept.learned_at >= self._max_age:
            return None
        return kept

    def learned(self, key: K, value: V, now: float) -> None:
        """Keep `value` for `key` from `now` (nothing is kept when `max_age` is 0)."""
        if self._max_age <= 0:
            return
        self._kept.pop(key, None)
        self._kept[key] = Kept(value, now)
        while len(self._kept) > self._max_entries:
            del self._kept[next(iter(self._kept))]

    def forget(self, key: K) -> None:
        self._kept.pop(key, None)
