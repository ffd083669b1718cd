"""The warehouse's intake page. A scanner device logs in with its API key (the admin command's
`create-scanner`); its staff read a parcel's label into one field, see at once which claim it
is and what a receipt would do, tick the declared contents, read the device's serial number and
confirm. A keyboard-wedge barcode scanner types the label and presses Enter, which sends the
lookup form; everything works without JavaScript (scanner.js only moves the focus), on a phone
too. Whether the serial number matches is the claims service's decision, not this page's."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.web.clients import Apis, Caller
from services.web.clients.claims import LabelLookup
from services.web.forms import FormErrors, text_values
from services.web.pages import SCANNER_COOKIE, ApisDep, Scanner, Visitor, render, safe_next
from services.web.routers.auth import end_session, set_cookie
from services.web.routers.scanner_shipments import checklist_path
from services.web.security import IDEMPOTENCY_FIELD, idempotency_key
from shared.shipments import shipment_number_of

router = APIRouter()

RECEIPT_FIELDS = ("code", "serial_number", "seal_intact")
# The claims API's names of the page's fields.
RECEIPT_ALIASES = {"serial_number_read": "serial_number", "rma_number": "code"}
# The outlooks whose parcel the page lets the staff receive (the others were received already).
RECEIVABLE = frozenset({"receive", "returned", "from_manufacturer", "ended", "unknown"})


def _page(request: Request, status_code: int = 200, **context: object) -> HTMLResponse:
    return render(
        request,
        "scanner.html",
        status_code=status_code,
        receivable=RECEIVABLE,
        scanner_session=True,
        **context,
    )


@router.get("/scanner/login", response_class=HTMLResponse)
async def scanner_login_page(request: Request, next: str = "") -> HTMLResponse:
    return render(request, "scanner_login.html", next=safe_next(next, "/scanner"))


@router.post("/scanner/login", response_class=HTMLResponse)
async def scanner_login(request: Request, apis: ApisDep, caller: Visitor) -> Response:
    form = await request.form()
    api_key = str(form.get("api_key") or "").strip()
    next_page = safe_next(str(form.get("next") or ""), "/scanner")
    errors = FormErrors(("api_key",))
    with errors.refusals():
        token = await apis.accounts.scanner_token(caller, api_key)
    if errors:
        status = 401 if errors.status_code == 401 else 422
        return render(request, "scanner_login.html", status, errors=errors, next=next_page)
    response = RedirectResponse(next_page, status_code=303)
    set_cookie(request, response, SCANNER_COOKIE, token)
    return response


@router.post("/scanner/logout")
async def scanner_logout(request: Request, apis: ApisDep, caller: Visitor) -> Response:
    return await end_session(request, apis, caller, SCANNER_COOKIE, "/scanner/login")


async def _look_up(apis: Apis, caller: Caller, code: str, errors: FormErrors) -> LabelLookup | None:
    """The label's claim and outlook; a label the claims service cannot read is said at the
    field."""
    with errors.refusals():
        return await apis.claims.look_up_label(caller, code)
    return None


@router.get("/scanner", response_class=HTMLResponse)
async def intake_page(request: Request, apis: ApisDep, caller: Scanner, code: str = "") -> Response:
    if not code.strip():
        return _page(request)
    if shipment_number_of(code):  # a reseller's shipment label: its list of claims
        return RedirectResponse(checklist_path(code.strip()), status_code=303)
    errors = FormErrors(RECEIPT_FIELDS, RECEIPT_ALIASES)
    lookup = await _look_up(apis, caller, code, errors)
    if lookup is None:
        return _page(request, 422, values={"code": code.strip()}, errors=errors)
    return _page(request, lookup=lookup, values={})


@router.post("/scanner/receipts", response_class=HTMLResponse)
async def confirm_receipt(request: Request, apis: ApisDep, caller: Scanner) -> Response:
    form = await request.form()
    values = text_values(form, RECEIPT_FIELDS)
    ticked = [item for item in form.getlist("item") if isinstance(item, str)]
    # The checklist was on the page: the items not ticked are missing (none ticked: all are).
    contents_checked = ticked if form.get("checklist") == "1" else None
    errors = FormErrors(RECEIPT_FIELDS, RECEIPT_ALIASES)
    with errors.refusals():
        receipt = await apis.claims.receive_parcel(
            caller,
            values.get("code", ""),
            contents_checked,
            values.get("serial_number") or None,
            idempotency_key(form.get(IDEMPOTENCY_FIELD)),
            {"true": True, "false": False}.get(values.get("seal_intact", "")),
        )
        return _page(request, receipt=receipt)
    lookup = await _look_up(apis, caller, values.get("code", ""), FormErrors())
    return _page(request, 422, lookup=lookup, values=values, ticked=ticked, errors=errors)
