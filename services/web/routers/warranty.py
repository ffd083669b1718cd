"""The customer's products: scooter registration (seed 001: within 30 days of the purchase for
24 months' warranty) and each unit's passport. Who may register or read a unit is the warranty
service's rule: it answers only for units on the caller's own documents."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.web.forms import FormErrors, text_values
from services.web.pages import ApisDep, Customer, render
from services.web.security import IDEMPOTENCY_FIELD, idempotency_key

router = APIRouter()

REGISTRATION_FIELDS = ("ean", "serial_number")


@router.get("/products/register", response_class=HTMLResponse)
async def registration_page(
    request: Request, _caller: Customer, ean: str = "", serial_number: str = ""
) -> HTMLResponse:
    values = {"ean": ean.strip()[:20], "serial_number": serial_number.strip()[:60]}
    return render(request, "product_register.html", values=values)


@router.post("/products/register", response_class=HTMLResponse)
async def register_product(request: Request, apis: ApisDep, caller: Customer) -> Response:
    form = await request.form()
    values = text_values(form, REGISTRATION_FIELDS)
    errors = FormErrors(REGISTRATION_FIELDS)
    with errors.refusals():
        registered = await apis.warranty.register(
            caller,
            values.get("ean", ""),
            values.get("serial_number", ""),
            idempotency_key(form.get(IDEMPOTENCY_FIELD)),
        )
    if errors:
        return render(
            request, "product_register.html", status_code=422, values=values, errors=errors
        )
    return RedirectResponse(
        f"/products/{registered.ean}/{registered.serial_number}?done=registered",
        status_code=303,
    )


@router.get("/products/{ean}/{serial_number}", response_class=HTMLResponse)
async def product_passport(
    request: Request, apis: ApisDep, caller: Customer, ean: str, serial_number: str
) -> HTMLResponse:
    passport = await apis.warranty.passport(caller, ean, serial_number)
    return render(request, "product_passport.html", passport=passport)
