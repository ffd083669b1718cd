"""The customer's claims: the claim form (with its serial check and the product's options),
the claim page and what the customer can do there."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from services.web import i18n, views
from services.web.clients import ApiError, Apis, Caller, Unauthorized
from services.web.clients.claims import Claim, OfferPath, ProductRef
from services.web.forms import FormErrors, text_values
from services.web.i18n import N_, Text
from services.web.pages import CUSTOMER_COOKIE, ApisDep, Customer, customer, render
from services.web.security import IDEMPOTENCY_FIELD, idempotency_key

router = APIRouter()

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_ANSWER_FILES = 5
CLAIM_FIELDS = (
    "product",
    "serial_number",
    "problem_code",
    "problem_description",
    "claim_type",
    "tracking_number",
    "package_contents",
    "attachment",
    "customer_reference",
    "seal_intact",
)
# Another return address than the account's, for this claim only.
RETURN_FIELDS = (
    "return_recipient",
    "return_street",
    "return_postal_code",
    "return_city",
    "return_country",
    "return_phone",
)
CLAIM_ALIASES = {"document_type": "product", "document_number": "product", "line_no": "product"}
LOGIN_AGAIN = N_("Zaloguj się ponownie.")
RETURN_FEE = N_(
    "Ten zwrot będzie Twoim 4. lub kolejnym w ciągu 12 miesięcy: należy się za niego opłata "
    "administracyjna {amount} (10% ceny)."
)
SERIAL_EMPTY = N_("Wpisz numer seryjny, aby go sprawdzić.")


def claim_context(claim: Claim) -> dict[str, Any]:
    offer = views.open_offer(claim)
    return {
        "claim": claim,
        "deadlines": views.standing_rows(claim.deadline_standings),
        "offer": offer,
        "offer_path": views.OFFER_PATHS.get(offer or ""),
    }


async def options_of(apis: Apis, caller: Caller, product: ProductRef | None) -> dict[str, Any]:
    """The chosen product's claim types (allowed or not, and why) and problem list. Without
    a product, or when the claims service cannot say, every type is offered: saving checks."""
    unknown: dict[str, Any] = {
        "claim_types": views.claim_type_choices(None),
        "problems": [],
        "asks_seal": False,
        "return_fee": None,
    }
    if product is None:
        return unknown
    try:
        options = await apis.claims.options(caller, product)
    except Unauthorized:
        raise
    except ApiError:
        return unknown
    return {
        "claim_types": views.claim_type_choices(options.claim_types),
        "problems": options.problems,
        "asks_seal": options.asks_seal,
        "return_fee": options.return_fee,
    }


async def claim_form(
    request: Request,
    apis: Apis,
    caller: Caller,
    values: dict[str, str],
    errors: FormErrors,
    status_code: int = 200,
    serial_check: Any = None,
) -> HTMLResponse:
    products, profile = await asyncio.gather(
        apis.accounts.products(caller), apis.accounts.profile(caller)
    )
    chosen = next((p for p in products if p.key == values.get("product")), None)
    if chosen is None and len(products) == 1:
        chosen = products[0]
        values.setdefault("product", chosen.key)
    product = (
        ProductRef(
            document_type=chosen.document_type,
            document_number=chosen.document_number,
            line_no=chosen.line_no,
        )
        if chosen
        else None
    )
    options = await options_of(apis, caller, product)
    return render(
        request,
        "claim_new.html",
        status_code=status_code,
        products=products,
        values=values,
        errors=errors,
        serial_check=serial_check,
        account_address=profile.postal_address,
        return_fee_text=return_fee_text(options["return_fee"], i18n.language_of(request)),
        **options,
    )


@router.get("/claims/new", response_class=HTMLResponse)
async def new_claim_page(
    request: Request, apis: ApisDep, caller: Customer, product: str = ""
) -> HTMLResponse:
    return await claim_form(request, apis, caller, {"product": product}, FormErrors())


async def read_upload(
    upload: object, field: str, errors: FormErrors
) -> tuple[str, bytes, str] | None:
    """One chosen file; an oversized one is refused here, before sending."""
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    content = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        errors.add(field, N_("Plik jest za duży (najwyżej 10 MB)."))
        return None
    return upload.filename, content, upload.content_type or "application/octet-stream"


async def _attachment(upload: object, errors: FormErrors) -> dict[str, tuple[str, bytes, str]]:
    """The sales document to send."""
    chosen = await read_upload(upload, "attachment", errors)
    return {"attachment": chosen} if chosen else {}


@router.post("/claims/new", response_class=HTMLResponse)
async def new_claim(request: Request, apis: ApisDep, caller: Customer) -> Response:
    form = await request.form()
    values = text_values(form, (*CLAIM_FIELDS, *RETURN_FIELDS, "return_choice", "action"))
    errors = FormErrors((*CLAIM_FIELDS, *RETURN_FIELDS, "return_address"), CLAIM_ALIASES)
    if values.pop("action", "") == "check_serial":
        # Without JavaScript, Enter in the serial field lands here: check, keep the rest.
        serial = values.get("serial_number", "")
        check = await apis.claims.serial_check(caller, serial) if serial else None
        if not serial:
            errors.add("serial_number", SERIAL_EMPTY)
        return await claim_form(request, apis, caller, values, errors, serial_check=check)
    files = await _attachment(form.get("attachment"), errors)
    if errors:
        return await claim_form(request, apis, caller, values, errors, status_code=413)
    # The claims API checks every field at once (a missing one too), so the customer sees
    # all that is wrong in one go.
    fields = {
        key: values[key]
        for key in CLAIM_FIELDS
        if key not in ("product", "attachment") and values.get(key)
    }
    if values.get("return_choice") != "account":
        # Without the account's address, the one typed here (the API says what is missing).
        fields.update({key: values[key] for key in RETURN_FIELDS if values.get(key)})
    product = views.parse_product_key(values.get("product", ""))
    if product is not None:
        fields.update({k: str(v) for k, v in product.model_dump().items()})
    with errors.refusals():
        created = await apis.claims.file(
            caller, fields, files, idempotency_key(form.get(IDEMPOTENCY_FIELD))
        )
    if errors:
        return await claim_form(request, apis, caller, values, errors, status_code=422)
    return RedirectResponse(f"/claims/{created.claim_id}?done=created", status_code=303)


@router.get("/claims/serial-check")
async def serial_check(request: Request, apis: ApisDep, serial_number: str = "") -> JSONResponse:
    language = i18n.language_of(request)
    if not request.cookies.get(CUSTOMER_COOKIE):
        return JSONResponse({"message": i18n.translate(LOGIN_AGAIN, language)}, status_code=401)
    if not serial_number.strip():
        empty = i18n.translate(SERIAL_EMPTY, language)
        return JSONResponse({"known": False, "message": empty})
    try:
        check = await apis.claims.serial_check(customer(request), serial_number)
    except ApiError as error:
        message = i18n.translate(error.detail, language)
        return JSONResponse({"message": message}, status_code=error.status_code)
    # The claims API says this in Polish only so far; the catalogue has its English.
    return JSONResponse({**check.model_dump(), "message": i18n.translate(check.message, language)})


@router.get("/claims/options")
async def claim_options(request: Request, apis: ApisDep, product: str = "") -> JSONResponse:
    """The claim form's script asks this when the customer picks another product."""
    language = i18n.language_of(request)
    login_again = JSONResponse({"message": i18n.translate(LOGIN_AGAIN, language)}, 401)
    if not request.cookies.get(CUSTOMER_COOKIE):
        return login_again
    # No need to list the customer's products first: the claims API answers only for a
    # product of the customer's own linked documents.
    try:
        options = await options_of(apis, customer(request), views.parse_product_key(product))
    except Unauthorized:
        return login_again
    choices = [
        {**vars(choice), "name": i18n.translate(choice.name, language)}
        for choice in options["claim_types"]
    ]
    return JSONResponse(
        {
            "claim_types": choices,
            "problems": options["problems"],
            "asks_seal": options["asks_seal"],
            "return_fee_text": return_fee_text(options["return_fee"], language),
        }
    )


