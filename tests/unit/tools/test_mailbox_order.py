"""Mailbox listings (the tests' and the bench's) run oldest first, by when Mailpit received each."""

from __future__ import annotations

from tools.support.mailbox import oldest_first


def entry(message_id: str, received_at: str) -> dict[str, str]:
    return {"id": message_id, "received_at": received_at}


def test_received_times_are_compared_as_times_not_as_their_text() -> None:
    # Mailpit's times drop trailing zeros: 22.6 s is 22.600, before 22.646 and 22.65.
    listing = [
        entry("c", "2026-12-02T21:02:22.65Z"),
        entry("b", "2026-12-02T21:02:22.646Z"),
        entry("a", "2026-12-02T21:02:22.6Z"),
        entry("d", "2026-12-02T21:02:23Z"),
        entry("e", "2026-12-02T22:02:23.5+01:00"),
    ]
    assert [e["id"] for e in oldest_first(listing)] == ["a", "b", "c", "d", "e"]
