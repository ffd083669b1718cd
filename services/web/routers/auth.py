"""Registration, activation, logins and the lost password: the pages before a login."""

from __future__ import annotations

from urllib.parse import urlencode

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.web import i18n
from services.web.clients import Apis, Caller
from services.web.clients.accounts import Registration
from services.web.clients.base import ApiError
from services.web.forms import FormErrors, text_values, without_secrets
from services.web.i18n import N_
from services.web.pages import (
    CUSTOMER_COOKIE,
    OPERATOR_COOKIE,
    SCANNER_COOKIE,
    ApisDep,
    Visitor,
    render,
    safe_next,
)
from services.web.security import IDEMPOTENCY_FIELD, idempotency_key

router = APIRouter()
log = structlog.get_logger()

REGISTER_FIELDS = (
    "account_type",
    "full_name",
    "email",
    "password",
    "password_repeat",
    "document_number",
    "document_total",
    "vat_country",
    "tax_id",
)
NEW_PASSWORD_FIELDS = ("new_password", "new_password_repeat")


def set_cookie(request: Request, response: Response, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.secure_cookies,
        path="/",
    )


@router.get("/", include_in_schema=False)
async def index(request: Request) -> Response:
    target = "/home" if request.cookies.get(CUSTOMER_COOKIE) else "/login"
    return RedirectResponse(target, status_code=303)


@router.get("/language/{language}", include_in_schema=False)
async def switch_language(request: Request, language: str, next: str = "/") -> Response:
    response = RedirectResponse(safe_next(next, "/"), status_code=303)
    if language in i18n.LANGUAGES:
        set_cookie(request, response, i18n.LANGUAGE_COOKIE, language)
    return response


@router.get("/register", response_class=HTMLResponse)
async def register_page(request: Request) -> HTMLResponse:
    return render(request, "register.html", values={"account_type": "private"})


def _registration_errors(values: dict[str, str]) -> FormErrors:
    errors = FormErrors(REGISTER_FIELDS)
    if values.get("password") != values.get("password_repeat"):
        errors.add("password_repeat", N_("Hasła nie są takie same."))
    if values["account_type"] == "company":
        if not values.get("tax_id"):
            errors.add("tax_id", N_("Podaj NIP firmy."))
        if not values.get("vat_country"):
            errors.add("vat_country", N_("Wybierz kraj VAT."))
    return errors


@router.post("/register", response_class=HTMLResponse)
async def register(request: Request, apis: ApisDep, caller: Visitor) -> HTMLResponse:
    form = await request.form()
    values = text_values(form, REGISTER_FIELDS)
    values["account_type"] = "company" if values.get("account_type") == "company" else "private"
    company = values["account_type"] == "company"
    errors = _registration_errors(values)
    if not errors:
        registration = Registration(
            account_type="company" if company else "private",
            full_name=values.get("full_name", ""),
            email=values.get("email", ""),
            password=values.get("password", ""),
            document_number=values.get("document_number", ""),
            document_total=values.get("document_total", ""),
            language=caller.language,
            vat_country=values.get("vat_country") if company else None,
            tax_id=values.get("tax_id") if company else None,
        )
        with errors.refusals():
            answer = await apis.accounts.register(
                caller, registration, idempotency_key(form.get(IDEMPOTENCY_FIELD))
            )
        if not errors:
            return render(
                request,
                "registered.html",
                message=answer.message,
                notices=answer.notices,
                email=values.get("email", ""),
            )
    return render(
        request, "register.html", status_code=422, values=without_secrets(values), errors=errors
    )


@router.get("/activate", response_class=HTMLResponse)
async def activation_page(request: Request, token: str = "") -> HTMLResponse:
    # The link in the email only opens this page; mail scanners follow links, so the
    # single-use token is spent only by the button's POST.
    return render(request, "activate.html", token=token)


@router.post("/activate", response_class=HTMLResponse)
async def activate(request: Request, apis: ApisDep, caller: Visitor) -> Response:
    token = str((await request.form()).get("token") or "")
    errors = FormErrors()
    with errors.refusals():
        await apis.accounts.activate(caller, token)
    if errors:
        return render(request, "activate.html", status_code=400, token=token, errors=errors)
    return RedirectResponse("/login?done=activated", status_code=303)


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, next: str = "") -> HTMLResponse:
    return render(request, "login.html", next=safe_next(next, "/home"), operator_form=False)


@router.get("/operator/login", response_class=HTMLResponse)
async def operator_login_page(request: Request, next: str = "") -> HTMLResponse:
    return render(request, "login.html", next=safe_next(next, "/operator"), operator_form=True)


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, apis: ApisDep, caller: Visitor) -> Response:
    return await _login(request, apis, caller, operator=False)


@router.post("/operator/login", response_class=HTMLResponse)
async def operator_login(request: Request, apis: ApisDep, caller: Visitor) -> Response:
    return await _login(request, apis, caller, operator=True)


