"""GTIN-13 validation for the support-period check."""

from __future__ import annotations

import pytest

from services.warranty.domain.ean import InvalidEan, validate_gtin13


@pytest.mark.parametrize(
    ("code", "digits"),
    [
        # 5·1+9·3+0+1·3+2+3·3+4+1·3+2+3·3+4+5·3 = 83, check digit 10 - 3 = 7.
        ("5901234123457", "5901234123457"),
        # 4+0+0+6·3+3+8·3+1+3·3+3+3·3+9+3·3 = 89, check digit 1.
        ("4006381333931", "4006381333931"),
        (" 590-1234-123457 ", "5901234123457"),
    ],
)
def test_valid_codes(code: str, digits: str) -> None:
    assert validate_gtin13(code) == digits


def test_wrong_check_digit_has_a_polish_message() -> None:
    with pytest.raises(InvalidEan) as error:
        validate_gtin13("5901234123458")
    assert error.value.problem == "check_digit"
    assert str(error.value) == error.value.message_pl
    assert "cyfrę kontrolną" in error.value.message_pl
    assert "check digit" in error.value.message_en
    assert error.value.code == "5901234123458"


@pytest.mark.parametrize(
    "code",
    [
        "12345",
        "590123412345A",
        "96385074",  # a valid EAN-8, but not a GTIN-13
        "05901234123457",  # GTIN-14
        "",
    ],
)
def test_not_thirteen_digits(code: str) -> None:
    with pytest.raises(InvalidEan) as error:
        validate_gtin13(code)
    assert error.value.problem == "format"
    assert "13 cyfr" in str(error.value)
