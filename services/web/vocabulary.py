"""The claims vocabulary as the web panel uses it: statuses, claim types, decisions, rejection
reasons, deductions and deadlines.

The one module of the panel that reads the claims vocabulary (shared/claims_vocabulary.py, which
the claims service publishes); which move is allowed comes with each claim (`next_statuses`).
"""

from __future__ import annotations

from collections.abc import Iterable

from services.web.i18n import N_
from shared.claims_vocabulary import (
    ACTIVE_STATUSES,
    CHARGE_KIND_NAMES_PL,
    CLAIM_STATUSES,
    CLAIM_TYPE_LABELS,
    DEADLINE_STATE_NAMES_PL,
    DEDUCTION_RANGES,
    PRICE_REDUCTION_KINDS,
    REJECTION_REASON_NAMES,
    STATUS_NAMES_PL,
    WARRANTY_VOID_REASONS,
)

# The lifecycle in its natural order (DESIGN.md), for the dashboard's groups.
STATUS_ORDER: tuple[str, ...] = CLAIM_STATUSES
STATUS_NAMES: dict[str, str] = dict(STATUS_NAMES_PL)
# The dashboard's groups, as the claims service's vocabulary says: the service still has work
# on a claim (its deadlines run), or the claim is settled (on its way back, or over).
OPEN_STATUSES = tuple(s for s in STATUS_ORDER if s in ACTIVE_STATUSES)
SETTLED_STATUSES = tuple(s for s in STATUS_ORDER if s not in ACTIVE_STATUSES)

CLAIM_TYPES: dict[str, str] = dict(CLAIM_TYPE_LABELS)
DECISIONS = {
    "repair": N_("Naprawa"),
    "replacement": N_("Wymiana na nowy"),
    "refund": N_("Zwrot pieniędzy"),
    "price_reduction": N_("Obniżenie ceny"),
    "paid_repair": N_("Odpłatna naprawa (poza gwarancją)"),
    "rejection": N_("Odrzucenie"),
    "exchange": N_("Wymiana na inny produkt (z rozliczeniem różnicy ceny)"),
}
REJECTION_REASONS: dict[str, str] = REJECTION_REASON_NAMES["pl"]
# kind: (lowest %, highest %, name)
# A price reduction's kinds of the policy, each with its range (the claims service checks it).
PRICE_REDUCTIONS: dict[str, str] = dict(PRICE_REDUCTION_KINDS)
DEDUCTIONS: dict[str, tuple[int, int, str]] = {
    kind: (low, high, name) for kind, (low, high, name) in DEDUCTION_RANGES.items()
}
DEADLINE_KINDS = {
    "complaint_answer": N_("Odpowiedź na reklamację (14 dni)"),
    "business_assessment": N_("Rozpatrzenie reklamacji firmy (30 dni)"),
    "dji_repair": N_("Naprawa DJI (60 dni roboczych)"),
    "scooter_repair": N_("Naprawa hulajnogi (30 dni)"),
    "return_refund": N_("Zwrot pieniędzy (14 dni)"),
}
# The kinds of charge an operator may add, and the reasons a unit's warranty is void (the
# claims service's vocabulary; the panel translates the Polish names).
CHARGE_KINDS: dict[str, str] = dict(CHARGE_KIND_NAMES_PL)
VOID_REASONS: dict[str, str] = {code: pl for code, (pl, _en) in WARRANTY_VOID_REASONS.items()}
# How a deadline stands, as the claims service judges it with each claim.
DEADLINE_STATES: dict[str, str] = dict(DEADLINE_STATE_NAMES_PL)
REFUND_METHODS = {
    "bank_transfer": N_("Przelew na rachunek bankowy (IBAN)"),
    "original_payment": N_("Zwrot tą samą metodą płatności"),
}
# What the claim page says of the customer's answer to each offer.
OFFER_RESPONSES: dict[tuple[str, str], str] = {
    ("price_reduction", "accepted"): N_("Klient przyjął obniżkę ceny."),
    ("price_reduction", "refused"): N_("Klient odrzucił obniżkę ceny."),
    ("paid_repair_quote", "accepted"): N_("Klient przyjął ofertę płatnej naprawy."),
    ("paid_repair_quote", "refused"): N_(
        "Klient odrzucił ofertę płatnej naprawy: produkt wraca bez naprawy."
    ),
    ("return_deductions", "accepted"): N_("Klient przyjął potrącenia: zwrot pomniejszonej kwoty."),
    ("return_deductions", "refused"): N_("Klient nie przyjął potrąceń: towar wraca do klienta."),
}
BUYER_TYPES = {"consumer": N_("konsument"), "business": N_("firma (nie konsument)")}
ATTACHMENT_PURPOSES = {
    "sales_document": N_("Dokument sprzedaży"),
    "answer": N_("Odpowiedź klienta"),
    "intake_photo": N_("Zdjęcie z przyjęcia"),
    "damage_report": N_("Protokół szkody przewoźnika"),
}

OPERATOR_TARGETS = {
    "in_inspection": N_("Rozpocznij diagnozę"),
    "awaiting_customer": N_("Poproś klienta o informacje"),
    "in_repair": N_("Rozpocznij naprawę"),
    "closed": N_("Zamknij zgłoszenie"),
}


def operator_targets(next_statuses: Iterable[str]) -> dict[str, str]:
    """The statuses an operator may move the claim to with the status form, as the claims
    service publishes them with the claim. Shipping back and refunds have their own forms
    (carrier and tracking number; amount and method)."""
    allowed = set(next_statuses)
    return {target: label for target, label in OPERATOR_TARGETS.items() if target in allowed}
