"""The demo data: deterministic, valid for the ERP feed, and spread over the warranty rules."""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import ean
from stdnum.pl import nip

from shared.events import SaleRecordedData
from tools import catalogue, demo_data, erp_feed


@pytest.fixture(scope="module")
def documents() -> list[SaleRecordedData]:
    return [SaleRecordedData.model_validate(d) for d in demo_data.generate(1500, seed=42)]


def test_the_same_seed_gives_the_same_data() -> None:
    first = demo_data.generate(300, seed=5)
    assert first == demo_data.generate(300, seed=5)
    assert first != demo_data.generate(300, seed=6)
    assert len(first) == 300 + len(demo_data.DEMO_DOCUMENTS)


def test_the_fixed_demo_documents_come_first_and_are_what_the_readme_says() -> None:
    assert demo_data.generate(0, seed=1) == [
        document.model_dump(mode="json") for document in demo_data.DEMO_DOCUMENTS
    ]
    receipt, invoice, scooter = demo_data.DEMO_DOCUMENTS
    assert (receipt.document_type, receipt.document_number, receipt.total) == (
        "PA",
        "2025/000001",
        Decimal("4299.00"),
    )
    assert receipt.buyer.type == "consumer"
    assert [(line.name, line.serial_numbers) for line in receipt.lines] == [
        ("DJI Mini 4 Pro", ("1581F6Q8D25000001",))
    ]
    assert (invoice.document_type, invoice.document_number, invoice.total) == (
        "FS",
        "2025/000002",
        Decimal("7097.00"),
    )
    assert invoice.buyer.type == "business" and invoice.buyer.tax_id == "5260250274"
    assert nip.is_valid(invoice.buyer.tax_id)
    assert [line.serial_numbers for line in invoice.lines] == [
        ("1581F7K3C25000002",),
        ("6BAIR325000003", "6BAIR325000004"),
    ]
    assert (scooter.document_number, scooter.total, scooter.lines[0].brand) == (
        "2025/000003",
        Decimal("17999.00"),
        "Dualtron",
    )
    assert scooter.lines[0].serial_numbers == ("DT3-2025-000005",)


def test_every_ean_is_a_valid_gtin13_and_every_product_has_its_own(
    documents: list[SaleRecordedData],
) -> None:
    eans = [product.ean for product in catalogue.CATALOGUE]
    assert all(len(code) == 13 and code.startswith("590") and ean.is_valid(code) for code in eans)
    assert len(set(eans)) == len(eans) == len({p.sku for p in catalogue.CATALOGUE})
    assert {line.ean for d in documents for line in d.lines} <= set(eans)


def test_invoices_go_to_companies_with_valid_nips_and_receipts_to_consumers(
    documents: list[SaleRecordedData],
) -> None:
    kinds = Counter((d.document_type, d.buyer.type) for d in documents)
    assert set(kinds) == {("PA", "consumer"), ("FS", "business")}
    assert 0.75 < kinds["PA", "consumer"] / len(documents) < 0.85
    companies = [d.buyer for d in documents if d.buyer.type == "business"]
    assert all(b.vat_country == "PL" and nip.is_valid(b.tax_id or "") for b in companies)
    assert len({b.tax_id for b in companies}) > 10


@given(seed=st.integers(min_value=0))
def test_generated_nips_pass_the_checksum(seed: int) -> None:
    assert nip.is_valid(demo_data.valid_nip(random.Random(seed)))


def test_every_unit_of_a_serial_brand_has_its_own_serial_number(
    documents: list[SaleRecordedData],
) -> None:
    serials: list[str] = []
    for line in (line for d in documents for line in d.lines):
        required = line.brand.lower() in catalogue.SERIAL_REQUIRED_BRANDS
        assert len(line.serial_numbers) == (line.quantity if required else 0)
        serials += line.serial_numbers
    assert len(serials) == len(set(serials)) > 1000
    assert any(re.fullmatch(r"1581F\w{4}\d{8}", s) for s in serials)
    assert any(re.fullmatch(r"DT3-20\d\d-\d{6}", s) for s in serials)


