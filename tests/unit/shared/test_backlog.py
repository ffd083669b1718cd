"""The window after a full batch in which batching that waits does not (shared/backlog.py)."""

from __future__ import annotations

from shared.backlog import BacklogWindow


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_window_opens_at_a_full_batch_and_closes_its_seconds_after_the_last() -> None:
    clock = Clock()
    window = BacklogWindow(full=10, seconds=1.0, clock=clock)
    window.saw(9)
    assert not window.active
    window.saw(10)
    assert window.active
    clock.now += 0.6
    window.saw(3)  # a small batch neither opens nor closes it
    assert window.active
    clock.now += 0.4
    assert not window.active
