"""The operator's forms for a claim's charges and the unit's void warranty, on the claim page:
add a charge (kind, amount, reason), mark one paid, waive one with the reason, and mark the
unit's warranty void (the terms' reason, the claim's files that show it, a note). The claims
service checks every rule; a refusal is shown at its form in the service's words."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.web import views
from services.web.forms import FormErrors, text_values
from services.web.i18n import N_
from services.web.pages import ApisDep, Operator
from services.web.routers.operator import (
    AMOUNT_EXAMPLE,
    claim_form_refused,
    claim_page_done,
)
from services.web.security import IDEMPOTENCY_FIELD, idempotency_key

router = APIRouter()

# The form's fields are named apart from the other forms of the claim page (one `amount` or
# `reason` per page); the API's names map onto them.
CHARGE_FIELDS = ("charge_kind", "charge_amount", "charge_reason", "transport_damage_reported")
CHARGE_NAMES = {"kind": "charge_kind", "amount": "charge_amount", "reason": "charge_reason"}
WAIVER_FIELDS = ("waiver_reason",)
VOID_FIELDS = ("void_reason", "evidence", "void_note")
VOID_NAMES = {"reason": "void_reason", "note": "void_note"}


@router.post("/operator/claims/{claim_id:uuid}/charges", response_class=HTMLResponse)
async def add_charge(request: Request, apis: ApisDep, caller: Operator, claim_id: UUID) -> Response:
    form = await request.form()
    values = text_values(form, CHARGE_FIELDS)
    errors = FormErrors(CHARGE_FIELDS, CHARGE_NAMES)
    body: dict[str, object] = {
        "kind": values.get("charge_kind", ""),
        "reason": values.get("charge_reason", ""),
    }
    try:
        amount = views.parse_amount(values.get("charge_amount", ""))
    except ValueError:
        errors.add("charge_amount", AMOUNT_EXAMPLE)
    else:
        if amount is not None:  # none: the administrative fee's is the policy's
            body["amount"] = str(amount)
    body["transport_damage_reported"] = values.get("transport_damage_reported") == "true"
    if not errors:
        with errors.refusals():
            await apis.claims.add_charge(
                caller, claim_id, body, idempotency_key(form.get(IDEMPOTENCY_FIELD))
            )
    if not errors:
        return claim_page_done(claim_id, "charged")
    return await claim_form_refused(request, apis, caller, claim_id, "charge", values, errors)


@router.post(
    "/operator/claims/{claim_id:uuid}/charges/{charge_id:uuid}/paid", response_class=HTMLResponse
)
async def charge_paid(
    request: Request, apis: ApisDep, caller: Operator, claim_id: UUID, charge_id: UUID
) -> Response:
    form = await request.form()
    errors = FormErrors()  # a charge unknown or settled already: said at the form's top
    with errors.refusals():
        await apis.claims.mark_charge_paid(
            caller, claim_id, charge_id, idempotency_key(form.get(IDEMPOTENCY_FIELD))
        )
    if not errors:
        return claim_page_done(claim_id, "charge_paid")
    return await claim_form_refused(
        request, apis, caller, claim_id, f"settle-{charge_id}", {}, errors
    )


@router.post(
    "/operator/claims/{claim_id:uuid}/charges/{charge_id:uuid}/waive", response_class=HTMLResponse
)
async def charge_waived(
    request: Request, apis: ApisDep, caller: Operator, claim_id: UUID, charge_id: UUID
) -> Response:
    form = await request.form()
    values = text_values(form, WAIVER_FIELDS)
    # The API names the waiver's reason `waiver_reason` in its refusal.
    errors = FormErrors(WAIVER_FIELDS)
    with errors.refusals():
        await apis.claims.waive_charge(
            caller,
            claim_id,
            charge_id,
            values.get("waiver_reason", ""),
            idempotency_key(form.get(IDEMPOTENCY_FIELD)),
        )
    if not errors:
        return claim_page_done(claim_id, "charge_waived")
    return await claim_form_refused(
        request, apis, caller, claim_id, f"settle-{charge_id}", values, errors
    )


@router.post("/operator/claims/{claim_id:uuid}/warranty-void", response_class=HTMLResponse)
async def warranty_void(
    request: Request, apis: ApisDep, caller: Operator, claim_id: UUID
) -> Response:
    form = await request.form()
    values = text_values(form, ("void_reason", "void_note"))
    evidence = [str(item) for item in form.getlist("evidence") if isinstance(item, str)]
    errors = FormErrors(VOID_FIELDS, VOID_NAMES)
    if not values.get("void_reason"):
        errors.add("void_reason", N_("Wybierz przyczynę utraty gwarancji."))
    else:
        body: dict[str, object] = {"reason": values["void_reason"], "evidence": evidence}
        if values.get("void_note"):
            body["note"] = values["void_note"]
        with errors.refusals():
            await apis.claims.mark_warranty_void(
                caller, claim_id, body, idempotency_key(form.get(IDEMPOTENCY_FIELD))
            )
    if not errors:
        return claim_page_done(claim_id, "warranty_void")
    values["evidence"] = ",".join(evidence)
    return await claim_form_refused(
        request, apis, caller, claim_id, "warranty-void", values, errors
    )