def return_fee_text(fee: Decimal | None, language: str) -> str:
    """What the claim form tells before a return is filed: the administrative fee it would
    carry (the customer's 4th return or later within 12 months); empty when none."""
    if fee is None:
        return ""
    return i18n.translate(Text(RETURN_FEE, amount=views.money(fee, language)), language)


@router.get("/claims/{claim_id:uuid}", response_class=HTMLResponse)
async def claim_page(
    request: Request, apis: ApisDep, caller: Customer, claim_id: UUID
) -> HTMLResponse:
    return render(request, "claim.html", **claim_context(await apis.claims.claim(caller, claim_id)))


@router.get("/claims/{claim_id:uuid}/label")
async def claim_label(apis: ApisDep, caller: Customer, claim_id: UUID) -> Response:
    content, disposition = await apis.claims.label(caller, claim_id)
    return Response(
        content, media_type="application/pdf", headers={"Content-Disposition": disposition}
    )


@router.get("/claims/{claim_id:uuid}/form")
async def claim_customer_form(apis: ApisDep, caller: Customer, claim_id: UUID) -> Response:
    content, disposition = await apis.claims.customer_form(caller, claim_id)
    return Response(
        content, media_type="application/pdf", headers={"Content-Disposition": disposition}
    )


async def _claim_refused(
    request: Request,
    apis: Apis,
    caller: Caller,
    claim_id: UUID,
    errors: FormErrors,
    status_code: int,
    **context: Any,
) -> HTMLResponse:
    claim = await apis.claims.claim(caller, claim_id)
    return render(
        request,
        "claim.html",
        status_code=status_code,
        errors=errors,
        **context,
        **claim_context(claim),
    )


