"""The small engine that reads the rules table: the first matching row decides."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Literal

from services.warranty.domain.periods import last_day_of_period
from services.warranty.domain.products import WEAR_PART_NAMES, BuyerType, ClaimType, ProductCategory
from services.warranty.domain.rules import (
    AFTER_SERVICE_RULES,
    RULES,
    AfterServiceRule,
    ServiceCase,
    WarrantyRule,
)
from shared.brands import normalise_brand
from shared.claims_vocabulary import WARRANTY_VOID_REASONS

# What a verdict's first day is: the sale or delivery date, an outlet product's activation date
# (from the sales document or from the claim), the hand-back after a replacement or a
# substantial repair, or the day a replacement not yet handed back was issued.
StartedFrom = Literal[
    "sale",
    "delivery",
    "activation_from_sale",
    "activation_from_claim",
    "hand_back",
    "replacement_issued",
]


@dataclass(frozen=True)
class ServiceRecord:
    """A finished warranty repair or replacement of this unit."""

    case: ServiceCase
    # The day the unit (or its replacement) was shipped back to the buyer; for a replacement
    # not yet shipped ("replacement_unit_pending"), the day it was issued.
    handed_back_on: date
    days_out_of_use: int = 0  # days the buyer could not use the product
    part: str | None = None  # the replaced part (case "part_replaced")

    def __post_init__(self) -> None:
        if self.days_out_of_use < 0:
            raise ValueError("Liczba dni naprawy nie może być ujemna.")


@dataclass(frozen=True)
class WarrantyVoid:
    """An operator's finding, on a claim, that this unit's warranty is void."""

    reason: str  # a code of shared.claims_vocabulary.WARRANTY_VOID_REASONS
    marked_on: date
    rma_number: str  # the claim it was found on

    @property
    def reason_pl(self) -> str:
        return WARRANTY_VOID_REASONS.get(self.reason, (self.reason, self.reason))[0]


@dataclass(frozen=True)
class ProductPurchase:
    """What the rules need to know about one purchased product."""

    brand: str
    category: ProductCategory
    buyer: BuyerType
    sold_on: date  # the date on the proof of purchase
    delivered_on: date | None = None
    activated_on: date | None = None  # DJI outlet products: from the sales document
    activation_claimed_on: date | None = None  # DJI outlet products: as the customer gave it
    outlet: bool = False
    registered_on: date | None = None  # scooter registration, None when not registered
    installed_by_authorised_service: bool | None = None  # scooter service parts; None: unknown
    installing_service_name: str | None = None
    # Warranty repairs and replacements of this unit; a replacement unit's history starts with
    # its own "replacement_unit" record.
    service_history: tuple[ServiceRecord, ...] = ()
    claimed_part: str | None = None  # the claim concerns this (earlier replaced) part
    claim_type: ClaimType | None = None  # when judged for a claim of this type
    # The wear part (a battery, propeller...) the claim's problem concerns, by the product's
    # problem list: judged at that part's period even when it came in a kit or a scooter.
    claimed_wear_part: ProductCategory | None = None
    warranty_void: WarrantyVoid | None = None  # the unit's warranty marked void

    @property
    def judged_category(self) -> ProductCategory:
        """What the rules judge: the claimed wear part, or else the product as sold."""
        return self.claimed_wear_part or self.category


@dataclass(frozen=True)
class WarrantyVerdict:
    rule: str  # the id of the row that decided
    starts_on: date
    ends_on: date | None  # the last covered day; None when the product has no warranty
    covered: bool  # on `checked_on`
    checked_on: date
    reason: str  # one line, Polish
    started_from: StartedFrom = "sale"
    after_service_rules: tuple[str, ...] = ()  # the art. 581 §1 (or brand) rows that applied


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
        and (rule.categories is None or purchase.judged_category in rule.categories)
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
            rule.warranty_void is None or (purchase.warranty_void is not None) == rule.warranty_void
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


def _activation_start(purchase: ProductPurchase, on: date) -> tuple[date, StartedFrom, str]:
    """Seed 001: outlet products count from activation; the sales document's date comes first,
    then the customer's, if it is neither before the sale nor after the claim."""
    if purchase.activated_on is not None:
        day = purchase.activated_on.isoformat()
        return (
            purchase.activated_on,
            "activation_from_sale",
            f"Data aktywacji {day} z dokumentu sprzedaży.",
        )
    claimed = purchase.activation_claimed_on
    if claimed is None:
        return purchase.sold_on, "sale", "Data aktywacji nieznana: liczymy od daty sprzedaży."
    if claimed < purchase.sold_on:
        problem = "jest wcześniejsza niż data sprzedaży"
    elif claimed > on:
        problem = "jest z przyszłości"
    else:
        return (
            claimed,
            "activation_from_claim",
            f"Data aktywacji {claimed.isoformat()} podana w zgłoszeniu.",
        )
    return (
        purchase.sold_on,
        "sale",
        f"Podana data aktywacji {claimed.isoformat()} {problem}: liczymy od daty sprzedaży.",
    )


