"""Every row of the warranty rules table, and the boundaries of each period.

Each expected last covered day was worked out by hand from seed 001 / DESIGN.md.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from services.warranty.domain.engine import (
    ProductPurchase,
    ServiceRecord,
    WarrantyVerdict,
    assess,
    assess_support_period,
    find_rule,
)
from services.warranty.domain.periods import Period
from services.warranty.domain.products import BuyerType
from services.warranty.domain.products import ProductCategory as C
from services.warranty.domain.registration import RegistrationStanding, registration_standing
from services.warranty.domain.rules import RULES

D = date
DAY = timedelta(days=1)


def repaired(days: int) -> tuple[ServiceRecord, ...]:
    """One finished warranty repair that kept the product from its buyer for `days`."""
    return (ServiceRecord("repair", D(2024, 9, 1), days),)


def bought(
    brand: str, category: C, sold_on: date, buyer: BuyerType = "consumer", **more: Any
) -> ProductPurchase:
    return ProductPurchase(brand=brand, category=category, buyer=buyer, sold_on=sold_on, **more)


# (case, purchase, rule id, first covered day, last covered day)
ROWS: list[tuple[str, ProductPurchase, str, date, date]] = [
    (
        "DJI drone: 24 months from the sale",
        bought("DJI", C.DRONE, D(2025, 3, 15)),
        "dji-standard",
        D(2025, 3, 15),
        D(2027, 3, 15),
    ),
    (
        "DJI gimbal sold on a leap day: 24 months end on 28 February",
        bought("DJI", C.GIMBAL, D(2024, 2, 29)),
        "dji-standard",
        D(2024, 2, 29),
        D(2026, 2, 28),
    ),
    (
        "DJI accessory (not a wear part) bought by a company",
        bought("dji", C.ACCESSORY, D(2025, 1, 10), buyer="business"),
        "dji-standard",
        D(2025, 1, 10),
        D(2027, 1, 10),
    ),
    (
        "DJI outlet drone: 24 months from activation, not from the sale",
        bought("DJI", C.DRONE, D(2025, 1, 10), outlet=True, activated_on=D(2025, 2, 1)),
        "dji-outlet",
        D(2025, 2, 1),
        D(2027, 2, 1),
    ),
    (
        "DJI battery",
        bought("DJI", C.BATTERY, D(2025, 5, 31)),
        "dji-consumable",
        D(2025, 5, 31),
        D(2026, 5, 31),
    ),
    (
        "DJI cable sold on a leap day: 12 months end on 28 February",
        bought(" Dji ", C.CABLE, D(2024, 2, 29)),
        "dji-consumable",
        D(2024, 2, 29),
        D(2025, 2, 28),
    ),
    (
        "DJI housing",
        bought("DJI", C.HOUSING, D(2025, 1, 1)),
        "dji-consumable",
        D(2025, 1, 1),
        D(2026, 1, 1),
    ),
    (
        "DJI propeller",
        bought("DJI", C.PROPELLER, D(2025, 1, 31)),
        "dji-consumable",
        D(2025, 1, 31),
        D(2026, 1, 31),
    ),
    (
        "DJI outlet battery: a used wear part, 12 months from the sale",
        bought("DJI", C.BATTERY, D(2025, 1, 10), outlet=True, activated_on=D(2025, 3, 1)),
        "dji-consumable",
        D(2025, 1, 10),
        D(2026, 1, 10),
    ),
    (
        "scooter bought 2019-06-15",
        bought("Dualtron", C.SCOOTER, D(2019, 6, 15)),
        "scooter-until-2020-02-29",
        D(2019, 6, 15),
        D(2020, 6, 15),
    ),
    (
        "scooter bought on the last day of the 12-month regime, a leap day",
        bought("Dualtron", C.SCOOTER, D(2020, 2, 29)),
        "scooter-until-2020-02-29",
        D(2020, 2, 29),
        D(2021, 2, 28),
    ),
    (
        "scooter bought on the first day of the 24-month regime",
        bought("Kaabo", C.SCOOTER, D(2020, 3, 1)),
        "scooter-2020-03-01-to-2021-02-28",
        D(2020, 3, 1),
        D(2022, 3, 1),
    ),
    (
        "scooter bought on 2021-02-28, never registered: still 24 months",
        bought("NAMI", C.SCOOTER, D(2021, 2, 28)),
        "scooter-2020-03-01-to-2021-02-28",
        D(2021, 2, 28),
        D(2023, 2, 28),
    ),
    (
        "scooter bought 2021-03-01, registered on the day of purchase",
        bought("Dualtron", C.SCOOTER, D(2021, 3, 1), registered_on=D(2021, 3, 1)),
        "scooter-registered",
        D(2021, 3, 1),
        D(2023, 3, 1),
    ),
    (
        "scooter bought 2021-03-01, registered on day 30 (2021-03-31)",
        bought("Dualtron", C.SCOOTER, D(2021, 3, 1), registered_on=D(2021, 3, 31)),
        "scooter-registered",
        D(2021, 3, 1),
        D(2023, 3, 1),
    ),
    (
        "scooter bought 2021-03-01, registered on day 31 (2021-04-01): late",
        bought("Dualtron", C.SCOOTER, D(2021, 3, 1), registered_on=D(2021, 4, 1)),
        "scooter-unregistered",
        D(2021, 3, 1),
        D(2022, 3, 1),
    ),
    (
        "scooter never registered",
        bought("Kaabo", C.SCOOTER, D(2024, 6, 10)),
        "scooter-unregistered",
        D(2024, 6, 10),
        D(2025, 6, 10),
    ),
    (
        "scooter service part installed by an authorised service",
        bought("Dualtron", C.SCOOTER_PART, D(2025, 1, 31), installed_by_authorised_service=True),
        "scooter-service-part-authorised",
        D(2025, 1, 31),
        D(2026, 1, 31),
    ),
    (
        "scooter battery: 6 months, ending in a shorter month",
        bought("Nami", C.SCOOTER_BATTERY, D(2025, 8, 31)),
        "scooter-battery",
        D(2025, 8, 31),
        D(2026, 2, 28),
    ),
    (
        "scooter battery bought by a company: 6 months too",
        bought("Kaabo", C.SCOOTER_BATTERY, D(2025, 1, 15), buyer="business"),
        "scooter-battery",
        D(2025, 1, 15),
        D(2025, 7, 15),
    ),
    (
        "scooter bought by a company, even though registered",
        bought(
            "Dualtron", C.SCOOTER, D(2024, 5, 20), buyer="business", registered_on=D(2024, 5, 21)
        ),
        "scooter-business",
        D(2024, 5, 20),
        D(2025, 5, 20),
    ),
    (
        "scooter bought by a company in the consumers' 24-month regime",
        bought("Nami", C.SCOOTER, D(2020, 6, 1), buyer="business"),
        "scooter-business",
        D(2020, 6, 1),
        D(2021, 6, 1),
    ),
    (
        "any other product, counted from delivery",
        bought("Xiaomi", C.OTHER, D(2024, 1, 30), delivered_on=D(2024, 2, 2)),
        "statutory",
        D(2024, 2, 2),
        D(2026, 2, 2),
    ),
    (
        "any other product, delivery unknown: counted from the sale",
        bought("Segway", C.SCOOTER, D(2024, 1, 30)),
        "statutory",
        D(2024, 1, 30),
        D(2026, 1, 30),
    ),
    (
        "an accessory of a scooter brand is not under the scooter terms",
        bought("Kaabo", C.ACCESSORY, D(2025, 5, 5)),
        "statutory",
        D(2025, 5, 5),
        D(2027, 5, 5),
    ),
    (
        "consumer's non-conformity claim on a DJI drone: two years from delivery",
        bought(
            "DJI", C.DRONE, D(2024, 1, 30), delivered_on=D(2024, 2, 1), claim_type="non_conformity"
        ),
        "statutory-non-conformity",
        D(2024, 2, 1),
        D(2026, 2, 1),
    ),
    (
        "consumer's non-conformity claim on an unregistered scooter: not cut to 12 months",
        bought("Kaabo", C.SCOOTER, D(2024, 6, 10), claim_type="non_conformity"),
        "statutory-non-conformity",
        D(2024, 6, 10),
        D(2026, 6, 10),
    ),
    (
        "a company's non-conformity claim: no statutory row, the DJI warranty applies",
        bought("DJI", C.DRONE, D(2024, 1, 30), buyer="business", claim_type="non_conformity"),
        "dji-standard",
        D(2024, 1, 30),
        D(2026, 1, 30),
    ),
]


@pytest.mark.parametrize(
    ("case", "purchase", "rule", "first_day", "last_day"), ROWS, ids=[row[0] for row in ROWS]
)
def test_rule_first_and_last_covered_day(
    case: str, purchase: ProductPurchase, rule: str, first_day: date, last_day: date
) -> None:
    on_last_day = assess(purchase, last_day)
    assert on_last_day.rule == rule
    assert on_last_day.starts_on == first_day
    assert on_last_day.ends_on == last_day
    assert on_last_day.covered is True
    assert f"(do {last_day.isoformat()} włącznie)" in on_last_day.reason
    assert assess(purchase, last_day + DAY).covered is False
    assert assess(purchase, first_day).covered is True
    assert assess(purchase, first_day - DAY).covered is False


def test_every_row_of_the_table_is_exercised() -> None:
    exercised = {row[2] for row in ROWS} | {
        "scooter-service-part-unauthorised",
        "business-no-manufacturer-warranty",
        "warranty-void",  # tests/unit/warranty/test_void_marks.py
    }
    assert exercised == {rule.rule_id for rule in RULES}


def test_the_table_has_the_rule_ids_of_the_brief_and_ends_with_a_catch_all() -> None:
    assert [rule.rule_id for rule in RULES] == [
        "statutory-non-conformity",
        "warranty-void",
        "dji-consumable",
        "dji-outlet",
        "dji-standard",
        "scooter-battery",
        "scooter-service-part-authorised",
        "scooter-service-part-unauthorised",
        "scooter-business",
        "scooter-until-2020-02-29",
        "scooter-2020-03-01-to-2021-02-28",
        "scooter-registered",
        "scooter-unregistered",
        "business-no-manufacturer-warranty",
        "statutory",
    ]
    catch_all = RULES[-1]
    # No matching condition; the statutory row is no warranty, so art. 581 §1 does not move it.
    assert catch_all == type(catch_all)(
        catch_all.rule_id,
        catch_all.period,
        catch_all.counted_from,
        catch_all.reason,
        after_service="none",
    )


def test_every_reason_names_its_end_date_unless_the_row_gives_no_warranty() -> None:
    for rule in RULES:
        assert ("{until}" in rule.reason) is not rule.period.is_empty, rule.rule_id
        assert "\n" not in rule.reason


def test_exact_reasons() -> None:
    assert (
        assess(bought("DJI", C.DRONE, D(2025, 3, 15)), D(2026, 1, 1)).reason
        == "Gwarancja DJI: 24 miesiące od daty sprzedaży (do 2027-03-15 włącznie)."
    )
    assert (
        assess(bought("Dualtron", C.SCOOTER, D(2020, 2, 29)), D(2020, 3, 1)).reason
        == "Gwarancja na hulajnogę kupioną do 2020-02-29: 12 miesięcy od daty zakupu "
        "(do 2021-02-28 włącznie)."
    )
    assert (
        assess(bought("Kaabo", C.SCOOTER, D(2021, 3, 1)), D(2021, 3, 1)).reason
        == "Hulajnoga niezarejestrowana w ciągu 30 dni od zakupu: gwarancja skrócona do "
        "12 miesięcy od daty zakupu (do 2022-03-01 włącznie)."
    )


@pytest.mark.parametrize("installed", [False, None])
def test_service_part_not_installed_by_an_authorised_service_has_no_warranty(
    installed: bool | None,
) -> None:
    part = bought("Kaabo", C.SCOOTER_PART, D(2025, 1, 1), installed_by_authorised_service=installed)
    verdict = assess(part, D(2025, 1, 1))  # not even on the day of purchase
    assert verdict == WarrantyVerdict(
        rule="scooter-service-part-unauthorised",
        starts_on=D(2025, 1, 1),
        ends_on=None,
        covered=False,
        checked_on=D(2025, 1, 1),
        reason="Części serwisowe zamontowane poza autoryzowanym serwisem gwarancyjnym nie są "
        "objęte gwarancją.",
    )


@pytest.mark.parametrize(
    "purchase",
    [
        bought("Kaabo", C.ACCESSORY, D(2025, 5, 5), buyer="business"),
        bought("Xiaomi", C.OTHER, D(2025, 5, 5), buyer="business", claim_type="warranty"),
        bought("Segway", C.SCOOTER, D(2025, 5, 5), buyer="business", claim_type="non_conformity"),
    ],
    ids=["scooter brand's accessory", "other brand", "other brand, non-conformity"],
)
def test_a_business_buyer_is_not_told_of_a_statutory_warranty_it_does_not_have(
    purchase: ProductPurchase,
) -> None:
    """Issue 24 item 9: the consumer's statutory 24 months are no business buyer's right; a
    brand without its own terms gives a business no warranty, and the verdict says so."""
    verdict = assess(purchase, D(2025, 5, 6))
    assert (verdict.rule, verdict.ends_on, verdict.covered) == (
        "business-no-manufacturer-warranty",
        None,
        False,
    )
    assert "ustawow" not in verdict.reason.lower()
    assert verdict.reason == (
        "Producent tej marki nie udziela gwarancji na ten produkt, a uprawnienia konsumenta "
        "(24 miesiące odpowiedzialności sprzedawcy z ustawy o prawach konsumenta) nie "
        "przysługują kupującemu niebędącemu konsumentem: produkt nie jest objęty gwarancją. "
        "Reklamację firmy rozpatrujemy według regulaminu sklepu."
    )
    # A consumer's purchase of the same product keeps its statutory 24 months.
    consumer = assess(replace(purchase, buyer="consumer"), D(2025, 5, 6))
    assert consumer.rule in {"statutory", "statutory-non-conformity"} and consumer.covered


def test_registration_before_the_purchase_date_is_not_a_registration_in_time() -> None:
    scooter = bought("Nami", C.SCOOTER, D(2022, 5, 10), registered_on=D(2022, 5, 9))
    assert find_rule(scooter).rule_id == "scooter-unregistered"


def test_scooter_warranty_is_extended_by_days_in_warranty_repair() -> None:
    # Unregistered: 2024-06-10 + 12 months = 2025-06-10, + 21 repair days = 2025-07-01.
    scooter = bought("Dualtron", C.SCOOTER, D(2024, 6, 10), service_history=repaired(21))
    verdict = assess(scooter, D(2025, 7, 1))
    assert (verdict.ends_on, verdict.covered) == (D(2025, 7, 1), True)
    assert assess(scooter, D(2025, 7, 2)).covered is False
    assert verdict.reason.endswith(
        "(do 2025-07-01 włącznie). Okres przedłużony o 21 dni naprawy gwarancyjnej."
    )
    # Registered: 2023-05-15 + 24 months = 2025-05-15, + 45 days = 2025-06-29.
    registered = bought(
        "Kaabo",
        C.SCOOTER,
        D(2023, 5, 15),
        registered_on=D(2023, 5, 20),
        service_history=repaired(45),
    )
    assert assess(registered, D(2025, 6, 1)).ends_on == D(2025, 6, 29)
    # Business: 2024-05-20 + 12 months = 2025-05-20, + 12 days = 2025-06-01.
    company = bought(
        "Nami", C.SCOOTER, D(2024, 5, 20), buyer="business", service_history=repaired(12)
    )
    assert assess(company, D(2025, 6, 1)).ends_on == D(2025, 6, 1)
    # Battery: 2025-08-31 + 6 months = 2026-02-28, + 10 days = 2026-03-10.
    battery = bought("Nami", C.SCOOTER_BATTERY, D(2025, 8, 31), service_history=repaired(10))
    assert assess(battery, D(2026, 3, 10)).ends_on == D(2026, 3, 10)


def test_repairs_extend_dji_by_art_581_but_not_the_statutory_periods() -> None:
    # DJI terms say nothing of repairs, so art. 581 §1: 2024-06-10 + 24 months = 2026-06-10,
    # + 30 days out of use = 2026-07-10.
    dji = assess(
        bought("DJI", C.DRONE, D(2024, 6, 10), service_history=repaired(30)), D(2024, 7, 1)
    )
    assert (dji.ends_on, dji.after_service_rules) == (D(2026, 7, 10), ("art-581-extension",))
    assert dji.reason.endswith(
        "(do 2026-07-10 włącznie). Okres przedłużony o 30 dni, w których nie można było "
        "korzystać z produktu (art. 581 § 1 Kodeksu cywilnego)."
    )
    assert assess(
        bought("Xiaomi", C.OTHER, D(2024, 6, 10), service_history=repaired(30)), D(2024, 7, 1)
    ).ends_on == D(2026, 6, 10)


def test_negative_repair_days_are_refused() -> None:
    with pytest.raises(ValueError):
        ServiceRecord("repair", D(2024, 6, 10), -1)


def test_outlet_without_an_activation_date_counts_from_the_sale_and_says_so() -> None:
    verdict = assess(bought("DJI", C.DRONE, D(2025, 1, 10), outlet=True), D(2025, 2, 1))
    assert (verdict.rule, verdict.starts_on, verdict.ends_on) == (
        "dji-outlet",
        D(2025, 1, 10),
        D(2027, 1, 10),
    )
    assert verdict.reason.endswith("Data aktywacji nieznana: liczymy od daty sprzedaży.")


def test_outlet_activated_late_is_covered_after_24_months_from_the_sale() -> None:
    outlet = bought("DJI", C.DRONE, D(2023, 1, 10), outlet=True, activated_on=D(2023, 9, 1))
    assert assess(outlet, D(2025, 3, 1)).covered is True  # until 2025-09-01
    # A new drone sold the same day is out of warranty after 2025-01-10.
    assert assess(bought("DJI", C.DRONE, D(2023, 1, 10)), D(2025, 3, 1)).covered is False


def test_statutory_without_a_delivery_date_says_it_counted_from_the_sale() -> None:
    verdict = assess(bought("Xiaomi", C.OTHER, D(2024, 1, 30)), D(2024, 2, 1))
    assert verdict.reason == (
        "Gwarancja ustawowa: 24 miesiące od wydania towaru (do 2026-01-30 włącznie). "
        "Data wydania towaru nieznana: liczymy od daty sprzedaży."
    )


def test_changing_a_period_is_a_change_to_the_table_alone() -> None:
    longer = tuple(
        replace(rule, period=Period.of_months(36)) if rule.rule_id == "dji-standard" else rule
        for rule in RULES
    )
    verdict = assess(bought("DJI", C.DRONE, D(2025, 3, 15)), D(2026, 1, 1), rules=longer)
    assert verdict.ends_on == D(2028, 3, 15)
    assert (
        verdict.reason == "Gwarancja DJI: 36 miesięcy od daty sprzedaży (do 2028-03-15 włącznie)."
    )


def test_a_table_without_a_catch_all_row_is_an_error() -> None:
    with pytest.raises(LookupError):
        find_rule(bought("Xiaomi", C.OTHER, D(2025, 1, 1)), rules=RULES[:-1])


def test_support_period_by_last_sale_assumes_the_best_case() -> None:
    # A scooter last sold 2024-06-10: registered in time at best, 24 months.
    scooter = assess_support_period("Dualtron", C.SCOOTER, D(2024, 6, 10), D(2026, 6, 10))
    assert (scooter.rule, scooter.ends_on, scooter.covered) == (
        "scooter-registered",
        D(2026, 6, 10),
        True,
    )
    assert assess_support_period("Dualtron", C.SCOOTER, D(2024, 6, 10), D(2026, 6, 11)).covered is (
        False
    )
    part = assess_support_period("Kaabo", C.SCOOTER_PART, D(2025, 1, 31), D(2025, 6, 1))
    assert (part.rule, part.ends_on) == ("scooter-service-part-authorised", D(2026, 1, 31))
    outlet = assess_support_period("DJI", C.DRONE, D(2025, 1, 10), D(2025, 6, 1), outlet=True)
    assert (outlet.rule, outlet.ends_on) == ("dji-outlet", D(2027, 1, 10))
    other = assess_support_period("Xiaomi", C.OTHER, D(2024, 2, 29), D(2026, 2, 28))
    assert other.covered and other.reason == (
        "Ostatnia sprzedaż przez dystrybutora: 2024-02-29. "
        "Gwarancja ustawowa: 24 miesiące od wydania towaru (do 2026-02-28 włącznie)."
    )


# --- seed 001: how a scooter's registration stands ---------------------------------------------


def _scooter(
    sold_on: date, brand: str = "Dualtron", buyer: BuyerType = "consumer"
) -> ProductPurchase:
    return ProductPurchase(brand, C.SCOOTER, buyer, sold_on, claim_type="warranty")


def test_a_scooter_bought_since_march_2021_has_30_days_to_register() -> None:
    # Bought 2025-06-10: the 30 days (the day of purchase not counted) end 2025-07-10.
    bought = _scooter(date(2025, 6, 10))
    assert registration_standing(bought, None, date(2025, 7, 10)) == RegistrationStanding(
        "open", date(2025, 7, 10), None
    )
    assert registration_standing(bought, None, date(2025, 7, 11)).state == "missed"
    on_time = registration_standing(bought, date(2025, 7, 10), date(2025, 8, 1))
    assert (on_time.state, on_time.registered_on) == ("registered_in_time", date(2025, 7, 10))
    assert registration_standing(bought, date(2025, 7, 11), date(2025, 8, 1)).state == (
        "registered_late"
    )


def test_registration_changes_nothing_where_no_rule_looks_at_it() -> None:
    today = date(2025, 7, 1)
    for purchase in (
        _scooter(date(2021, 2, 28)),  # bought before the registration rule
        _scooter(date(2025, 6, 10), buyer="business"),  # 12 months for business buyers
        ProductPurchase("DJI", C.DRONE, "consumer", date(2025, 6, 10)),
    ):
        assert registration_standing(purchase, None, today) == RegistrationStanding(
            "not_needed", None, None
        )
