"""Charges to the customer: an operator adds one where its kind's rule allows it, marks it paid,
or waives it with a reason (the rules of each kind: services/claims/domain/charges.py)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from uuid import UUID, uuid4

from services.claims.domain import evidence, lifecycle
from services.claims.domain.charges import (
    ADMINISTRATIVE_FEE_FROM_RETURN,
    Charge,
    ChargeFacts,
    administrative_fee,
    check_amount,
    check_kind,
    check_reason,
    total_due,
)
from services.claims.domain.claim_state import ClaimState
from services.claims.domain.parts import Act
from services.claims.domain.refusals import Refusal
from shared.brands import is_scooter_brand
from shared.claims_wording import note
from shared.events import ClaimChargeChanged, ClaimChargeChangedData, Event


class ClaimCharges(ClaimState):
    """What the customer pays: charges added, paid, waived."""

    @property
    def accepts_charges(self) -> bool:
        """A charge is added only while the service holds the product (the operator's page
        offers the form then)."""
        return self.status in lifecycle.PRODUCT_AT_SERVICE

    def add_charge(
        self,
        act: Act,
        kind: str,
        amount: Decimal | None,
        reason: str,
        facts: ChargeFacts | None = None,
    ) -> list[Event]:
        """A charge of `kind`, due from now. The administrative fee's amount is the policy's
        (10 % of the price); every other amount is the operator's."""
        charge_kind = check_kind(kind)
        text = check_reason(reason, "reason")
        if not self.accepts_charges:
            raise Refusal("charge_not_now", "status", status_code=409)
        self._check_charge_rule(charge_kind, facts or ChargeFacts())
        money = (
            administrative_fee(self.unit_price)
            if charge_kind == "administrative_fee"
            else check_amount(amount)
        )
        charge = Charge(uuid4(), charge_kind, money, text, act.label, act.at)
        self.charges.append(charge)
        self._note(act, note("charge_added", kind=charge_kind, amount=money, reason=text))
        return [self._charge_event(act, charge)]

    def _check_charge_rule(self, kind: str, facts: ChargeFacts) -> None:
        decided = self.decision.kind if self.decision is not None else None
        match kind:
            case "reshipping" if self.outbound is None:
                raise Refusal("reshipping_not_refused", "kind", status_code=409)
            case "reshipping" if facts.transport_damage_reported or (
                evidence.transport_damage_reported(self.evidence)
            ):
                raise Refusal("reshipping_transport_damage", "kind", status_code=409)
            case "cleaning" if not evidence.found_dirty(self.evidence):
                raise Refusal("cleaning_not_dirty", "kind", status_code=409)
            case "scooter_transport" if not (
                is_scooter_brand(self.product.brand) and decided == "rejection"
            ):
                raise Refusal("scooter_transport_not_due", "kind", status_code=409)
            case "missing_equipment" if decided != "replacement":
                raise Refusal("missing_equipment_not_due", "kind", status_code=409)
            case "exchange_difference" if decided != "exchange":
                raise Refusal("exchange_difference_not_due", "kind", status_code=409)
            case "administrative_fee" if (
                self.claim_type != "return"
                or facts.returns_in_year < ADMINISTRATIVE_FEE_FROM_RETURN
            ):
                raise Refusal(
                    "administrative_fee_not_due",
                    "kind",
                    {
                        "returns": facts.returns_in_year,
                        "from_return": ADMINISTRATIVE_FEE_FROM_RETURN,
                    },
                    409,
                )

    def mark_charge_paid(self, act: Act, charge_id: UUID) -> list[Event]:
        index, charge = self._due_charge(charge_id)
        paid = replace(charge, state="paid", settled_by=act.label, settled_at=act.at)
        self.charges[index] = paid
        self._note(act, note("charge_paid", amount=paid.amount))
        return [self._charge_event(act, paid)]

    def waive_charge(self, act: Act, charge_id: UUID, reason: str) -> list[Event]:
        text = check_reason(reason, "waiver_reason")
        index, charge = self._due_charge(charge_id)
        waived = replace(
            charge, state="waived", settled_by=act.label, settled_at=act.at, waiver_reason=text
        )
        self.charges[index] = waived
        self._note(act, note("charge_waived", amount=waived.amount, reason=text))
        return [self._charge_event(act, waived)]

    def _due_charge(self, charge_id: UUID) -> tuple[int, Charge]:
        for index, charge in enumerate(self.charges):
            if charge.charge_id == charge_id:
                if charge.state != "due":
                    raise Refusal("charge_not_due", "charge_id", status_code=409)
                return index, charge
        raise Refusal("charge_unknown", "charge_id", status_code=404)

    def _charge_event(self, act: Act, charge: Charge) -> ClaimChargeChanged:
        return ClaimChargeChanged(
            **self._envelope(act),
            data=ClaimChargeChangedData(
                **self._facts(),
                charge_id=charge.charge_id,
                kind=charge.kind,
                amount=charge.amount,
                reason=charge.reason,
                state=charge.state,
                changed_at=act.at,
                changed_by=act.label,
                waiver_reason=charge.waiver_reason,
                total_due=total_due(self.charges),
            ),
        )
