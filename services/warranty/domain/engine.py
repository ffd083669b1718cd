"""The small engine that reads the rules table: first matching row decides."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from services.warranty.domain.periods import last_day_of_period
from services.warranty.domain.products import ProductCategory, normalise_brand
from services.warranty.domain.rules import RULES, BuyerType, WarrantyRule


@dataclass(frozen=True)
class ProductPurchase:
    """What the rules need to know about one purchased product."""

    brand: str
    category: ProductCategory
    buyer: BuyerType
    sold_on: date
    delivered_on: date | None = None
    activated_on: date | None = None
    outlet: bool = False
    registered_on: date | None = None
    installed_by_authorised_service: bool | None = None
    # Days already spent in warranty repair (extends scooter warranties).
    repair_days: int = 0
    claim_type: str | None = None


@dataclass(frozen=True)
class WarrantyVerdict:
    rule: str
    starts_on: date
    ends_on: date | None  # the last covered day; None when the product has no warranty
    covered: bool  # on the day asked about
    checked_on: date
    reason: str


def _matches(rule: WarrantyRule, purchase: ProductPurchase) -> bool:
    brand = normalise_brand(purchase.brand)
    checks = (
        rule.brands is None or brand in rule.brands,
        rule.categories is None or purchase.category in rule.categories,
        rule.claim_types is None or purchase.claim_type in rule.claim_types,
        rule.buyer is None or purchase.buyer == rule.buyer,
        rule.outlet is None or purchase.outlet == rule.outlet,
        rule.purchased_from is None or purchase.sold_on >= rule.purchased_from,
        rule.purchased_until is None or purchase.sold_on <= rule.purchased_until,
        rule.installed_by_authorised_service is None
        or bool(purchase.installed_by_authorised_service) == rule.installed_by_authorised_service,
        rule.registered_within is None
        or (
            purchase.registered_on is not None
            and purchase.sold_on
            <= purchase.registered_on
            <= last_day_of_period(purchase.sold_on, rule.registered_within)
        ),
    )
    return all(checks)


def find_rule(purchase: ProductPurchase) -> WarrantyRule:
    for rule in RULES:
        if _matches(rule, purchase):
            return rule
    raise LookupError("the rules table has no catch-all row")  # the table ends with one


def _start(rule: WarrantyRule, purchase: ProductPurchase) -> tuple[date, str]:
    if rule.counted_from == "activation":
        if purchase.activated_on is not None:
            return purchase.activated_on, ""
        return purchase.sold_on, " Data aktywacji nieznana: liczymy od daty sprzedaży."
    if rule.counted_from == "delivery" and purchase.delivered_on is not None:
        return purchase.delivered_on, ""
    return purchase.sold_on, ""


def assess(purchase: ProductPurchase, on: date) -> WarrantyVerdict:
    """Which rule covers the product, until when, and whether it is covered on `on`."""
    rule = find_rule(purchase)
    starts_on, note = _start(rule, purchase)
    if rule.period.is_empty:
        return WarrantyVerdict(rule.rule_id, starts_on, None, False, on, rule.reason + note)
    ends_on = last_day_of_period(starts_on, rule.period)
    if rule.extended_by_repairs and purchase.repair_days > 0:
        ends_on += timedelta(days=purchase.repair_days)
    reason = rule.reason.format(period=rule.period.describe_pl(), until=ends_on.isoformat())
    if rule.extended_by_repairs and purchase.repair_days > 0:
        reason += f" Przedłużona o {purchase.repair_days} dni naprawy gwarancyjnej."
    return WarrantyVerdict(
        rule=rule.rule_id,
        starts_on=starts_on,
        ends_on=ends_on,
        covered=starts_on <= on <= ends_on,
        checked_on=on,
        reason=reason + note,
    )