@router.post("/claims/{claim_id:uuid}/cancel", response_class=HTMLResponse)
async def cancel_claim(
    request: Request, apis: ApisDep, caller: Customer, claim_id: UUID
) -> Response:
    errors = FormErrors()
    with errors.refusals(passed_on=(404,)):
        await apis.claims.cancel(caller, claim_id)
    if errors:
        return await _claim_refused(request, apis, caller, claim_id, errors, 409)
    return RedirectResponse(f"/claims/{claim_id}?done=cancelled", status_code=303)


@router.post("/claims/{claim_id:uuid}/answer", response_class=HTMLResponse)
async def answer_request(
    request: Request, apis: ApisDep, caller: Customer, claim_id: UUID
) -> Response:
    """The information the service asked for, with photos or documents if the customer adds
    them (the claims API checks each file's content as it does the claim form's)."""
    form = await request.form()
    values = text_values(form, ("message",))
    errors = FormErrors(("message", "attachments"))
    uploads = form.getlist("attachments")
    files = [chosen for u in uploads if (chosen := await read_upload(u, "attachments", errors))]
    if len(files) > MAX_ANSWER_FILES:
        errors.add("attachments", N_("Dołącz najwyżej 5 plików."))
    if errors:
        return await _claim_refused(request, apis, caller, claim_id, errors, 413, values=values)
    message = values.get("message", "")
    key = idempotency_key(form.get(IDEMPOTENCY_FIELD))
    with errors.refusals():
        if files:
            await apis.claims.answer_with_files(caller, claim_id, message, files, key)
        else:
            await apis.claims.answer(caller, claim_id, message, key)
    if errors:
        return await _claim_refused(request, apis, caller, claim_id, errors, 422, values=values)
    return RedirectResponse(f"/claims/{claim_id}?done=answered", status_code=303)


# What the page says after each answer to an offer: (accepted, refused).
OFFER_DONE: dict[str, tuple[str, str]] = {
    "price-reduction": ("accepted", "refused"),
    "quote": ("quote_accepted", "quote_refused"),
    "deductions": ("deductions_accepted", "goods_back"),
}


@router.post("/claims/{claim_id:uuid}/{offer}", response_class=HTMLResponse)
async def answer_offer(
    request: Request, apis: ApisDep, caller: Customer, claim_id: UUID, offer: OfferPath
) -> Response:
    """The customer accepts or refuses the decision's offer: a price reduction, a paid-repair
    quote (accepted: repaired; refused: shipped back unrepaired), or a return's deductions
    (accepted: the reduced refund; refused: the goods come back)."""
    accept = (await request.form()).get("accept") == "yes"
    # The API names `accept` (an expired quote, an offer answered already): said at the top.
    errors = FormErrors()
    with errors.refusals():
        await apis.claims.answer_offer(caller, claim_id, offer, accept)
    if errors:
        return await _claim_refused(request, apis, caller, claim_id, errors, 409)
    done = OFFER_DONE[offer][0 if accept else 1]
    return RedirectResponse(f"/claims/{claim_id}?done={done}", status_code=303)
