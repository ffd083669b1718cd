"""The claim vocabulary other services and the web panel show, published once by claims' owners.

Codes travel in events and API answers; these are their names (seed 002 for the rejection reasons,
deductions and remedies). The rules that use them (which transition is allowed, which type a buyer
may file) stay in the claims domain; other services read the answers it publishes.
"""

from __future__ import annotations

from typing import Final, get_args

from shared.events import ClaimStatus, ClaimType

# The lifecycle in its natural order (DESIGN.md), as the contract lists it.
CLAIM_STATUSES: Final[tuple[ClaimStatus, ...]] = get_args(ClaimStatus)

# A claim in one of these is over: a new claim for the same serial number may be filed.
ENDED_STATUSES: Final[frozenset[ClaimStatus]] = frozenset({"closed", "cancelled"})
# The service still has work on a claim in one of these, and its deadlines run (the dashboard's
# open claims, the deadline scheduler's); in the others the product or the money is on its way
# back, or the claim is over.
ACTIVE_STATUSES: Final[tuple[ClaimStatus, ...]] = (
    "submitted", "received", "in_inspection", "awaiting_customer", "decided", "in_repair",
    "at_manufacturer",
)  # fmt: skip

STATUS_NAMES_PL: Final[dict[str, str]] = {
    "submitted": "zgłoszone (czeka na przesyłkę)",
    "received": "przesyłka przyjęta",
    "in_inspection": "w diagnozie",
    "awaiting_customer": "czeka na informacje od klienta",
    "decided": "decyzja podjęta",
    "in_repair": "w naprawie",
    "at_manufacturer": "u producenta (oficjalny serwis DJI)",
    "shipped_back": "odesłane do klienta",
    "refunded": "pieniądze zwrócone",
    "closed": "zamknięte",
    "cancelled": "anulowane",
}


# The same statuses and the claim types as the customer reads them in a sentence of an email,
# in Polish and English (the names above are the operators').
CLAIM_TYPE_NAMES_FOR_CUSTOMERS: Final[dict[str, dict[str, str]]] = {
    "pl": {
        "warranty": "reklamacja z gwarancji",
        "non_conformity": "reklamacja z tytułu niezgodności towaru z umową",
        "return": "zwrot (odstąpienie od umowy)",
        "dji": "zgłoszenie serwisowe DJI",
    },
    "en": {
        "warranty": "warranty claim",
        "non_conformity": "claim for non-conformity with the contract",
        "return": "return (withdrawal from the contract)",
        "dji": "DJI service request",
    },
}

STATUS_NAMES_FOR_CUSTOMERS: Final[dict[str, dict[str, str]]] = {
    "pl": {
        "submitted": "przyjęte, czeka na przesyłkę",
        "received": "przesyłka dotarła do serwisu",
        "in_inspection": "w diagnozie",
        "awaiting_customer": "czekamy na informacje od Ciebie",
        "decided": "decyzja podjęta",
        "in_repair": "w naprawie",
        "at_manufacturer": "w oficjalnym serwisie producenta (DJI)",
        "shipped_back": "produkt odesłany do Ciebie",
        "refunded": "pieniądze zwrócone",
        "closed": "zamknięte",
        "cancelled": "anulowane",
    },
    "en": {
        "submitted": "accepted, waiting for your parcel",
        "received": "your parcel reached the service centre",
        "in_inspection": "being inspected",
        "awaiting_customer": "waiting for information from you",
        "decided": "decided",
        "in_repair": "being repaired",
        "at_manufacturer": "at the manufacturer's official service (DJI)",
        "shipped_back": "product shipped back to you",
        "refunded": "money refunded",
        "closed": "closed",
        "cancelled": "cancelled",
    },
}

# The claim types as the panel's forms and lists label them (Polish; the panel translates).
CLAIM_TYPE_LABELS: Final[dict[str, str]] = {
    "warranty": "Gwarancja",
    "non_conformity": "Reklamacja – niezgodność towaru z umową (konsumenci)",
    "return": "Zwrot – odstąpienie od umowy",
    "dji": "Zgłoszenie DJI (tylko produkty DJI)",
}
# ... and as the charts' legends name them, short.
CLAIM_TYPE_SHORT_LABELS: Final[dict[str, str]] = {
    "warranty": "Gwarancja",
    "non_conformity": "Niezgodność z umową",
    "return": "Zwrot",
    "dji": "DJI",
}

