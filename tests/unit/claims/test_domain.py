from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.claims import domain
from shared.errors import BusinessRuleError


def test_excluded_categories_cannot_be_returned_but_electronics_can() -> None:
    with pytest.raises(BusinessRuleError) as error:
        domain.check_returnable("Software")
    assert error.value.code == "return_excluded_category"
    assert "oprogramowanie" in error.value.message.pl
    domain.check_returnable("drone")


def test_return_window_counts_30_days_without_the_first() -> None:
    domain.check_return_window(date(2026, 1, 1), date(2026, 1, 31))
    with pytest.raises(BusinessRuleError):
        domain.check_return_window(date(2026, 1, 1), date(2026, 2, 1))


def test_transitions_follow_the_lifecycle() -> None:
    domain.check_transition("submitted", "received", "scanner")
    domain.check_transition("submitted", "cancelled", "customer")
    for current, target, role in [
        ("received", "cancelled", "customer"),
        ("submitted", "closed", "operator"),
        ("in_inspection", "decided", "customer"),
        ("decided", "in_inspection", "operator"),
    ]:
        with pytest.raises(BusinessRuleError) as error:
            domain.check_transition(current, target, role)  # type: ignore[arg-type]
        assert error.value.status_code == 409


def test_deductions_stay_in_the_ranges_of_seed_002() -> None:
    lines, refund = domain.compute_deductions(
        Decimal("1000.00"), {"packaging": 30, "intensive_use": 20}, Decimal("50")
    )
    assert [line.amount for line in lines] == [
        Decimal("300.00"),
        Decimal("200.00"),
        Decimal("57.50"),
    ]
    assert refund == Decimal("442.50")
    with pytest.raises(BusinessRuleError):
        domain.compute_deductions(Decimal("100"), {"seals_removed": 29})
    _, nothing_left = domain.compute_deductions(Decimal("100"), {"seals_removed": 100}, Decimal(10))
    assert nothing_left == Decimal(0)


def test_attachment_type_by_content_not_by_name() -> None:
    assert domain.attachment_type(b"%PDF-1.7 ...") == "application/pdf"
    assert domain.attachment_type(b"\x89PNG\r\n\x1a\n....") == "image/png"
    assert domain.attachment_type(b"\xff\xd8\xff\xe0....") == "image/jpeg"
    with pytest.raises(BusinessRuleError) as error:
        domain.attachment_type(b"MZ\x90\x00 an executable")
    assert error.value.status_code == 415


def test_rma_number_format() -> None:
    assert domain.format_rma_number(17, 2026) == "RMA/17/SR/2026"


def _line(brand: str, category: str) -> domain.ClaimedLine:
    return domain.ClaimedLine(
        line_no=1,
        ean="6941565967251",
        sku="SKU-1",
        name="Produkt",
        brand=brand,
        category=category,
        outlet=False,
        serial_numbers=(),
        unit_price=Decimal("999.00"),
    )


def _allowed(options: dict[str, BusinessRuleError | None]) -> set[str]:
    return {claim_type for claim_type, refused in options.items() if refused is None}


def test_claim_type_options_follow_brand_buyer_category_and_return_window() -> None:
    today = date(2026, 3, 31)
    recent, old = date(2026, 3, 20), date(2026, 1, 2)
    drone = _line("DJI", "drone")
    assert _allowed(domain.claim_type_options("consumer", drone, recent, today)) == {
        "warranty",
        "non_conformity",
        "return",
        "dji",
    }
    scooter = _line("Dualtron", "scooter")
    options = domain.claim_type_options("consumer", scooter, old, today)
    assert _allowed(options) == {"warranty", "non_conformity"}
    assert options["dji"] is not None and options["dji"].code == "claim_type_dji_only"
    assert options["return"] is not None and options["return"].code == "return_window_passed"
    business = domain.claim_type_options("business", drone, recent, today)
    assert _allowed(business) == {"warranty", "dji"}
    assert business["return"] is not None
    assert business["return"].code == "claim_type_consumers_only"
    software = domain.claim_type_options("consumer", _line("Microsoft", "software"), recent, today)
    assert _allowed(software) == {"warranty", "non_conformity"}


def test_the_claim_check_refuses_what_the_options_refuse() -> None:
    today, received = date(2026, 3, 31), date(2026, 1, 2)
    scooter = _line("Kaabo", "scooter")
    for claim_type, refused in domain.claim_type_options(
        "consumer", scooter, received, today
    ).items():
        if refused is None:
            domain.check_claim_type_allowed(claim_type, "consumer", scooter, received, today)
            continue
        with pytest.raises(BusinessRuleError) as error:
            domain.check_claim_type_allowed(claim_type, "consumer", scooter, received, today)
        assert error.value.code == refused.code
