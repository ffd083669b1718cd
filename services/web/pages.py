"""What every router of the panel shares: the templates, the logged-in caller, the language
and the messages shown after a redirect."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, pass_context
from jinja2.runtime import Context

from services.web import i18n, security, views, vocabulary
from services.web.clients import Apis, Caller
from services.web.forms import FormErrors
from services.web.i18n import N_
from shared.service_centre import SERVICE_CENTRE

HERE = Path(__file__).parent
CUSTOMER_COOKIE = "rma_session"
OPERATOR_COOKIE = "rma_operator"
SCANNER_COOKIE = "rma_scanner"

# Messages shown after a redirect, by code (never free text from the URL).
DONE_MESSAGES = {
    "activated": N_("Konto zostało aktywowane. Możesz się zalogować."),
    "logged_out": N_("Wylogowano."),
    "expired": N_("Sesja wygasła. Zaloguj się ponownie."),
    "created": N_("Zgłoszenie zostało zapisane."),
    "accepted": N_("Przyjęto obniżkę ceny."),
    "refused": N_("Odrzucono obniżkę ceny: serwis zaproponuje inne rozwiązanie."),
    "moved": N_("Status zgłoszenia został zmieniony."),
    "answered": N_("Wysłaliśmy Twoją odpowiedź do serwisu."),
    "decided": N_("Decyzja została zapisana i wysłana klientowi."),
    "attached": N_("Przesyłka została przypisana do zgłoszenia."),
    "statement": N_("Oświadczenie producenta zostało dołączone do zgłoszenia."),
    "evidence": N_("Stan przesyłki przy przyjęciu został zapisany."),
    "cancelled": N_("Zgłoszenie zostało anulowane."),
    "password_changed": N_("Hasło zostało zmienione. Zaloguj się nowym hasłem."),
    "email_changed": N_("Adres e-mail został zmieniony. Od teraz logujesz się nowym adresem."),
    "quote_accepted": N_("Przyjęto ofertę płatnej naprawy: naprawimy produkt i odeślemy go."),
    "quote_refused": N_("Odrzucono ofertę płatnej naprawy: odeślemy produkt bez naprawy."),
    "deductions_accepted": N_("Przyjęto potrącenia: zwrócimy pomniejszoną kwotę."),
    "goods_back": N_("Nie przyjęto potrąceń: odeślemy Ci towar."),
    "contact_saved": N_("Adres i telefon zostały zapisane."),
    "replaced": N_("Numer egzemplarza zastępczego został zapisany."),
    "shipped": N_("Zapisano odesłanie: klient otrzyma numer przesyłki e-mailem."),
    "refunded": N_("Zwrot pieniędzy został zapisany."),
    "delay_announced": N_("Klient otrzymał informację o opóźnieniu naprawy."),
    "registered": N_("Hulajnoga została zarejestrowana."),
    "handed_off": N_("Zapisano przekazanie do oficjalnego serwisu DJI: klient otrzyma e-mail."),
    "back_from_dji": N_("Zapisano powrót urządzenia z serwisu DJI: klient otrzyma e-mail."),
    "charged": N_("Opłata została dodana: klient otrzyma e-mail z danymi do przelewu."),
    "charge_paid": N_("Opłata została oznaczona jako opłacona."),
    "charge_waived": N_("Opłata została umorzona."),
    "warranty_void": N_("Zapisano utratę gwarancji egzemplarza."),
}


class LoginRequired(Exception):
    def __init__(self, operator: bool, expired: bool = False, *, scanner: bool = False) -> None:
        self.operator = operator
        self.expired = expired
        self.scanner = scanner


def _language(context: Context) -> str:
    return str(context.get("language", i18n.DEFAULT))


@pass_context
def _gettext(context: Context, text: str) -> str:
    return i18n.gettext(_language(context), text)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, count: int) -> str:
    return i18n.gettext(_language(context), singular if count == 1 else plural)


environment = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=True,
    extensions=["jinja2.ext.i18n"],
)
# `_("…")` in the templates: the page's language from its context.
environment.install_gettext_callables(  # type: ignore[attr-defined]
    _gettext, _ngettext, newstyle=True
)
templates = Jinja2Templates(env=environment)
templates.env.filters.update(
    t=pass_context(lambda ctx, text: i18n.translate(text, _language(ctx))),
    local_date=pass_context(lambda ctx, value: views.local_date(value, _language(ctx))),
    local_datetime=pass_context(lambda ctx, value: views.local_datetime(value, _language(ctx))),
    money=pass_context(lambda ctx, value: views.money(value, _language(ctx))),
    short_date=pass_context(lambda ctx, value: views.short_date(value, _language(ctx))),
    number=pass_context(lambda ctx, value: views.number(value, _language(ctx))),
    days_left=pass_context(lambda ctx, days: i18n.days_left(days, _language(ctx))),
)
templates.env.globals.update(
    STATUS_NAMES=vocabulary.STATUS_NAMES,
    CLAIM_TYPES=vocabulary.CLAIM_TYPES,
    DECISIONS=vocabulary.DECISIONS,
    REJECTION_REASONS=vocabulary.REJECTION_REASONS,
    DEADLINE_KINDS=vocabulary.DEADLINE_KINDS,
    REFUND_METHODS=vocabulary.REFUND_METHODS,
    PRICE_REDUCTIONS=vocabulary.PRICE_REDUCTIONS,
    CHARGE_KINDS=vocabulary.CHARGE_KINDS,
    VOID_REASONS=vocabulary.VOID_REASONS,
    SERVICE_CENTRE=SERVICE_CENTRE,
    BUYER_TYPES=vocabulary.BUYER_TYPES,
    OFFER_RESPONSES=vocabulary.OFFER_RESPONSES,
    ATTACHMENT_PURPOSES=vocabulary.ATTACHMENT_PURPOSES,
    VAT_OPTIONS=[(code, code) for code in views.VAT_COUNTRIES],
    new_idempotency_key=security.new_idempotency_key,
)


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    done = request.query_params.get("done", "")
    context.setdefault("notice", DONE_MESSAGES.get(done))
    context.setdefault("next_path", request.url.path)
    context.setdefault("errors", FormErrors())
    context.setdefault("values", {})
    context.setdefault("customer", bool(request.cookies.get(CUSTOMER_COOKIE)))
    context.setdefault("operator", bool(request.cookies.get(OPERATOR_COOKIE)))
    context["language"] = i18n.language_of(request)
    context["other_languages"] = {
        code: name for code, name in i18n.LANGUAGE_NAMES.items() if code != context["language"]
    }
    context["csrf_token"] = security.csrf_token(request)
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def safe_next(value: str | None, default: str) -> str:
    # Only paths of this site: never `//host` or a full URL.
    if value and value.startswith("/") and not value.startswith("//"):
        return value
    return default


def get_apis(request: Request) -> Apis:
    apis: Apis = request.app.state.apis
    return apis


def _caller(request: Request, token: str | None) -> Caller:
    return Caller(
        token=token,
        language=i18n.language_of(request),
        client_ip=request.client.host if request.client else None,
    )


def visitor(request: Request) -> Caller:
    """Someone not (necessarily) logged in."""
    return _caller(request, None)


def customer(request: Request) -> Caller:
    token = request.cookies.get(CUSTOMER_COOKIE)
    if not token:
        raise LoginRequired(operator=False)
    return _caller(request, token)


def operator(request: Request) -> Caller:
    token = request.cookies.get(OPERATOR_COOKIE)
    if not token:
        raise LoginRequired(operator=True)
    return _caller(request, token)


def scanner(request: Request) -> Caller:
    """A warehouse scanner's login (the device's API key, exchanged for a token)."""
    token = request.cookies.get(SCANNER_COOKIE)
    if not token:
        raise LoginRequired(operator=False, scanner=True)
    return _caller(request, token)


ApisDep = Annotated[Apis, Depends(get_apis)]
Visitor = Annotated[Caller, Depends(visitor)]
Customer = Annotated[Caller, Depends(customer)]
Operator = Annotated[Caller, Depends(operator)]
Scanner = Annotated[Caller, Depends(scanner)]
