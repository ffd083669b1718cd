"""The chaos report (tools/chaos_parts.py): a key sent again that got another claim fails the
run, and the table says how many keys were sent again; after the long SMTP refusal, the last
e-mail's delay after the server's return is measured and held to its limit."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

from tools.chaos import OUTAGE_PHASE, chosen_by, phases, write
from tools.chaos_parts import ClaimCounts, Pipeline, Report, last_arrival_after

BACK = datetime(2026, 12, 5, 18, 0, tzinfo=UTC)


def report(**changes: object) -> Report:
    fields: dict[str, object] = {
        "phase": "kill -9 claims during a burst (4x), keys retried",
        "filed": 40,
        "acknowledged": 40,
        "stored": 40,
        "claim_created": 40,
        "warranty_assessed": 40,
        "emails_expected": 80,
        "emails_arrived": 80,
        "emails_per_message_id_max": 1,
        "lost": 0,
        "duplicated": 0,
        "repeats_allowed": 0,
        "recovery_seconds": 9.5,
        "unanswered": 0,
        "refused": [],
        **changes,
    }
    return Report(**fields)  # type: ignore[arg-type]


def test_a_key_sent_again_answered_with_another_claim_is_a_problem() -> None:
    assert report(keys_resent=40).problems() == []
    [problem] = report(keys_resent=40, resent_other_answer=2).problems()
    assert "2 of 40 keys sent again" in problem


def test_a_second_claim_stored_for_a_retried_key_is_a_problem() -> None:
    [problem] = report(stored_unacknowledged=1).problems()
    assert "1 claims stored, not acknowledged" in problem


def test_the_table_shows_the_keys_sent_again_only_where_they_were() -> None:
    table = Report.table(
        [report(keys_resent=40, retries_replayed=3), report(phase="kill -9 accounts")]
    )
    header, rule, burst, other = table.splitlines()
    assert "keys sent again: other answer" in header and rule.count("---") == 14
    assert "| 3 | 0 of 40 | - |" in burst and "| 0 | - | - |" in other


def arrived(*seconds_after_return: float) -> ClaimCounts:
    at = {f"<e{i}@x>": BACK + timedelta(seconds=s) for i, s in enumerate(seconds_after_return)}
    return ClaimCounts(arrived_at=at)


def test_the_delay_after_the_return_is_the_latest_first_copy_of_any_claims_email() -> None:
    claims = [arrived(-200.0, 3.25), arrived(-10.0, 27.96), arrived(-1.0)]
    assert last_arrival_after(claims, BACK) == 28.0


def test_emails_that_came_before_the_return_count_as_no_delay() -> None:
    assert last_arrival_after([arrived(-120.0, -4.0)], BACK) == 0.0


def test_without_a_return_or_any_email_there_is_no_delay() -> None:
    assert last_arrival_after([arrived(5.0)], None) is None
    assert last_arrival_after([ClaimCounts()], BACK) is None


def test_an_email_later_than_the_limit_after_the_return_is_a_problem() -> None:
    in_time = report(last_email_after_return_seconds=29.9, after_return_limit_seconds=30)
    assert in_time.problems() == []
    [late] = report(last_email_after_return_seconds=31.4, after_return_limit_seconds=30).problems()
    assert "31.4 s after the SMTP server's return (at most 30 s)" in late
    [none] = report(after_return_limit_seconds=30).problems()
    assert "None s after" in none
    assert report(last_email_after_return_seconds=300.0).problems() == []  # no promise made


def test_the_table_shows_the_delay_after_the_return() -> None:
    [_, _, row] = Report.table([report(last_email_after_return_seconds=12.5)]).splitlines()
    assert row.endswith("| - | 12.5 | 9.5 |")


def test_only_picks_the_phases_named_by_any_of_its_texts() -> None:
    burst = "kill -9 claims during a burst (4x), keys retried"
    outage = OUTAGE_PHASE
    assert chosen_by("burst|5 min", burst) and chosen_by("burst|5 min", outage)
    assert chosen_by("burst", burst) and not chosen_by("burst", outage)
    assert not chosen_by("accounts|", burst)


def test_the_long_smtp_refusal_runs_in_the_full_run_on_production_backoff_never_in_cis() -> None:
    pipeline = cast(Pipeline, object())  # building the phases touches nothing
    [outage] = [p for p in phases(pipeline, short=False) if p.name == OUTAGE_PHASE]
    assert outage.production_backoff
    assert all(not p.production_backoff for p in phases(pipeline, short=True))
    assert OUTAGE_PHASE not in [p.name for p in phases(pipeline, short=True)]


def test_the_written_report_says_the_machines_load_at_the_end(tmp_path: Path) -> None:
    text = write(tmp_path, [report()], [], load=(17.25, 14.0, 9.5))
    assert text.splitlines()[-1].startswith("Load average at the end: 17.2, 14.0, 9.5 on ")
    written = json.loads((tmp_path / "report.json").read_text())
    assert written["machine"]["load_average_at_end"] == [17.25, 14.0, 9.5]
    assert (tmp_path / "report.md").read_text() == text + "\n"