def test_totals_are_the_sum_of_the_lines_in_grosze(documents: list[SaleRecordedData]) -> None:
    for document in documents:
        assert document.total == sum(line.unit_price * line.quantity for line in document.lines)
        assert document.total == document.total.quantize(Decimal("0.01"))
        assert 1 <= len(document.lines) <= 4
        assert all(1 <= line.quantity <= 2 for line in document.lines)
    assert any(document.total % 1 for document in documents)  # promotions give grosze


def test_every_category_is_sold(documents: list[SaleRecordedData]) -> None:
    assert {p.category for p in catalogue.CATALOGUE} == set(catalogue.CATEGORIES)
    assert {line.category for d in documents for line in d.lines} == set(catalogue.CATEGORIES)
    assert any(line.outlet for d in documents for line in d.lines)


def test_scooters_are_sold_on_both_sides_of_every_rule_boundary(
    documents: list[SaleRecordedData],
) -> None:
    days = [d.issued_on for d in documents for line in d.lines if line.category == "scooter"]
    assert min(d.issued_on for d in documents) >= demo_data.FIRST_DAY
    assert max(d.issued_on for d in documents) <= demo_data.LAST_DAY
    assert any(day <= date(2020, 2, 29) for day in days)
    assert any(date(2020, 3, 1) <= day <= date(2021, 2, 28) for day in days)
    assert any(day >= date(2021, 3, 1) for day in days)
    assert any(day.year == 2026 for day in days)


def test_products_are_sold_only_while_they_are_on_the_market(
    documents: list[SaleRecordedData],
) -> None:
    for document in documents:
        for line in document.lines:
            assert catalogue.BY_SKU[line.sku].on_sale(document.issued_on)


def test_document_numbers_are_unique_across_receipts_and_invoices(
    documents: list[SaleRecordedData],
) -> None:
    numbers = [d.document_number for d in documents]
    assert len(set(numbers)) == len(numbers)
    for document in documents:
        assert re.fullmatch(rf"{document.issued_on.year}/\d{{6}}", document.document_number)


def test_problem_lists_and_serial_rules_of_the_catalogue() -> None:
    products = {p["sku"]: p for p in (product.export() for product in catalogue.CATALOGUE)}
    drone, scooter = products["DJI-MINI4PRO"], products["KAABO-MANTIS10"]
    assert "Dron nie łączy się z aparaturą" in drone["problems"]
    assert "Gimbal nie kalibruje się" in drone["problems"]
    assert "Uszkodzenie po upadku" in drone["problems"]
    assert {"Nie ładuje się", "Błąd sterownika"} <= set(scooter["problems"])
    assert drone["serial_required"] and scooter["serial_required"]
    for sku in ("SONY-WH-1000XM5", "DJI-MINI4PROPROPELLERS", "DUALTRON-BRAKEPADSSET"):
        assert products[sku]["problems"] == []
    assert products["SONY-WH-1000XM5"]["serial_required"] is False
    assert products["DJI-MINI4PRO-OUTLET"]["outlet"] is True
    for product in catalogue.CATALOGUE:
        assert bool(product.serial_code) == product.serial_required


def test_the_command_writes_three_files_the_feed_accepts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        demo_data.main(["--out", str(tmp_path / "demo"), "--documents", "40", "--seed", "3"]) == 0
    )
    assert "43 documents" in capsys.readouterr().out
    products = json.loads((tmp_path / "demo" / "catalogue.json").read_text(encoding="utf-8"))
    assert len(products) == len(catalogue.CATALOGUE)
    assert set(products[0]) == {
        "ean",
        "sku",
        "name",
        "brand",
        "category",
        "outlet",
        "problems",
        "serial_required",
        "problem_parts",
    }
    drone = next(p for p in products if p["category"] == "drone")
    assert drone["problem_parts"]["Uszkodzone śmigło"] == "propeller"
    assert set(drone["problem_parts"]) <= set(drone["problems"])
    for name in ("sales.json", "sales.csv"):
        events, bad = erp_feed.read_export(tmp_path / "demo" / name)
        assert (len(events), bad) == (43, [])
