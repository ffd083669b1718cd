"""After the decision: the repair, the replacement unit, the shipment back, the refund, closing."""

from __future__ import annotations

from decimal import Decimal

from services.claims.domain import decisions
from services.claims.domain.charges import total_due
from services.claims.domain.claim_state import ClaimState
from services.claims.domain.decisions import RefundPayment
from services.claims.domain.parts import (
    Act,
    Decision,
    Refund,
    Replacement,
    Shipment,
)
from services.claims.domain.refusals import Refusal
from shared.claims_wording import note
from shared.events import (
    ClaimRefunded,
    ClaimRefundedData,
    ClaimReplacementIssued,
    ClaimReplacementIssuedData,
    Event,
)


class ClaimSettlement(ClaimState):
    """After the decision: repair, replacement unit, shipment back, refund, closing."""

    def start_repair(self, act: Act) -> list[Event]:
        if self._decided().kind not in ("repair", "replacement"):
            raise Refusal("repair_not_decided", "status", status_code=409)
        return [self._move(act, "in_repair")]

    def record_replacement(
        self, act: Act, serial_number: str, ean: str | None, sold: bool = False
    ) -> list[Event]:
        """The replacement unit's serial. `sold`: the serial is on a sale to a customer, so it
        is someone's unit, not one of the service's stock (stock units are those the ERP never
        sold): refused, or one customer's unit would move into another's claim."""
        if (refusal := self._why_no_replacement(self._decided())) is not None:
            raise refusal
        new_serial = decisions.replacement_serial(serial_number, self.serial_number)
        if sold:
            raise Refusal(
                "replacement_serial_sold", "serial_number", {"serial_number": new_serial}, 409
            )
        new_ean = decisions.replacement_ean(ean, self.product.ean)
        self.replacement = Replacement(new_serial, new_ean, act.at)
        self._note(act, note("replacement_issued", serial_number=new_serial, ean=new_ean))
        return [
            ClaimReplacementIssued(
                **self._envelope(act),
                data=ClaimReplacementIssuedData(
                    **self._facts(),
                    old_serial_number=self.serial_number,
                    new_serial_number=new_serial,
                    old_ean=self.product.ean,
                    new_ean=new_ean,
                    issued_at=act.at,
                    issued_by=act.label,
                ),
            )
        ]

    def _why_no_replacement(self, decision: Decision) -> Refusal | None:
        if decision.kind != "replacement" or self.replacement is not None:
            return Refusal("replacement_not_due", "serial_number", status_code=409)
        return None

    def ship_back(self, act: Act, carrier: str, tracking_number: str) -> list[Event]:
        """The product goes back to the customer's return address; the inbound tracking number
        stays as the customer gave it."""
        carrier, tracking = carrier.strip(), "".join(tracking_number.split()).upper()
        if not tracking:
            raise Refusal("tracking_required", "tracking_number")
        if not carrier:
            raise Refusal("carrier_required", "carrier")
        if self.return_address is None:
            raise Refusal("return_address_missing", "return_address", status_code=409)
        if (refusal := self._why_not_shippable(self._decided())) is not None:
            raise refusal
        self.outbound = Shipment(carrier, tracking, act.at)
        return [
            self._move(
                act,
                "shipped_back",
                note=note("shipped_back", carrier=carrier, tracking_number=tracking),
                tracking_number=tracking,
                carrier=carrier,
            )
        ]

    def _why_not_shippable(self, decision: Decision) -> Refusal | None:
        waiting = decision.offer is not None and decision.customer_response is None
        if waiting:
            return Refusal("offer_unanswered", "status", status_code=409)
        if decision.kind == "replacement" and self.replacement is None:
            return Refusal("replacement_serial_missing", "serial_number", status_code=409)
        keeps_goods = decision.kind == "refund" and decision.customer_response not in (
            "refused",
            "expired",
        )
        if keeps_goods:
            return Refusal("nothing_to_ship", "status", status_code=409)
        if (due := total_due(self.charges)) > 0:
            # The product stays until the customer pays or an operator waives the charge.
            return Refusal("charge_due", "charges", {"amount": due}, 409)
        return None

    def record_refund(
        self,
        act: Act,
        amount: Decimal | None,
        payment: RefundPayment,
        difference_reason: str | None = None,
    ) -> list[Event]:
        decision = self._decided()
        money = decisions.require_amount(amount)
        if (refusal := self._why_no_refund(decision)) is not None:
            raise refusal
        reason = decisions.check_refund_amount(money, decision.amount, difference_reason)
        self.refund = Refund(
            money, payment.method, payment.account_number_ending, act.at, difference_reason=reason
        )
        due_on = next((d.due_on for d in self.deadlines if d.kind == "return_refund"), None)
        refunded = ClaimRefunded(
            **self._envelope(act),
            data=ClaimRefundedData(
                **self._facts(),
                amount=money,
                method=payment.method,
                account_number_ending=payment.account_number_ending,
                refunded_at=act.at,
                due_on=due_on,
                in_time=None if due_on is None else act.day <= due_on,
                decided_amount=decision.amount,
                difference_reason=reason,
            ),
        )
        text = note("refunded", amount=money, method=payment.method)
        if reason:
            text += note("refund_difference", decided=decision.amount, reason=reason)
        if decision.kind == "refund":
            return [refunded, self._move(act, "refunded", note=text)]
        self._note(act, text)  # the product itself still goes back
        return [refunded]

    def _why_no_refund(self, decision: Decision) -> Refusal | None:
        accepted = decision.customer_response == "accepted"
        refundable = (
            (decision.kind == "refund" and (not decision.deductions or accepted))
            or (decision.kind == "price_reduction" and accepted)
            or decision.kind == "exchange"
        )
        if not refundable:
            return Refusal("nothing_to_refund", "amount", status_code=409)
        if self.refund is not None:
            return Refusal("already_refunded", "amount", status_code=409)
        return None

    def close(self, act: Act) -> list[Event]:
        return [self._move(act, "closed")]
