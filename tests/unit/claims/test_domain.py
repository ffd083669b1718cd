"""The claims domain's rules without a database: eligibility, form, deductions, lifecycle."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from services.claims.domain import decisions, eligibility, form, lifecycle
from services.claims.domain.refusals import Refusal
from services.claims.entrypoints.refusals import polish
from shared.claims_vocabulary import (
    COMPLAINT_REJECTION_REASONS,
    GUARANTEE_REJECTION_REASONS,
    REJECTION_REASON_NAMES,
)
from shared.events import BuyerType

CLAIMS_DOC = Path(__file__).parents[3] / "docs" / "claims.md"


def facts(
    claim_type: str,
    *,
    buyer: BuyerType = "consumer",
    brand: str = "DJI",
    category: str = "drone",
    received: date = date(2026, 1, 1),
    today: date = date(2026, 1, 10),
    **more: object,
) -> eligibility.ClaimTypeFacts:
    return eligibility.ClaimTypeFacts(claim_type, buyer, brand, category, received, today, **more)  # type: ignore[arg-type]


def test_excluded_categories_cannot_be_returned_but_electronics_can() -> None:
    with pytest.raises(Refusal) as error:
        eligibility.check_claim_type_allowed(facts("return", category="Custom_Made"))
    assert error.value.code == "return_excluded_category"
    assert "na zamówienie" in polish(error.value)
    assert eligibility.check_claim_type_allowed(facts("return")).allowed


@pytest.mark.parametrize("category", ["software", "Hygiene"])
def test_sealed_goods_are_returned_while_their_seal_is_intact(category: str) -> None:
    """Issue 24, item 2: data carriers, software and hygiene goods are excluded once opened,
    not as a category."""
    assert eligibility.check_claim_type_allowed(
        facts("return", category=category, seal_intact=True)
    )
    with pytest.raises(Refusal) as error:
        eligibility.check_claim_type_allowed(facts("return", category=category, seal_intact=False))
    assert error.value.code == "return_seal_opened"
    assert "reklamację" in polish(error.value)
    # The form asks first: unknown is allowed in the options, refused when filed without it.
    assert eligibility.claim_type_verdict(facts("return", category=category)).allowed
    with pytest.raises(Refusal) as asked:
        form.check_seal_declared(category, "return", None)
    assert asked.value.code == "seal_state_required"
    form.check_seal_declared(category, "warranty", None)
    form.check_seal_declared("drone", "return", None)
    assert eligibility.opened_seal_reason(category) in ("media_unsealed", "hygiene_unpacked")


def test_an_activated_or_registered_unit_cannot_be_returned() -> None:
    """Issue 24, item 3."""
    for unit in ({"activated_on": date(2026, 1, 3)}, {"registered_on": date(2026, 1, 4)}):
        verdict = eligibility.claim_type_verdict(facts("return", **unit))
        assert (verdict.allowed, verdict.rule) == (False, "return-not-activated")
        assert verdict.refusal is not None and verdict.refusal.code == "return_activated_unit"
        assert "art. 34" in polish(verdict.refusal)
        assert eligibility.claim_type_verdict(facts("warranty", **unit)).allowed


def test_a_business_buyers_return_is_refused_by_the_policy_not_the_civil_code() -> None:
    """Issue 24, item 9: art. 558 § 1 KC concerns rękojmia, not the shop's returns."""
    returned = eligibility.claim_type_verdict(facts("return", buyer="business"))
    assert (returned.allowed, returned.rule) == (False, "returns-consumers-only")
    assert returned.refusal is not None
    assert "polityki zwrotów" in polish(returned.refusal) and "558" not in polish(returned.refusal)


def test_return_window_counts_30_days_without_the_first() -> None:
    eligibility.check_claim_type_allowed(
        facts("return", received=date(2026, 1, 1), today=date(2026, 1, 31))
    )
    with pytest.raises(Refusal) as error:
        eligibility.check_claim_type_allowed(
            facts("return", received=date(2026, 1, 1), today=date(2026, 2, 1))
        )
    assert error.value.code == "return_window_passed"


def test_every_verdict_names_its_rule() -> None:
    refused = eligibility.claim_type_verdict(facts("dji", brand="Xiaomi"))
    assert (refused.allowed, refused.rule) == (False, "dji-claims-for-dji-only")
    business = eligibility.claim_type_verdict(facts("non_conformity", buyer="business"))
    assert (business.allowed, business.rule) == (False, "consumers-only")
    assert business.refusal is not None and "558" in polish(business.refusal)
    allowed = eligibility.claim_type_verdict(facts("return"))
    assert (allowed.allowed, allowed.rule) == (True, "return-within-30-days")


