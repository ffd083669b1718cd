"""Property-based tests of the engine and the period arithmetic."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from services.warranty.domain.engine import ProductPurchase, ServiceRecord, assess
from services.warranty.domain.periods import (
    Period,
    add_working_days,
    is_working_day,
    last_day_of_period,
)
from services.warranty.domain.products import (
    CLAIM_TYPES,
    WEAR_PART_NAMES,
    BuyerType,
    ProductCategory,
)

D = date
DAY = timedelta(days=1)
SCOOTER_REGIME_CHANGE = D(2021, 3, 1)  # registration starts to matter

brands = st.sampled_from(["DJI", "dji", "Dualtron", "Kaabo", "Nami", "Xiaomi", "Segway"])
categories = st.sampled_from(list(ProductCategory))
BUYERS: tuple[BuyerType, ...] = ("consumer", "business")
buyers = st.sampled_from(BUYERS)
claim_types = st.one_of(st.none(), st.sampled_from(CLAIM_TYPES))
sale_dates = st.dates(min_value=D(2017, 1, 1), max_value=D(2035, 12, 31))
offsets = st.one_of(st.none(), st.integers(min_value=0, max_value=400))
repair_days = st.integers(min_value=0, max_value=400)


def repaired(sold_on: date, days: int) -> tuple[ServiceRecord, ...]:
    """One warranty repair of `days`, handed back a month after the sale."""
    return (ServiceRecord("repair", sold_on + timedelta(days=30), days),) if days else ()


@st.composite
def purchases(draw: st.DrawFn) -> ProductPurchase:
    sold_on = draw(sale_dates)

    def after_sale(offset: int | None) -> date | None:
        return None if offset is None else sold_on + timedelta(days=offset)

    return ProductPurchase(
        brand=draw(brands),
        category=draw(categories),
        buyer=draw(buyers),
        sold_on=sold_on,
        delivered_on=after_sale(draw(offsets)),
        activated_on=after_sale(draw(offsets)),
        outlet=draw(st.booleans()),
        registered_on=after_sale(draw(offsets)),
        installed_by_authorised_service=draw(st.one_of(st.none(), st.booleans())),
        service_history=repaired(sold_on, draw(repair_days)),
        claim_type=draw(claim_types),
        claimed_wear_part=draw(st.one_of(st.none(), st.sampled_from(list(WEAR_PART_NAMES)))),
    )


@settings(max_examples=500)
@given(purchase=purchases(), on=sale_dates)
def test_coverage_never_ends_before_it_starts(purchase: ProductPurchase, on: date) -> None:
    verdict = assess(purchase, on)
    assert verdict.ends_on is None or verdict.ends_on >= verdict.starts_on


@given(purchase=purchases(), on=sale_dates)
def test_covered_exactly_between_the_first_and_the_last_day(
    purchase: ProductPurchase, on: date
) -> None:
    verdict = assess(purchase, on)
    if verdict.ends_on is None:
        assert verdict.covered is False
        return
    assert verdict.covered == (verdict.starts_on <= on <= verdict.ends_on)
    assert assess(purchase, verdict.ends_on).covered
    assert not assess(purchase, verdict.ends_on + DAY).covered
    assert verdict.ends_on.isoformat() in verdict.reason


@st.composite
def fixed_products(
    draw: st.DrawFn,
) -> tuple[ProductPurchase, int | None, int | None, int | None, int]:
    """A product with everything but the sale date fixed; dates kept as offsets from the sale."""
    template = ProductPurchase(
        brand=draw(brands),
        category=draw(categories),
        buyer=draw(buyers),
        sold_on=D(2000, 1, 1),  # replaced
        outlet=draw(st.booleans()),
        installed_by_authorised_service=draw(st.one_of(st.none(), st.booleans())),
        claim_type=draw(claim_types),
        claimed_wear_part=draw(st.one_of(st.none(), st.sampled_from(list(WEAR_PART_NAMES)))),
    )
    registration = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=90)))
    return template, registration, draw(offsets), draw(offsets), draw(repair_days)


def _sold(
    product: tuple[ProductPurchase, int | None, int | None, int | None, int], sold_on: date
) -> ProductPurchase:
    template, registration, delivery, activation, days_in_repair = product

    def after(offset: int | None) -> date | None:
        return None if offset is None else sold_on + timedelta(days=offset)

    return ProductPurchase(
        brand=template.brand,
        category=template.category,
        buyer=template.buyer,
        sold_on=sold_on,
        delivered_on=after(delivery),
        activated_on=after(activation),
        outlet=template.outlet,
        registered_on=after(registration),
        installed_by_authorised_service=template.installed_by_authorised_service,
        service_history=repaired(sold_on, days_in_repair),
        claim_type=template.claim_type,
    )


@settings(max_examples=500)
@given(product=fixed_products(), first=sale_dates, later_by=st.integers(1, 3000))
def test_a_later_sale_date_never_shortens_coverage(
    product: tuple[ProductPurchase, int | None, int | None, int | None, int],
    first: date,
    later_by: int,
) -> None:
    second = first + timedelta(days=later_by)
    registration = product[1]
    if registration is None or registration > 30:
        # The one deliberate exception: from 2021-03-01 an unregistered scooter gets 12
        # months instead of 24 (shown in the test below), so stay on one side of that day.
        assume(second < SCOOTER_REGIME_CHANGE or first >= SCOOTER_REGIME_CHANGE)
    earlier = assess(_sold(product, first), first)
    later = assess(_sold(product, second), second)
    assert (earlier.ends_on is None) == (later.ends_on is None)
    if earlier.ends_on is not None and later.ends_on is not None:
        assert later.ends_on >= earlier.ends_on


def test_the_scooter_terms_of_2021_shorten_an_unregistered_scooter() -> None:
    def ends(sold_on: date) -> date | None:
        return assess(
            ProductPurchase("Kaabo", ProductCategory.SCOOTER, "consumer", sold_on), sold_on
        ).ends_on

    assert ends(D(2021, 2, 28)) == D(2023, 2, 28)
    assert ends(D(2021, 3, 1)) == D(2022, 3, 1)


def _art_112(start: date, months: int) -> date:
    """An independent reading of art. 112 KC: the same day number, or the month's last day."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return D(year, month + 1, min(start.day, last))


@given(start=sale_dates, months=st.integers(min_value=1, max_value=60))
def test_months_follow_art_112(start: date, months: int) -> None:
    assert last_day_of_period(start, Period.of_months(months)) == _art_112(start, months)


@given(start=sale_dates, days=st.integers(min_value=1, max_value=400))
def test_days_do_not_count_the_first_day(start: date, days: int) -> None:
    assert (last_day_of_period(start, Period.of_days(days)) - start).days == days


# No deadline: the first call for a year builds its holidays (cached after), which on a busy
# machine took 370 ms and failed the run as "unreliable timings".
@settings(deadline=None)
@given(
    start=st.dates(min_value=D(2024, 1, 1), max_value=D(2030, 12, 31)),
    count=st.integers(min_value=1, max_value=80),
)
def test_working_days(start: date, count: int) -> None:
    end = add_working_days(start, count)
    assert is_working_day(end)
    between = (start + timedelta(days=n) for n in range(1, (end - start).days + 1))
    assert sum(is_working_day(day) for day in between) == count
    # Weekends stretch the span by 7/5; at most 8 weekday holidays fit in 80 working days.
    assert count <= (end - start).days <= (count + 8) * 7 // 5 + 2
