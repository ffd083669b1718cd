"""The small engine that reads the rules table: the first matching row decides."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from services.warranty.domain.periods import last_day_of_period
from services.warranty.domain.products import (
    BuyerType,
    ClaimType,
    ProductCategory,
    normalise_brand,
)
from services.warranty.domain.rules import RULES, WarrantyRule


@dataclass(frozen=True)
class ProductPurchase:
    """What the rules need to know about one purchased product."""

    brand: str
    category: ProductCategory
    buyer: BuyerType
    sold_on: date  # the date on the proof of purchase
    delivered_on: date | None = None
    activated_on: date | None = None  # DJI outlet products
    outlet: bool = False
    registered_on: date | None = None  # scooter registration, None when not registered
    installed_by_authorised_service: bool | None = None  # scooter service parts; None: unknown
    repair_days: int = 0  # total days already spent in warranty repair
    claim_type: ClaimType | None = None  # when judged for a claim of this type

    def __post_init__(self) -> None:
        if self.repair_days < 0:
            raise ValueError("Liczba dni naprawy nie może być ujemna.")


@dataclass(frozen=True)
class WarrantyVerdict:
    rule: str  # the id of the row that decided
    starts_on: date
    ends_on: date | None  # the last covered day; None when the product has no warranty
    covered: bool  # on `checked_on`
    checked_on: date
    reason: str  # one line, Polish


def _registered_in_time(rule: WarrantyRule, purchase: ProductPurchase) -> bool:
    assert rule.registration_window is not None  # WarrantyRule checks it
    registered = purchase.registered_on
    return registered is not None and (
        purchase.sold_on
        <= registered
        <= last_day_of_period(purchase.sold_on, rule.registration_window)
    )


def matches(rule: WarrantyRule, purchase: ProductPurchase) -> bool:
    return (
        (rule.brands is None or normalise_brand(purchase.brand) in rule.brands)
        and (rule.categories is None or purchase.category in rule.categories)
        and (rule.buyer is None or purchase.buyer == rule.buyer)
        and (rule.claim_types is None or purchase.claim_type in rule.claim_types)
        and (rule.outlet is None or purchase.outlet == rule.outlet)
        and (rule.purchased_from is None or purchase.sold_on >= rule.purchased_from)
        and (rule.purchased_until is None or purchase.sold_on <= rule.purchased_until)
        and (
            rule.installed_by_authorised_service is None
            or bool(purchase.installed_by_authorised_service)
            == rule.installed_by_authorised_service
        )
        and (
            rule.registered_in_time is None
            or _registered_in_time(rule, purchase) == rule.registered_in_time
        )
    )


def find_rule(purchase: ProductPurchase, rules: Sequence[WarrantyRule] = RULES) -> WarrantyRule:
    for rule in rules:
        if matches(rule, purchase):
            return rule
    raise LookupError("the warranty rules table must end with a row without conditions")


def _start(rule: WarrantyRule, purchase: ProductPurchase) -> tuple[date, str | None]:
    """The day the period runs from, and a note when a missing date had to be replaced."""
    if rule.counted_from == "activation":
        if purchase.activated_on is not None:
            return purchase.activated_on, None
        return purchase.sold_on, "Data aktywacji nieznana: liczymy od daty sprzedaży."
    if rule.counted_from == "delivery":
        if purchase.delivered_on is not None:
            return purchase.delivered_on, None
        return purchase.sold_on, "Data wydania towaru nieznana: liczymy od daty sprzedaży."
    return purchase.sold_on, None


def _iso(day: date | None) -> str:
    return day.isoformat() if day is not None else ""


def assess(
    purchase: ProductPurchase, on: date, rules: Sequence[WarrantyRule] = RULES
) -> WarrantyVerdict:
    """Which rule covers the product, until when, and whether it is covered on `on`."""
    rule = find_rule(purchase, rules)
    starts_on, note = _start(rule, purchase)
    ends_on: date | None = None
    extension: str | None = None
    if not rule.period.is_empty:
        ends_on = last_day_of_period(starts_on, rule.period)
        if rule.extended_by_repairs and purchase.repair_days:
            ends_on += timedelta(days=purchase.repair_days)
            extension = f"Okres przedłużony o {purchase.repair_days} dni naprawy gwarancyjnej."
    window = rule.registration_window
    reason = rule.reason.format(
        period=rule.period.describe_pl(),
        until=_iso(ends_on),
        registration_window=window.describe_pl() if window is not None else "",
        purchased_from=_iso(rule.purchased_from),
        purchased_until=_iso(rule.purchased_until),
    )
    return WarrantyVerdict(
        rule=rule.rule_id,
        starts_on=starts_on,
        ends_on=ends_on,
        covered=ends_on is not None and starts_on <= on <= ends_on,
        checked_on=on,
        reason=" ".join(part for part in (reason, extension, note) if part),
    )


def assess_support_period(
    brand: str,
    category: ProductCategory,
    last_sold_on: date,
    on: date,
    *,
    outlet: bool = False,
) -> WarrantyVerdict:
    """The support-period check by EAN: the best coverage a product sold by the distributor on
    `last_sold_on` can still have on `on`.

    Nothing is known about the buyer, so the most favourable path is assumed: a consumer, a
    scooter registered on the day of purchase, a part installed by an authorised service, an
    outlet product activated and any product delivered on the day of sale.
    """
    verdict = assess(
        ProductPurchase(
            brand=brand,
            category=category,
            buyer="consumer",
            sold_on=last_sold_on,
            delivered_on=last_sold_on,
            activated_on=last_sold_on if outlet else None,
            outlet=outlet,
            registered_on=last_sold_on,
            installed_by_authorised_service=True,
        ),
        on,
    )
    prefix = f"Ostatnia sprzedaż przez dystrybutora: {last_sold_on.isoformat()}."
    return replace(verdict, reason=f"{prefix} {verdict.reason}")
