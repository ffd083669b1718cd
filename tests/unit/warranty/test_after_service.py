"""Civil Code art. 581 §1 after a warranty repair or replacement, the brand's terms where they say
otherwise (seed 001 scooters), and where an outlet product's period starts.

Every last covered day was counted by hand (art. 112: months end on the same day number).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from services.warranty.domain.engine import ProductPurchase, ServiceRecord, assess
from services.warranty.domain.passport import (
    PastClaim,
    RepairFacts,
    ReplacementFacts,
    part_claimed_again,
    repeated_defect,
    service_records,
)
from services.warranty.domain.products import ProductCategory as C
from services.warranty.domain.remedies import remedy_rule
from services.warranty.domain.rules import AFTER_SERVICE_RULES

D = date
DAY = timedelta(days=1)
DJI_WARRANTY = remedy_rule("warranty", "consumer", "DJI")


def dji_drone(sold_on: date, **more: Any) -> ProductPurchase:
    return ProductPurchase(brand="DJI", category=C.DRONE, buyer="consumer", sold_on=sold_on, **more)


def test_every_case_of_art_581_is_a_named_row_with_a_polish_reason() -> None:
    assert [row.rule_id for row in AFTER_SERVICE_RULES] == [
        "art-581-replacement-unit",
        "art-581-replacement-pending",
        "scooter-terms-repair-extension",
        "art-581-substantial-repair",
        "art-581-part-replaced",
        "art-581-extension",
    ]
    assert all("art. 581" in row.reason or "naprawy" in row.reason for row in AFTER_SERVICE_RULES)


def test_a_replacement_unit_gets_the_period_anew_from_its_hand_back() -> None:
    # Sold 2023-01-10, so the original 24 months ended 2025-01-10; the new unit handed back
    # 2024-12-01 runs 24 months from that day: 2026-12-01.
    unit = dji_drone(
        D(2023, 1, 10), service_history=(ServiceRecord("replacement_unit", D(2024, 12, 1)),)
    )
    verdict = assess(unit, D(2026, 12, 1))
    assert (verdict.rule, verdict.starts_on, verdict.ends_on, verdict.covered) == (
        "dji-standard",
        D(2024, 12, 1),
        D(2026, 12, 1),
        True,
    )
    assert (verdict.started_from, verdict.after_service_rules) == (
        "hand_back",
        ("art-581-replacement-unit",),
    )
    assert verdict.reason == (
        "Egzemplarz wydany w miejsce wadliwego 2024-12-01: gwarancja biegnie na nowo "
        "(art. 581 § 1 Kodeksu cywilnego), 24 miesiące do 2026-12-01 włącznie."
    )
    assert assess(unit, D(2026, 12, 1) + DAY).covered is False


def test_a_substantial_repair_starts_the_period_anew_and_later_repairs_extend_it() -> None:
    # Gimbal sold 2024-01-31; back from a substantial repair 2024-11-30: 24 months from then
    # end 2026-11-30 (the 20 days of that repair are inside the new period). A later 10-day
    # repair moves the end to 2026-12-10.
    history = (
        ServiceRecord("substantial_repair", D(2024, 11, 30), 20),
        ServiceRecord("repair", D(2025, 5, 1), 10),
    )
    gimbal = ProductPurchase("DJI", C.GIMBAL, "consumer", D(2024, 1, 31), service_history=history)
    verdict = assess(gimbal, D(2026, 12, 10))
    assert (verdict.starts_on, verdict.ends_on, verdict.covered) == (
        D(2024, 11, 30),
        D(2026, 12, 10),
        True,
    )
    assert verdict.after_service_rules == ("art-581-substantial-repair", "art-581-extension")
    assert verdict.reason.startswith("Produkt zwrócony po istotnej naprawie 2024-11-30")
    assert "Okres przedłużony o 10 dni" in verdict.reason


def test_a_replaced_part_gets_its_own_period_anew_the_unit_is_extended() -> None:
    # Sold 2023-05-15 (24 months: 2025-05-15). The gimbal motor was replaced, handed back
    # 2024-08-31 after 14 days: the unit ends 2025-05-29, the part 2026-08-31.
    history = (ServiceRecord("part_replaced", D(2024, 8, 31), 14, part="Silnik gimbala"),)
    other_defect = assess(dji_drone(D(2023, 5, 15), service_history=history), D(2025, 10, 1))
    assert (other_defect.ends_on, other_defect.covered) == (D(2025, 5, 29), False)
    assert other_defect.after_service_rules == ("art-581-part-replaced",)
    assert "Wymieniona część (Silnik gimbala) ma własną gwarancję na nowo od 2024-08-31 do " in (
        other_defect.reason
    )
    part_again = assess(
        dji_drone(D(2023, 5, 15), service_history=history, claimed_part="silnik GIMBALA"),
        D(2025, 10, 1),
    )
    assert (part_again.ends_on, part_again.covered) == (D(2026, 8, 31), True)


def test_otherwise_the_period_is_extended_by_the_days_out_of_use() -> None:
    # Sold 2024-03-31: 24 months end 2026-03-31; two repairs of 5 and 9 days: 2026-04-14.
    history = (ServiceRecord("repair", D(2024, 6, 1), 5), ServiceRecord("repair", D(2025, 1, 9), 9))
    verdict = assess(dji_drone(D(2024, 3, 31), service_history=history), D(2026, 4, 14))
    assert (verdict.ends_on, verdict.covered) == (D(2026, 4, 14), True)
    assert verdict.after_service_rules == ("art-581-extension", "art-581-extension")
    assert verdict.reason.endswith(
        "Okres przedłużony o 14 dni, w których nie można było korzystać z produktu "
        "(art. 581 § 1 Kodeksu cywilnego)."
    )


def test_scooter_terms_say_otherwise_a_substantial_repair_only_extends() -> None:
    # Unregistered Dualtron sold 2024-06-10: 12 months, 2025-06-10; a substantial repair of
    # 14 days extends it to 2025-06-24 (seed 001 scooters §7), it does not start anew.
    scooter = ProductPurchase(
        "Dualtron",
        C.SCOOTER,
        "consumer",
        D(2024, 6, 10),
        service_history=(ServiceRecord("substantial_repair", D(2024, 10, 15), 14),),
    )
    verdict = assess(scooter, D(2025, 6, 24))
    assert (verdict.rule, verdict.ends_on, verdict.covered) == (
        "scooter-unregistered",
        D(2025, 6, 24),
        True,
    )
    assert verdict.after_service_rules == ("scooter-terms-repair-extension",)
    assert verdict.reason.endswith("Okres przedłużony o 14 dni naprawy gwarancyjnej.")


def test_a_replacement_scooter_runs_anew_the_terms_say_nothing_of_replacements() -> None:
    # Kaabo registered in time (24 months); the replacement handed back 2025-02-01 runs 24
    # months from then: 2027-02-01.
    scooter = ProductPurchase(
        "Kaabo",
        C.SCOOTER,
        "consumer",
        D(2024, 6, 10),
        registered_on=D(2024, 6, 15),
        service_history=(ServiceRecord("replacement_unit", D(2025, 2, 1)),),
    )
    verdict = assess(scooter, D(2027, 2, 1))
    assert (verdict.rule, verdict.ends_on, verdict.covered) == (
        "scooter-registered",
        D(2027, 2, 1),
        True,
    )


def test_a_replacement_unit_counts_from_its_shipping_back_not_from_its_issue() -> None:
    # Sold 2024-05-20. The new unit was issued 2025-03-03 and shipped back to the buyer
    # 2025-03-07: 24 months from the hand-back end 2027-03-07 (from the issue: 2027-03-03).
    history = service_records(ReplacementFacts(D(2025, 3, 3), D(2025, 3, 7)), [])
    assert history == (ServiceRecord("replacement_unit", D(2025, 3, 7)),)
    verdict = assess(dji_drone(D(2024, 5, 20), service_history=history), D(2027, 3, 7))
    assert (verdict.starts_on, verdict.ends_on, verdict.started_from, verdict.covered) == (
        D(2025, 3, 7),
        D(2027, 3, 7),
        "hand_back",
        True,
    )
    assert verdict.after_service_rules == ("art-581-replacement-unit",)


def test_a_replacement_not_yet_handed_back_counts_from_its_issue_until_then() -> None:
    # Issued 2025-03-03, still at the service: provisionally 24 months from the issue,
    # 2027-03-03; the verdict says the period starts anew once it is shipped.
    history = service_records(ReplacementFacts(D(2025, 3, 3), None), [])
    assert history == (ServiceRecord("replacement_unit_pending", D(2025, 3, 3)),)
    verdict = assess(dji_drone(D(2024, 5, 20), service_history=history), D(2025, 3, 4))
    assert (verdict.starts_on, verdict.ends_on, verdict.started_from, verdict.covered) == (
        D(2025, 3, 3),
        D(2027, 3, 3),
        "replacement_issued",
        True,
    )
    assert verdict.after_service_rules == ("art-581-replacement-pending",)
    assert verdict.reason == (
        "Egzemplarz zastępczy wydany 2025-03-03, jeszcze nie odesłany kupującemu: gwarancja "
        "biegnie na nowo od dnia odesłania (art. 581 § 1 Kodeksu cywilnego), do tego czasu "
        "liczona od dnia wydania, 24 miesiące do 2027-03-03 włącznie."
    )


def test_a_substantial_repair_counts_anew_from_its_shipping_back_only() -> None:
    # Gimbal sold 2024-01-31; received 2024-11-02, shipped back 2024-11-30 (28 days): 24
    # months from the hand-back end 2026-11-30. While still at the service nothing moves:
    # 24 months from the sale, 2026-01-31.
    back = service_records(
        None, [RepairFacts("substantial_repair", D(2024, 11, 2), D(2024, 11, 30))]
    )
    assert back == (ServiceRecord("substantial_repair", D(2024, 11, 30), 28),)
    gimbal = ProductPurchase("DJI", C.GIMBAL, "consumer", D(2024, 1, 31), service_history=back)
    verdict = assess(gimbal, D(2026, 11, 30))
    assert (verdict.starts_on, verdict.ends_on, verdict.started_from) == (
        D(2024, 11, 30),
        D(2026, 11, 30),
        "hand_back",
    )
    at_service = service_records(None, [RepairFacts("substantial_repair", D(2024, 11, 2), None)])
    assert at_service == ()
    waiting = ProductPurchase("DJI", C.GIMBAL, "consumer", D(2024, 1, 31))
    assert assess(waiting, D(2024, 11, 20)).ends_on == D(2026, 1, 31)


def test_repairs_count_their_days_from_receipt_to_shipping_back() -> None:
    # A part replaced: received 2025-01-28, shipped back 2025-02-11 (14 days); a plain repair
    # received 2025-04-30, shipped back 2025-05-09 (9 days).
    history = service_records(
        None,
        [
            RepairFacts("part_replaced", D(2025, 1, 28), D(2025, 2, 11), "Silnik gimbala"),
            RepairFacts("repair", D(2025, 4, 30), D(2025, 5, 9)),
        ],
    )
    assert history == (
        ServiceRecord("part_replaced", D(2025, 2, 11), 14, "Silnik gimbala"),
        ServiceRecord("repair", D(2025, 5, 9), 9),
    )


def test_statutory_rights_are_not_moved_by_warranty_service() -> None:
    # Rękojmia: 24 months from delivery 2024-06-10, whatever the repairs: 2026-06-10.
    claim = dji_drone(
        D(2024, 6, 10),
        claim_type="non_conformity",
        service_history=(ServiceRecord("replacement_unit", D(2025, 1, 1)),),
    )
    verdict = assess(claim, D(2025, 2, 1))
    assert (verdict.rule, verdict.ends_on, verdict.after_service_rules) == (
        "statutory-non-conformity",
        D(2026, 6, 10),
        (),
    )


# --- DJI outlet: counted from activation -----------------------------------------------------


def outlet(**more: Any) -> ProductPurchase:
    return dji_drone(D(2025, 1, 10), outlet=True, **more)


def test_outlet_activation_from_the_sales_document_is_used_and_named() -> None:
    # Activated 2025-02-01: 24 months end 2027-02-01.
    verdict = assess(outlet(activated_on=D(2025, 2, 1)), D(2025, 6, 1))
    assert (verdict.starts_on, verdict.ends_on, verdict.started_from) == (
        D(2025, 2, 1),
        D(2027, 2, 1),
        "activation_from_sale",
    )
    assert verdict.reason.endswith("Data aktywacji 2025-02-01 z dokumentu sprzedaży.")


def test_outlet_activation_given_on_the_claim_is_used_when_the_erp_sent_none() -> None:
    # Activated 2025-03-01 by the customer's word: 24 months end 2027-03-01.
    verdict = assess(outlet(activation_claimed_on=D(2025, 3, 1)), D(2025, 6, 1))
    assert (verdict.ends_on, verdict.started_from) == (D(2027, 3, 1), "activation_from_claim")
    assert verdict.reason.endswith("Data aktywacji 2025-03-01 podana w zgłoszeniu.")
    # The sales document's date wins over the customer's.
    both = outlet(activated_on=D(2025, 2, 1), activation_claimed_on=D(2025, 3, 1))
    assert assess(both, D(2025, 6, 1)).ends_on == D(2027, 2, 1)


def test_an_impossible_activation_date_falls_back_to_the_sale_and_says_why() -> None:
    # Before the sale (2025-01-10) or after the claim: 24 months from the sale, 2027-01-10.
    early = assess(outlet(activation_claimed_on=D(2025, 1, 1)), D(2025, 6, 1))
    assert (early.ends_on, early.started_from) == (D(2027, 1, 10), "sale")
    assert early.reason.endswith(
        "Podana data aktywacji 2025-01-01 jest wcześniejsza niż data sprzedaży: liczymy od daty "
        "sprzedaży."
    )
    future = assess(outlet(activation_claimed_on=D(2025, 7, 1)), D(2025, 6, 1))
    assert future.ends_on == D(2027, 1, 10)
    assert "2025-07-01 jest z przyszłości" in future.reason


def test_a_scooter_part_names_the_authorised_service_that_installed_it() -> None:
    # Bought 2025-01-31: 12 months, 2026-01-31.
    part = ProductPurchase(
        "Dualtron",
        C.SCOOTER_PART,
        "consumer",
        D(2025, 1, 31),
        installed_by_authorised_service=True,
        installing_service_name="Serwis Hulajnóg Kraków",
    )
    verdict = assess(part, D(2025, 6, 1))
    assert (verdict.rule, verdict.ends_on) == ("scooter-service-part-authorised", D(2026, 1, 31))
    assert verdict.reason.endswith("Część zamontował autoryzowany serwis: Serwis Hulajnóg Kraków.")


# --- the passport: the same problem back after a repair ---------------------------------------


def test_the_same_problem_after_a_repair_is_flagged_with_its_counts() -> None:
    earlier = [
        PastClaim("Bateria nie ładuje się", repaired=False),
        PastClaim("Gimbal nie stabilizuje obrazu", repaired=True),
    ]
    flag = repeated_defect(earlier, "gimbal nie  stabilizuje obrazu", DJI_WARRANTY)
    assert flag is not None
    assert (flag.claim_count, flag.same_problem_count) == (3, 2)
    assert flag.message == (
        "3. reklamacja tego egzemplarza, 2. z problemem „gimbal nie  stabilizuje obrazu” mimo "
        f"naprawy. {DJI_WARRANTY.reason}"
    )
    assert (flag.suggested_decisions, flag.remedy_rule) == (("repair",), "dji-repair")
    assert flag.remedy_reason == DJI_WARRANTY.reason


def test_no_flag_without_an_earlier_repair_of_the_same_problem() -> None:
    def flag(earlier: list[PastClaim]) -> object:
        return repeated_defect(earlier, "Nie włącza się", DJI_WARRANTY)

    assert flag([]) is None
    assert flag([PastClaim("Nie włącza się", repaired=False)]) is None
    assert flag([PastClaim("Pęknięta rama", repaired=True)]) is None


def test_a_claim_for_a_problem_whose_part_was_replaced_concerns_that_part() -> None:
    earlier = [PastClaim("Gimbal drży", repaired=True, replaced_part="Silnik gimbala")]
    assert part_claimed_again(earlier, "GIMBAL DRŻY") == "Silnik gimbala"
    assert part_claimed_again(earlier, "Nie włącza się") is None
