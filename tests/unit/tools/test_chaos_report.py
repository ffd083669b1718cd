"""The chaos report (tools/chaos_parts.py): a key sent again that got another claim fails the
run, and the table says how many keys were sent again."""

from __future__ import annotations

from tools.chaos_parts import Report


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
    assert "keys sent again: other answer" in header and rule.count("---") == 13
    assert "| 3 | 0 of 40 |" in burst and "| 0 | - |" in other