# Seed 002: the codified reasons a return or a complaint may be refused for, in Polish and
# English: the one catalogue the claims domain checks against and the emails and pages show.
_RETURN_REASONS: Final[dict[str, tuple[str, str]]] = {
    "return_deadline_passed": (
        "Przekroczenie terminu odstąpienia od umowy (30 dni od odbioru).",
        "The withdrawal period (30 days from receipt) has passed.",
    ),
    "custom_made": (
        "Produkt wykonany na zamówienie lub spersonalizowany (art. 38 pkt 3 u.p.k.).",
        "The product was made to order or personalised.",
    ),
    "intensively_used": (
        "Produkt intensywnie używany ponad zwykłe testowanie.",
        "The product was used beyond ordinary testing.",
    ),
    "incomplete": (
        "Niekompletny produkt (brak akcesoriów, instrukcji, opakowania).",
        "The product is incomplete (accessories, manual or packaging missing).",
    ),
    "hygiene_unpacked": (
        "Rozpakowany produkt higieniczny.",
        "An unpacked hygiene product.",
    ),
    "media_unsealed": (
        "Odpieczętowany nośnik danych lub oprogramowanie (art. 38 pkt 9 u.p.k.).",
        "Unsealed data carriers or software.",
    ),
    "activated_or_registered": (
        "Urządzenie aktywowane lub zarejestrowane: korzystanie wykroczyło poza sprawdzenie "
        "charakteru, cech i funkcjonowania rzeczy (art. 34 ust. 4 u.p.k.).",
        "The device was activated or registered: its use went beyond checking its nature, "
        "characteristics and functioning.",
    ),
    "no_prior_notice": (
        "Towar zwrócony bez wcześniejszego zgłoszenia (bez numeru RMA).",
        "The goods were returned without notice (no RMA number).",
    ),
    "not_from_seller": (
        "Produkt nie pochodzi od sprzedawcy.",
        "The product was not sold by us.",
    ),
    "promotional_no_return": (
        "Towar promocyjny wyłączony ze zwrotu.",
        "Promotional goods excluded from returns.",
    ),
    "digital_content_delivered": (
        "Treść cyfrowa już dostarczona.",
        "Digital content already delivered.",
    ),
}
_COMPLAINT_REASONS: Final[dict[str, tuple[str, str]]] = {
    "mechanical_damage": (
        "Uszkodzenie mechaniczne spowodowane przez użytkownika.",
        "Mechanical damage caused by the user.",
    ),
    "normal_wear": ("Normalne zużycie.", "Normal wear and tear."),
    "misuse": (
        "Nieprawidłowe użytkowanie lub niezastosowanie się do instrukcji.",
        "Incorrect use or instructions not followed.",
    ),
    "unauthorised_intervention": (
        "Nieuprawnione interwencje (naprawy, modyfikacje, plomby).",
        "Unauthorised intervention (repairs, modifications, seals).",
    ),
    "no_defect_found": (
        "Niewykazana wada: produkt działa zgodnie ze specyfikacją.",
        "No defect found: the product works to its specification.",
    ),
    "force_majeure": ("Wada spowodowana siłą wyższą.", "A defect caused by force majeure."),
    "subjective_reasons": (
        "Przyczyny subiektywne niespełniające definicji wady.",
        "Subjective reasons that are not a defect.",
    ),
    "agreed_properties": (
        "Właściwości wyraźnie uzgodnione z klientem.",
        "Properties expressly agreed with the customer.",
    ),
    "defect_known_at_receipt": (
        "Wada istniała przy odbiorze i nie została zgłoszona.",
        "The defect existed at receipt and was not reported.",
    ),
    "warranty_expired": (
        "Reklamacja po upływie okresu gwarancji.",
        "The claim was made after the warranty period.",
    ),
    "incompatibility": (
        "Niekompatybilność z wyposażeniem klienta.",
        "Incompatibility with the customer's equipment.",
    ),
}
# The exclusions of the guarantors' own terms (DJI's terms of service, the scooter terms): they
# limit a guarantee (warranty and DJI claims), never the statute (a non-conformity complaint).
_GUARANTEE_EXCLUSIONS: Final[dict[str, tuple[str, str]]] = {
    "weather_exposure": (
        "Uszkodzenie wskutek warunków atmosferycznych (deszcz, wilgoć, piasek), wyłączonych "
        "w warunkach gwarancji.",
        "Damage from the weather (rain, moisture, sand), which the warranty terms exclude.",
    ),
    "signal_interference": (
        "Utrata sygnału lub awaria wskutek zakłóceń radiowych lub magnetycznych.",
        "Signal loss or a failure caused by radio or magnetic interference.",
    ),
    "overweight": (
        "Przekroczenie dopuszczalnego obciążenia (masy użytkownika lub ładunku).",
        "The permitted load (the rider's weight or the payload) was exceeded.",
    ),
    "low_battery": (
        "Lot lub jazda przy niskim poziomie akumulatora mimo ostrzeżeń urządzenia.",
        "Flying or riding on a low battery despite the device's warnings.",
    ),
    "third_party_parts": (
        "Użycie części, akumulatorów lub ładowarek innych producentów.",
        "Parts, batteries or chargers of other makers were used.",
    ),
    "cold_operation": (
        "Użytkowanie w temperaturze niższej niż dopuszczalna w instrukcji.",
        "Use at a temperature below the manual's limit.",
    ),
    "range_loss": (
        "Naturalny spadek zasięgu lub pojemności akumulatora wraz z używaniem.",
        "The natural loss of range or battery capacity with use.",
    ),
}
# Why a unit's warranty is void (the scooter terms "Wygaśnięcie" 1-6, DJI §6): an operator marks
# the unit with one of these, and the guarantee (warranty and DJI claims) of that serial is over;
# the statute (a consumer's non-conformity complaint) is not limited by it. (Polish, English).
WARRANTY_VOID_REASONS: Final[dict[str, tuple[str, str]]] = {
    "unauthorised_repair": (
        "Naprawa poza autoryzowanym serwisem.",
        "A repair outside an authorised service.",
    ),
    "disassembly": (
        "Samodzielny demontaż lub otwarcie urządzenia.",
        "The unit was taken apart or opened.",
    ),
    "modification": (
        "Modyfikacja lub przeróbka urządzenia.",
        "The unit was modified or altered.",
    ),
    "misuse": (
        "Użytkowanie niezgodne z przeznaczeniem.",
        "Use other than intended (misuse).",
    ),
    "manual_ignored": (
        "Użytkowanie niezgodne z instrukcją obsługi.",
        "The instruction manual was not followed.",
    ),
    "serial_label_tampered": (
        "Usunięta, uszkodzona lub zmieniona tabliczka z numerem seryjnym.",
        "The serial number label was removed, damaged or changed.",
    ),
}
RETURN_REJECTION_REASONS: Final[dict[str, str]] = {k: v[0] for k, v in _RETURN_REASONS.items()}
COMPLAINT_REJECTION_REASONS: Final[dict[str, str]] = {
    k: v[0] for k, v in _COMPLAINT_REASONS.items()
}
GUARANTEE_REJECTION_REASONS: Final[dict[str, str]] = {
    **COMPLAINT_REJECTION_REASONS,
    **{k: v[0] for k, v in _GUARANTEE_EXCLUSIONS.items()},
}
# Every reason by language, for the emails.
REJECTION_REASON_NAMES: Final[dict[str, dict[str, str]]] = {
    language: {
        k: v[index]
        for k, v in {**_RETURN_REASONS, **_COMPLAINT_REASONS, **_GUARANTEE_EXCLUSIONS}.items()
    }
    for index, language in enumerate(("pl", "en"))
}


