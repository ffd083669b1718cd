"""The operator's forms of DJI's official service on the claim page: the unit handed to the
manufacturer (its case number, the day sent), and its return (the day back, DJI's remark and its
written statement). The claims service checks every rule; a refusal is shown at the form."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.web.forms import FormErrors, text_values
from services.web.pages import ApisDep, Operator
from services.web.routers.claims import read_upload
from services.web.routers.operator import claim_form_refused, claim_page_done
from services.web.security import IDEMPOTENCY_FIELD, idempotency_key

router = APIRouter()

HANDOFF_FIELDS = ("case_number", "sent_on")
RETURN_FIELDS = ("back_on", "remark", "statement")


def _filled(values: dict[str, str]) -> dict[str, str]:
    """The fields given; a missing one is the API's to name (it says which and why)."""
    return {name: value for name, value in values.items() if value}


@router.post("/operator/claims/{claim_id:uuid}/manufacturer-handoff", response_class=HTMLResponse)
async def send_to_manufacturer(
    request: Request, apis: ApisDep, caller: Operator, claim_id: UUID
) -> Response:
    form = await request.form()
    values = text_values(form, HANDOFF_FIELDS)
    errors = FormErrors(HANDOFF_FIELDS)
    with errors.refusals():
        await apis.claims.send_to_manufacturer(
            caller, claim_id, _filled(values), idempotency_key(form.get(IDEMPOTENCY_FIELD))
        )
    if not errors:
        return claim_page_done(claim_id, "handed_off")
    return await claim_form_refused(
        request, apis, caller, claim_id, "manufacturer-handoff", values, errors
    )


@router.post(
    "/operator/claims/{claim_id:uuid}/manufacturer-handoff/return", response_class=HTMLResponse
)
async def receive_from_manufacturer(
    request: Request, apis: ApisDep, caller: Operator, claim_id: UUID
) -> Response:
    form = await request.form()
    values = text_values(form, ("back_on", "remark"))
    errors = FormErrors(RETURN_FIELDS)
    statement = await read_upload(form.get("statement"), "statement", errors)
    if not errors:
        with errors.refusals():
            await apis.claims.receive_from_manufacturer(
                caller,
                claim_id,
                _filled(values),
                statement,
                idempotency_key(form.get(IDEMPOTENCY_FIELD)),
            )
    if not errors:
        return claim_page_done(claim_id, "back_from_dji")
    return await claim_form_refused(
        request, apis, caller, claim_id, "manufacturer-return", values, errors
    )
