"""What a claim's verdict is built from: the claim's own facts (ClaimCreated) and what earlier
events told about the unit. Each case here came out wrong before (issue 12); dates by hand."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

from services.warranty.domain.engine import ServiceRecord, assess
from services.warranty.domain.passport import PastClaim
from services.warranty.handlers import UnitFacts, purchase_for_claim
from shared.events import ClaimCreatedData, ClaimedProduct

D = date


def claim(brand: str, category: str, sold_on: date, **more: Any) -> ClaimCreatedData:
    return ClaimCreatedData(
        claim_id=uuid4(),
        rma_number="RMA/1/SR/2025",
        account_id=uuid4(),
        email="klient@example.com",
        buyer_type="consumer",
        claim_type="warranty",
        document_type="PA",
        document_number="2025/000001",
        sold_on=sold_on,
        product=ClaimedProduct(
            ean="5901234123457",
            sku="SKU",
            name="produkt",
            brand=brand,
            category=category,
            outlet=more.pop("outlet", False),
        ),
        serial_number="SN-1",
        problem_description=more.pop("problem_description", "Nie działa."),
        package_contents="produkt",
        **more,
    )


def test_a_scooter_part_installed_by_an_authorised_service_is_covered() -> None:
    # Bought 2025-01-31: 12 months end 2026-01-31; the claim says who installed it.
    part = claim(
        "Kaabo",
        "scooter_part",
        D(2025, 1, 31),
        installed_by_authorised_service=True,
        installing_service_name="Serwis Hulajnóg Kraków",
    )
    verdict = assess(purchase_for_claim(part, UnitFacts()), D(2025, 7, 1))
    assert (verdict.rule, verdict.ends_on, verdict.covered) == (
        "scooter-service-part-authorised",
        D(2026, 1, 31),
        True,
    )
    assert "Serwis Hulajnóg Kraków" in verdict.reason
    not_authorised = claim(
        "Kaabo", "scooter_part", D(2025, 1, 31), installed_by_authorised_service=False
    )
    assert assess(purchase_for_claim(not_authorised, UnitFacts()), D(2025, 7, 1)).rule == (
        "scooter-service-part-unauthorised"
    )


def test_a_dji_outlet_claim_counts_from_the_activation_date_it_gives() -> None:
    # Sold 2024-01-10, activated 2024-05-20: 24 months end 2026-05-20, so covered 2026-03-01
    # (counted from the sale it would have ended 2026-01-10).
    outlet = claim("DJI", "drone", D(2024, 1, 10), outlet=True, activated_on=D(2024, 5, 20))
    verdict = assess(purchase_for_claim(outlet, UnitFacts()), D(2026, 3, 1))
    assert (verdict.rule, verdict.ends_on, verdict.covered) == ("dji-outlet", D(2026, 5, 20), True)
    assert (verdict.started_from, verdict.starts_on) == ("activation_from_claim", D(2024, 5, 20))


def test_the_activation_date_of_the_sales_line_wins_over_the_claims() -> None:
    # The ERP says 2024-03-01: 24 months end 2026-03-01.
    outlet = claim("DJI", "drone", D(2024, 1, 10), outlet=True, activated_on=D(2024, 5, 20))
    verdict = assess(
        purchase_for_claim(outlet, UnitFacts(activated_on=D(2024, 3, 1))), D(2026, 1, 1)
    )
    assert (verdict.ends_on, verdict.started_from) == (D(2026, 3, 1), "activation_from_sale")


def test_a_claim_for_a_problem_whose_part_was_replaced_is_judged_on_that_part() -> None:
    # DJI drone sold 2022-02-01 (24 months: 2024-02-01). Its gimbal motor was replaced for the
    # same problem, handed back 2023-11-15 after 10 days: the part runs until 2025-11-15.
    unit = UnitFacts(
        service_history=(ServiceRecord("part_replaced", D(2023, 11, 15), 10, "Silnik gimbala"),),
        earlier_claims=(
            PastClaim("Gimbal nie stabilizuje obrazu", True, replaced_part="Silnik gimbala"),
        ),
    )
    again = claim(
        "DJI", "drone", D(2022, 2, 1), problem_description="Gimbal nie stabilizuje obrazu"
    )
    verdict = assess(purchase_for_claim(again, unit), D(2025, 1, 10))
    assert (verdict.ends_on, verdict.covered) == (D(2025, 11, 15), True)
