"""EAN/GTIN-13 codes, validated with python-stdnum."""

from __future__ import annotations

from typing import Literal

from stdnum import ean
from stdnum.exceptions import ValidationError


class InvalidEan(ValueError):
    """The code is not a valid GTIN-13; `str()` is the Polish message shown to the customer."""

    def __init__(
        self,
        code: str,
        problem: Literal["format", "check_digit"],
        message_pl: str,
        message_en: str,
    ) -> None:
        super().__init__(message_pl)
        self.code = code
        self.problem = problem
        self.message_pl = message_pl
        self.message_en = message_en


def validate_gtin13(code: str) -> str:
    """The 13 digits of a valid GTIN-13 (spaces and dashes removed), or InvalidEan."""
    compact = ean.compact(code)
    # stdnum also accepts EAN-8, UPC-A and GTIN-14; the support check takes GTIN-13 only.
    if len(compact) != 13 or not compact.isdigit():
        raise InvalidEan(
            code,
            "format",
            "Kod EAN/GTIN-13 składa się z 13 cyfr. Znajdziesz go pod kodem kreskowym "
            "na opakowaniu produktu.",
            "An EAN/GTIN-13 code has 13 digits. You can find it under the barcode on the package.",
        )
    try:
        return str(ean.validate(compact))
    except ValidationError:
        raise InvalidEan(
            code,
            "check_digit",
            "Kod EAN ma błędną cyfrę kontrolną. Sprawdź, czy został dobrze przepisany.",
            "The EAN check digit is wrong. Check that the code was copied correctly.",
        ) from None
