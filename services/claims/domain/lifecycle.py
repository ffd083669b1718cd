"""The claim lifecycle as data: every allowed move, who may make it, the command of the Claim
aggregate that makes it, the events it publishes and the email the customer gets.

The lifecycle table of docs/claims.md is generated from TRANSITIONS (`python -m
services.claims.domain.lifecycle`), and a unit test fails when the two differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from services.claims.domain.refusals import Refusal
from shared import claims_vocabulary
from shared.events import ClaimStatus

Role = str  # customer | operator | scanner | system (the deadline scheduler)
# What the customer may do on the claim page: send the parcel the service waits for, cancel the
# claim before sending it, answer the service's question, accept or refuse the decision's offer.
CustomerAction = Literal["send_parcel", "cancel", "answer", "answer_offer"]

INITIAL_STATUS: ClaimStatus = "submitted"
# A claim in one of these is over: a new claim for the same serial number may be filed.
ENDED_STATUSES = claims_vocabulary.ENDED_STATUSES
# The service centre holds the product from receipt until it ships it back.
PRODUCT_AT_SERVICE: frozenset[ClaimStatus] = frozenset(
    {"received", "in_inspection", "awaiting_customer", "decided", "in_repair", "at_manufacturer"}
)


@dataclass(frozen=True)
class Transition:
    source: ClaimStatus
    target: ClaimStatus
    roles: frozenset[Role]
    command: str  # the Claim method
    events: tuple[str, ...]
    email: str  # the notifications template the customer gets
    why: str


def _t(
    source: ClaimStatus,
    target: ClaimStatus,
    roles: str,
    command: str,
    events: str,
    email: str,
    why: str,
) -> Transition:
    return Transition(
        source, target, frozenset(roles.split()), command, tuple(events.split()), email, why
    )


TRANSITIONS: tuple[Transition, ...] = (
    _t("submitted", "received", "scanner operator", "receive_parcel",
       "ParcelReceived ClaimStatusChanged", "parcel_received", "the parcel arrived"),
    _t("submitted", "cancelled", "customer operator", "cancel",
       "ClaimStatusChanged", "claim_status_changed", "before the product is sent"),
    _t("received", "in_inspection", "operator", "start_inspection",
       "ClaimStatusChanged", "claim_status_changed", "inspection starts"),
    _t("in_inspection", "awaiting_customer", "operator", "ask_customer",
       "ClaimStatusChanged", "claim_status_changed", "information is missing"),
    _t("awaiting_customer", "in_inspection", "customer operator", "answer",
       "ClaimStatusChanged", "claim_status_changed", "the customer answered"),
    _t("in_inspection", "decided", "operator", "decide",
       "ClaimStatusChanged ClaimDecided", "claim_decided", "the decision"),
    _t("decided", "in_inspection", "customer", "answer_offer",
       "ClaimOfferAnswered ClaimStatusChanged", "claim_offer_answered",
       "a price reduction refused: another remedy is due"),
    _t("decided", "in_inspection", "system", "apply_deadlines",
       "ClaimOfferExpired ClaimStatusChanged", "claim_offer_expired",
       "a price reduction left unanswered: another remedy is due"),
    _t("decided", "in_repair", "customer", "answer_offer",
       "ClaimOfferAnswered ClaimStatusChanged", "claim_offer_answered", "a paid quote accepted"),
    _t("decided", "in_repair", "operator", "start_repair",
       "ClaimStatusChanged", "claim_status_changed", "repair or replacement under way"),
    _t("decided", "shipped_back", "operator", "ship_back",
       "ClaimStatusChanged", "claim_status_changed",
       "rejected, quote refused, goods taken back, replaced or exchanged"),
    _t("in_inspection", "at_manufacturer", "operator", "send_to_manufacturer",
       "ClaimSentToManufacturer ClaimStatusChanged", "claim_sent_to_manufacturer",
       "a DJI unit goes to DJI's official service (the DJI deadline stands still)"),
    _t("in_repair", "at_manufacturer", "operator", "send_to_manufacturer",
       "ClaimSentToManufacturer ClaimStatusChanged", "claim_sent_to_manufacturer",
       "a DJI unit goes to DJI's official service for the repair"),
    _t("at_manufacturer", "in_inspection", "operator", "receive_from_manufacturer",
       "ClaimBackFromManufacturer ClaimStatusChanged", "claim_back_from_manufacturer",
       "back from DJI's service, sent during the inspection"),
    _t("at_manufacturer", "in_repair", "operator", "receive_from_manufacturer",
       "ClaimBackFromManufacturer ClaimStatusChanged", "claim_back_from_manufacturer",
       "back from DJI's service, sent during the repair"),
    _t("in_repair", "shipped_back", "operator", "ship_back",
       "ClaimStatusChanged", "claim_status_changed", "repaired"),
    _t("decided", "refunded", "operator", "record_refund",
       "ClaimRefunded ClaimStatusChanged", "claim_refunded", "refund or accepted deductions"),
    _t("shipped_back", "received", "scanner operator", "receive_parcel",
       "ParcelReceived ClaimStatusChanged", "parcel_received",
       "the customer refused the parcel: it came back"),
    _t("shipped_back", "closed", "operator", "close",
       "ClaimStatusChanged", "claim_status_changed", "the product is back with the customer"),
    _t("refunded", "closed", "operator", "close",
       "ClaimStatusChanged", "claim_status_changed", "the money is back with the customer"),
)  # fmt: skip

_BY_MOVE: dict[tuple[ClaimStatus, ClaimStatus], frozenset[Role]] = {}
for _transition in TRANSITIONS:
    _move = (_transition.source, _transition.target)
    _BY_MOVE[_move] = _BY_MOVE.get(_move, frozenset()) | _transition.roles


def allowed_roles(source: ClaimStatus, target: ClaimStatus) -> frozenset[Role]:
    return _BY_MOVE.get((source, target), frozenset())


def _moves_from(source: ClaimStatus, role: Role) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == source and role in t.roles]


def next_statuses(source: ClaimStatus, role: Role) -> list[ClaimStatus]:
    """Where `role` may move a claim in `source` (what the operator's claim page offers)."""
    return list(dict.fromkeys(t.target for t in _moves_from(source, role)))


def commands(source: ClaimStatus, role: Role) -> list[str]:
    """The commands `role` may give a claim in `source` (the table's, each once)."""
    return list(dict.fromkeys(t.command for t in _moves_from(source, role)))


def customer_actions(source: ClaimStatus, offer_awaiting_answer: bool) -> list[CustomerAction]:
    """The customer's commands from the table (the parcel is awaited in the first status; an
    offer is answered only while one awaits an answer, Claim.offer_awaiting_answer)."""
    moves = commands(source, "customer")
    actions: list[CustomerAction] = ["send_parcel"] if source == INITIAL_STATUS else []
    actions += [action for action in ("cancel", "answer") if action in moves]
    return [*actions, "answer_offer"] if offer_awaiting_answer else actions


def check_transition(current: ClaimStatus, target: ClaimStatus, role: Role) -> None:
    if role not in allowed_roles(current, target):
        raise Refusal(
            "illegal_transition", "status", {"from_status": current, "to_status": target}, 409
        )


def lifecycle_table() -> str:
    """The lifecycle table of docs/claims.md (Markdown), from TRANSITIONS."""
    rows = [
        "| from | to | who | command | events | email | when |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for t in TRANSITIONS:
        rows.append(
            f"| {t.source} | {t.target} | {', '.join(sorted(t.roles))} | `{t.command}` "
            f"| {', '.join(t.events)} | {t.email} | {t.why} |"
        )
    return "\n".join(rows)


if __name__ == "__main__":
    print(lifecycle_table())