# The claim types that are a guarantee (the manufacturer's or the distributor's promise), not the
# statute (non-conformity) nor a withdrawal (return): a guarantor's terms apply to them only.
GUARANTEE_CLAIM_TYPES: Final[frozenset[ClaimType]] = frozenset({"warranty", "dji"})


def rejection_reasons(claim_type: str) -> dict[str, str]:
    """The reasons a claim of this type may be refused for (code: Polish name)."""
    if claim_type == "return":
        return RETURN_REJECTION_REASONS
    if claim_type in GUARANTEE_CLAIM_TYPES:
        return GUARANTEE_REJECTION_REASONS
    return COMPLAINT_REJECTION_REASONS


# Deductions from a return's refund (seed 002, art. 36 u.p.k.): (lowest %, highest %, name).
DEDUCTION_RANGES: Final[dict[str, tuple[int, int, str]]] = {
    "packaging": (10, 30, "Uszkodzone lub brakujące opakowanie"),
    "intensive_use": (20, 50, "Ślady intensywnego użytkowania"),
    "seals_removed": (30, 100, "Usunięte plomby lub etykiety gwarancyjne"),
    "electronics_handling": (15, 25, "Opłata manipulacyjna (elektronika)"),
}
MISSING_ACCESSORY_FEE_PERCENT: Final = 15
MISSING_ACCESSORIES_DEDUCTION: Final = "Brakujące akcesoria (wartość + 15% opłaty manipulacyjnej)"

