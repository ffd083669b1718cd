"""Postal addresses: a Polish postal code is NN-NNN, a country two letters, a phone digits."""

from __future__ import annotations

import pytest

from shared.addresses import normalise_phone, postal_address
from shared.errors import BusinessRuleError

GOOD = {
    "recipient": "Jan Kowalski",
    "street": "Rudzka 65C",
    "postal_code": "44-200",
    "city": "Rybnik",
}


def test_a_polish_address_is_kept_in_its_usual_form() -> None:
    address = postal_address(**GOOD, country="pl", phone="+48 600-100-200")
    assert (address.country, address.postal_code, address.phone) == ("PL", "44-200", "+48600100200")


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"postal_code": "44200"}, "return_postal_code", "postal_code_invalid"),
        ({"postal_code": ""}, "return_postal_code", "return_postal_code_required"),
        ({"city": "  "}, "return_city", "return_city_required"),
        ({"country": "POL"}, "return_country", "country_invalid"),
        ({"phone": "12"}, "return_phone", "phone_invalid"),
    ],
)
def test_each_mistake_names_its_field(change: dict[str, str], field: str, code: str) -> None:
    with pytest.raises(BusinessRuleError) as error:
        postal_address(**{**GOOD, **change}, field_prefix="return_")  # type: ignore[arg-type]
    assert (error.value.field, error.value.code) == (field, code)


def test_other_countries_keep_their_own_postal_codes() -> None:
    assert postal_address(**{**GOOD, "postal_code": "10115"}, country="DE").postal_code == "10115"
    assert normalise_phone("") is None
