"""Jinja2 rendering of the email templates, with dates and amounts formatted in the email's
language (Babel)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency
from jinja2 import Environment, PackageLoader, StrictUndefined, Template, pass_context
from jinja2.runtime import Context

from shared.service_centre import SERVICE_CENTRE

_TIMEZONE = ZoneInfo("Europe/Warsaw")


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


# Dates and amounts in the email's language: "21 lutego 2026" or "21 February 2026".
_LOCALES = {"pl": "pl_PL", "en": "en_GB"}


def _locale(context: Context) -> str:
    return _LOCALES.get(context.get("language", "pl"), "pl_PL")


@pass_context
def _local_datetime(context: Context, value: datetime) -> str:
    return format_datetime(value, "d MMMM y, HH:mm", tzinfo=_TIMEZONE, locale=_locale(context))


@pass_context
def _local_date(context: Context, value: date) -> str:
    if type(value) is not date:  # a datetime: equal instants in other zones fall on other days
        return format_date(value, "d MMMM y", locale=_locale(context))
    return _formatted_date(value, _locale(context))


# Babel builds each date again from its locale's data: a fifth of rendering a verdict's email.
# A warranty's end and a claim's deadlines fall on the same few hundred days for every claim.
@functools.lru_cache(maxsize=4096)
def _formatted_date(value: date, locale: str) -> str:
    return format_date(value, "d MMMM y", locale=locale)


# English readers get "1,249.90 PLN" (the locale's default glues the code on: "PLN1,249.90").
_MONEY_PATTERNS = {"en_GB": "#,##0.00\u00a0\u00a4\u00a4"}


@pass_context
def _money(context: Context, value: Decimal, currency: str = "PLN") -> str:
    locale = _locale(context)
    return format_currency(value, currency, _MONEY_PATTERNS.get(locale), locale=locale)


class TemplateRenderer:
    """Renders the three blocks of `templates/<language>/<name>.j2`: subject, text and html.

    The plain parts come from an environment without autoescaping (so "R&D" stays "R&D" in the
    text), the HTML part from one that escapes every value.
    """

    def __init__(self) -> None:
        self._plain = self._environment(autoescape=False)
        self._html = self._environment(autoescape=True)

    @staticmethod
    def _environment(*, autoescape: bool) -> Environment:
        environment = Environment(
            loader=PackageLoader("services.notifications", "templates"),
            autoescape=autoescape,
            undefined=StrictUndefined,
            keep_trailing_newline=True,
            # The templates ship with the code: no stat of the file before every render.
            auto_reload=False,
        )
        environment.filters.update(
            local_datetime=_local_datetime, local_date=_local_date, money=_money
        )
        environment.globals["service_centre"] = SERVICE_CENTRE.one_line
        return environment

    def render(self, template: str, language: str, context: dict[str, Any]) -> RenderedEmail:
        folder = language if language in ("pl", "en") else "pl"
        name = f"{folder}/{template}.j2"
        values = {**context, "language": folder}
        plain = self._plain.get_template(name)
        # The subject and the text are blocks of the template: both rendered from one context,
        # without a render of the whole template for each (a third of composing an email).
        plain_context = plain.new_context({**values, "part": "text"})
        html = self._html.get_template(name).render({**values, "part": "html"})
        return RenderedEmail(
            subject=" ".join(_block(plain, "subject", plain_context).split()),
            text=_block(plain, "text", plain_context).strip() + "\n",
            html=html.strip() + "\n",
        )


def _block(template: Template, name: str, context: Context) -> str:
    return "".join(template.blocks[name](context))