def _allowed(verdicts: list[eligibility.ClaimTypeVerdict]) -> set[str]:
    return {v.claim_type for v in verdicts if v.allowed}


def test_claim_type_options_follow_brand_buyer_category_and_return_window() -> None:
    today = date(2026, 3, 31)
    recent, old = date(2026, 3, 20), date(2026, 1, 2)

    def options(
        buyer: BuyerType, brand: str, category: str, received: date, today: date
    ) -> list[eligibility.ClaimTypeVerdict]:
        return eligibility.claim_type_options(
            facts(
                "warranty",
                buyer=buyer,
                brand=brand,
                category=category,
                received=received,
                today=today,
            )
        )

    assert _allowed(options("consumer", "DJI", "drone", recent, today)) == {
        "warranty", "non_conformity", "return", "dji",
    }  # fmt: skip
    scooter = {v.claim_type: v for v in options("consumer", "Dualtron", "scooter", old, today)}
    assert {t for t, v in scooter.items() if v.allowed} == {"warranty", "non_conformity"}
    assert (
        scooter["dji"].refusal is not None and scooter["dji"].refusal.code == "claim_type_dji_only"
    )
    assert scooter["return"].refusal is not None
    assert scooter["return"].refusal.code == "return_window_passed"
    assert _allowed(options("business", "DJI", "drone", recent, today)) == {"warranty", "dji"}
    custom = options("consumer", "Meble", "custom_made", recent, today)
    assert _allowed(custom) == {"warranty", "non_conformity"}


def test_the_claim_check_refuses_what_the_options_refuse() -> None:
    today, received = date(2026, 3, 31), date(2026, 1, 2)
    known = facts("warranty", brand="Kaabo", category="scooter", received=received, today=today)
    for verdict in eligibility.claim_type_options(known):
        checked = facts(
            verdict.claim_type, brand="Kaabo", category="scooter", received=received, today=today
        )
        if verdict.refusal is None:
            eligibility.check_claim_type_allowed(checked)
            continue
        with pytest.raises(Refusal) as error:
            eligibility.check_claim_type_allowed(checked)
        assert error.value.code == verdict.refusal.code


def test_deductions_stay_in_the_ranges_of_seed_002() -> None:
    lines, refund = decisions.compute_deductions(
        Decimal("1000.00"), {"packaging": 30, "intensive_use": 20}, Decimal("50")
    )
    assert [line.amount for line in lines] == [
        Decimal("300.00"),
        Decimal("200.00"),
        Decimal("57.50"),
    ]
    assert refund == Decimal("442.50")
    with pytest.raises(Refusal):
        decisions.compute_deductions(Decimal("100"), {"seals_removed": 29})
    _, nothing_left = decisions.compute_deductions(
        Decimal("100"), {"seals_removed": 100}, Decimal(10)
    )
    assert nothing_left == Decimal(0)


def test_iban_checked_with_its_digits_and_only_its_end_published() -> None:
    payment = decisions.refund_payment("bank_transfer", "PL61 1090 1014 0000 0712 1981 2874")
    assert (payment.iban, payment.account_number_ending) == (
        "PL61109010140000071219812874",
        "2874",
    )
    for wrong in ("PL61 1090 1014 0000 0712 1981 2875", "", None, "12345"):
        with pytest.raises(Refusal) as error:
            decisions.refund_payment("bank_transfer", wrong)
        assert (error.value.code, error.value.field) == ("iban_invalid", "iban")
    assert decisions.refund_payment("original_payment", None).iban is None


def test_attachment_type_by_content_not_by_name() -> None:
    assert form.attachment_type(b"%PDF-1.7 ...") == "application/pdf"
    assert form.attachment_type(b"\x89PNG\r\n\x1a\n....") == "image/png"
    assert form.attachment_type(b"\xff\xd8\xff\xe0....") == "image/jpeg"
    with pytest.raises(Refusal) as error:
        form.attachment_type(b"MZ\x90\x00 an executable")
    assert error.value.status_code == 415


def test_rma_number_format() -> None:
    assert form.format_rma_number(17, 2026) == "RMA/17/SR/2026"


