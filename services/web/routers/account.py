"""The customer's own pages: the home page (claims, support period, documents) and the account
(email change, confirmed from the new address)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.web.clients import ApiError, Apis, Caller, Unauthorized
from services.web.clients.accounts import Contact, Notice, Profile
from services.web.clients.warranty import OwnedUnit
from services.web.forms import FormErrors, text_values, without_secrets
from services.web.pages import CUSTOMER_COOKIE, ApisDep, Customer, Visitor, render
from services.web.security import IDEMPOTENCY_FIELD, idempotency_key

router = APIRouter()

EMAIL_CHANGE_FIELDS = ("new_email", "password")
CONTACT_FIELDS = ("recipient", "street", "postal_code", "city", "country", "phone")
DOCUMENT_FIELDS = ("document_number", "document_total")


async def owned_units(apis: Apis, caller: Caller) -> list[OwnedUnit] | None:
    """The customer's units with their registration; None (said on the page) while the
    warranty service cannot answer, so the rest of the home page still shows."""
    try:
        return await apis.warranty.my_units(caller)
    except Unauthorized:
        raise
    except ApiError:
        return None


async def home_context(apis: Apis, caller: Caller, q: str, ean: str) -> dict[str, Any]:
    profile, claims, units = await asyncio.gather(
        apis.accounts.profile(caller), apis.claims.search(caller, q[:80]), owned_units(apis, caller)
    )
    context: dict[str, Any] = {
        "profile": profile,
        "claims": claims,
        "units": units,
        "q": q,
        "ean": ean,
    }
    if ean:
        support_errors = FormErrors()
        with support_errors.refusals():
            context["support"] = await apis.warranty.support_period(caller, ean)
        context["support_error"] = support_errors.general[0] if support_errors else None
    return context


@router.get("/home", response_class=HTMLResponse)
async def home(
    request: Request, apis: ApisDep, caller: Customer, q: str = "", ean: str = ""
) -> HTMLResponse:
    return render(request, "home.html", **await home_context(apis, caller, q, ean))


@router.post("/documents", response_class=HTMLResponse)
async def link_document(request: Request, apis: ApisDep, caller: Customer) -> HTMLResponse:
    form = await request.form()
    values = text_values(form, DOCUMENT_FIELDS)
    errors = FormErrors(DOCUMENT_FIELDS)
    linked: Notice | None = None
    with errors.refusals():
        linked = await apis.accounts.link_document(
            caller,
            values.get("document_number", ""),
            values.get("document_total", ""),
            idempotency_key(form.get(IDEMPOTENCY_FIELD)),
        )
    context = await home_context(apis, caller, "", "")
    return render(
        request,
        "home.html",
        status_code=422 if errors else 200,
        values={} if linked else values,
        errors=errors,
        linked=linked,
        **context,
    )


def contact_values(profile: Profile) -> dict[str, str]:
    """The contact form filled with what the account keeps."""
    address = profile.postal_address
    if address is None:
        return {"recipient": profile.full_name, "country": "PL", "phone": profile.phone or ""}
    return {
        name: value or "" for name, value in address.model_dump().items() if name in CONTACT_FIELDS
    }


@router.get("/account", response_class=HTMLResponse)
async def account_page(request: Request, apis: ApisDep, caller: Customer) -> HTMLResponse:
    profile = await apis.accounts.profile(caller)
    return render(
        request,
        "account.html",
        profile=profile,
        contact=contact_values(profile),
        contact_errors=FormErrors(),
    )


@router.post("/account/contact", response_class=HTMLResponse)
async def keep_contact(request: Request, apis: ApisDep, caller: Customer) -> Response:
    """The postal address and phone kept on the account: the claims' default return address."""
    values = text_values(await request.form(), CONTACT_FIELDS)
    errors = FormErrors(CONTACT_FIELDS)
    contact = Contact(
        recipient=values.get("recipient") or None,
        street=values.get("street", ""),
        postal_code=values.get("postal_code", ""),
        city=values.get("city", ""),
        country=(values.get("country") or "PL").upper(),
        phone=values.get("phone") or None,
    )
    with errors.refusals():
        await apis.accounts.update_contact(caller, contact)
    if not errors:
        return RedirectResponse("/account?done=contact_saved", status_code=303)
    return render(
        request,
        "account.html",
        status_code=422,
        profile=await apis.accounts.profile(caller),
        contact=values,
        contact_errors=errors,
    )


@router.post("/account/email", response_class=HTMLResponse)
async def change_email(request: Request, apis: ApisDep, caller: Customer) -> HTMLResponse:
    values = text_values(await request.form(), EMAIL_CHANGE_FIELDS)
    errors = FormErrors(EMAIL_CHANGE_FIELDS)
    sent: Notice | None = None
    with errors.refusals():
        sent = await apis.accounts.request_email_change(
            caller, values.get("new_email", ""), values.get("password", "")
        )
    profile = await apis.accounts.profile(caller)
    return render(
        request,
        "account.html",
        status_code=422 if errors else 200,
        profile=profile,
        values=without_secrets(values),
        errors=errors,
        sent=sent.message if sent else None,
        contact=contact_values(profile),
        contact_errors=FormErrors(),
    )


@router.get("/confirm-email", response_class=HTMLResponse)
async def confirm_email_page(request: Request, token: str = "") -> HTMLResponse:
    return render(request, "confirm_email.html", token=token)


@router.post("/confirm-email", response_class=HTMLResponse)
async def confirm_email(request: Request, apis: ApisDep, caller: Visitor) -> Response:
    token = str((await request.form()).get("token") or "")
    errors = FormErrors()
    with errors.refusals():
        await apis.accounts.confirm_email_change(caller, token)
    if errors:
        return render(request, "confirm_email.html", status_code=400, token=token, errors=errors)
    # A login taken before the change is refused everywhere from now on (issue 13 item 5): the
    # customer logs in again, with the new address.
    response = RedirectResponse("/login?done=email_changed", status_code=303)
    response.delete_cookie(CUSTOMER_COOKIE)
    return response
