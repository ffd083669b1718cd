"""The web panel: Polish pages for customers and operators, rendered on the server.

The pages call the platform's APIs with httpx. A login's bearer token is kept in an HttpOnly,
SameSite=Lax cookie (one for customers, one for operators) and forwarded to the APIs, which
verify it; this server holds no state of its own. Forms work without JavaScript; a few lines
of it add the serial-number check on Enter, the problem list of the chosen product, the company
fields of the registration and the live dashboard (Server-Sent Events from Kafka).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData, UploadFile

from services.web import views
from services.web.api import ApiError, Backend, Unauthorized
from services.web.live import KafkaFeed, LiveHub
from services.web.settings import WebSettings
from shared.logging import configure_logging, get_logger

HERE = Path(__file__).parent
CUSTOMER_COOKIE = "rma_session"
OPERATOR_COOKIE = "rma_operator"
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
log = get_logger(__name__)

# The dashboard lists the open claims (their deadlines run) and only the newest ended ones.
OPEN_STATUSES = tuple(s for s in views.STATUS_ORDER if s in views.DEADLINE_STATUSES)
ENDED_STATUSES = tuple(s for s in views.STATUS_ORDER if s not in views.DEADLINE_STATUSES)
OPEN_CLAIMS_SHOWN = 500
ENDED_CLAIMS_SHOWN = 50

# Messages shown after a redirect, by code (never free text from the URL).
DONE_MESSAGES = {
    "activated": "Konto zostało aktywowane. Możesz się zalogować.",
    "logged_out": "Wylogowano.",
    "expired": "Sesja wygasła. Zaloguj się ponownie.",
    "created": "Zgłoszenie zostało zapisane.",
    "accepted": "Przyjęto obniżkę ceny.",
    "refused": "Odrzucono obniżkę ceny: serwis zaproponuje inne rozwiązanie.",
    "moved": "Status zgłoszenia został zmieniony.",
    "answered": "Wysłaliśmy Twoją odpowiedź do serwisu.",
    "decided": "Decyzja została zapisana i wysłana klientowi.",
    "attached": "Przesyłka została przypisana do zgłoszenia.",
    "cancelled": "Zgłoszenie zostało anulowane.",
    "password_changed": "Hasło zostało zmienione. Zaloguj się nowym hasłem.",
    "email_changed": "Adres e-mail został zmieniony. Od teraz logujesz się nowym adresem.",
}

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
)
CLAIM_ALIASES = {"document_type": "product", "document_number": "product", "line_no": "product"}
NEW_PASSWORD_FIELDS = ("new_password", "new_password_repeat")
EMAIL_CHANGE_FIELDS = ("new_email", "password")
SECRET_FIELDS = frozenset({"password", "password_repeat", *NEW_PASSWORD_FIELDS})
DECISION_FIELDS = (
    "decision",
    "justification",
    "amount",
    "rejection_reason",
    "deductions",
    "missing_accessories_value",
)


class LoginRequired(Exception):
    def __init__(self, operator: bool, expired: bool = False) -> None:
        self.operator = operator
        self.expired = expired


def build_app(
    settings: WebSettings | None = None, transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    """The app; `transport` replaces the network to the APIs (the unit tests' fake APIs)."""
    settings = settings or WebSettings()
    configure_logging("web", settings.log_level, settings.log_format)
    hub = LiveHub()
    bootstrap = settings.kafka_bootstrap_servers
    feed = KafkaFeed(bootstrap, hub, settings) if settings.live_updates else None

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.backend = Backend(
            {
                "accounts": settings.accounts_url,
                "claims": settings.claims_url,
                "warranty": settings.warranty_url,
                "notifications": settings.notifications_url,
            },
            timeout=settings.api_timeout_seconds,
            transport=transport,
        )
        if feed is not None:
            feed.start()
        try:
            yield
        finally:
            if feed is not None:
                await feed.stop()
            await app.state.backend.close()

    app = FastAPI(title="RMA web panel", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.hub = hub
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.filters.update(
        date_pl=views.date_pl,
        datetime_pl=views.datetime_pl,
        money_pl=views.money_pl,
        days_left_pl=views.days_left_pl,
    )
    templates.env.globals.update(
        STATUS_NAMES=views.STATUS_NAMES,
        CLAIM_TYPES=views.CLAIM_TYPES,
        DECISIONS=views.DECISIONS,
        REJECTION_REASONS=views.REJECTION_REASONS,
        DEADLINE_KINDS=views.DEADLINE_KINDS,
        VAT_OPTIONS=[(code, code) for code in views.VAT_COUNTRIES],
    )

    def backend(request: Request) -> Backend:
        client: Backend = request.app.state.backend
        return client

    def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        done = request.query_params.get("done", "")
        context.setdefault("notice", DONE_MESSAGES.get(done))
        context.setdefault("errors", views.FormErrors())
        context.setdefault("values", {})
        context.setdefault("customer", bool(request.cookies.get(CUSTOMER_COOKIE)))
        context.setdefault("operator", bool(request.cookies.get(OPERATOR_COOKIE)))
        return templates.TemplateResponse(request, name, context, status_code=status_code)

    def set_token(response: Response, name: str, token: str) -> None:
        response.set_cookie(
            name,
            token,
            httponly=True,
            samesite="lax",
            secure=settings.cookie_secure,
            path="/",
        )

    def customer_token(request: Request) -> str:
        token = request.cookies.get(CUSTOMER_COOKIE)
        if not token:
            raise LoginRequired(operator=False)
        return token

    def operator_token(request: Request) -> str:
        token = request.cookies.get(OPERATOR_COOKIE)
        if not token:
            raise LoginRequired(operator=True)
        return token

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, error: LoginRequired) -> Response:
        target = "/operator/login" if error.operator else "/login"
        query = {"done": "expired"} if error.expired else {}
        if request.method == "GET":
            query["next"] = request.url.path
        response = RedirectResponse(f"{target}?{urlencode(query)}", status_code=303)
        if error.expired:
            response.delete_cookie(OPERATOR_COOKIE if error.operator else CUSTOMER_COOKIE)
        return response

    @app.exception_handler(Unauthorized)
    async def _unauthorized(request: Request, error: Unauthorized) -> Response:
        return await _login_required(
            request, LoginRequired(request.url.path.startswith("/operator"), expired=True)
        )

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, error: ApiError) -> Response:
        status = error.status_code if error.status_code in (403, 404, 409, 503) else 502
        return render(request, "error.html", status_code=status, message=error.detail)

    def safe_next(value: str | None, default: str) -> str:
        # Only paths of this site: never `//host` or a full URL.
        if value and value.startswith("/") and not value.startswith("//"):
            return value
        return default

    # --- health ----------------------------------------------------------------------------

    @app.get("/health", include_in_schema=False)
    async def health() -> dict[str, Any]:
        return {
            "status": "ok",
            "live_updates": feed is not None,
            "live_ready": hub.ready.is_set(),
            "live_group": feed.group_id if feed else None,
        }

    # --- registration, activation, login ---------------------------------------------------

    @app.get("/", include_in_schema=False)
    async def index(request: Request) -> Response:
        if request.cookies.get(CUSTOMER_COOKIE):
            return RedirectResponse("/home", status_code=303)
        return RedirectResponse("/login", status_code=303)

    @app.get("/register", response_class=HTMLResponse)
    async def register_page(request: Request) -> HTMLResponse:
        return render(request, "register.html", values={"account_type": "private"})

    @app.post("/register", response_class=HTMLResponse)
    async def register(request: Request) -> HTMLResponse:
        form = await request.form()
        values = _text_values(form, REGISTER_FIELDS)
        values["account_type"] = "company" if values.get("account_type") == "company" else "private"
        errors = views.FormErrors(REGISTER_FIELDS)
        if values.get("password") != values.get("password_repeat"):
            errors.add("password_repeat", "Hasła nie są takie same.")
        company = values["account_type"] == "company"
        if company and not values.get("tax_id"):
            errors.add("tax_id", "Podaj NIP firmy.")
        if company and not values.get("vat_country"):
            errors.add("vat_country", "Wybierz kraj VAT.")
        if not errors:
            body: dict[str, Any] = {
                key: values.get(key, "")
                for key in (
                    "account_type",
                    "full_name",
                    "email",
                    "password",
                    "document_number",
                    "document_total",
                )
            }
            if company:
                body["vat_country"] = values.get("vat_country")
                body["tax_id"] = values.get("tax_id")
            try:
                answer = await backend(request).call("accounts", "POST", "/api/accounts", json=body)
            except ApiError as error:
                if error.status_code >= 500:
                    raise
                errors.merge(error)
            else:
                return render(
                    request,
                    "registered.html",
                    message=answer.get("message", ""),
                    notices=answer.get("notices", []),
                    email=values.get("email", ""),
                )
        # Passwords are never sent back to the browser.
        values.pop("password", None)
        values.pop("password_repeat", None)
        return render(request, "register.html", status_code=422, values=values, errors=errors)

    @app.get("/activate", response_class=HTMLResponse)
    async def activation_page(request: Request, token: str = "") -> HTMLResponse:
        # The link in the email only opens this page; mail scanners follow links, so the
        # single-use token is spent only by the button's POST.
        return render(request, "activate.html", token=token)

    async def spend_emailed_token(
        request: Request, page: str, api_path: str, done_url: str
    ) -> Response:
        """The button of a page an emailed link opened: spends the link's single-use token."""
        form = await request.form()
        token = str(form.get("token") or "")
        try:
            await backend(request).call("accounts", "POST", api_path, json={"token": token})
        except ApiError as error:
            if error.status_code >= 500:
                raise
            message = error.errors[0].message if error.errors else error.detail
            return render(request, page, status_code=400, token=token, failure=message)
        return RedirectResponse(done_url, status_code=303)

    @app.post("/activate", response_class=HTMLResponse)
    async def activate(request: Request) -> Response:
        return await spend_emailed_token(
            request, "activate.html", "/api/accounts/activation", "/login?done=activated"
        )

    @app.get("/login", response_class=HTMLResponse)
    async def login_page(request: Request, next: str = "") -> HTMLResponse:
        return render(request, "login.html", next=safe_next(next, "/home"), operator_form=False)

    @app.post("/login", response_class=HTMLResponse)
    async def login(request: Request) -> Response:
        return await _login(request, operator=False)

    @app.get("/operator/login", response_class=HTMLResponse)
    async def operator_login_page(request: Request, next: str = "") -> HTMLResponse:
        return render(request, "login.html", next=safe_next(next, "/operator"), operator_form=True)

    @app.post("/operator/login", response_class=HTMLResponse)
    async def operator_login(request: Request) -> Response:
        return await _login(request, operator=True)

    async def _login(request: Request, operator: bool) -> Response:
        form = await request.form()
        values = _text_values(form, ("email", "password", "next"))
        default = "/operator" if operator else "/home"
        next_page = safe_next(values.get("next"), default)
        errors = views.FormErrors(("email", "password"))
        path = "/api/auth/operator-login" if operator else "/api/auth/login"
        try:
            answer = await backend(request).call(
                "accounts",
                "POST",
                path,
                json={"email": values.get("email", ""), "password": values.get("password", "")},
            )
        except ApiError as error:
            if error.status_code >= 500:
                raise
            errors.merge(error)
            values.pop("password", None)
            return render(
                request,
                "login.html",
                status_code=401 if error.status_code == 401 else 422,
                values=values,
                errors=errors,
                next=next_page,
                operator_form=operator,
            )
        response = RedirectResponse(next_page, status_code=303)
        cookie = OPERATOR_COOKIE if operator else CUSTOMER_COOKIE
        set_token(response, cookie, answer["access_token"])
        return response

    @app.post("/logout")
    async def logout() -> Response:
        response = RedirectResponse("/login?done=logged_out", status_code=303)
        response.delete_cookie(CUSTOMER_COOKIE)
        return response

    @app.post("/operator/logout")
    async def operator_logout() -> Response:
        response = RedirectResponse("/operator/login?done=logged_out", status_code=303)
        response.delete_cookie(OPERATOR_COOKIE)
        return response

    # --- the account: lost password, activation link, email address -------------------------

    async def email_request(request: Request, page: str, path: str) -> HTMLResponse:
        """A form with one email field whose API always answers alike (no account enumeration)."""
        form = await request.form()
        values = _text_values(form, ("email",))
        errors = views.FormErrors(("email",))
        try:
            answer = await backend(request).call("accounts", "POST", path, json=values)
        except ApiError as error:
            if error.status_code >= 500:
                raise
            errors.merge(error)
            return render(request, page, status_code=422, values=values, errors=errors)
        return render(request, page, sent=answer["message"], values=values)

    @app.get("/password-reset", response_class=HTMLResponse)
    async def password_reset_page(request: Request) -> HTMLResponse:
        return render(request, "password_reset.html")

    @app.post("/password-reset", response_class=HTMLResponse)
    async def password_reset(request: Request) -> HTMLResponse:
        return await email_request(request, "password_reset.html", "/api/auth/password-reset")

    @app.get("/activation/resend", response_class=HTMLResponse)
    async def resend_activation_page(request: Request) -> HTMLResponse:
        return render(request, "activation_resend.html")

    @app.post("/activation/resend", response_class=HTMLResponse)
    async def resend_activation(request: Request) -> HTMLResponse:
        return await email_request(
            request, "activation_resend.html", "/api/accounts/activation/resend"
        )

    @app.get("/reset-password", response_class=HTMLResponse)
    async def new_password_page(request: Request, token: str = "") -> HTMLResponse:
        # The emailed link opens this form; the token is spent only when the form is sent.
        return render(request, "new_password.html", token=token)

    @app.post("/reset-password", response_class=HTMLResponse)
    async def new_password(request: Request) -> Response:
        form = await request.form()
        values = _text_values(form, ("token", *NEW_PASSWORD_FIELDS))
        token = values.pop("token", "")
        errors = views.FormErrors(NEW_PASSWORD_FIELDS)
        if values.get("new_password") != values.get("new_password_repeat"):
            errors.add("new_password_repeat", "Hasła nie są takie same.")
        if not errors:
            try:
                await backend(request).call(
                    "accounts",
                    "POST",
                    "/api/auth/password-reset/confirm",
                    json={"token": token, "new_password": values.get("new_password", "")},
                )
            except ApiError as error:
                if error.status_code >= 500:
                    raise
                errors.merge(error)
            else:
                return RedirectResponse("/login?done=password_changed", status_code=303)
        return render(request, "new_password.html", status_code=422, token=token, errors=errors)

    @app.get("/account", response_class=HTMLResponse)
    async def account_page(request: Request) -> HTMLResponse:
        token = customer_token(request)
        profile = await backend(request).call("accounts", "GET", "/api/me", token=token)
        return render(request, "account.html", profile=profile)

    @app.post("/account/email", response_class=HTMLResponse)
    async def change_email(request: Request) -> HTMLResponse:
        token = customer_token(request)
        form = await request.form()
        values = _text_values(form, EMAIL_CHANGE_FIELDS)
        errors = views.FormErrors(EMAIL_CHANGE_FIELDS)
        sent = None
        try:
            answer = await backend(request).call(
                "accounts", "POST", "/api/me/email", token=token, json=values
            )
            sent = answer["message"]
        except Unauthorized:
            raise
        except ApiError as error:
            if error.status_code >= 500:
                raise
            errors.merge(error)
        profile = await backend(request).call("accounts", "GET", "/api/me", token=token)
        values.pop("password", None)
        return render(
            request,
            "account.html",
            status_code=422 if errors else 200,
            profile=profile,
            values=values,
            errors=errors,
            sent=sent,
        )

    @app.get("/confirm-email", response_class=HTMLResponse)
    async def confirm_email_page(request: Request, token: str = "") -> HTMLResponse:
        return render(request, "confirm_email.html", token=token)

    @app.post("/confirm-email", response_class=HTMLResponse)
    async def confirm_email(request: Request) -> Response:
        target = "/account" if request.cookies.get(CUSTOMER_COOKIE) else "/login"
        return await spend_emailed_token(
            request, "confirm_email.html", "/api/me/email/confirm", f"{target}?done=email_changed"
        )

    # --- the customer's home page ----------------------------------------------------------

    async def home_context(request: Request, token: str, q: str, ean: str) -> dict[str, Any]:
        api = backend(request)
        profile, claims = await asyncio.gather(
            api.call("accounts", "GET", "/api/me", token=token),
            api.call("claims", "GET", "/api/claims", token=token, params={"q": q[:80]}),
        )
        context: dict[str, Any] = {"profile": profile, "claims": claims, "q": q, "ean": ean}
        if ean:
            try:
                context["support"] = await api.call(
                    "warranty", "GET", f"/api/support-period/{quote(ean.strip(), safe='')}"
                )
            except ApiError as error:
                if error.status_code >= 500:
                    raise
                context["support_error"] = error.errors[0].message if error.errors else error.detail
        return context

    @app.get("/home", response_class=HTMLResponse)
    async def home(request: Request, q: str = "", ean: str = "") -> HTMLResponse:
        token = customer_token(request)
        return render(request, "home.html", **await home_context(request, token, q, ean))

    @app.post("/documents", response_class=HTMLResponse)
    async def link_document(request: Request) -> HTMLResponse:
        token = customer_token(request)
        form = await request.form()
        values = _text_values(form, ("document_number", "document_total"))
        errors = views.FormErrors(("document_number", "document_total"))
        linked: dict[str, Any] | None = None
        try:
            linked = await backend(request).call(
                "accounts", "POST", "/api/me/documents", token=token, json=values
            )
        except Unauthorized:
            raise
        except ApiError as error:
            if error.status_code >= 500:
                raise
            errors.merge(error)
        context = await home_context(request, token, "", "")
        return render(
            request,
            "home.html",
            status_code=422 if errors else 200,
            values={} if linked else values,
            errors=errors,
            linked=linked,
            **context,
        )

    # --- claims of the customer ------------------------------------------------------------

    async def products_of(request: Request, token: str) -> list[dict[str, Any]]:
        products: list[dict[str, Any]] = await backend(request).call(
            "accounts", "GET", "/api/me/products", token=token
        )
        for product in products:
            product["key"] = views.product_key(
                product["document_type"], product["document_number"], product["line_no"]
            )
        return products

    async def options_of(
        request: Request, token: str, product: dict[str, Any] | None
    ) -> dict[str, Any]:
        """The chosen product's claim types (allowed or not, and why) and problem list. Without
        a product, or when the claims service cannot say, every type is offered: saving checks."""
        unknown: dict[str, Any] = {"claim_types": views.claim_type_choices(None), "problems": []}
        if product is None:
            return unknown
        try:
            options: dict[str, Any] = await backend(request).call(
                "claims",
                "GET",
                "/api/claim-options",
                token=token,
                params={
                    "document_type": product["document_type"],
                    "document_number": product["document_number"],
                    "line_no": str(product["line_no"]),
                },
            )
        except Unauthorized:
            raise
        except ApiError:
            return unknown
        return {
            "claim_types": views.claim_type_choices(options.get("claim_types")),
            "problems": [str(problem) for problem in options.get("problems") or []],
        }

    async def claim_form(
        request: Request,
        token: str,
        values: dict[str, str],
        errors: views.FormErrors,
        status_code: int = 200,
        serial_check: dict[str, Any] | None = None,
    ) -> HTMLResponse:
        products = await products_of(request, token)
        chosen = next((p for p in products if p["key"] == values.get("product")), None)
        if chosen is None and len(products) == 1:
            chosen = products[0]
            values.setdefault("product", chosen["key"])
        return render(
            request,
            "claim_new.html",
            status_code=status_code,
            products=products,
            values=values,
            errors=errors,
            serial_check=serial_check,
            **await options_of(request, token, chosen),
        )

    @app.get("/claims/new", response_class=HTMLResponse)
    async def new_claim_page(request: Request, product: str = "") -> HTMLResponse:
        token = customer_token(request)
        return await claim_form(request, token, {"product": product}, views.FormErrors())

    @app.post("/claims/new", response_class=HTMLResponse)
    async def new_claim(request: Request) -> Response:
        token = customer_token(request)
        form = await request.form()
        values = _text_values(form, (*CLAIM_FIELDS, "action"))
        errors = views.FormErrors(CLAIM_FIELDS)
        if values.pop("action", "") == "check_serial":
            # Without JavaScript, Enter in the serial field lands here: check, keep the rest.
            serial = values.get("serial_number", "")
            check = await _serial_check(request, token, serial) if serial else None
            if not serial:
                errors.add("serial_number", "Wpisz numer seryjny, aby go sprawdzić.")
            return await claim_form(request, token, values, errors, serial_check=check)
        # The claims API checks every field at once (a missing one too), so the customer sees
        # all that is wrong in one go; only an oversized file is stopped here, before sending.
        data = {
            key: values[key]
            for key in CLAIM_FIELDS
            if key not in ("product", "attachment") and values.get(key)
        }
        data.update(views.parse_product_key(values.get("product", "")) or {})
        files: dict[str, tuple[str, bytes, str]] = {}
        upload = form.get("attachment")
        if isinstance(upload, UploadFile) and upload.filename:
            content = await upload.read(MAX_UPLOAD_BYTES + 1)
            if len(content) > MAX_UPLOAD_BYTES:
                errors.add("attachment", "Plik jest za duży (najwyżej 10 MB).")
                return await claim_form(request, token, values, errors, status_code=413)
            files["attachment"] = (
                upload.filename,
                content,
                upload.content_type or "application/octet-stream",
            )
        try:
            created = await backend(request).call(
                "claims",
                "POST",
                "/api/claims",
                token=token,
                data=data,
                files=files,
            )
        except Unauthorized:
            raise
        except ApiError as error:
            if error.status_code >= 500:
                raise
            errors.merge(error, CLAIM_ALIASES)
            return await claim_form(request, token, values, errors, status_code=422)
        return RedirectResponse(f"/claims/{created['claim_id']}?done=created", status_code=303)

    async def _serial_check(request: Request, token: str, serial: str) -> dict[str, Any]:
        answer: dict[str, Any] = await backend(request).call(
            "claims", "GET", "/api/serial-check", token=token, params={"serial_number": serial}
        )
        return answer

    @app.get("/claims/serial-check")
    async def serial_check(request: Request, serial_number: str = "") -> JSONResponse:
        token = request.cookies.get(CUSTOMER_COOKIE)
        if not token:
            return JSONResponse({"message": "Zaloguj się ponownie."}, status_code=401)
        if not serial_number.strip():
            return JSONResponse(
                {"known": False, "message": "Wpisz numer seryjny, aby go sprawdzić."}
            )
        try:
            return JSONResponse(await _serial_check(request, token, serial_number))
        except ApiError as error:
            return JSONResponse({"message": error.detail}, status_code=error.status_code)

    @app.get("/claims/options")
    async def claim_options(request: Request, product: str = "") -> JSONResponse:
        """The claim form's script asks this when the customer picks another product."""
        token = request.cookies.get(CUSTOMER_COOKIE)
        if not token:
            return JSONResponse({"message": "Zaloguj się ponownie."}, status_code=401)
        # No need to list the customer's products first: the claims API answers only for a
        # product of the customer's own linked documents.
        try:
            return JSONResponse(await options_of(request, token, views.parse_product_key(product)))
        except Unauthorized:
            return JSONResponse({"message": "Zaloguj się ponownie."}, status_code=401)

    @app.get("/claims/{claim_id}", response_class=HTMLResponse)
    async def claim_page(request: Request, claim_id: str) -> HTMLResponse:
        token = customer_token(request)
        claim = await backend(request).call(
            "claims", "GET", f"/api/claims/{quote(claim_id, safe='')}", token=token
        )
        return render(request, "claim.html", **claim_context(claim))

    @app.get("/claims/{claim_id}/label")
    async def claim_label(request: Request, claim_id: str) -> Response:
        token = customer_token(request)
        label = await backend(request).download(
            "claims", f"/api/claims/{quote(claim_id, safe='')}/label", token=token
        )
        return Response(
            label.content,
            media_type="application/pdf",
            headers={"Content-Disposition": label.headers.get("content-disposition", "attachment")},
        )

    @app.post("/claims/{claim_id}/price-reduction", response_class=HTMLResponse)
    async def price_reduction(request: Request, claim_id: str) -> Response:
        token = customer_token(request)
        form = await request.form()
        accept = form.get("accept") == "yes"
        path = f"/api/claims/{quote(claim_id, safe='')}"
        try:
            await backend(request).call(
                "claims", "POST", f"{path}/price-reduction", token=token, json={"accept": accept}
            )
        except Unauthorized:
            raise
        except ApiError as error:
            if error.status_code >= 500:
                raise
            claim = await backend(request).call("claims", "GET", path, token=token)
            errors = views.FormErrors(("accept",))
            errors.merge(error)
            return render(
                request, "claim.html", status_code=409, errors=errors, **claim_context(claim)
            )
        done = "accepted" if accept else "refused"
        return RedirectResponse(f"/claims/{claim_id}?done={done}", status_code=303)

    @app.post("/claims/{claim_id}/cancel", response_class=HTMLResponse)
    async def cancel_claim(request: Request, claim_id: str) -> Response:
        token = customer_token(request)
        path = f"/api/claims/{quote(claim_id, safe='')}"
        try:
            await backend(request).call("claims", "POST", f"{path}/cancel", token=token)
        except Unauthorized:
            raise
        except ApiError as error:
            if error.status_code >= 500 or error.status_code == 404:
                raise
            claim = await backend(request).call("claims", "GET", path, token=token)
            errors = views.FormErrors()
            errors.merge(error)
            return render(
                request, "claim.html", status_code=409, errors=errors, **claim_context(claim)
            )
        return RedirectResponse(f"/claims/{claim_id}?done=cancelled", status_code=303)

    @app.post("/claims/{claim_id}/answer", response_class=HTMLResponse)
    async def answer_request(request: Request, claim_id: str) -> Response:
        token = customer_token(request)
        form = await request.form()
        values = _text_values(form, ("message",))
        path = f"/api/claims/{quote(claim_id, safe='')}"
        try:
            await backend(request).call(
                "claims", "POST", f"{path}/answer", token=token, json=values
            )
        except Unauthorized:
            raise
        except ApiError as error:
            if error.status_code >= 500:
                raise
            claim = await backend(request).call("claims", "GET", path, token=token)
            errors = views.FormErrors(("message",))
            errors.merge(error)
            return render(
                request,
                "claim.html",
                status_code=422,
                errors=errors,
                values=values,
                **claim_context(claim),
            )
        return RedirectResponse(f"/claims/{claim_id}?done=answered", status_code=303)

    def claim_context(claim: dict[str, Any]) -> dict[str, Any]:
        decision = claim.get("decision")
        return {
            "claim": claim,
            "deadlines": views.deadline_rows(claim, date.today()),
            "reduction_open": bool(
                decision
                and decision.get("decision") == "price_reduction"
                and not decision.get("customer_response")
                and claim.get("status") == "decided"
            ),
        }

    # --- operators ---------------------------------------------------------------------------

    async def dashboard_context(request: Request, token: str) -> dict[str, Any]:
        api = backend(request)
        counts, open_claims, ended_claims, parcels, emails = await asyncio.gather(
            api.call("claims", "GET", "/api/operator/claims/counts", token=token),
            # Open claims beyond the limit: those waiting longest, whose deadlines come first.
            listed_claims(api, token, OPEN_STATUSES, OPEN_CLAIMS_SHOWN, oldest_first=True),
            listed_claims(api, token, ENDED_STATUSES, ENDED_CLAIMS_SHOWN, oldest_first=False),
            api.call("claims", "GET", "/api/operator/parcels/unidentified", token=token),
            failed_emails(api, token),
        )
        today = date.today()
        for claim in open_claims:
            claim["next_deadline"] = next_deadline(claim, today)
        for claim in ended_claims:
            claim["next_deadline"] = None  # an ended claim has no deadline running
        claims = [*open_claims, *ended_claims]
        at_risk = [
            c for c in claims if c["next_deadline"] is not None and c["next_deadline"]["at_risk"]
        ]
        at_risk.sort(key=lambda c: c["next_deadline"]["due_on"])
        groups = []
        for status in views.STATUS_ORDER:
            members = [c for c in claims if c["status"] == status]
            # Within a group, the claims whose deadline comes first come first.
            members.sort(
                key=lambda c: (
                    c["next_deadline"] is None,
                    c["next_deadline"]["due_on"] if c["next_deadline"] else today,
                    c["created_at"],
                )
            )
            groups.append(
                {
                    "status": status,
                    "name": views.STATUS_NAMES[status],
                    "claims": members,
                    "count": counts.get(status, 0),
                    "open": status in OPEN_STATUSES,
                }
            )
        return {
            "groups": groups,
            "at_risk": at_risk,
            "parcels": parcels,
            "total": sum(counts.values()),
            "failed_emails": emails,
        }

    async def listed_claims(
        api: Backend, token: str, statuses: tuple[str, ...], limit: int, oldest_first: bool
    ) -> list[dict[str, Any]]:
        claims: list[dict[str, Any]] = await api.call(
            "claims",
            "GET",
            "/api/operator/claims",
            token=token,
            params={
                "status": list(statuses),
                "limit": str(limit),
                "oldest_first": "true" if oldest_first else "false",
            },
        )
        return claims

    def next_deadline(claim: dict[str, Any], today: date) -> dict[str, Any] | None:
        rows = views.deadline_rows(claim, today)
        return next((row for row in rows if row["due_on"] and not row["met"]), None)

    async def failed_emails(api: Any, token: str) -> list[dict[str, Any]] | None:
        """Emails the SMTP server never took; None when the notifications service is away."""
        try:
            listed: list[dict[str, Any]] = await api.call(
                "notifications",
                "GET",
                "/api/emails",
                token=token,
                params={"status": "failed", "limit": "20"},
            )
        except Unauthorized:
            raise
        except ApiError:
            return None
        return listed

    @app.get("/operator", response_class=HTMLResponse)
    async def dashboard(request: Request) -> HTMLResponse:
        token = operator_token(request)
        return render(request, "dashboard.html", **await dashboard_context(request, token))

    @app.get("/operator/fragment", response_class=HTMLResponse)
    async def dashboard_fragment(request: Request) -> Response:
        token = request.cookies.get(OPERATOR_COOKIE)
        if not token:
            return Response(status_code=401)
        try:
            context = await dashboard_context(request, token)
        except Unauthorized:
            return Response(status_code=401)
        return render(request, "_dashboard_live.html", **context)

    @app.get("/operator/events")
    async def events(request: Request) -> Response:
        token = request.cookies.get(OPERATOR_COOKIE)
        if not token:
            return Response("Zaloguj się jako operator.", status_code=401)
        # The APIs verify tokens; a cheap operator-only call tells whether this one is valid.
        try:
            await backend(request).call(
                "claims", "GET", "/api/operator/parcels/unidentified", token=token
            )
        except ApiError as error:
            return Response(error.detail, status_code=401 if error.status_code == 401 else 403)

        async def stream() -> AsyncIterator[str]:
            async with hub.subscribe() as queue:
                yield "retry: 3000\n: connected\n\n"
                while not await request.is_disconnected():
                    try:
                        summary = await asyncio.wait_for(queue.get(), timeout=15)
                    except TimeoutError:
                        yield ": keep-alive\n\n"
                        continue
                    yield f"event: change\ndata: {json.dumps(summary)}\n\n"

        return StreamingResponse(
            stream(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    def operator_claim_context(claim: dict[str, Any]) -> dict[str, Any]:
        return {
            **claim_context(claim),
            "targets": views.operator_targets(claim["status"]),
            "reasons": views.rejection_reasons(claim.get("claim_type", "")),
            "deductions": views.DEDUCTIONS,
        }

    async def operator_claim_page(
        request: Request,
        token: str,
        claim_id: str,
        status_code: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        claim = await backend(request).call(
            "claims", "GET", f"/api/operator/claims/{quote(claim_id, safe='')}", token=token
        )
        return render(
            request,
            "operator_claim.html",
            status_code=status_code,
            **{**operator_claim_context(claim), **context},
        )

    @app.get("/operator/claims/{claim_id}", response_class=HTMLResponse)
    async def operator_claim(request: Request, claim_id: str) -> HTMLResponse:
        return await operator_claim_page(request, operator_token(request), claim_id)

    @app.post("/operator/claims/{claim_id}/status", response_class=HTMLResponse)
    async def operator_move(request: Request, claim_id: str) -> Response:
        token = operator_token(request)
        form = await request.form()
        values = _text_values(form, ("status", "note", "tracking_number"))
        body = {
            "status": values.get("status", ""),
            "note": values.get("note") or None,
            "tracking_number": values.get("tracking_number") or None,
        }
        try:
            await backend(request).call(
                "claims",
                "POST",
                f"/api/operator/claims/{quote(claim_id, safe='')}/status",
                token=token,
                json=body,
            )
        except Unauthorized:
            raise
        except ApiError as error:
            if error.status_code >= 500:
                raise
            errors = views.FormErrors(("status", "note", "tracking_number"))
            errors.merge(error)
            return await operator_claim_page(
                request,
                token,
                claim_id,
                status_code=422,
                move_values=values,
                move_errors=errors,
            )
        return RedirectResponse(f"/operator/claims/{claim_id}?done=moved", status_code=303)

    @app.post("/operator/claims/{claim_id}/decision", response_class=HTMLResponse)
    async def operator_decide(request: Request, claim_id: str) -> Response:
        token = operator_token(request)
        form = await request.form()
        names = (
            *DECISION_FIELDS,
            *(f"deduction_{kind}" for kind in views.DEDUCTIONS),
        )
        values = _text_values(form, names)
        errors = views.FormErrors(DECISION_FIELDS)
        body: dict[str, Any] = {
            "decision": values.get("decision", ""),
            "justification": values.get("justification", ""),
            "rejection_reason": values.get("rejection_reason") or None,
        }
        for name in ("amount", "missing_accessories_value"):
            try:
                amount = views.parse_amount(values.get(name, ""))
            except ValueError:
                errors.add(name, "Podaj kwotę, np. 199,99.")
            else:
                if amount is not None:
                    body[name] = str(amount)
        deductions: dict[str, int] = {}
        for kind in views.DEDUCTIONS:
            text = values.get(f"deduction_{kind}", "").strip().rstrip("%").strip()
            if not text:
                continue
            if not text.isdigit():
                errors.add("deductions", "Potrącenia podaj w pełnych procentach, np. 20.")
                continue
            deductions[kind] = int(text)
        body["deductions"] = deductions
        if not errors:
            try:
                await backend(request).call(
                    "claims",
                    "POST",
                    f"/api/operator/claims/{quote(claim_id, safe='')}/decision",
                    token=token,
                    json=body,
                )
            except Unauthorized:
                raise
            except ApiError as error:
                if error.status_code >= 500:
                    raise
                errors.merge(error)
            else:
                return RedirectResponse(
                    f"/operator/claims/{claim_id}?done=decided", status_code=303
                )
        return await operator_claim_page(
            request,
            token,
            claim_id,
            status_code=422,
            decision_values=values,
            decision_errors=errors,
        )

    @app.post("/operator/parcels/{parcel_id}/attach", response_class=HTMLResponse)
    async def attach_parcel(request: Request, parcel_id: str) -> Response:
        token = operator_token(request)
        form = await request.form()
        rma_number = str(form.get("rma_number") or "").strip()
        try:
            answer = await backend(request).call(
                "claims",
                "POST",
                f"/api/operator/parcels/{quote(parcel_id, safe='')}/attach",
                token=token,
                json={"rma_number": rma_number},
            )
        except Unauthorized:
            raise
        except ApiError as error:
            if error.status_code >= 500:
                raise
            errors = views.FormErrors(("rma_number",))
            errors.merge(error)
            context = await dashboard_context(request, token)
            return render(
                request,
                "dashboard.html",
                status_code=422,
                attach_errors={parcel_id: errors},
                attach_values={parcel_id: rma_number},
                **context,
            )
        return RedirectResponse(
            f"/operator/claims/{answer['claim_id']}?done=attached", status_code=303
        )

    return app


def _text_values(form: FormData, names: tuple[str, ...]) -> dict[str, str]:
    values: dict[str, str] = {}
    for name in names:
        value = form.get(name)
        if isinstance(value, str):
            values[name] = value if name in SECRET_FIELDS else value.strip()
    return values
