"""Jinja2 rendering of the email templates, with Polish formatting of dates and amounts (Babel)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency
from jinja2 import Environment, PackageLoader, StrictUndefined

_TIMEZONE = ZoneInfo("Europe/Warsaw")


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def _datetime_pl(value: datetime) -> str:
    return format_datetime(value, "d MMMM y, HH:mm", tzinfo=_TIMEZONE, locale="pl_PL")


def _date_pl(value: date) -> str:
    return format_date(value, "d MMMM y", locale="pl_PL")


def _money_pl(value: Decimal, currency: str = "PLN") -> str:
    return format_currency(value, currency, locale="pl_PL")


class TemplateRenderer:
    def __init__(self) -> None:
        self._environments = {
            autoescape: Environment(
                loader=PackageLoader("services.notifications", "templates"),
                autoescape=autoescape,
                undefined=StrictUndefined,
                keep_trailing_newline=True,
            )
            for autoescape in (True, False)
        }
        for environment in self._environments.values():
            environment.filters.update(
                datetime_pl=_datetime_pl, date_pl=_date_pl, money_pl=_money_pl
            )

    def render(self, template: str, language: str, context: dict[str, Any]) -> RenderedEmail:
        folder = language if language in ("pl", "en") else "pl"
        plain = self._environments[False]
        html = self._environments[True]
        subject = plain.get_template(f"{folder}/{template}.subject.j2").render(context).strip()
        values = {**context, "subject": subject, "language": folder}
        return RenderedEmail(
            subject=subject,
            text=plain.get_template(f"{folder}/{template}.txt.j2").render(values),
            html=html.get_template(f"{folder}/{template}.html.j2").render(values),
        )
