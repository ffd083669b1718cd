"""Growing login delays: free failures, then a doubling wait up to a ceiling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.accounts.domain import PER_ACCOUNT_AND_ADDRESS, LoginThrottle, too_many_attempts

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
THROTTLE = LoginThrottle(3, timedelta(seconds=10), timedelta(minutes=5))


def test_the_free_failures_cost_nothing() -> None:
    assert THROTTLE.wait(0, None, NOW) == timedelta(0)
    assert THROTTLE.wait(2, NOW, NOW) == timedelta(0)


def test_each_further_failure_doubles_the_wait_up_to_the_ceiling() -> None:
    waits = [THROTTLE.wait(failures, NOW, NOW).total_seconds() for failures in range(3, 10)]
    assert waits == [10, 20, 40, 80, 160, 300, 300]
    assert THROTTLE.wait(10_000, NOW, NOW) == timedelta(minutes=5)


def test_the_wait_runs_from_the_last_failure() -> None:
    assert THROTTLE.wait(3, NOW - timedelta(seconds=4), NOW) == timedelta(seconds=6)
    assert THROTTLE.wait(3, NOW - timedelta(seconds=11), NOW) == timedelta(0)


def test_the_answer_says_when_to_try_again_in_polish_and_in_retry_after() -> None:
    error = too_many_attempts(PER_ACCOUNT_AND_ADDRESS.wait(5, NOW, NOW + timedelta(seconds=0.4)))
    assert error.status_code == 429
    assert error.headers == {"Retry-After": "30"}
    assert error.message.pl == "Zbyt wiele nieudanych prób logowania. Spróbuj ponownie za 30 s."
    assert too_many_attempts(timedelta(seconds=61)).message.pl.endswith("za 2 min.")
