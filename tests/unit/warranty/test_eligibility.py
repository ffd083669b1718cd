"""Which claim types a buyer may file (DESIGN.md, seed 001 §17, seed 002)."""

from __future__ import annotations

from datetime import date

import pytest

from services.warranty.domain.eligibility import Eligibility, claim_type_eligibility
from services.warranty.domain.products import BuyerType

D = date
TODAY = D(2025, 6, 1)


def test_dji_claims_only_for_dji_products() -> None:
    assert claim_type_eligibility("dji", "Xiaomi", "consumer", TODAY, TODAY) == Eligibility(
        False,
        "dji-claims-for-dji-only",
        "Zgłoszenie typu DJI przysługuje tylko dla produktów marki DJI.",
    )
    assert not claim_type_eligibility("dji", "Dualtron", "consumer", TODAY, TODAY).allowed
    assert claim_type_eligibility("dji", " dji ", "consumer", TODAY, TODAY).allowed
    assert claim_type_eligibility("dji", "DJI", "business", TODAY, TODAY).allowed


def test_non_conformity_is_refused_to_business_buyers() -> None:
    refused = claim_type_eligibility("non_conformity", "DJI", "business", TODAY, TODAY)
    assert not refused.allowed
    assert refused.rule == "non-conformity-consumers-only"
    assert "art. 558 § 1 Kodeksu cywilnego" in refused.reason
    assert claim_type_eligibility("non_conformity", "DJI", "consumer", TODAY, TODAY).allowed


def test_returns_only_for_consumers() -> None:
    refused = claim_type_eligibility("return", "Xiaomi", "business", TODAY, TODAY)
    assert (refused.allowed, refused.rule) == (False, "return-consumers-only")


def test_return_window_day_30_allowed_day_31_refused() -> None:
    received = D(2025, 6, 1)  # day 30 is 2025-07-01 (the day of receipt is not counted)
    on_day_30 = claim_type_eligibility("return", "Xiaomi", "consumer", received, D(2025, 7, 1))
    assert on_day_30 == Eligibility(
        True,
        "return-within-30-days",
        "Zwrot w terminie 30 dni od odbioru towaru (do 2025-07-01 włącznie).",
    )
    on_day_31 = claim_type_eligibility("return", "Xiaomi", "consumer", received, D(2025, 7, 2))
    assert on_day_31 == Eligibility(
        False,
        "return-within-30-days",
        "Termin zwrotu (30 dni od odbioru towaru) upłynął 2025-07-01.",
    )


def test_return_window_across_a_leap_february() -> None:
    received = D(2024, 2, 10)  # 19 days to 29 February, 11 more: 2024-03-11
    assert claim_type_eligibility("return", "X", "consumer", received, D(2024, 3, 11)).allowed
    assert not claim_type_eligibility("return", "X", "consumer", received, D(2024, 3, 12)).allowed


def test_return_on_the_day_of_receipt_or_before_it() -> None:
    received = D(2025, 6, 10)
    assert claim_type_eligibility("return", "X", "consumer", received, received).allowed
    assert claim_type_eligibility("return", "X", "consumer", received, D(2025, 6, 8)).allowed


def test_warranty_claims_for_any_buyer() -> None:
    buyers: tuple[BuyerType, ...] = ("consumer", "business")
    for buyer in buyers:
        verdict = claim_type_eligibility("warranty", "Xiaomi", buyer, TODAY, TODAY)
        assert (verdict.allowed, verdict.rule) == (True, "warranty-any-buyer")


def test_unknown_claim_type() -> None:
    with pytest.raises(ValueError):
        claim_type_eligibility("exchange", "DJI", "consumer", TODAY, TODAY)  # type: ignore[arg-type]
