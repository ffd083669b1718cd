"""Which claim types a buyer may file for a product: the one owner of this rule (DESIGN.md).

The rules are data, checked in order; the first that refuses names itself and says why. The
warranty service does not decide this again: a ClaimCreated carries the rule that allowed it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import get_args

from shared.errors import BusinessRuleError, Message
from shared.events import BuyerType, ClaimType

# The shop extends the 14 legal days of withdrawal to 30 days from receipt (seed 002).
RETURN_WINDOW_DAYS = 30

# Seed 002: goods excluded from withdrawal (art. 38 of the consumer rights act), by the ERP's
# category of the product; a complaint stays possible for them.
RETURN_EXCLUDED_CATEGORIES: dict[str, str] = {
    "custom_made": "produkty wykonane na zamówienie lub spersonalizowane",
    "perishable": "towary szybko psujące się",
    "software": "rozpakowane nośniki danych i oprogramowanie",
    "digital_content": "treści cyfrowe dostarczone elektronicznie",
    "hygiene": "produkty higieniczne i bielizna",
}


@dataclass(frozen=True)
class ClaimTypeFacts:
    """What the rules look at: the buyer (from the purchase document), the product, the dates."""

    claim_type: ClaimType
    buyer_type: BuyerType
    brand: str
    category: str
    received_goods_on: date
    claimed_on: date

    @property
    def is_dji(self) -> bool:
        return self.brand.strip().lower() == "dji"


@dataclass(frozen=True)
class ClaimTypeRule:
    rule_id: str
    code: str  # the error code a refusal carries
    applies_to: frozenset[ClaimType]
    refuses: Callable[[ClaimTypeFacts], Message | None]


def _dji_only(facts: ClaimTypeFacts) -> Message | None:
    if facts.is_dji:
        return None
    return Message(
        "Zgłoszenia typu DJI służą wyłącznie do produktów marki DJI.",
        "DJI claims are only for DJI products.",
    )


def _consumers_only(facts: ClaimTypeFacts) -> Message | None:
    if facts.buyer_type == "consumer":
        return None
    return Message(
        "Reklamacja z tytułu niezgodności towaru z umową i zwrot przysługują tylko "
        "konsumentom (art. 558 § 1 Kodeksu cywilnego). Wybierz zgłoszenie gwarancyjne.",
        "Non-conformity claims and returns are for consumers only. Choose warranty.",
    )


def _returnable_category(facts: ClaimTypeFacts) -> Message | None:
    excluded = RETURN_EXCLUDED_CATEGORIES.get(facts.category.strip().lower())
    if excluded is None:
        return None
    return Message(
        f"Zwrot (odstąpienie od umowy) nie przysługuje dla tej kategorii: {excluded}. "
        "Możesz złożyć reklamację.",
        "Withdrawal does not apply to this category. You can file a complaint.",
    )


def return_window_ends(received_goods_on: date) -> date:
    # Days are counted without the first day (Civil Code art. 111 § 2).
    return received_goods_on + timedelta(days=RETURN_WINDOW_DAYS)


def _within_return_window(facts: ClaimTypeFacts) -> Message | None:
    # Withdrawing before the goods arrive is allowed too, so only the end is checked.
    if facts.claimed_on <= return_window_ends(facts.received_goods_on):
        return None
    return Message(
        "Minęło 30 dni od odbioru towaru: zwrot (odstąpienie od umowy) nie jest już "
        "możliwy. Możesz złożyć reklamację.",
        "More than 30 days have passed since delivery: a return is no longer possible.",
    )


CLAIM_TYPE_RULES: tuple[ClaimTypeRule, ...] = (
    ClaimTypeRule("dji-claims-for-dji-only", "claim_type_dji_only", frozenset({"dji"}), _dji_only),
    ClaimTypeRule(
        "consumers-only",
        "claim_type_consumers_only",
        frozenset({"non_conformity", "return"}),
        _consumers_only,
    ),
    ClaimTypeRule(
        "return-excluded-categories",
        "return_excluded_category",
        frozenset({"return"}),
        _returnable_category,
    ),
    ClaimTypeRule(
        "return-within-30-days",
        "return_window_passed",
        frozenset({"return"}),
        _within_return_window,
    ),
)

_ALLOWED_REASONS: dict[ClaimType, str] = {
    "warranty": "Reklamację gwarancyjną może złożyć każdy nabywca.",
    "non_conformity": "Rękojmia przysługuje konsumentowi.",
    "return": "Zwrot w terminie 30 dni od odbioru towaru.",
    "dji": "Produkt marki DJI.",
}


@dataclass(frozen=True)
class ClaimTypeVerdict:
    claim_type: ClaimType
    allowed: bool
    rule: str  # the id of the rule that refused, or of the last one that allowed
    reason: str  # one line, Polish
    refusal: BusinessRuleError | None = None


def claim_type_verdict(facts: ClaimTypeFacts) -> ClaimTypeVerdict:
    rule_id = f"{facts.claim_type}-open"
    for rule in CLAIM_TYPE_RULES:
        if facts.claim_type not in rule.applies_to:
            continue
        rule_id = rule.rule_id
        message = rule.refuses(facts)
        if message is not None:
            refusal = BusinessRuleError(rule.code, message, field="claim_type")
            return ClaimTypeVerdict(facts.claim_type, False, rule.rule_id, message.pl, refusal)
    return ClaimTypeVerdict(facts.claim_type, True, rule_id, _ALLOWED_REASONS[facts.claim_type])


def check_claim_type_allowed(facts: ClaimTypeFacts) -> ClaimTypeVerdict:
    """The verdict for an allowed type; raises the first rule broken."""
    verdict = claim_type_verdict(facts)
    if verdict.refusal is not None:
        raise verdict.refusal
    return verdict


def claim_type_options(
    buyer_type: BuyerType, brand: str, category: str, received_goods_on: date, today: date
) -> list[ClaimTypeVerdict]:
    """Every claim type with its verdict for this product (what the claim form offers)."""
    return [
        claim_type_verdict(
            ClaimTypeFacts(claim_type, buyer_type, brand, category, received_goods_on, today)
        )
        for claim_type in get_args(ClaimType)
    ]
