"""What to suggest when a repaired defect comes back: the remedies the claim's legal ground gives
this buyer, as data, in order of precedence (the first matching row decides).

- A consumer's non-conformity claim (consumer rights act art. 43d-43e): after a failed repair the
  consumer may demand a replacement, a price reduction or withdraw (a refund). These consumer-law
  remedies are suggested for this claim type and this buyer only.
- DJI's warranty (seed 001 DJI terms): DJI repairs; a unit is replaced only on the manufacturer's
  written statement that a repair is impossible, attached to the claim. So repair is suggested.
- Any other warranty whose terms say nothing else (Civil Code art. 577 § 3): the guarantor
  removes the defect or delivers a unit free of defects; after a failed repair, a new unit
  first. That replacement is the guarantee's, for any buyer; no price reduction or refund, which
  only consumer law gives (a business buyer has no consumer remedies).
- A return (withdrawal) does not depend on a defect: there is nothing to choose.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from services.warranty.domain.products import BuyerType, ClaimType
from shared.brands import DJI, normalise_brand

# The decision kinds a suggestion may name (a subset of shared.events.DecisionKind).
Remedy = Literal["repair", "replacement", "price_reduction", "refund"]


@dataclass(frozen=True)
class RemedyRule:
    rule_id: str
    decisions: tuple[Remedy, ...]  # the first one is where the decision form starts
    reason: str  # one line, Polish, for the operator
    claim_types: frozenset[ClaimType] | None = None  # None: any
    buyer: BuyerType | None = None
    brands: frozenset[str] | None = None  # normalised (lower case)


REMEDY_RULES: tuple[RemedyRule, ...] = (
    RemedyRule(
        "return-no-remedy",
        (),
        "Zwrot (odstąpienie od umowy) nie zależy od wady: nie ma środka do wyboru, pieniądze "
        "zwracamy według zasad zwrotu.",
        claim_types=frozenset({"return"}),
    ),
    RemedyRule(
        "consumer-non-conformity",
        ("replacement", "price_reduction", "refund"),
        "Niezgodność towaru z umową mimo naprawy: konsument może żądać wymiany na nowy, "
        "obniżenia ceny albo odstąpić od umowy i otrzymać zwrot pieniędzy (ustawa o "
        "prawach konsumenta, art. 43d i 43e).",
        claim_types=frozenset({"non_conformity"}),
        buyer="consumer",
    ),
    RemedyRule(
        "dji-repair",
        ("repair",),
        "Gwarancja DJI: ponowna naprawa. Wymiana na nowy egzemplarz tylko z pisemnym "
        "oświadczeniem DJI, że naprawa jest niemożliwa, dołączonym do zgłoszenia.",
        brands=frozenset({DJI}),
    ),
    # The catch-all: remedy_rule relies on the table ending with a row without conditions.
    RemedyRule(
        "warranty-repair-or-replacement",
        ("replacement", "repair"),
        "Gwarancja: gwarant usuwa wadę albo dostarcza rzecz wolną od wad (art. 577 § 3 Kodeksu "
        "cywilnego); po nieudanej naprawie wymiana na nowy. Obniżenie ceny i zwrot pieniędzy "
        "przysługują tylko konsumentowi z tytułu niezgodności towaru z umową.",
    ),
)


def remedy_rule(
    claim_type: ClaimType,
    buyer: BuyerType,
    brand: str,
    rules: Sequence[RemedyRule] = REMEDY_RULES,
) -> RemedyRule:
    """The row that says what to suggest for this claim's legal ground and buyer."""
    for rule in rules:
        if (
            (rule.claim_types is None or claim_type in rule.claim_types)
            and (rule.buyer is None or buyer == rule.buyer)
            and (rule.brands is None or normalise_brand(brand) in rule.brands)
        ):
            return rule
    raise LookupError("the remedy rules table must end with a row without conditions")
