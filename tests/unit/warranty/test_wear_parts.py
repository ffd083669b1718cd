"""Issue 24 item 5: a wear part keeps its own period inside a kit or a scooter. A claim whose
problem (from the product's problem list) concerns a battery, propeller, cable or housing is
judged at that part's period (DJI 12 months, a scooter's battery 6), not the product's 24.

Every last covered day was counted by hand (art. 112: months end on the same day number)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from services.warranty.admin import read_catalogue
from services.warranty.domain.engine import ProductPurchase, WarrantyVerdict, assess
from services.warranty.domain.products import BuyerType, wear_part_of
from services.warranty.domain.products import ProductCategory as C

D = date
DAY = timedelta(days=1)
DRONE_PARTS = {
    "Akumulator nie ładuje się": "battery",
    "Uszkodzone śmigło": "propeller",
    "Uszkodzony kabel": "cable",
    "Pęknięta obudowa": "housing",
}


def kit(**more: Any) -> ProductPurchase:
    """A DJI drone kit bought 2025-01-10 by a consumer, claimed under the DJI warranty."""
    purchase = ProductPurchase("DJI", C.DRONE, "consumer", D(2025, 1, 10), claim_type="warranty")
    return replace(purchase, **more)


def covered_until(purchase: ProductPurchase, rule: str, last_day: date) -> WarrantyVerdict:
    """The verdict on `last_day`: by `rule`, covered then and not a day later."""
    verdict = assess(purchase, last_day)
    assert (verdict.rule, verdict.ends_on, verdict.covered) == (rule, last_day, True)
    assert assess(purchase, last_day + DAY).covered is False
    return verdict


@pytest.mark.parametrize("part", [C.BATTERY, C.PROPELLER, C.CABLE, C.HOUSING])
def test_a_dji_kits_wear_part_is_judged_at_12_months(part: C) -> None:
    verdict = covered_until(kit(claimed_wear_part=part), "dji-consumable", D(2026, 1, 10))
    # The drone itself (its motor, say) still has its 24 months on that day.
    assert assess(kit(), D(2026, 1, 11)).ends_on == D(2027, 1, 10)
    assert verdict.reason.startswith("Zgłoszony problem dotyczy części podlegającej zużyciu (")
    assert "Gwarancja DJI na części i akcesoria podlegające zużyciu" in verdict.reason


def test_a_scooters_battery_is_judged_at_6_months_whoever_bought_it() -> None:
    buyers: tuple[BuyerType, ...] = ("consumer", "business")
    for buyer in buyers:
        scooter = ProductPurchase(
            "Kaabo",
            C.SCOOTER,
            buyer,
            D(2025, 8, 31),
            registered_on=D(2025, 9, 1),
            claim_type="warranty",
            claimed_wear_part=C.SCOOTER_BATTERY,
        )
        # 2025-08-31 + 6 months = 2026-02-28 (art. 112).
        verdict = covered_until(scooter, "scooter-battery", D(2026, 2, 28))
        assert "(bateria hulajnogi)" in verdict.reason


def test_the_statute_is_not_shortened_by_a_wear_part() -> None:
    """A consumer's non-conformity claim runs two years whatever part it concerns."""
    claimed = kit(claim_type="non_conformity", claimed_wear_part=C.BATTERY)
    verdict = assess(claimed, D(2026, 6, 1))
    assert (verdict.rule, verdict.ends_on) == ("statutory-non-conformity", D(2027, 1, 10))
    assert "podlegającej zużyciu" not in verdict.reason


def test_a_wear_part_sold_alone_is_not_told_it_came_in_a_kit() -> None:
    battery = ProductPurchase(
        "DJI", C.BATTERY, "consumer", D(2025, 1, 10), claimed_wear_part=C.BATTERY
    )
    verdict = assess(battery, D(2025, 2, 1))
    assert verdict.rule == "dji-consumable" and "zestawu" not in verdict.reason


def test_the_problem_list_says_which_part_a_problem_concerns() -> None:
    assert wear_part_of(DRONE_PARTS, "Uszkodzone śmigło") == C.PROPELLER
    assert wear_part_of(DRONE_PARTS, "  akumulator NIE ładuje się ") == C.BATTERY
    assert wear_part_of({"Nie trzyma ładowania": "scooter_battery"}, "Nie trzyma ładowania") == (
        C.SCOOTER_BATTERY
    )
    assert wear_part_of(DRONE_PARTS, "Silnik nie startuje") is None
    assert wear_part_of(DRONE_PARTS, None) is None
    # Only wear parts keep a period of their own: anything else is the product's.
    assert wear_part_of({"Hamulce": "scooter_part", "Inne": "drone"}, "Hamulce") is None
    assert wear_part_of({"Inne": "drone"}, "Inne") is None


def test_the_admin_import_keeps_the_parts_and_refuses_an_unlisted_problem(tmp_path: Path) -> None:
    entry = {
        "ean": "5901234123457",
        "sku": "DJI-KIT",
        "name": "DJI Mini Fly More Combo",
        "brand": "DJI",
        "category": "drone",
        "problems": ["Uszkodzone śmigło", "Silnik nie startuje"],
        "problem_parts": {"Uszkodzone śmigło": "propeller"},
    }
    good = tmp_path / "good.json"
    good.write_text(json.dumps([entry]), encoding="utf-8")
    assert read_catalogue(good)[0]["problem_parts"] == {"Uszkodzone śmigło": "propeller"}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{**entry, "problem_parts": {"Pęknięta rama": "housing"}}]))
    with pytest.raises(SystemExit, match="„Pęknięta rama”"):
        read_catalogue(bad)