def _start(
    rule: WarrantyRule, purchase: ProductPurchase, on: date
) -> tuple[date, StartedFrom, str | None]:
    """The day the period runs from, what that day is, and a note on where it came from."""
    if rule.counted_from == "activation":
        return _activation_start(purchase, on)
    if rule.counted_from == "delivery":
        if purchase.delivered_on is not None:
            return purchase.delivered_on, "delivery", None
        return (
            purchase.sold_on,
            "sale",
            "Data wydania towaru nieznana: liczymy od daty sprzedaży.",
        )
    return purchase.sold_on, "sale", None


def _iso(day: date | None) -> str:
    return day.isoformat() if day is not None else ""


def after_service_rule(
    rule: WarrantyRule, case: ServiceCase, rows: Sequence[AfterServiceRule] = AFTER_SERVICE_RULES
) -> AfterServiceRule | None:
    """The row of art. 581 §1 (or of the brand's terms) for `case`; None: nothing changes."""
    for row in rows:
        if case in row.cases and rule.after_service in row.applies_to:
            return row
    return None


@dataclass
class _Period:
    """A warranty period as repairs and replacements move it (internal to `assess`)."""

    starts_on: date
    ends_on: date
    started_from: StartedFrom
    restarted_by: tuple[AfterServiceRule, date] | None = None
    extension: AfterServiceRule | None = None
    days_out_of_use: int = 0
    parts: list[tuple[AfterServiceRule, ServiceRecord, date]] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)


def _apply_service(rule: WarrantyRule, period: _Period, record: ServiceRecord) -> None:
    row = after_service_rule(rule, record.case)
    if row is None:
        return
    period.applied.append(row.rule_id)
    if row.effect == "anew":
        period.starts_on = record.handed_back_on
        period.ends_on = last_day_of_period(record.handed_back_on, rule.period)
        period.started_from = row.anew_from
        period.restarted_by = (row, record.handed_back_on)
        period.extension, period.days_out_of_use, period.parts = None, 0, []
        return
    period.ends_on += timedelta(days=record.days_out_of_use)
    period.days_out_of_use += record.days_out_of_use
    if row.effect == "part_anew":
        part_until = last_day_of_period(record.handed_back_on, rule.period)
        period.parts.append((row, record, part_until))
    if record.days_out_of_use:
        # The rest of a product whose part was replaced is extended like after any repair.
        period.extension = row if row.effect == "extend" else after_service_rule(rule, "repair")


def _claimed_part_until(period: _Period, claimed_part: str | None) -> date | None:
    if claimed_part is None:
        return None
    wanted = claimed_part.strip().casefold()
    ends = [until for _, record, until in period.parts if (record.part or "").casefold() == wanted]
    return max(ends, default=None)


