"""The warranty rules as data: one row per rule of seed 001 / DESIGN.md, in order of precedence.

The engine takes the first row whose conditions all hold; a condition left as None does not
constrain. Changing a period, a date boundary or a reason is a change to this table alone.

A reason is a one-line Polish template. The engine fills in `{period}` (e.g. "24 miesiące"),
`{until}` (the last covered day, ISO), `{registration_window}`, `{purchased_from}` and
`{purchased_until}` from the row itself, so the text cannot drift away from the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from services.warranty.domain.periods import NO_PERIOD, Period
from services.warranty.domain.products import BuyerType, ClaimType, ProductCategory
from shared.brands import DJI, SCOOTER_BRANDS
from shared.claims_vocabulary import GUARANTEE_CLAIM_TYPES

# What a period is counted from. "sale" is the date on the proof of purchase (the scooter terms
# call it the purchase date); "delivery" falls back to the sale date when it is not known.
CountedFrom = Literal["sale", "activation", "delivery"]
# What happens to a period after a warranty repair or replacement: Civil Code art. 581 §1, the
# brand's own terms where they say otherwise, or nothing (the statutory rows are not a warranty).
AfterService = Literal["art_581", "brand_repair_extension", "none"]
C = ProductCategory


@dataclass(frozen=True)
class WarrantyRule:
    rule_id: str
    period: Period  # NO_PERIOD: the product has no warranty under this row
    counted_from: CountedFrom
    reason: str
    # Matching conditions (None: any).
    brands: frozenset[str] | None = None  # normalised (lower-case) brand names
    categories: frozenset[ProductCategory] | None = None
    buyer: BuyerType | None = None
    claim_types: frozenset[ClaimType] | None = None
    outlet: bool | None = None
    purchased_from: date | None = None  # inclusive, on the sale date
    purchased_until: date | None = None  # inclusive, on the sale date
    # Registered (True) or not (False) within `registration_window` of the sale date.
    registered_in_time: bool | None = None
    registration_window: Period | None = None
    # An unknown installer counts as not authorised: the buyer has to show the condition is met.
    installed_by_authorised_service: bool | None = None
    # An operator marked the unit's warranty void (True) or not (False).
    warranty_void: bool | None = None
    # After a warranty repair or replacement (see AFTER_SERVICE_RULES).
    after_service: AfterService = "art_581"

    def __post_init__(self) -> None:
        if self.registered_in_time is not None and (
            self.registration_window is None or self.registration_window.is_empty
        ):
            raise ValueError(f"{self.rule_id}: a registration condition needs a window")
        if (
            self.purchased_from is not None
            and self.purchased_until is not None
            and self.purchased_from > self.purchased_until
        ):
            raise ValueError(f"{self.rule_id}: the purchase-date range is empty")
        if self.brands is not None and any(b != b.strip().lower() for b in self.brands):
            raise ValueError(f"{self.rule_id}: brands must be normalised (lower case)")


DJI_BRANDS = frozenset({DJI})
DJI_WEAR_PARTS = frozenset({C.BATTERY, C.CABLE, C.HOUSING, C.PROPELLER})
SCOOTERS = frozenset({C.SCOOTER})
SCOOTER_REGISTRATION_WINDOW = Period.of_days(30)

RULES: tuple[WarrantyRule, ...] = (
    # A consumer's statutory non-conformity claim (rękojmia, consumer rights act art. 43c) runs
    # two years from delivery whatever the brand's own warranty says; business buyers have none.
    WarrantyRule(
        "statutory-non-conformity",
        Period.of_months(24),
        "delivery",
        "Rękojmia za niezgodność towaru z umową: {period} od wydania towaru (do {until} włącznie).",
        claim_types=frozenset({"non_conformity"}),
        buyer="consumer",
        after_service="none",
    ),
    # An operator found the unit's warranty void (the scooter terms' "Wygaśnięcie" 1-6, DJI §6):
    # no guarantee (warranty and DJI claims) for that serial any more. The statute is not the
    # guarantor's to limit: the consumer's non-conformity row above still applies.
    WarrantyRule(
        "warranty-void",
        NO_PERIOD,
        "sale",
        "Gwarancja tego egzemplarza wygasła: {void_reason} (stwierdzone {void_marked_on} "
        "w zgłoszeniu {void_rma_number}). Produkt nie jest objęty gwarancją.",
        claim_types=GUARANTEE_CLAIM_TYPES,
        warranty_void=True,
        after_service="none",
    ),
    # Before the outlet row: a used wear part cannot be covered longer than a new one.
    WarrantyRule(
        "dji-consumable",
        Period.of_months(12),
        "sale",
        "Gwarancja DJI na części i akcesoria podlegające zużyciu (akumulatory, kable, obudowy, "
        "śmigła): {period} od daty sprzedaży (do {until} włącznie).",
        brands=DJI_BRANDS,
        categories=DJI_WEAR_PARTS,
    ),
    WarrantyRule(
        "dji-outlet",
        Period.of_months(24),
        "activation",
        "Gwarancja DJI na produkt outletowy (używany): {period} od daty aktywacji "
        "(do {until} włącznie).",
        brands=DJI_BRANDS,
        outlet=True,
    ),
    WarrantyRule(
        "dji-standard",
        Period.of_months(24),
        "sale",
        "Gwarancja DJI: {period} od daty sprzedaży (do {until} włącznie).",
        brands=DJI_BRANDS,
    ),
    # Batteries and service parts come before the scooter rows, whoever bought them.
    WarrantyRule(
        "scooter-battery",
        Period.of_months(6),
        "sale",
        "Gwarancja na baterie i akumulatory hulajnóg: {period} od daty zakupu "
        "(do {until} włącznie).",
        brands=SCOOTER_BRANDS,
        categories=frozenset({C.SCOOTER_BATTERY}),
        after_service="brand_repair_extension",
    ),
    WarrantyRule(
        "scooter-service-part-authorised",
        Period.of_months(12),
        "sale",
        "Gwarancja na części serwisowe zamontowane przez autoryzowany serwis: {period} od daty "
        "zakupu (do {until} włącznie).",
        brands=SCOOTER_BRANDS,
        categories=frozenset({C.SCOOTER_PART}),
        installed_by_authorised_service=True,
        after_service="brand_repair_extension",
    ),
    WarrantyRule(
        "scooter-service-part-unauthorised",
        NO_PERIOD,
        "sale",
        "Części serwisowe zamontowane poza autoryzowanym serwisem gwarancyjnym nie są objęte "
        "gwarancją.",
        brands=SCOOTER_BRANDS,
        categories=frozenset({C.SCOOTER_PART}),
        installed_by_authorised_service=False,
    ),
    # Non-consumers get 12 months whatever the purchase date or registration.
    WarrantyRule(
        "scooter-business",
        Period.of_months(12),
        "sale",
        "Gwarancja na hulajnogę dla klienta niebędącego konsumentem: {period} od daty sprzedaży "
        "(do {until} włącznie).",
        brands=SCOOTER_BRANDS,
        categories=SCOOTERS,
        buyer="business",
        after_service="brand_repair_extension",
    ),
    WarrantyRule(
        "scooter-until-2020-02-29",
        Period.of_months(12),
        "sale",
        "Gwarancja na hulajnogę kupioną do {purchased_until}: {period} od daty zakupu "
        "(do {until} włącznie).",
        brands=SCOOTER_BRANDS,
        categories=SCOOTERS,
        purchased_until=date(2020, 2, 29),
        after_service="brand_repair_extension",
    ),
    WarrantyRule(
        "scooter-2020-03-01-to-2021-02-28",
        Period.of_months(24),
        "sale",
        "Gwarancja na hulajnogę kupioną od {purchased_from} do {purchased_until}: {period} od "
        "daty zakupu (do {until} włącznie).",
        brands=SCOOTER_BRANDS,
        categories=SCOOTERS,
        purchased_from=date(2020, 3, 1),
        purchased_until=date(2021, 2, 28),
        after_service="brand_repair_extension",
    ),
    WarrantyRule(
        "scooter-registered",
        Period.of_months(24),
        "sale",
        "Gwarancja na hulajnogę zarejestrowaną w ciągu {registration_window} od zakupu: "
        "{period} od daty zakupu (do {until} włącznie).",
        brands=SCOOTER_BRANDS,
        categories=SCOOTERS,
        purchased_from=date(2021, 3, 1),
        registered_in_time=True,
        registration_window=SCOOTER_REGISTRATION_WINDOW,
        after_service="brand_repair_extension",
    ),
    WarrantyRule(
        "scooter-unregistered",
        Period.of_months(12),
        "sale",
        "Hulajnoga niezarejestrowana w ciągu {registration_window} od zakupu: gwarancja skrócona "
        "do {period} od daty zakupu (do {until} włącznie).",
        brands=SCOOTER_BRANDS,
        categories=SCOOTERS,
        purchased_from=date(2021, 3, 1),
        registered_in_time=False,
        registration_window=SCOOTER_REGISTRATION_WINDOW,
        after_service="brand_repair_extension",
    ),
    # A business buyer of a brand without its own terms here: the statutory 24 months are a
    # consumer's right (consumer rights act), not a business's, and the Civil Code's rękojmia
    # between businesses is the shop's terms' to give or exclude (art. 558 § 1 KC). So the
    # verdict says plainly that there is no warranty, and where the complaint goes instead.
    WarrantyRule(
        "business-no-manufacturer-warranty",
        NO_PERIOD,
        "sale",
        "Producent tej marki nie udziela gwarancji na ten produkt, a uprawnienia konsumenta "
        "(24 miesiące odpowiedzialności sprzedawcy z ustawy o prawach konsumenta) nie "
        "przysługują kupującemu niebędącemu konsumentem: produkt nie jest objęty gwarancją. "
        "Reklamację firmy rozpatrujemy według regulaminu sklepu.",
        buyer="business",
        after_service="none",
    ),
    # The catch-all: the engine relies on the table ending with a row without conditions.
    WarrantyRule(
        "statutory",
        Period.of_months(24),
        "delivery",
        "Gwarancja ustawowa: {period} od wydania towaru (do {until} włącznie).",
        after_service="none",
    ),
)


# --- after a warranty repair or replacement ------------------------------------------------

# What happened to the unit: delivered in place of a faulty one (handed back, or issued and not
# yet shipped to the buyer), returned after a substantial repair, returned with a part replaced,
# or returned after another repair.
ServiceCase = Literal[
    "replacement_unit",
    "replacement_unit_pending",
    "substantial_repair",
    "part_replaced",
    "repair",
]
# The period runs anew from the hand-back, the replaced part's own period runs anew (the unit's
# is extended), or the unit's period is extended by the days the buyer could not use it.
ServiceEffect = Literal["anew", "part_anew", "extend"]
# What the first day of a period that runs anew is: the hand-back, or (until then) the day the
# replacement unit was issued.
AnewFrom = Literal["hand_back", "replacement_issued"]


@dataclass(frozen=True)
class AfterServiceRule:
    """A row of Civil Code art. 581 §1 (or of a brand's terms that say otherwise).

    The reason's placeholders: `{period}`, `{handed_back_on}` (the hand-back; for a replacement
    not yet handed back, the day it was issued), `{until}` (the last covered day), `{days}` (days
    out of use since the period last began), `{part}` and `{part_until}`. The days out of use of
    a replaced part's repair extend the unit's period too.
    """

    rule_id: str
    cases: frozenset[ServiceCase]
    effect: ServiceEffect
    reason: str
    applies_to: frozenset[AfterService]  # the warranty rows (their after_service) it covers
    anew_from: AnewFrom = "hand_back"  # effect "anew": what its first day is


AFTER_SERVICE_RULES: tuple[AfterServiceRule, ...] = (
    # The scooter terms say nothing of a replacement unit, so art. 581 §1 applies to it too.
    AfterServiceRule(
        "art-581-replacement-unit",
        frozenset({"replacement_unit"}),
        "anew",
        "Egzemplarz wydany w miejsce wadliwego {handed_back_on}: gwarancja biegnie na nowo "
        "(art. 581 § 1 Kodeksu cywilnego), {period} do {until} włącznie.",
        applies_to=frozenset({"art_581", "brand_repair_extension"}),
    ),
    # Art. 581 §1 counts from the hand-back, which has not happened yet while the new unit waits
    # at the service: until it is shipped, its period is counted from the day it was issued (the
    # earliest hand-back), and it moves to the shipping day when that comes.
    AfterServiceRule(
        "art-581-replacement-pending",
        frozenset({"replacement_unit_pending"}),
        "anew",
        "Egzemplarz zastępczy wydany {handed_back_on}, jeszcze nie odesłany kupującemu: "
        "gwarancja biegnie na nowo od dnia odesłania (art. 581 § 1 Kodeksu cywilnego), do tego "
        "czasu liczona od dnia wydania, {period} do {until} włącznie.",
        applies_to=frozenset({"art_581", "brand_repair_extension"}),
        anew_from="replacement_issued",
    ),
    # Seed 001 scooters §7: the terms extend the period by the repair, whatever was repaired.
    AfterServiceRule(
        "scooter-terms-repair-extension",
        frozenset({"substantial_repair", "part_replaced", "repair"}),
        "extend",
        "Okres przedłużony o {days} dni naprawy gwarancyjnej.",
        applies_to=frozenset({"brand_repair_extension"}),
    ),
    AfterServiceRule(
        "art-581-substantial-repair",
        frozenset({"substantial_repair"}),
        "anew",
        "Produkt zwrócony po istotnej naprawie {handed_back_on}: gwarancja biegnie na nowo "
        "(art. 581 § 1 Kodeksu cywilnego), {period} do {until} włącznie.",
        applies_to=frozenset({"art_581"}),
    ),
    AfterServiceRule(
        "art-581-part-replaced",
        frozenset({"part_replaced"}),
        "part_anew",
        "Wymieniona część ({part}) ma własną gwarancję na nowo od {handed_back_on} do "
        "{part_until} włącznie (art. 581 § 1 Kodeksu cywilnego).",
        applies_to=frozenset({"art_581"}),
    ),
    AfterServiceRule(
        "art-581-extension",
        frozenset({"repair"}),
        "extend",
        "Okres przedłużony o {days} dni, w których nie można było korzystać z produktu "
        "(art. 581 § 1 Kodeksu cywilnego).",
        applies_to=frozenset({"art_581"}),
    ),
)
