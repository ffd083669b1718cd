"""Postal addresses and phone numbers as a service centre ships to them: one check for accounts
(the address kept on the account) and claims (another address given on one claim)."""

from __future__ import annotations

import re

from shared.errors import BusinessRuleError, Message
from shared.events import PostalAddress

POLISH_POSTAL_CODE = re.compile(r"\d{2}-\d{3}")
_COUNTRY = re.compile(r"[A-Z]{2}")
_PHONE = re.compile(r"\+?[0-9]{9,15}")


def _required(value: str | None, field: str, name_pl: str, name_en: str) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise BusinessRuleError(
            f"{field}_required",
            Message(f"Podaj {name_pl}.", f"Enter the {name_en}."),
            field=field,
        )
    if len(text) > 200:
        raise BusinessRuleError(
            f"{field}_too_long",
            Message(f"Pole „{name_pl}” jest za długie.", f"The {name_en} is too long."),
            field=field,
        )
    return text


def normalise_phone(phone: str | None, field: str = "phone") -> str | None:
    """Digits with an optional leading +; spaces and dashes people type are dropped."""
    text = re.sub(r"[\s\-()]", "", phone or "")
    if not text:
        return None
    if not _PHONE.fullmatch(text):
        raise BusinessRuleError(
            "phone_invalid",
            Message(
                "Podaj numer telefonu: same cyfry (9–15), opcjonalnie z + na początku.",
                "Enter a phone number: 9 to 15 digits, optionally starting with +.",
            ),
            field=field,
        )
    return text


def postal_address(
    *,
    recipient: str | None,
    street: str | None,
    postal_code: str | None,
    city: str | None,
    country: str | None = "PL",
    phone: str | None = None,
    field_prefix: str = "",
) -> PostalAddress:
    """A checked address; a Polish one needs its postal code as NN-NNN. Errors name the field."""
    country_code = (country or "PL").strip().upper()
    if not _COUNTRY.fullmatch(country_code):
        raise BusinessRuleError(
            "country_invalid",
            Message(
                "Podaj kraj jako dwuliterowy kod (np. PL, DE).",
                "Enter the country as a two-letter code (e.g. PL, DE).",
            ),
            field=f"{field_prefix}country",
        )
    code = _required(
        postal_code, f"{field_prefix}postal_code", "kod pocztowy", "postal code"
    ).upper()
    if country_code == "PL" and not POLISH_POSTAL_CODE.fullmatch(code):
        raise BusinessRuleError(
            "postal_code_invalid",
            Message(
                "Kod pocztowy w Polsce ma postać NN-NNN, np. 44-200.",
                "A Polish postal code looks like NN-NNN, e.g. 44-200.",
            ),
            field=f"{field_prefix}postal_code",
        )
    return PostalAddress(
        recipient=_required(recipient, f"{field_prefix}recipient", "odbiorcę", "recipient"),
        street=_required(street, f"{field_prefix}street", "ulicę i numer", "street"),
        postal_code=code,
        city=_required(city, f"{field_prefix}city", "miejscowość", "city"),
        country=country_code,
        phone=normalise_phone(phone, f"{field_prefix}phone"),
    )
