"""The ERP feed's parsing and validation (pure), and its command line without a broker."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import uuid5

import pytest
from aiokafka.errors import KafkaConnectionError
from hypothesis import given
from hypothesis import strategies as st

from shared.events import SaleRecorded
from tools import demo_data, erp_feed


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("export")
    demo_data.write(folder, documents=200, seed=7)
    return folder


def demo_documents() -> list[dict[str, Any]]:
    return [document.model_dump(mode="json") for document in demo_data.DEMO_DOCUMENTS]


def write_json(folder: Path, documents: Sequence[object]) -> Path:
    path = folder / "sales.json"
    path.write_text(json.dumps(documents), encoding="utf-8")
    return path


def write_csv(folder: Path, rows: Sequence[dict[str, str]], encoding: str = "utf-8") -> Path:
    path = folder / "sales.csv"
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.DictWriter(handle, fieldnames=erp_feed.CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def facts(events: list[SaleRecorded]) -> list[tuple[object, ...]]:
    """Everything but `occurred_at`, which is the time of reading."""
    return [(e.event_id, e.correlation_id, e.key, e.producer, e.data) for e in events]


def test_json_and_csv_exports_give_the_same_events(export: Path) -> None:
    from_json, bad_json = erp_feed.read_export(export / "sales.json")
    from_csv, bad_csv = erp_feed.read_export(export / "sales.csv")
    assert bad_json == [] and bad_csv == []
    assert len(from_json) == 203
    assert facts(from_json) == facts(from_csv)


def test_a_sale_event_is_keyed_by_its_document(export: Path) -> None:
    events, _ = erp_feed.read_export(export / "sales.json")
    first = events[0]
    assert (first.type, first.producer, first.key) == ("SaleRecorded", "erp", "PA/2025/000001")
    assert first.event_id == uuid5(erp_feed.EVENT_NAMESPACE, "PA/2025/000001")
    assert first.topic == "rma.sales.v1"


def test_event_ids_repeat_for_the_same_document_and_differ_between_documents(
    export: Path, tmp_path: Path
) -> None:
    first, _ = erp_feed.read_export(export / "sales.json")
    again, _ = erp_feed.read_export(export / "sales.json")
    assert [e.event_id for e in first] == [e.event_id for e in again]
    assert [e.correlation_id for e in first] == [e.correlation_id for e in again]
    assert len({e.event_id for e in first}) == len(first)

    receipt = demo_documents()[0]
    invoice = {**receipt, "document_type": "FS"}  # same number, other type: another document
    events, bad = erp_feed.read_export(write_json(tmp_path, [receipt, invoice]))
    assert bad == [] and events[0].event_id != events[1].event_id


def test_amounts_are_exact_decimals_from_strings_and_json_numbers(tmp_path: Path) -> None:
    document = demo_documents()[2]  # one line, quantity 1
    document["lines"][0].update(unit_price="__PRICE__", quantity=3)
    document["total"] = "__TOTAL__"
    text = json.dumps([document]).replace('"__PRICE__"', "0.1").replace('"__TOTAL__"', "0.30")
    (tmp_path / "sales.json").write_text(text, encoding="utf-8")
    events, bad = erp_feed.read_export(tmp_path / "sales.json")
    assert bad == []  # with floats, 3 * 0.1 != 0.3
    assert events[0].data.total == Decimal("0.30")
    assert isinstance(events[0].data.lines[0].unit_price, Decimal)

    rows = list(demo_data.csv_rows([demo_documents()[0]]))
    rows[0].update(total="1234.56", unit_price="1234.56")
    events, bad = erp_feed.read_export(write_csv(tmp_path, rows))
    assert bad == [] and events[0].data.total == Decimal("1234.56")


def test_a_total_that_differs_from_the_lines_is_rejected_and_the_others_pass(
    tmp_path: Path,
) -> None:
    documents = demo_documents()
    documents[0]["total"] = "4300.00"
    events, bad = erp_feed.read_export(write_json(tmp_path, documents))
    assert [e.key for e in events] == ["FS/2025/000002", "PA/2025/000003"]
    assert [str(b) for b in bad] == [
        "sales.json[0]: PA 2025/000001: total 4300.00 differs from the sum of its lines 4299.00"
    ]


def test_an_ean_with_a_wrong_check_digit_is_rejected(tmp_path: Path) -> None:
    documents = demo_documents()
    good = documents[1]["lines"][1]["ean"]
    documents[1]["lines"][1]["ean"] = good[:-1] + str((int(good[-1]) + 1) % 10)
    events, bad = erp_feed.read_export(write_json(tmp_path, documents))
    assert len(events) == 2
    assert bad[0].document == "FS 2025/000002"
    assert bad[0].problem.startswith("line 2: invalid EAN")


def test_contract_violations_name_the_field(tmp_path: Path) -> None:
    wrong_type = {**demo_documents()[0], "document_type": "XX"}
    no_lines = {**demo_documents()[1], "lines": []}
    zero_units = demo_documents()[2]
    zero_units["lines"][0]["quantity"] = 0
    path = write_json(tmp_path, [wrong_type, no_lines, zero_units, "PA 2025/9"])
    events, bad = erp_feed.read_export(path)
    assert events == []
    problems = {b.where: (b.document, b.problem) for b in bad}
    assert problems["sales.json[0]"][0] == "XX 2025/000001"
    assert problems["sales.json[0]"][1].startswith("document_type: Input should be 'PA' or 'FS'")
    assert problems["sales.json[1]"][1].startswith("lines: ")
    assert problems["sales.json[2]"][1].startswith("lines.0.quantity: ")
    assert problems["sales.json[3]"] == ("?", "expected a JSON object, got str")


def test_serial_numbers_and_grosze_are_checked(tmp_path: Path) -> None:
    documents = demo_documents()
    documents[0]["lines"][0]["serial_numbers"] += ["1581F6Q8D25999999"]
    documents[1]["lines"][1]["serial_numbers"][1] = documents[1]["lines"][0]["serial_numbers"][0]
    documents[2]["lines"][0]["unit_price"] = documents[2]["total"] = "17999.005"
    _, bad = erp_feed.read_export(write_json(tmp_path, documents))
    assert [b.problem for b in bad] == [
        "line 1: 2 serial numbers for a quantity of 1",
        "line 2: serial number 1581F7K3C25000002 repeats",
        "total 17999.005 has more than 2 decimal places; "
        "line 1: unit price 17999.005 has more than 2 decimal places",
    ]


def test_csv_problems_name_the_line_of_the_file(tmp_path: Path) -> None:
    rows = list(demo_data.csv_rows(demo_documents()))  # lines 2, 3-4 and 5 of the file
    rows[1]["quantity"] = "one"
    rows[2]["total"] = "7000.00"
    events, bad = erp_feed.read_export(write_csv(tmp_path, rows))
    assert [e.key for e in events] == ["PA/2025/000001", "PA/2025/000003"]
    assert [(b.where, b.document) for b in bad] == [("sales.csv:3", "FS 2025/000002")]
    assert bad[0].problem.startswith("lines.0.quantity: Input should be a valid integer")

    rows[1]["quantity"] = "1"
    _, bad = erp_feed.read_export(write_csv(tmp_path, rows))
    assert bad[0].problem == "row 4: total differ from the first row"


def test_a_csv_with_a_byte_order_mark_and_empty_optional_cells_is_read(tmp_path: Path) -> None:
    rows = list(demo_data.csv_rows(demo_documents()[:1]))
    rows[0].update(delivered_on="", buyer_name="", currency="", outlet="")
    events, bad = erp_feed.read_export(write_csv(tmp_path, rows, encoding="utf-8-sig"))
    assert bad == []
    data = events[0].data
    assert (data.delivered_on, data.buyer.name, data.currency) == (None, None, "PLN")
    assert data.lines[0].outlet is False


def test_a_document_repeated_in_the_export_is_reported(tmp_path: Path) -> None:
    documents = demo_documents()
    rows = list(demo_data.csv_rows([*documents, documents[0]]))
    events, bad = erp_feed.read_export(write_csv(tmp_path, rows))
    assert len(events) == 3
    assert [str(b) for b in bad] == [
        "sales.csv:6: PA 2025/000001: appears again (first at sales.csv:2)"
    ]


@given(
    lines=st.lists(
        st.tuples(
            st.decimals(min_value=0, max_value=100_000, places=2, allow_nan=False),
            st.integers(min_value=1, max_value=5),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_the_total_must_equal_the_sum_of_the_lines(lines: list[tuple[Decimal, int]]) -> None:
    template = demo_documents()[0]["lines"][0]
    document = demo_documents()[0]
    document["lines"] = [
        {
            **template,
            "line_no": n,
            "unit_price": str(price),
            "quantity": quantity,
            "serial_numbers": [],
        }
        for n, (price, quantity) in enumerate(lines, start=1)
    ]
    total = sum((price * quantity for price, quantity in lines), Decimal(0))
    document["total"] = str(total)
    assert isinstance(erp_feed.validate_document(document, "test"), SaleRecorded)
    document["total"] = str(total + Decimal("0.01"))
    assert isinstance(erp_feed.validate_document(document, "test"), erp_feed.BadDocument)


def test_dry_run_publishes_nothing_and_prints_the_summary(
    export: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def must_not_publish(*args: object, **kwargs: object) -> int:
        raise AssertionError("a dry run published")

    monkeypatch.setattr(erp_feed, "publish_sales", must_not_publish)
    status = erp_feed.main([str(export / "sales.csv"), "--dry-run", "--bootstrap", "127.0.0.1:1"])
    assert status == 0
    assert capsys.readouterr().out == "erp_feed: dry run, would publish 203, skipped 0\n"


def test_bad_documents_are_listed_and_make_the_exit_status_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    documents = demo_documents()
    documents[0]["total"] = "1.00"
    assert erp_feed.main([str(write_json(tmp_path, documents)), "--dry-run"]) == 1
    output = capsys.readouterr()
    assert output.out == "erp_feed: dry run, would publish 2, skipped 1\n"
    assert "skipped sales.json[0]: PA 2025/000001: total 1.00 differs" in output.err


def test_the_feed_publishes_the_valid_documents(
    export: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[tuple[list[str], str]] = []

    async def publish(events: list[SaleRecorded], bootstrap_servers: str) -> int:
        calls.append(([e.key for e in events], bootstrap_servers))
        return len(events)

    monkeypatch.setattr(erp_feed, "publish_sales", publish)
    assert erp_feed.main([str(export / "sales.json"), "--bootstrap", "kafka:9092"]) == 0
    assert calls[0][0][:2] == ["PA/2025/000001", "FS/2025/000002"]
    assert calls[0][1] == "kafka:9092"
    assert capsys.readouterr().out == "erp_feed: published 203, skipped 0\n"


def test_a_broker_failure_exits_2_and_says_feeding_again_is_safe(
    export: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def broker_away(events: list[SaleRecorded], bootstrap_servers: str) -> int:
        raise KafkaConnectionError("Unable to bootstrap from [('127.0.0.1', 1)]")

    monkeypatch.setattr(erp_feed, "publish_sales", broker_away)
    assert erp_feed.main([str(export / "sales.json"), "--bootstrap", "127.0.0.1:1"]) == 2
    assert "feeding the export again" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("sales.xml", "<sales/>", "must be a .csv or .json file"),
        ("sales.csv", "document_type,document_number\nPA,1\n", "missing CSV columns: issued_on"),
        ("sales.json", '{"document_type": "PA"}', "expected a JSON list of documents"),
        ("sales.json", "[{", "Expecting property name"),
    ],
)
def test_an_unusable_export_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: str, message: str
) -> None:
    (tmp_path / name).write_text(content, encoding="utf-8")
    assert erp_feed.main([str(tmp_path / name), "--dry-run"]) == 2
    assert message in capsys.readouterr().err


def test_a_missing_export_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert erp_feed.main([str(tmp_path / "none.json"), "--dry-run"]) == 2
    assert "No such file" in capsys.readouterr().err
