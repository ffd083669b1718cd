"""When the outbox relay lingers (shared/outbox.py): while events come a few at a time, not for a
second after a round of a backlog, so a backlog's events and its end go out at once."""

from __future__ import annotations

from typing import Any, cast

from shared.outbox import OutboxRelay


class Clock:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


def relay(clock: Clock) -> OutboxRelay:
    # Deciding to linger touches neither the database nor the broker.
    return OutboxRelay(cast(Any, None), cast(Any, None), linger=0.2, clock=clock)


def test_a_relay_of_a_thin_stream_lingers() -> None:
    clock = Clock()
    lingering = relay(clock)
    assert lingering.lingers()
    for _ in range(5):
        lingering.round_published(3)
        clock.now += 0.2
        assert lingering.lingers()


def test_no_linger_for_a_second_after_a_round_of_a_backlog() -> None:
    clock = Clock()
    lingering = relay(clock)
    lingering.round_published(50)
    assert not lingering.lingers()
    clock.now += 0.5
    lingering.round_published(4)  # the backlog's end: still no linger
    assert not lingering.lingers()
    clock.now += 0.5
    assert lingering.lingers()  # a second after the backlog's last full round


def test_each_round_of_a_backlog_starts_the_second_anew() -> None:
    clock = Clock()
    lingering = relay(clock)
    lingering.round_published(400)
    clock.now += 0.9
    lingering.round_published(120)
    clock.now += 0.9
    assert not lingering.lingers()
    lingering.round_published(49)
    clock.now += 0.1
    assert lingering.lingers()
