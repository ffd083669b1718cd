"""Which claim types a buyer may file for a product: the one owner of this rule (DESIGN.md).

The rules are data, checked in order; the first that refuses names itself and says why. The
warranty service does not decide this again: a ClaimCreated carries the rule that allowed it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import get_args

from services.claims.domain.refusals import Refusal
from shared.brands import is_dji
from shared.claims_wording import CLAIM_TYPE_ALLOWED
from shared.events import BuyerType, ClaimType

# The shop extends the 14 legal days of withdrawal to 30 days from receipt (seed 002).
RETURN_WINDOW_DAYS = 30

# Seed 002: goods excluded from withdrawal (art. 38 of the consumer rights act), by the ERP's
# category of the product; a complaint stays possible for them.
RETURN_EXCLUDED_CATEGORIES: frozenset[str] = frozenset(
    {"custom_made", "perishable", "digital_content"}
)
# Excluded only once opened (art. 38 pkt 5 and 9): data carriers and software once unsealed,
# hygiene goods once unpacked. The customer says whether the seal is intact; the warehouse
# confirms it at intake. Each with the rejection reason an opened one gets.
SEALED_CATEGORIES: dict[str, str] = {"software": "media_unsealed", "hygiene": "hygiene_unpacked"}


def sealed_goods(category: str) -> bool:
    """A return of this category needs its seal intact: the claim form asks about it."""
    return category.strip().lower() in SEALED_CATEGORIES


def opened_seal_reason(category: str) -> str | None:
    """The rejection reason of a return of this category whose seal is found opened."""
    return SEALED_CATEGORIES.get(category.strip().lower())


@dataclass(frozen=True)
class ClaimTypeFacts:
    """What the rules look at: the buyer (from the purchase document), the product, the dates."""

    claim_type: ClaimType
    buyer_type: BuyerType
    brand: str
    category: str
    received_goods_on: date
    claimed_on: date
    activated_on: date | None = None  # a DJI unit activated (the customer's word or the ERP's)
    registered_on: date | None = None  # a scooter registered with the distributor
    seal_intact: bool | None = None  # sealed goods: what the customer says (None: not said)

    @property
    def is_dji(self) -> bool:
        return is_dji(self.brand)


@dataclass(frozen=True)
class ClaimTypeRule:
    rule_id: str
    applies_to: frozenset[ClaimType]
    refuses: Callable[[ClaimTypeFacts], Refusal | None]


def _dji_only(facts: ClaimTypeFacts) -> Refusal | None:
    return None if facts.is_dji else Refusal("claim_type_dji_only", "claim_type")


def _complaints_of_consumers_only(facts: ClaimTypeFacts) -> Refusal | None:
    return (
        None
        if facts.buyer_type == "consumer"
        else Refusal("claim_type_consumers_only", "claim_type")
    )


def _returns_of_consumers_only(facts: ClaimTypeFacts) -> Refusal | None:
    if facts.buyer_type == "consumer":
        return None
    return Refusal("claim_type_consumers_only", "claim_type", variant="return")


def _returnable_category(facts: ClaimTypeFacts) -> Refusal | None:
    category = facts.category.strip().lower()
    if category not in RETURN_EXCLUDED_CATEGORIES:
        return None
    return Refusal("return_excluded_category", "claim_type", {"category": category})


def _seal_intact(facts: ClaimTypeFacts) -> Refusal | None:
    if not sealed_goods(facts.category) or facts.seal_intact is not False:
        return None
    return Refusal("return_seal_opened", "claim_type", {"category": facts.category.strip().lower()})


def _not_activated(facts: ClaimTypeFacts) -> Refusal | None:
    if facts.activated_on is not None:
        return Refusal("return_activated_unit", "claim_type", {"activated_on": facts.activated_on})
    if facts.registered_on is not None:
        return Refusal(
            "return_activated_unit",
            "claim_type",
            {"registered_on": facts.registered_on},
            variant="registered",
        )
    return None


def return_window_ends(received_goods_on: date) -> date:
    # Days are counted without the first day (Civil Code art. 111 § 2).
    return received_goods_on + timedelta(days=RETURN_WINDOW_DAYS)


def _within_return_window(facts: ClaimTypeFacts) -> Refusal | None:
    # Withdrawing before the goods arrive is allowed too, so only the end is checked.
    if facts.claimed_on <= return_window_ends(facts.received_goods_on):
        return None
    return Refusal("return_window_passed", "claim_type")


CLAIM_TYPE_RULES: tuple[ClaimTypeRule, ...] = (
    ClaimTypeRule("dji-claims-for-dji-only", frozenset({"dji"}), _dji_only),
    ClaimTypeRule("consumers-only", frozenset({"non_conformity"}), _complaints_of_consumers_only),
    ClaimTypeRule("returns-consumers-only", frozenset({"return"}), _returns_of_consumers_only),
    ClaimTypeRule("return-excluded-categories", frozenset({"return"}), _returnable_category),
    ClaimTypeRule("return-sealed-goods-intact", frozenset({"return"}), _seal_intact),
    ClaimTypeRule("return-not-activated", frozenset({"return"}), _not_activated),
    ClaimTypeRule("return-within-30-days", frozenset({"return"}), _within_return_window),
)


@dataclass(frozen=True)
class ClaimTypeVerdict:
    claim_type: ClaimType
    allowed: bool
    rule: str  # the id of the rule that refused, or of the last one that allowed
    reason: str | None  # why it is allowed: one line, Polish (a refusal says why not)
    refusal: Refusal | None = None


def claim_type_verdict(facts: ClaimTypeFacts) -> ClaimTypeVerdict:
    rule_id = f"{facts.claim_type}-open"
    for rule in CLAIM_TYPE_RULES:
        if facts.claim_type not in rule.applies_to:
            continue
        rule_id = rule.rule_id
        refusal = rule.refuses(facts)
        if refusal is not None:
            return ClaimTypeVerdict(facts.claim_type, False, rule.rule_id, None, refusal)
    allowed = CLAIM_TYPE_ALLOWED[facts.claim_type]
    return ClaimTypeVerdict(facts.claim_type, True, rule_id, allowed)


def check_claim_type_allowed(facts: ClaimTypeFacts) -> ClaimTypeVerdict:
    """The verdict for an allowed type; raises the first rule broken."""
    verdict = claim_type_verdict(facts)
    if verdict.refusal is not None:
        raise verdict.refusal
    return verdict


def claim_type_options(facts: ClaimTypeFacts) -> list[ClaimTypeVerdict]:
    """Every claim type with its verdict for this product (what the claim form offers), from
    the facts known before the form is sent (`facts.claim_type` is ignored)."""
    return [
        claim_type_verdict(replace(facts, claim_type=claim_type))
        for claim_type in get_args(ClaimType)
    ]