def test_transitions_follow_the_lifecycle() -> None:
    lifecycle.check_transition("submitted", "received", "scanner")
    lifecycle.check_transition("submitted", "cancelled", "customer")
    lifecycle.check_transition("shipped_back", "received", "scanner")  # refused by the customer
    for current, target, role in [
        ("received", "cancelled", "customer"),
        ("awaiting_customer", "cancelled", "customer"),  # the service holds the product
        ("submitted", "closed", "operator"),
        ("in_inspection", "decided", "customer"),
        ("decided", "in_inspection", "operator"),
    ]:
        with pytest.raises(Refusal) as error:
            lifecycle.check_transition(current, target, role)  # type: ignore[arg-type]
        assert error.value.status_code == 409
    assert lifecycle.next_statuses("decided", "operator") == [
        "in_repair",
        "shipped_back",
        "refunded",
    ]


def test_the_documented_lifecycle_table_is_the_transition_table() -> None:
    """docs/claims.md shows the aggregate's own table: regenerate it with
    `python -m services.claims.domain.lifecycle` when the lifecycle changes."""
    assert lifecycle.lifecycle_table() in CLAIMS_DOC.read_text(encoding="utf-8")


def test_an_activation_date_is_neither_before_the_sale_nor_ahead() -> None:
    sold, today = date(2026, 3, 10), date(2026, 11, 30)
    given = form.UnitDetails(activated_on=date(2026, 3, 9))
    with pytest.raises(Refusal) as before:
        form.check_unit_details(given, sold, today)
    assert (before.value.code, before.value.field) == ("activation_before_sale", "activated_on")
    with pytest.raises(Refusal) as ahead:
        form.check_unit_details(form.UnitDetails(activated_on=date(2026, 12, 1)), sold, today)
    assert ahead.value.code == "activation_in_future"
    kept = form.check_unit_details(
        form.UnitDetails(True, "  Serwis Hulajnóg Rybnik ", date(2026, 3, 10)), sold, today
    )
    assert kept == form.UnitDetails(True, "Serwis Hulajnóg Rybnik", date(2026, 3, 10))


def test_days_left_and_risk_of_a_deadline_are_the_claims_domains() -> None:
    """Issue 26: the web panel shows them; it no longer counts them again."""
    from services.claims.domain.deadlines import DeadlineStanding

    friday = date(2026, 3, 6)

    def standing(state: str, due: date | None, overdue: bool = False) -> DeadlineStanding:
        return DeadlineStanding("complaint_answer", "", due, due, 0, state, overdue)  # type: ignore[arg-type]

    # Tuesday: Wednesday, Thursday, Friday left (3 working days): at risk.
    running = standing("running", friday)
    assert (running.days_left(date(2026, 3, 3)), running.at_risk(date(2026, 3, 3))) == (3, True)
    # The Friday before: the following Friday is 5 working days away.
    week = standing("running", date(2026, 3, 13))
    assert (week.days_left(friday), week.at_risk(friday)) == (7, False)
    late = standing("deemed_accepted", friday, overdue=True)
    assert (late.days_left(date(2026, 3, 8)), late.at_risk(date(2026, 3, 8))) == (-2, True)
    kept = standing("kept", friday)
    assert (kept.days_left(friday), kept.at_risk(friday)) == (None, False)
    waiting = standing("waiting_for_receipt", None)
    assert (waiting.days_left(friday), waiting.at_risk(friday)) == (None, False)


# --- the guarantors' exclusions (issue 25, item 4) ----------------------------------------------


@pytest.mark.parametrize("claim_type", ["warranty", "dji"])
def test_a_guarantee_may_be_refused_for_an_exclusion_of_its_terms(claim_type: str) -> None:
    decisions.check_rejection_reason(
        claim_type, "low_battery", "Lot przy 5 % akumulatora mimo ostrzeżeń aplikacji."
    )


def test_a_statutory_complaint_is_not_refused_for_a_guarantees_exclusion() -> None:
    with pytest.raises(Refusal) as refused:
        decisions.check_rejection_reason(
            "non_conformity", "weather_exposure", "Ślady wody wewnątrz obudowy urządzenia."
        )
    assert refused.value.code == "rejection_reason_unknown"


def test_every_exclusion_has_its_words_in_polish_and_english() -> None:
    exclusions = set(GUARANTEE_REJECTION_REASONS) - set(COMPLAINT_REJECTION_REASONS)
    assert {"weather_exposure", "signal_interference", "overweight", "low_battery",
            "third_party_parts", "cold_operation", "range_loss"} == exclusions  # fmt: skip
    for code in exclusions:
        assert REJECTION_REASON_NAMES["pl"][code] and REJECTION_REASON_NAMES["en"][code]