def _service_notes(rule: WarrantyRule, period: _Period, ends_on: date) -> list[str]:
    values = {"period": rule.period.describe_pl(), "until": ends_on.isoformat()}
    notes: list[str] = []
    if period.restarted_by is not None:
        row, handed_back_on = period.restarted_by
        notes.append(row.reason.format(**values, handed_back_on=handed_back_on.isoformat()))
    if period.extension is not None and period.days_out_of_use:
        notes.append(period.extension.reason.format(**values, days=period.days_out_of_use))
    for row, record, part_until in period.parts:
        notes.append(
            row.reason.format(
                **values,
                part=record.part or "część",
                handed_back_on=record.handed_back_on.isoformat(),
                part_until=part_until.isoformat(),
            )
        )
    return notes


def _installer_note(rule: WarrantyRule, purchase: ProductPurchase) -> str | None:
    if rule.installed_by_authorised_service and purchase.installing_service_name:
        return f"Część zamontował autoryzowany serwis: {purchase.installing_service_name.strip()}."
    return None


def _wear_part_note(rule: WarrantyRule, purchase: ProductPurchase) -> str | None:
    """Said when a part's own row judged a claim for a product sold as a kit or a scooter."""
    part = purchase.claimed_wear_part
    if part is None or part == purchase.category or rule.categories is None:
        return None
    if part not in rule.categories:
        return None
    return (
        f"Zgłoszony problem dotyczy części podlegającej zużyciu ({WEAR_PART_NAMES[part]}): "
        "ma ona własny okres gwarancji także wtedy, gdy była częścią zestawu lub pojazdu."
    )


def _void_values(void: WarrantyVoid | None) -> dict[str, str]:
    """What a reason template may say of the unit's void mark."""
    if void is None:
        return {"void_reason": "", "void_marked_on": "", "void_rma_number": ""}
    return {
        "void_reason": void.reason_pl.rstrip("."),
        "void_marked_on": void.marked_on.isoformat(),
        "void_rma_number": void.rma_number,
    }


def assess(
    purchase: ProductPurchase, on: date, rules: Sequence[WarrantyRule] = RULES
) -> WarrantyVerdict:
    """Which rule covers the product, until when, and whether it is covered on `on`."""
    rule = find_rule(purchase, rules)
    starts_on, started_from, note = _start(rule, purchase, on)
    window = rule.registration_window
    values = {
        "period": rule.period.describe_pl(),
        "registration_window": window.describe_pl() if window is not None else "",
        "purchased_from": _iso(rule.purchased_from),
        "purchased_until": _iso(rule.purchased_until),
        **_void_values(purchase.warranty_void),
    }
    if rule.period.is_empty:
        reason = rule.reason.format(**values, until="")
        return WarrantyVerdict(rule.rule_id, starts_on, None, False, on, reason, started_from)
    period = _Period(starts_on, last_day_of_period(starts_on, rule.period), started_from)
    for record in sorted(purchase.service_history, key=lambda r: r.handed_back_on):
        _apply_service(rule, period, record)
    ends_on = max(period.ends_on, _claimed_part_until(period, purchase.claimed_part) or date.min)
    notes = _service_notes(rule, period, ends_on)
    if period.restarted_by is not None:
        parts = notes  # the unit's period began anew: the sale no longer matters
    else:
        parts = [
            _wear_part_note(rule, purchase) or "",
            rule.reason.format(**values, until=ends_on.isoformat()),
            *notes,
            note or "",
        ]
    return WarrantyVerdict(
        rule=rule.rule_id,
        starts_on=period.starts_on,
        ends_on=ends_on,
        covered=period.starts_on <= on <= ends_on,
        checked_on=on,
        reason=" ".join(part for part in (*parts, _installer_note(rule, purchase)) if part),
        started_from=period.started_from,
        after_service_rules=tuple(period.applied),
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
