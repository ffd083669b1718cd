"""The warehouse's checklist of a reseller's shipment (issue 25 §6): the one label's number
scanned on the scanner page lists every claim in the parcel; each claim's parcel is received
from the list as one parcel is received today (by its RMA number, `POST /api/parcels`), or
through the scanner page's full check of its contents."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.web.forms import FormErrors, text_values
from services.web.pages import ApisDep, Scanner, render
from services.web.security import IDEMPOTENCY_FIELD, idempotency_key

router = APIRouter()


def checklist_path(code: str, **more: str) -> str:
    return "/scanner/shipments?" + urlencode({"code": code, **more})


# What a receipt from the list did, by code (never free text from the URL).
OUTCOMES = frozenset({"received", "duplicate", "attention"})


@router.get("/scanner/shipments", response_class=HTMLResponse)
async def checklist_page(
    request: Request,
    apis: ApisDep,
    caller: Scanner,
    code: str = "",
    rma_number: str = "",
    outcome: str = "",
) -> HTMLResponse:
    # The claims API names the shipment it did not find; the page says it at the scanned code.
    errors = FormErrors(("code",), {"shipment_id": "code"})
    with errors.refusals():
        checklist = await apis.shipments.checklist(caller, code)
        return render(
            request,
            "scanner_shipment.html",
            checklist=checklist,
            rma_number=rma_number,
            outcome=outcome if outcome in OUTCOMES else "",
            scanner_session=True,
        )
    return render(
        request,
        "scanner.html",
        errors.status_code or 422,
        errors=errors,
        values={"code": code},
        receivable=frozenset(),
        scanner_session=True,
    )


@router.post("/scanner/shipments/receipts", response_class=HTMLResponse)
async def receive_from_checklist(request: Request, apis: ApisDep, caller: Scanner) -> Response:
    form = await request.form()
    values = text_values(form, ("code", "rma_number"))
    code, rma_number = values.get("code", ""), values.get("rma_number", "")
    errors = FormErrors()
    with errors.refusals():
        receipt = await apis.claims.receive_parcel(
            caller, rma_number, None, None, idempotency_key(form.get(IDEMPOTENCY_FIELD))
        )
        outcome = (
            "duplicate" if receipt.duplicate else "attention" if receipt.attention else "received"
        )
        path = checklist_path(code, rma_number=rma_number, outcome=outcome)
        return RedirectResponse(path, status_code=303)
    checklist = await apis.shipments.checklist(caller, code)
    return render(
        request,
        "scanner_shipment.html",
        errors.status_code or 422,
        checklist=checklist,
        errors=errors,
        scanner_session=True,
    )
