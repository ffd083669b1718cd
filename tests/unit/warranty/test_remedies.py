"""Issue 24 item 6: the remedy suggested after a repeated defect follows the claim type and the
buyer (domain.remedies), not one list for every claim."""

from __future__ import annotations

import pytest

from services.warranty.domain.passport import PastClaim, repeated_defect
from services.warranty.domain.products import CLAIM_TYPES, BuyerType, ClaimType
from services.warranty.domain.remedies import REMEDY_RULES, remedy_rule

BUYERS: tuple[BuyerType, ...] = ("consumer", "business")
CONSUMER_LAW_REMEDIES = {"replacement", "price_reduction", "refund"}
ONLY_CONSUMER_LAW = {"price_reduction", "refund"}  # what no warranty gives


# (case, claim type, buyer, brand, rule id, suggested decisions)
CASES: list[tuple[str, ClaimType, BuyerType, str, str, tuple[str, ...]]] = [
    (
        "a consumer's non-conformity claim: the consumer-law remedies",
        "non_conformity",
        "consumer",
        "Xiaomi",
        "consumer-non-conformity",
        ("replacement", "price_reduction", "refund"),
    ),
    (
        "a consumer's non-conformity claim on a DJI drone: the statute, not DJI's terms",
        "non_conformity",
        "consumer",
        "DJI",
        "consumer-non-conformity",
        ("replacement", "price_reduction", "refund"),
    ),
    ("a DJI warranty claim: repair", "warranty", "consumer", "dji ", "dji-repair", ("repair",)),
    ("the DJI claim type: repair", "dji", "consumer", "DJI", "dji-repair", ("repair",)),
    ("a business's DJI claim: repair", "dji", "business", "DJI", "dji-repair", ("repair",)),
    (
        "a scooter warranty claim: a new unit or another repair",
        "warranty",
        "consumer",
        "Kaabo",
        "warranty-repair-or-replacement",
        ("replacement", "repair"),
    ),
    (
        "a business's warranty claim: no consumer remedies",
        "warranty",
        "business",
        "Nami",
        "warranty-repair-or-replacement",
        ("replacement", "repair"),
    ),
    (
        "a business's non-conformity claim: no consumer remedies",
        "non_conformity",
        "business",
        "Xiaomi",
        "warranty-repair-or-replacement",
        ("replacement", "repair"),
    ),
    ("a return: nothing to choose", "return", "consumer", "DJI", "return-no-remedy", ()),
]


@pytest.mark.parametrize(
    ("case", "claim_type", "buyer", "brand", "rule", "decisions"),
    CASES,
    ids=[case[0] for case in CASES],
)
def test_the_suggestion_follows_the_claim_type_and_the_buyer(
    case: str,
    claim_type: ClaimType,
    buyer: BuyerType,
    brand: str,
    rule: str,
    decisions: tuple[str, ...],
) -> None:
    earlier = [PastClaim("Silnik nie działa", repaired=True)]
    flag = repeated_defect(earlier, "Silnik nie działa", remedy_rule(claim_type, buyer, brand))
    assert flag is not None
    assert (flag.remedy_rule, flag.suggested_decisions) == (rule, decisions)
    assert flag.message.endswith(flag.remedy_reason)


@pytest.mark.parametrize("claim_type", CLAIM_TYPES)
@pytest.mark.parametrize("brand", ["DJI", "Dualtron", "Xiaomi"])
def test_consumer_law_remedies_only_for_a_consumers_non_conformity_claim(
    claim_type: ClaimType, brand: str
) -> None:
    for buyer in BUYERS:
        suggested = set(remedy_rule(claim_type, buyer, brand).decisions)
        if (claim_type, buyer) == ("non_conformity", "consumer"):
            assert suggested == CONSUMER_LAW_REMEDIES
        else:
            assert not suggested & ONLY_CONSUMER_LAW, (claim_type, buyer, brand)


def test_dji_replacement_needs_the_manufacturers_written_statement() -> None:
    dji = remedy_rule("warranty", "consumer", "DJI")
    assert "replacement" not in dji.decisions
    assert "pisemnym oświadczeniem DJI, że naprawa jest niemożliwa" in dji.reason


def test_the_table_ends_with_a_catch_all_and_every_row_is_reachable() -> None:
    last = REMEDY_RULES[-1]
    assert (last.claim_types, last.buyer, last.brands) == (None, None, None)
    reached = {
        remedy_rule(claim_type, buyer, brand).rule_id
        for claim_type in CLAIM_TYPES
        for buyer in BUYERS
        for brand in ("DJI", "Kaabo", "Xiaomi")
    }
    assert reached == {rule.rule_id for rule in REMEDY_RULES}
    with pytest.raises(LookupError):
        remedy_rule("warranty", "consumer", "Xiaomi", rules=REMEDY_RULES[:-1])