async def _login(request: Request, apis: ApisDep, caller: Caller, operator: bool) -> Response:
    values = text_values(await request.form(), ("email", "password", "next"))
    next_page = safe_next(values.get("next"), "/operator" if operator else "/home")
    errors = FormErrors(("email", "password"))
    with errors.refusals():
        token = await apis.accounts.login(
            caller, values.get("email", ""), values.get("password", ""), operator=operator
        )
    if errors:
        return render(
            request,
            "login.html",
            status_code=errors.status_code if errors.status_code in (401, 429) else 422,
            values=without_secrets(values),
            errors=errors,
            next=next_page,
            operator_form=operator,
        )
    response = RedirectResponse(next_page, status_code=303)
    set_cookie(request, response, OPERATOR_COOKIE if operator else CUSTOMER_COOKIE, token)
    if not operator:
        # From now on the pages speak the account's language.
        profile = await apis.accounts.profile(Caller(token, caller.language, caller.client_ip))
        if profile.language in i18n.LANGUAGES:
            set_cookie(request, response, i18n.LANGUAGE_COOKIE, profile.language)
    return response


async def end_session(
    request: Request, apis: Apis, caller: Caller, cookie: str, login_page: str
) -> Response:
    """Log out: the token revoked in every service (accounts records it), then the cookie
    removed. The cookie goes even when accounts cannot be asked: the page must not stay
    logged in; the token then ends at its expiry, as it did before."""
    token = request.cookies.get(cookie)
    if token:
        try:
            await apis.accounts.logout(Caller(token, caller.language, caller.client_ip))
        except ApiError as refused:  # Unauthorized: the token was no longer valid anyway
            log.info("logout_not_recorded", status=refused.status_code)
    response = RedirectResponse(f"{login_page}?done=logged_out", status_code=303)
    response.delete_cookie(cookie)
    return response


@router.post("/logout")
async def logout(request: Request, apis: ApisDep, caller: Visitor) -> Response:
    return await end_session(request, apis, caller, CUSTOMER_COOKIE, "/login")


@router.post("/operator/logout")
async def operator_logout(request: Request, apis: ApisDep, caller: Visitor) -> Response:
    return await end_session(request, apis, caller, OPERATOR_COOKIE, "/operator/login")


@router.get("/password-reset", response_class=HTMLResponse)
async def password_reset_page(request: Request) -> HTMLResponse:
    return render(request, "password_reset.html")


@router.post("/password-reset", response_class=HTMLResponse)
async def password_reset(request: Request, apis: ApisDep, caller: Visitor) -> HTMLResponse:
    values = text_values(await request.form(), ("email",))
    errors = FormErrors(("email",))
    with errors.refusals():
        answer = await apis.accounts.request_password_reset(caller, values.get("email", ""))
    if errors:
        return render(request, "password_reset.html", 422, values=values, errors=errors)
    return render(request, "password_reset.html", sent=answer.message, values=values)


@router.get("/activation/resend", response_class=HTMLResponse)
async def resend_activation_page(request: Request) -> HTMLResponse:
    return render(request, "activation_resend.html")


@router.post("/activation/resend", response_class=HTMLResponse)
async def resend_activation(request: Request, apis: ApisDep, caller: Visitor) -> HTMLResponse:
    values = text_values(await request.form(), ("email",))
    errors = FormErrors(("email",))
    with errors.refusals():
        answer = await apis.accounts.resend_activation(caller, values.get("email", ""))
    if errors:
        return render(request, "activation_resend.html", 422, values=values, errors=errors)
    return render(request, "activation_resend.html", sent=answer.message, values=values)


@router.get("/reset-password", response_class=HTMLResponse)
async def new_password_page(request: Request, token: str = "") -> HTMLResponse:
    # The emailed link opens this form; the token is spent only when the form is sent.
    return render(request, "new_password.html", token=token)


@router.post("/reset-password", response_class=HTMLResponse)
async def new_password(request: Request, apis: ApisDep, caller: Visitor) -> Response:
    values = text_values(await request.form(), ("token", *NEW_PASSWORD_FIELDS))
    token = values.pop("token", "")
    errors = FormErrors(NEW_PASSWORD_FIELDS)
    if values.get("new_password") != values.get("new_password_repeat"):
        errors.add("new_password_repeat", N_("Hasła nie są takie same."))
    if not errors:
        with errors.refusals():
            await apis.accounts.reset_password(caller, token, values.get("new_password", ""))
        if not errors:
            return RedirectResponse("/login?done=password_changed", status_code=303)
    return render(request, "new_password.html", status_code=422, token=token, errors=errors)


def login_redirect(
    request: Request, operator: bool, expired: bool, *, scanner: bool = False
) -> Response:
    """Where a page that needs a login sends the browser (back here after the login)."""
    query = {"done": "expired"} if expired else {}
    if request.method == "GET":
        query["next"] = request.url.path
    target, cookie = "/login", CUSTOMER_COOKIE
    if operator:
        target, cookie = "/operator/login", OPERATOR_COOKIE
    elif scanner:
        target, cookie = "/scanner/login", SCANNER_COOKIE
    response = RedirectResponse(f"{target}?{urlencode(query)}", status_code=303)
    if expired:
        response.delete_cookie(cookie)
    return response