# Price reductions (seed 002): a share of the price paid, in its range; a missing non-critical
# accessory at its value. Never more than the price paid. (lowest %, highest %, name); a kind
# without a range is an amount of its own.
PRICE_REDUCTION_RANGES: Final[dict[str, tuple[int, int, str]]] = {
    "cosmetic_defect": (5, 20, "Wada kosmetyczna"),
    "defect_kept": (10, 40, "Zatrzymanie produktu z wadą"),
}
PRICE_REDUCTION_KINDS: Final[dict[str, str]] = {
    **{kind: name for kind, (_, _, name) in PRICE_REDUCTION_RANGES.items()},
    "missing_accessory": "Brak niekrytycznego akcesorium (jego wartość)",
}


# How a deadline of a claim stands, as the claims API publishes it next to each deadline.
DEADLINE_STATE_NAMES_PL: Final[dict[str, str]] = {
    "running": "biegnie",
    "waiting_for_receipt": "biegnie od przyjęcia przesyłki",
    "paused": "wstrzymany (czekamy na klienta)",
    "paused_at_manufacturer": "wstrzymany (urządzenie w oficjalnym serwisie DJI)",
    "kept": "dotrzymany",
    "missed": "przekroczony",
    "deemed_accepted": "reklamacja uznana za uzasadnioną (brak odpowiedzi w 14 dni)",
    "no_longer_applies": "nie dotyczy (zgłoszenie anulowane)",
}


# What the customer pays for (issue 25 §1; shared.events.ChargeKind), in Polish and English:
# the claim page, the emails and the finance export name a charge's kind from here.
CHARGE_KINDS: Final[dict[str, tuple[str, str]]] = {
    "reshipping": ("Ponowna wysyłka po odmowie odbioru", "Reshipping after a refused delivery"),
    "scooter_transport": (
        "Transport w obie strony (nieuzasadniona reklamacja hulajnogi)",
        "Transport both ways (unjustified scooter claim)",
    ),
    "cleaning": ("Czyszczenie produktu", "Cleaning of the product"),
    "missing_equipment": (
        "Brakujące wyposażenie wymienianego egzemplarza",
        "Missing equipment of the replaced unit",
    ),
    "administrative_fee": (
        "Opłata administracyjna 10% (4. zwrot w ciągu 12 miesięcy)",
        "Administrative fee of 10% (4th return within 12 months)",
    ),
    "exchange_difference": (
        "Dopłata różnicy ceny przy wymianie na droższy produkt",
        "Price difference of an exchange for a dearer product",
    ),
}
CHARGE_KIND_NAMES_PL: Final[dict[str, str]] = {k: pl for k, (pl, _) in CHARGE_KINDS.items()}
CHARGE_STATE_NAMES_PL: Final[dict[str, str]] = {
    "due": "do zapłaty",
    "paid": "opłacona",
    "waived": "umorzona",
}
