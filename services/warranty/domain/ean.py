"""EAN/GTIN-13 codes, validated with python-stdnum."""

from __future__ import annotations

from stdnum import ean
from stdnum.exceptions import ValidationError


class InvalidEan(ValueError):
    def __init__(self, code: str, message_pl: str, message_en: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_pl = message_pl
        self.message_en = message_en


def validate_gtin13(code: str) -> str:
    compact = ean.compact(code)
    if len(compact) != 13 or not compact.isdigit():
        raise InvalidEan(
            code,
            "Kod EAN/GTIN-13 ma 13 cyfr. Znajdziesz go na opakowaniu produktu.",
            "An EAN/GTIN-13 code has 13 digits. You can find it on the package.",
        )
    try:
        return str(ean.validate(compact))
    except ValidationError:
        raise InvalidEan(
            code,
            "Kod EAN ma błędną cyfrę kontrolną. Sprawdź, czy został dobrze przepisany.",
            "The EAN check digit is wrong. Check that the code was copied correctly.",
        ) from None
