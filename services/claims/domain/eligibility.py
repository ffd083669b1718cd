"""Which claim types a buyer may file for a product: the one owner of this rule (DESIGN.md).

The rules are data, checked in order; the first that refuses names itself and says why. The
warranty service does not decide this again: a ClaimCreated carries the rule that allowed it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import get_args

from shared.brands import is_dji
from shared.errors import BusinessRuleError, Message
from shared.events import BuyerType, ClaimType

# The shop extends the 14 legal days of withdrawal to 30 days from receipt (seed 002).
RETURN_WINDOW_DAYS = 30

# Seed 002: goods excluded from withdrawal (art. 38 of the consumer rights act), by the ERP's
# category of the product; a complaint stays possible for them.
RETURN_EXCLUDED_CATEGORIES: dict[str, str] = {
    "custom_made": "produkty wykonane na zamówienie lub spersonalizowane",
    "perishable": "towary szybko psujące się",
    "digital_content": "treści cyfrowe dostarczone elektronicznie",
}
# Excluded only once opened (art. 38 pkt 5 and 9): data carriers and software once unsealed,
# hygiene goods once unpacked. The customer says whether the seal is intact; the warehouse
# confirms it at intake. Each with the rejection reason an opened one gets.
SEALED_CATEGORIES: dict[str, tuple[str, str]] = {
    "software": ("nośniki danych i oprogramowanie w zapieczętowanym opakowaniu", "media_unsealed"),
    "hygiene": ("produkty higieniczne i bielizna w zapieczętowanym opakowaniu", "hygiene_unpacked"),
}


def sealed_goods(category: str) -> bool:
    """A return of this category needs its seal intact: the claim form asks about it."""
    return category.strip().lower() in SEALED_CATEGORIES


def opened_seal_reason(category: str) -> str | None:
    """The rejection reason of a return of this category whose seal is found opened."""
    sealed = SEALED_CATEGORIES.get(category.strip().lower())
    return sealed[1] if sealed else None


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


def _complaints_of_consumers_only(facts: ClaimTypeFacts) -> Message | None:
    if facts.buyer_type == "consumer":
        return None
    return Message(
        "Reklamacja z tytułu niezgodności towaru z umową przysługuje tylko konsumentom "
        "(ustawa o prawach konsumenta); między przedsiębiorcami sklep wyłącza rękojmię "
        "(art. 558 § 1 Kodeksu cywilnego). Wybierz zgłoszenie gwarancyjne.",
        "Non-conformity claims are for consumers only. Choose warranty.",
    )


def _returns_of_consumers_only(facts: ClaimTypeFacts) -> Message | None:
    if facts.buyer_type == "consumer":
        return None
    return Message(
        "Zwrot towaru (odstąpienie od umowy w 30 dni) przysługuje według polityki zwrotów "
        "sklepu tylko konsumentom. Jeśli produkt jest wadliwy, wybierz zgłoszenie gwarancyjne.",
        "Under the shop's returns policy, returns are for consumers only. Choose warranty for "
        "a defective product.",
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


def _seal_intact(facts: ClaimTypeFacts) -> Message | None:
    sealed = SEALED_CATEGORIES.get(facts.category.strip().lower())
    if sealed is None or facts.seal_intact is not False:
        return None
    return Message(
        f"Zwrot nie przysługuje: {sealed[0]} po otwarciu opakowania nie podlegają zwrotowi. "
        "Możesz złożyć reklamację, jeśli produkt jest wadliwy.",
        "Withdrawal does not apply once the seal is opened. You can file a complaint.",
    )


def _not_activated(facts: ClaimTypeFacts) -> Message | None:
    if facts.activated_on is not None:
        what_pl, what_en = (
            f"urządzenie zostało aktywowane {facts.activated_on:%d.%m.%Y}",
            "activated",
        )
    elif facts.registered_on is not None:
        what_pl = f"urządzenie zostało zarejestrowane {facts.registered_on:%d.%m.%Y}"
        what_en = "registered"
    else:
        return None
    return Message(
        f"Zwrot nie przysługuje: {what_pl}, a to wykracza poza sprawdzenie charakteru, cech i "
        "funkcjonowania rzeczy (art. 34 ust. 4 ustawy o prawach konsumenta). Możesz złożyć "
        "reklamację, jeśli produkt jest wadliwy.",
        f"Withdrawal does not apply: the device was {what_en}, which goes beyond checking it. "
        "You can file a complaint.",
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
        frozenset({"non_conformity"}),
        _complaints_of_consumers_only,
    ),
    ClaimTypeRule(
        "returns-consumers-only",
        "claim_type_consumers_only",
        frozenset({"return"}),
        _returns_of_consumers_only,
    ),
    ClaimTypeRule(
        "return-excluded-categories",
        "return_excluded_category",
        frozenset({"return"}),
        _returnable_category,
    ),
    ClaimTypeRule(
        "return-sealed-goods-intact", "return_seal_opened", frozenset({"return"}), _seal_intact
    ),
    ClaimTypeRule(
        "return-not-activated", "return_activated_unit", frozenset({"return"}), _not_activated
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


def claim_type_options(facts: ClaimTypeFacts) -> list[ClaimTypeVerdict]:
    """Every claim type with its verdict for this product (what the claim form offers), from
    the facts known before the form is sent (`facts.claim_type` is ignored)."""
    return [
        claim_type_verdict(replace(facts, claim_type=claim_type))
        for claim_type in get_args(ClaimType)
    ]
