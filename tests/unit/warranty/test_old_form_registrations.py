"""Scooter registrations made on the distributor's old form, before the panel (issue 25, item 5):
imported with their own dates, refused when the unit was never sold, and once only."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest

from services.warranty.entrypoints import old_form
from shared.events import ProductRegistered
from tests.support.warranty_service import Desk, random_ean, sale

TODAY = date(2026, 3, 2)


@pytest.fixture
def desk() -> Desk:
    return Desk(today=TODAY)


def export(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rejestracje.csv"
    path.write_text(text, encoding="utf-8")
    return path


async def scooters(desk: Desk, owner: uuid.UUID | None) -> tuple[str, str]:
    """A scooter sold 60 days ago (linked to `owner`'s account, if any) and a drone."""
    scooter, drone = random_ean(), random_ean()
    await desk.sold(
        sale(scooter, "Dualtron", "scooter", TODAY - timedelta(60), "DT-1", "DT-2"), owner
    )
    await desk.sold(sale(drone, "DJI", "drone", TODAY - timedelta(60), "1581F1"))
    return scooter, drone


async def test_each_row_is_kept_with_its_own_date_or_refused_with_its_reason(
    desk: Desk, tmp_path: Path
) -> None:
    owner = uuid.uuid4()
    scooter, drone = await scooters(desk, owner)
    path = export(
        tmp_path,
        "ean;serial_number;registered_on;email\n"
        f"{scooter};dt-1;{(TODAY - timedelta(55)).isoformat()};jan@example.com\n"
        f"{scooter};DT-2;{(TODAY - timedelta(50)):%d.%m.%Y};\n"
        f"{scooter};DT-9;2026-01-10;\n"  # never sold
        f"{drone};1581F1;2026-01-10;\n"  # not a scooter
        f"{scooter};DT-1;2026-01-11;\n"  # the same unit again: skipped
        f"1234;DT-3;2026-01-10;\n"  # no EAN
        f"{scooter};DT-2;10/01/2026;\n",  # a date of no known format
    )
    summary = await old_form.import_rows(desk.ctx, old_form.read_rows(path), progress=False)
    assert (summary.imported, summary.skipped) == (2, 1)
    assert [(line, code) for line, code, _ in summary.refused] == [
        (4, "serial_not_sold"),
        (5, "registration_not_needed"),
        (7, "ean_invalid"),
        (8, "registered_on_invalid"),
    ]
    registered = [e.data for e in desk.database.published if isinstance(e, ProductRegistered)]
    assert [(r.serial_number, r.registered_on, r.account_id) for r in registered] == [
        ("DT-1", TODAY - timedelta(55), owner),
        ("DT-2", TODAY - timedelta(50), owner),
    ]
    assert all(r.purchased_on == TODAY - timedelta(60) for r in registered)


async def test_a_date_before_the_purchase_or_after_today_is_refused(
    desk: Desk, tmp_path: Path
) -> None:
    scooter, _ = await scooters(desk, None)
    path = export(
        tmp_path,
        "ean,serial_number,registered_on\n"
        f"{scooter},DT-1,{(TODAY - timedelta(61)).isoformat()}\n"
        f"{scooter},DT-2,{(TODAY + timedelta(1)).isoformat()}\n",
    )
    summary = await old_form.import_rows(desk.ctx, old_form.read_rows(path), progress=False)
    assert [code for _, code, _ in summary.refused] == [
        "registered_before_purchase",
        "registered_in_future",
    ]
    assert summary.imported == 0 and desk.database.published == []


async def test_a_unit_on_a_document_of_no_account_is_registered_to_no_account(
    desk: Desk, tmp_path: Path
) -> None:
    scooter, _ = await scooters(desk, None)
    path = export(tmp_path, f"ean,serial_number,registered_on\n{scooter},DT-1,2026-01-05\n")
    summary = await old_form.import_rows(desk.ctx, old_form.read_rows(path), progress=False)
    assert summary.imported == 1
    [event] = desk.database.published
    assert isinstance(event, ProductRegistered) and event.data.account_id is None


async def test_importing_the_same_file_twice_changes_nothing(desk: Desk, tmp_path: Path) -> None:
    scooter, _ = await scooters(desk, uuid.uuid4())
    path = export(tmp_path, f"ean,serial_number,registered_on\n{scooter},DT-1,2026-01-05\n")
    first = await old_form.import_rows(desk.ctx, old_form.read_rows(path), progress=False)
    published = list(desk.database.published)
    again = await old_form.import_rows(desk.ctx, old_form.read_rows(path), progress=False)
    assert (first.imported, again.imported, again.skipped) == (1, 0, 1)
    assert desk.database.published == published


def test_an_export_without_a_needed_column_is_refused_whole(tmp_path: Path) -> None:
    path = export(tmp_path, "ean,serial\n5901234123457,DT-1\n")
    with pytest.raises(SystemExit, match="no column serial_number, registered_on"):
        old_form.read_rows(path)
