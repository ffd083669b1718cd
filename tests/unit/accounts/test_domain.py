from __future__ import annotations

from decimal import Decimal

import pytest

from services.accounts.domain import (
    check_document_buyer,
    normalise_tax_id,
    parse_amount,
    parse_document_number,
)
from shared.errors import BusinessRuleError


@pytest.mark.parametrize(
    ("typed", "number", "prefix"),
    [
        ("2025/000123", "2025/000123", None),
        ("PA 2025/000123", "2025/000123", "PA"),
        ("fs/2025/1", "2025/1", "FS"),
        ("FS-2025/1", "2025/1", "FS"),
        ("PA2025/7", "2025/7", "PA"),
        ("  2025/9  ", "2025/9", None),
    ],
)
def test_document_number_prefix_is_stripped_and_reported(
    typed: str, number: str, prefix: str | None
) -> None:
    parsed = parse_document_number(typed)
    assert parsed.number == number
    assert parsed.stripped_prefix == prefix
    assert (parsed.notice is not None) == (prefix is not None)


@pytest.mark.parametrize("typed", ["", "PA", "2025 000123!", "<script>"])
def test_bad_document_numbers_name_the_field(typed: str) -> None:
    with pytest.raises(BusinessRuleError) as error:
        parse_document_number(typed)
    assert error.value.field == "document_number"


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("1234.56", Decimal("1234.56")),
        ("1234,56", Decimal("1234.56")),
        ("1 234,56", Decimal("1234.56")),
        ("1\u00a0234,5", Decimal("1234.50")),
        ("12 345 678,00", Decimal("12345678.00")),
        ("99", Decimal("99.00")),
    ],
)
def test_amounts_in_polish_and_english_notation(typed: str, amount: Decimal) -> None:
    assert parse_amount(typed) == amount


@pytest.mark.parametrize("typed", ["1234,567", "12 34,56", "1234.56 zł", "PLN 10", "-5", "1e3", ""])
def test_amounts_with_currency_or_wrong_grouping_are_refused(typed: str) -> None:
    with pytest.raises(BusinessRuleError) as error:
        parse_amount(typed)
    assert error.value.field == "document_total"


def test_polish_nip_checksum() -> None:
    assert normalise_tax_id("pl", "526-025-02-74") == ("PL", "5260250274")
    assert normalise_tax_id("PL", "PL5260250274") == ("PL", "5260250274")
    with pytest.raises(BusinessRuleError) as error:
        normalise_tax_id("PL", "5260250275")
    assert error.value.field == "tax_id"
    assert "NIP" in error.value.message.pl


def test_other_eu_vat_ids_are_checked_too() -> None:
    assert normalise_tax_id("DE", "136695976") == ("DE", "136695976")
    with pytest.raises(BusinessRuleError):
        normalise_tax_id("DE", "136695977")


def test_a_private_account_cannot_take_a_company_document() -> None:
    # Consumer rights follow the document's buyer, so a company's invoice needs its NIP.
    with pytest.raises(BusinessRuleError) as error:
        check_document_buyer(None, "business", "5260250274")
    assert (error.value.code, error.value.field) == (
        "company_document_private_account",
        "document_number",
    )
    assert "konto prywatne nie może go powiązać" in error.value.message.pl
    with pytest.raises(BusinessRuleError) as without_nip:
        check_document_buyer(None, "business", None)
    assert without_nip.value.code == "company_document_private_account"


def test_a_company_takes_only_its_own_invoices_and_anyone_a_consumer_receipt() -> None:
    check_document_buyer("5260250274", "business", "5260250274")
    check_document_buyer(None, "consumer", None)
    check_document_buyer("5260250274", "consumer", None)
    with pytest.raises(BusinessRuleError) as error:
        check_document_buyer("7740001454", "business", "5260250274")
    assert (error.value.code, error.value.field) == ("tax_id_mismatch", "tax_id")
