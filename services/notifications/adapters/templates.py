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
        self._templates: dict[str, tuple[_Compiled, _Compiled]] = {}

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
        values = {**context, "language": folder}
        plain, html = self._compiled(f"{folder}/{template}.j2")
        # The subject and the text are blocks of the template: both rendered from one context,
        # without a render of the whole template for each (a third of composing an email).
        plain_context = plain.context({**values, "part": "text"})
        return RenderedEmail(
            subject=" ".join(_block(plain.template, "subject", plain_context).split()),
            text=_block(plain.template, "text", plain_context).strip() + "\n",
            html=html.render({**values, "part": "html"}).strip() + "\n",
        )

    def _compiled(self, name: str) -> tuple[_Compiled, _Compiled]:
        if (found := self._templates.get(name)) is None:
            found = (
                _Compiled.of(self._plain.get_template(name)),
                _Compiled.of(self._html.get_template(name)),
            )
            self._templates[name] = found
        return found


@dataclass(frozen=True)
class _Compiled:
    """A template with its globals as one dict, made once. Template.new_context copies them out
    of their ChainMap into every render's context, in Python (7 us of an email's 50): here each
    context is the same dict, the render's values over the globals, made at once."""

    template: Template
    globals: dict[str, Any]

    @classmethod
    def of(cls, template: Template) -> _Compiled:
        return cls(template, dict(template.globals))

    def context(self, values: dict[str, Any]) -> Context:
        # shared: the dict is the context's as it is, the globals already in it.
        return self.template.new_context({**self.globals, **values}, shared=True)

    def render(self, values: dict[str, Any]) -> str:
        """Template.render, on that context."""
        try:
            return self.template.environment.concat(
                self.template.root_render_func(self.context(values))
            )
        except Exception:
            self.template.environment.handle_exception()


def _block(template: Template, name: str, context: Context) -> str:
    return "".join(template.blocks[name](context))
