from __future__ import annotations

from datetime import date

import pytest

from services.warranty.domain.deadlines import claim_deadlines
from services.warranty.domain.ean import InvalidEan, validate_gtin13
from services.warranty.domain.eligibility import claim_type_eligibility
from services.warranty.domain.periods import add_working_days, is_working_day

D = date


def test_dji_repair_60_working_days_across_christmas_and_new_year() -> None:
    # Counted by hand: Dec 24, 25, 26, Jan 1 and Jan 6 are Polish public holidays (Christmas
    # Eve since 2025), weekends excluded: the 60th working day after 2025-12-01 is 2026-03-02.
    assert add_working_days(D(2025, 12, 1), 60) == D(2026, 3, 2)


def test_dji_repair_across_easter() -> None:
    # Easter Monday 2026 is April 6; May 1 and May 3 (a Sunday) are holidays too.
    assert not is_working_day(D(2026, 4, 6))
    assert add_working_days(D(2026, 4, 2), 2) == D(2026, 4, 7)  # Fri 3rd, (Mon 6th off), Tue 7th


def test_consumer_dji_claim_deadlines() -> None:
    deadlines = {
        d.kind: d.due_on
        for d in claim_deadlines("dji", "DJI", "consumer", D(2025, 12, 1), D(2025, 12, 1))
    }
    assert deadlines == {"complaint_answer": D(2025, 12, 15), "dji_repair": D(2026, 3, 2)}


def test_repair_deadline_is_open_until_the_parcel_arrives() -> None:
    [answer, repair] = claim_deadlines("warranty", "Kaabo", "consumer", D(2025, 6, 1), None)
    assert answer.kind == "complaint_answer" and answer.due_on == D(2025, 6, 15)
    assert repair.kind == "scooter_repair" and repair.due_on is None


def test_scooter_repair_30_days_from_acceptance_and_no_answer_deadline_for_companies() -> None:
    [repair] = claim_deadlines("warranty", "Dualtron", "business", D(2025, 6, 1), D(2025, 6, 5))
    assert (repair.kind, repair.due_on) == ("scooter_repair", D(2025, 7, 5))


def test_return_refund_14_days_from_receipt_of_the_return() -> None:
    [refund] = claim_deadlines("return", "Xiaomi", "consumer", D(2025, 6, 1), D(2025, 6, 20))
    assert (refund.kind, refund.due_on) == ("return_refund", D(2025, 7, 4))


def test_claim_types() -> None:
    today = D(2025, 6, 1)
    assert not claim_type_eligibility("dji", "Xiaomi", "consumer", today, today).allowed
    assert claim_type_eligibility("dji", "DJI", "business", today, today).allowed
    refused = claim_type_eligibility("non_conformity", "DJI", "business", today, today)
    assert not refused.allowed and "558" in refused.reason
    assert claim_type_eligibility("non_conformity", "DJI", "consumer", today, today).allowed
    assert not claim_type_eligibility("return", "DJI", "business", today, today).allowed
    assert claim_type_eligibility("warranty", "Xiaomi", "business", today, today).allowed


def test_return_window_day_30_and_day_31() -> None:
    received = D(2025, 6, 1)
    assert claim_type_eligibility("return", "X", "consumer", received, D(2025, 7, 1)).allowed
    late = claim_type_eligibility("return", "X", "consumer", received, D(2025, 7, 2))
    assert not late.allowed and "2025-07-01" in late.reason


def test_gtin13() -> None:
    assert validate_gtin13("5901234123457") == "5901234123457"
    assert validate_gtin13(" 590 1234 123457 ") == "5901234123457"
    with pytest.raises(InvalidEan, match="check digit") as error:
        validate_gtin13("5901234123458")
    assert "cyfrę kontrolną" in error.value.message_pl
    with pytest.raises(InvalidEan):
        validate_gtin13("12345")
