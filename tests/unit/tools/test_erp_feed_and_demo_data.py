from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from stdnum import ean
from stdnum.pl import nip

from shared.events import SaleRecorded
from tools import demo_data, erp_feed


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    demo_data.write(folder, documents=400, seed=7)
    return folder


def test_json_and_csv_exports_give_the_same_events(export: Path) -> None:
    from_json, bad_json = erp_feed.read_export(export / "sales.json")
    from_csv, bad_csv = erp_feed.read_export(export / "sales.csv")
    assert bad_json == [] and bad_csv == []
    assert len(from_json) == 403

    def facts(events: list[SaleRecorded]) -> list[tuple[object, ...]]:
        return sorted((str(e.event_id), e.key, e.data.model_dump_json()) for e in events)

    assert facts(from_json) == facts(from_csv)


def test_event_ids_are_derived_from_the_document(export: Path) -> None:
    first, _ = erp_feed.read_export(export / "sales.json")
    again, _ = erp_feed.read_export(export / "sales.json")
    assert [e.event_id for e in first] == [e.event_id for e in again]
    assert len({e.event_id for e in first}) == len(first)
    assert first[0].key == "PA/2025/000001"


def test_amounts_are_decimals(export: Path) -> None:
    events, _ = erp_feed.read_export(export / "sales.json")
    assert events[0].data.total == Decimal("4299.00")
    assert isinstance(events[0].data.lines[0].unit_price, Decimal)


def test_a_bad_document_is_reported_and_the_others_pass(tmp_path: Path) -> None:
    documents = json.loads(json.dumps(demo_data.DEMO_DOCUMENTS))
    documents[0]["total"] = "4300.00"
    documents[1]["lines"][0]["ean"] = "5901234123458"
    documents.append({"document_type": "XX", "document_number": "1"})
    path = tmp_path / "sales.json"
    path.write_text(json.dumps(documents))
    events, bad = erp_feed.read_export(path)
    assert [e.data.document_number for e in events] == ["2025/000003"]
    problems = {b.document: b.problem for b in bad}
    assert "differs from the sum of its lines 4299.00" in problems["PA 2025/000001"]
    assert "invalid EAN check digit: 5901234123458" in problems["FS 2025/000002"]
    assert "document_type" in problems["XX 1"]
    assert erp_feed.main([str(path), "--dry-run"]) == 1


def test_dry_run_prints_a_summary(export: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert erp_feed.main([str(export / "sales.csv"), "--dry-run"]) == 0
    assert "would publish 403, skipped 0" in capsys.readouterr().out


def test_unknown_file_type_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sales.xml"
    path.write_text("<x/>")
    assert erp_feed.main([str(path), "--dry-run"]) == 2


def test_generator_is_deterministic_and_realistic() -> None:
    first = demo_data.generate(500, seed=3)
    assert first == demo_data.generate(500, seed=3)
    assert first != demo_data.generate(500, seed=4)
    lines = [line for document in first for line in document["lines"]]
    assert all(ean.is_valid(line["ean"]) for line in lines)
    serials = [s for line in lines for s in line["serial_numbers"]]
    assert len(serials) == len(set(serials)) > 100
    assert {line["category"] for line in lines} == {p.category for p in demo_data.CATALOGUE}
    companies = [d["buyer"] for d in first if d["buyer"]["type"] == "business"]
    assert companies and all(nip.is_valid(b["tax_id"]) for b in companies)
    kinds = Counter(d["document_type"] for d in first)
    assert 0.7 < kinds["PA"] / len(first) < 0.9
    dates = sorted(d["issued_on"] for d in first)
    # Purchases on both sides of the scooter rule boundaries (2020-03-01, 2021-03-01).
    assert dates[0] < "2020-02-29" and any("2020-03-01" <= d < "2021-03-01" for d in dates)
    assert dates[-1] > "2021-03-01"


def test_catalogue_export_has_problem_lists_and_serial_rules() -> None:
    catalogue = {p["sku"]: p for p in demo_data.catalogue_export()}
    assert catalogue["DJI-MINI4PRO"]["problems"] and catalogue["DJI-MINI4PRO"]["serial_required"]
    assert catalogue["XIAOMI-REDMIBUDS6"]["problems"] == []
    assert not catalogue["XIAOMI-REDMIBUDS6"]["serial_required"]
    assert len({p["ean"] for p in catalogue.values()}) == len(catalogue)
