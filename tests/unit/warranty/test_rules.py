"""Every row of the warranty rules table, and the boundaries of each period."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.warranty.domain.engine import ProductPurchase, assess, find_rule
from services.warranty.domain.periods import Period, last_day_of_period
from services.warranty.domain.products import ProductCategory as C
from services.warranty.domain.rules import RULES

D = date


def purchase(brand: str, category: C, sold_on: date, **more: object) -> ProductPurchase:
    return ProductPurchase(
        brand=brand, category=category, buyer="consumer", sold_on=sold_on, **more
    )  # type: ignore[arg-type]


# (case, purchase, rule id, last covered day) — end dates worked out by hand.
ROWS = [
    ("DJI drone", purchase("DJI", C.DRONE, D(2025, 3, 15)), "dji-standard", D(2027, 3, 15)),
    (
        "DJI outlet counted from activation",
        purchase("DJI", C.DRONE, D(2025, 1, 10), outlet=True, activated_on=D(2025, 2, 1)),
        "dji-outlet",
        D(2027, 2, 1),
    ),
    ("DJI battery", purchase("dji", C.BATTERY, D(2025, 5, 31)), "dji-consumable", D(2026, 5, 31)),
    ("DJI cable", purchase("DJI", C.CABLE, D(2024, 2, 29)), "dji-consumable", D(2025, 2, 28)),
    ("DJI housing", purchase("DJI", C.HOUSING, D(2025, 1, 1)), "dji-consumable", D(2026, 1, 1)),
    ("DJI propeller", purchase("DJI", C.PROPELLER, D(2025, 1, 1)), "dji-consumable", D(2026, 1, 1)),
    (
        "scooter bought on 2020-02-29",
        purchase("Dualtron", C.SCOOTER, D(2020, 2, 29)),
        "scooter-until-2020-02-29",
        D(2021, 2, 28),
    ),
    (
        "scooter bought on 2020-03-01",
        purchase("Kaabo", C.SCOOTER, D(2020, 3, 1)),
        "scooter-2020-03-01-to-2021-02-28",
        D(2022, 3, 1),
    ),
    (
        "scooter bought on 2021-02-28",
        purchase("Nami", C.SCOOTER, D(2021, 2, 28)),
        "scooter-2020-03-01-to-2021-02-28",
        D(2023, 2, 28),
    ),
    (
        "scooter bought on 2021-03-01, registered on day 30",
        purchase("Dualtron", C.SCOOTER, D(2021, 3, 1), registered_on=D(2021, 3, 31)),
        "scooter-registered",
        D(2023, 3, 1),
    ),
    (
        "scooter bought on 2021-03-01, registered on day 31",
        purchase("Dualtron", C.SCOOTER, D(2021, 3, 1), registered_on=D(2021, 4, 1)),
        "scooter-unregistered",
        D(2022, 3, 1),
    ),
    (
        "scooter never registered",
        purchase("Kaabo", C.SCOOTER, D(2024, 6, 10)),
        "scooter-unregistered",
        D(2025, 6, 10),
    ),
    (
        "scooter service part installed by an authorised service",
        purchase("Dualtron", C.SCOOTER_PART, D(2025, 1, 31), installed_by_authorised_service=True),
        "scooter-service-part-authorised",
        D(2026, 1, 31),
    ),
    (
        "scooter battery, 6 months to a shorter month",
        purchase("Nami", C.SCOOTER_BATTERY, D(2025, 8, 31)),
        "scooter-battery",
        D(2026, 2, 28),
    ),
    (
        "scooter bought by a company",
        ProductPurchase(
            "Dualtron", C.SCOOTER, "business", D(2024, 5, 20), registered_on=D(2024, 5, 21)
        ),
        "scooter-business",
        D(2025, 5, 20),
    ),
    (
        "any other product, counted from delivery",
        purchase("Xiaomi", C.OTHER, D(2024, 1, 30), delivered_on=D(2024, 2, 2)),
        "statutory",
        D(2026, 2, 2),
    ),
    (
        "non-conformity claim for a DJI drone follows the statute",
        purchase("DJI", C.DRONE, D(2024, 1, 30), claim_type="non_conformity"),
        "statutory-non-conformity",
        D(2026, 1, 30),
    ),
]


@pytest.mark.parametrize(("case", "bought", "rule", "last_day"), ROWS, ids=[r[0] for r in ROWS])
def test_rule_and_last_covered_day(
    case: str, bought: ProductPurchase, rule: str, last_day: date
) -> None:
    on_last_day = assess(bought, last_day)
    assert on_last_day.rule == rule
    assert on_last_day.ends_on == last_day
    assert on_last_day.covered is True
    day_after = assess(bought, last_day + timedelta(days=1))
    assert day_after.covered is False
    assert last_day.isoformat() in on_last_day.reason


def test_every_row_of_the_table_is_exercised() -> None:
    exercised = {row[2] for row in ROWS} | {"scooter-service-part-unauthorised"}
    assert exercised == {rule.rule_id for rule in RULES}


def test_service_part_not_installed_by_an_authorised_service_has_no_warranty() -> None:
    for installed in (False, None):
        verdict = assess(
            purchase(
                "Kaabo", C.SCOOTER_PART, D(2025, 1, 1), installed_by_authorised_service=installed
            ),
            D(2025, 1, 2),
        )
        assert verdict.rule == "scooter-service-part-unauthorised"
        assert verdict.ends_on is None
        assert verdict.covered is False
        assert "nie są objęte gwarancją" in verdict.reason


def test_scooter_warranty_is_extended_by_days_in_warranty_repair() -> None:
    bought = purchase("Dualtron", C.SCOOTER, D(2024, 6, 10), repair_days=21)
    verdict = assess(bought, D(2025, 7, 1))
    assert verdict.ends_on == D(2025, 7, 1)  # 2025-06-10 + 21 days
    assert verdict.covered is True
    assert "21 dni naprawy" in verdict.reason


def test_dji_warranty_is_not_extended_by_repairs() -> None:
    verdict = assess(purchase("DJI", C.DRONE, D(2024, 6, 10), repair_days=30), D(2024, 7, 1))
    assert verdict.ends_on == D(2026, 6, 10)


def test_outlet_without_an_activation_date_counts_from_the_sale_and_says_so() -> None:
    verdict = assess(purchase("DJI", C.DRONE, D(2025, 1, 10), outlet=True), D(2025, 2, 1))
    assert verdict.rule == "dji-outlet"
    assert verdict.ends_on == D(2027, 1, 10)
    assert "aktywacji nieznana" in verdict.reason


def test_not_covered_before_the_start() -> None:
    bought = purchase("Xiaomi", C.OTHER, D(2025, 5, 10), delivered_on=D(2025, 5, 12))
    assert assess(bought, D(2025, 5, 11)).covered is False


def test_leap_day_start() -> None:
    assert last_day_of_period(D(2024, 2, 29), Period(months=12)) == D(2025, 2, 28)
    assert last_day_of_period(D(2024, 2, 29), Period(months=24)) == D(2026, 2, 28)
    assert last_day_of_period(D(2024, 2, 29), Period(months=48)) == D(2028, 2, 29)


def test_day_periods_do_not_count_the_first_day() -> None:
    assert last_day_of_period(D(2021, 3, 1), Period(days=30)) == D(2021, 3, 31)
    assert last_day_of_period(D(2025, 12, 20), Period(days=14)) == D(2026, 1, 3)


def test_a_later_sale_date_never_decides_an_earlier_period_by_mistake() -> None:
    rule = find_rule(purchase("Dualtron", C.SCOOTER, D(2021, 3, 1), registered_on=D(2021, 3, 1)))
    assert rule.rule_id == "scooter-registered"


products = st.sampled_from(
    [
        ("DJI", C.DRONE, False),
        ("DJI", C.BATTERY, False),
        ("DJI", C.DRONE, True),
        ("Dualtron", C.SCOOTER, False),
        ("Kaabo", C.SCOOTER_BATTERY, False),
        ("Nami", C.SCOOTER_PART, False),
        ("Xiaomi", C.OTHER, False),
    ]
)
sale_dates = st.dates(min_value=D(2018, 1, 1), max_value=D(2030, 12, 31))


@given(product=products, sold_on=sale_dates, buyer=st.sampled_from(["consumer", "business"]))
def test_coverage_never_ends_before_it_starts(
    product: tuple[str, C, bool], sold_on: date, buyer: str
) -> None:
    brand, category, outlet = product
    verdict = assess(ProductPurchase(brand, category, buyer, sold_on, outlet=outlet), sold_on)  # type: ignore[arg-type]
    assert verdict.ends_on is None or verdict.ends_on >= verdict.starts_on


@given(product=products, first=sale_dates, later_by=st.integers(min_value=1, max_value=2000))
def test_a_later_sale_date_never_shortens_coverage(
    product: tuple[str, C, bool], first: date, later_by: int
) -> None:
    brand, category, outlet = product
    second = first + timedelta(days=later_by)
    # Scooters registered on the day of purchase: the most favourable path on both dates.
    earlier = assess(
        ProductPurchase(brand, category, "consumer", first, outlet=outlet, registered_on=first),
        first,
    )
    later = assess(
        ProductPurchase(brand, category, "consumer", second, outlet=outlet, registered_on=second),
        second,
    )
    if earlier.ends_on is not None and later.ends_on is not None:
        assert later.ends_on >= earlier.ends_on
