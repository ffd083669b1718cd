"""The deadlines of a claim; repair and refund deadlines counted from the parcel's arrival."""

from __future__ import annotations

from datetime import date

from services.warranty.domain.deadlines import claim_deadlines

D = date


def due(*args: object) -> dict[str, date | None]:
    return {d.kind: d.due_on for d in claim_deadlines(*args)}  # type: ignore[arg-type]


def test_consumer_dji_claim_across_christmas() -> None:
    # Answer: 2025-12-01 + 14 days. Repair: 60 working days counted by hand in test_periods.
    assert due("dji", "DJI", "consumer", D(2025, 12, 1), D(2025, 12, 1)) == {
        "complaint_answer": D(2025, 12, 15),
        "dji_repair": D(2026, 3, 2),
    }


def test_dji_warranty_repair_across_easter() -> None:
    assert due("warranty", "DJI", "business", D(2026, 3, 10), D(2026, 3, 16)) == {
        "business_assessment": D(2026, 4, 9),
        "dji_repair": D(2026, 6, 11),
    }


def test_repair_deadline_is_open_until_the_parcel_arrives() -> None:
    assert due("warranty", "DJI", "consumer", D(2025, 6, 1), None) == {
        "complaint_answer": D(2025, 6, 15),
        "dji_repair": None,
    }


def test_complaint_answer_across_the_year_end() -> None:
    assert due("warranty", "Xiaomi", "consumer", D(2025, 12, 20), None) == {
        "complaint_answer": D(2026, 1, 3)
    }


def test_scooter_repair_30_days_from_acceptance() -> None:
    # 2025-06-05 + 30 days: 25 days to 30 June, 5 more: 2025-07-05.
    assert due("warranty", "Kaabo", "consumer", D(2025, 6, 1), D(2025, 6, 5)) == {
        "complaint_answer": D(2025, 6, 15),
        "scooter_repair": D(2025, 7, 5),
    }
    assert due("warranty", "Dualtron", "business", D(2025, 6, 1), D(2025, 6, 5)) == {
        "business_assessment": D(2025, 7, 1),
        "scooter_repair": D(2025, 7, 5),
    }


def test_non_conformity_has_no_manufacturer_repair_deadline() -> None:
    assert due("non_conformity", "DJI", "consumer", D(2025, 6, 1), D(2025, 6, 3)) == {
        "complaint_answer": D(2025, 6, 15)
    }
    assert due("non_conformity", "Nami", "consumer", D(2025, 6, 1), D(2025, 6, 3)) == {
        "complaint_answer": D(2025, 6, 15)
    }


def test_return_refund_14_days_from_receipt_of_the_return() -> None:
    # 2025-06-20 + 14 days: 10 days to 30 June, 4 more: 2025-07-04. No complaint deadline.
    [refund] = claim_deadlines("return", "Xiaomi", "consumer", D(2025, 6, 1), D(2025, 6, 20))
    assert (refund.kind, refund.due_on) == ("return_refund", D(2025, 7, 4))
    assert "14 dni" in refund.description
    assert due("return", "DJI", "consumer", D(2025, 6, 1), None) == {"return_refund": None}


def test_descriptions_are_polish_one_liners() -> None:
    for deadline in claim_deadlines("dji", "DJI", "consumer", D(2025, 6, 1), D(2025, 6, 2)):
        assert deadline.description and "\n" not in deadline.description
    [answer, _] = claim_deadlines("dji", "DJI", "consumer", D(2025, 6, 1), D(2025, 6, 2))
    assert "art. 7a" in answer.description


def test_a_business_complaint_is_assessed_within_the_shops_30_days_not_14() -> None:
    """Issue 24: no statutory 14-day answer (art. 7a is the consumer's) for a business buyer."""
    assert due("warranty", "Xiaomi", "business", D(2026, 3, 2), None) == {
        "business_assessment": D(2026, 4, 1)
    }
    assert due("return", "Xiaomi", "business", D(2026, 3, 2), None) == {"return_refund": None}
