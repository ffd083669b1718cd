"""What customers read for the codes that events carry (statuses, decisions, reasons), by language.

Events carry codes so that every consumer can word them its own way; these are the customer's words.
Each table has the same keys in both languages (a unit test checks it).
"""

from __future__ import annotations

from typing import Final

from shared.claims_vocabulary import (
    CLAIM_TYPE_NAMES_FOR_CUSTOMERS,
    REJECTION_REASON_NAMES,
    STATUS_NAMES_FOR_CUSTOMERS,
)

# How a claim's type and status read in a sentence to the customer (the shared vocabulary).
CLAIM_TYPES: Final = CLAIM_TYPE_NAMES_FOR_CUSTOMERS
STATUSES: Final = STATUS_NAMES_FOR_CUSTOMERS

# Not for "received", "decided" and "refunded": their emails come from ParcelReceived,
# ClaimDecided and ClaimRefunded.
STATUS_NEXT_STEPS: Final = {
    "pl": {
        "submitted": "oznacz paczkę numerem {rma} i wyślij ją na adres: {address}.",
        "in_inspection": "nic nie musisz robić; o decyzji poinformujemy Cię e-mailem.",
        "awaiting_customer": (
            "odpowiedz na naszą prośbę w panelu serwisowym, podając numer {rma}; "
            "do tego czasu zgłoszenie czeka."
        ),
        "in_repair": "nic nie musisz robić; po naprawie odeślemy produkt i podamy numer przesyłki.",
        "shipped_back": "odbierz przesyłkę od kuriera; możesz ją śledzić po numerze przesyłki.",
        "closed": "nic więcej nie musisz robić. Dziękujemy!",
        "cancelled": "nie wysyłaj produktu; jeśli paczka jest już w drodze, skontaktuj się z nami.",
    },
    "en": {
        "submitted": "mark the parcel with {rma} and send it to: {address}.",
        "in_inspection": "nothing to do; we will email you our decision.",
        "awaiting_customer": (
            "answer our request in the service panel, quoting {rma}; the claim waits until then."
        ),
        "in_repair": "nothing to do; we ship the product back with a tracking number when done.",
        "shipped_back": "collect the parcel from the courier; track it with its tracking number.",
        "closed": "nothing more to do. Thank you!",
        "cancelled": "do not send the product; if the parcel is on its way, contact us.",
    },
}

DECISIONS: Final = {
    "pl": {
        "repair": "naprawa",
        "replacement": "wymiana na nowy produkt",
        "refund": "zwrot pieniędzy",
        "price_reduction": "obniżenie ceny",
        "paid_repair": "propozycja płatnej naprawy",
        "rejection": "odrzucenie zgłoszenia",
        "exchange": "wymiana na inny produkt",
    },
    "en": {
        "repair": "repair",
        "replacement": "replacement with a new product",
        "refund": "refund",
        "price_reduction": "price reduction",
        "paid_repair": "offer of a paid repair",
        "rejection": "claim rejected",
        "exchange": "exchange for another product",
    },
}

# What the decision's amount is, for the decisions that carry one.
AMOUNT_LABELS: Final = {
    "pl": {
        "refund": "Kwota zwrotu",
        "price_reduction": "Obniżka ceny",
        "paid_repair": "Koszt naprawy",
        "repair": "Kwota",
        "replacement": "Kwota",
        "rejection": "Kwota",
        "exchange": "Różnica ceny do rozliczenia",
    },
    "en": {
        "refund": "Amount refunded",
        "price_reduction": "Price reduction",
        "paid_repair": "Repair price",
        "repair": "Amount",
        "replacement": "Amount",
        "rejection": "Amount",
        "exchange": "Price difference to settle",
    },
}

DECISION_NEXT_STEPS: Final = {
    "pl": {
        "repair": "nic nie musisz robić; po naprawie odeślemy produkt i podamy numer przesyłki.",
        "replacement": "nic nie musisz robić; wyślemy nowy produkt i podamy numer przesyłki.",
        "refund": (
            "nic nie musisz robić; zwrócimy pieniądze w ciągu 14 dni. Jeśli decyzja podaje "
            "potrącenia, przyjmij je albo odbierz towar w panelu serwisowym ({rma})."
        ),
        "price_reduction": "przyjmij lub odrzuć obniżkę ceny w panelu serwisowym ({rma}).",
        "paid_repair": "przyjmij lub odrzuć ofertę płatnej naprawy w panelu serwisowym ({rma}).",
        "exchange": "nic nie musisz robić; wyślemy nowy produkt i rozliczymy różnicę ceny.",
        "rejection": (
            "odeślemy produkt; jeśli się nie zgadzasz, odpowiedz na tę wiadomość, podając {rma}. "
            "Konsument może też skorzystać z pozasądowych sposobów rozpatrywania reklamacji."
        ),
    },
    "en": {
        "repair": "nothing to do; we repair the product and ship it back with a tracking number.",
        "replacement": "nothing to do; we ship a new product with a tracking number.",
        "refund": (
            "nothing to do; we refund the money within 14 days. If the decision lists "
            "deductions, accept them or take the goods back in the service panel ({rma})."
        ),
        "price_reduction": "accept or refuse the price reduction in the service panel ({rma}).",
        "paid_repair": "accept or refuse the paid-repair offer in the service panel ({rma}).",
        "exchange": "nothing to do; we ship the other product and settle the price difference.",
        "rejection": (
            "we ship the product back; if you disagree, reply to this message quoting {rma}. "
            "Consumers may also use out-of-court complaint procedures."
        ),
    },
}

# A consumer's refused complaint: the rights the consumer still has (issue 24).
CONSUMER_RIGHTS: Final = {
    "pl": (
        "Jeśli nie zgadzasz się z decyzją, możesz zlecić ekspertyzę niezależnemu rzeczoznawcy "
        "i skorzystać z pozasądowych sposobów rozpatrywania reklamacji: bezpłatnej pomocy "
        "miejskiego lub powiatowego rzecznika konsumentów, mediacji wojewódzkiego inspektoratu "
        "Inspekcji Handlowej albo podmiotów z rejestru Prezesa UOKiK "
        "(https://uokik.gov.pl/pozasadowe-rozwiazywanie-sporow-konsumenckich)."
    ),
    "en": (
        "If you disagree with the decision, you may have the product examined by an independent "
        "expert and use the out-of-court routes: the free help of your municipal or district "
        "consumer ombudsman, mediation by the regional Trade Inspection, or the bodies listed by "
        "the President of UOKiK (https://uokik.gov.pl/pozasadowe-rozwiazywanie-sporow-konsumenckich)."
    ),
}
# A new claim: how the parcel travels (the terms: at the sender's risk until it arrives).
PACKING: Final = {
    "pl": (
        "Zapakuj produkt starannie, najlepiej w oryginalne opakowanie, i zabezpiecz go przed "
        "uszkodzeniem: przesyłka podróżuje na Twoje ryzyko, dopóki do nas nie dotrze."
    ),
    "en": (
        "Pack the product carefully, preferably in its original packaging, and protect it from "
        "damage: the parcel travels at your risk until it reaches us."
    ),
}

# The codified rejection reasons of the returns and complaints policy: claims' catalogue.
REJECTION_REASONS: Final = REJECTION_REASON_NAMES

DEADLINE_KINDS: Final = {
    "pl": {
        "complaint_answer": "odpowiedź na reklamację",
        "business_assessment": "rozpatrzenie reklamacji (30 dni)",
        "dji_repair": "naprawa DJI (60 dni roboczych)",
        "scooter_repair": "naprawa hulajnogi (30 dni)",
        "return_refund": "zwrot pieniędzy za zwrócony towar",
    },
    "en": {
        "complaint_answer": "answer to your complaint",
        "business_assessment": "assessment of your complaint (30 days)",
        "dji_repair": "DJI repair (60 working days)",
        "scooter_repair": "scooter repair (30 days)",
        "return_refund": "refund for the returned goods",
    },
}

WARRANTY_NEXT_STEPS: Final = {
    "pl": "jeśli produkt nie jest jeszcze w drodze, oznacz paczkę numerem {rma} "
    "i wyślij ją na adres: {address}.",
    "en": "if the product is not on its way yet, mark the parcel with {rma} "
    "and send it to: {address}.",
}

PARCEL_NEXT_STEPS: Final = {
    "pl": "nic nie musisz robić; sprawdzimy produkt i o wyniku poinformujemy Cię e-mailem.",
    "en": "nothing to do; we will inspect the product and email you the result.",
}

OFFERS: Final = {
    "pl": {
        "price_reduction": "obniżka ceny",
        "paid_repair_quote": "oferta płatnej naprawy",
        "return_deductions": "potrącenia ze zwrotu",
    },
    "en": {
        "price_reduction": "price reduction",
        "paid_repair_quote": "paid-repair quote",
        "return_deductions": "deductions from the refund",
    },
}

# What follows the customer's answer to an offer: (offer, accepted) as "offer:yes" / "offer:no".
OFFER_NEXT_STEPS: Final = {
    "pl": {
        "price_reduction:yes": "nic nie musisz robić; zwrócimy kwotę obniżki i odeślemy produkt.",
        "price_reduction:no": "rozpatrzymy zgłoszenie ponownie i zaproponujemy inne rozwiązanie.",
        "paid_repair_quote:yes": "nic nie musisz robić; naprawimy produkt i odeślemy go.",
        "paid_repair_quote:no": "odeślemy produkt bez naprawy i podamy numer przesyłki.",
        "return_deductions:yes": "nic nie musisz robić; zwrócimy pomniejszoną kwotę w 14 dni.",
        "return_deductions:no": "odeślemy Ci towar i podamy numer przesyłki.",
    },
    "en": {
        "price_reduction:yes": "nothing to do; we refund the reduction and ship the product back.",
        "price_reduction:no": "we look at the claim again and offer another remedy.",
        "paid_repair_quote:yes": "nothing to do; we repair the product and ship it back.",
        "paid_repair_quote:no": "we ship the product back unrepaired with a tracking number.",
        "return_deductions:yes": "nothing to do; we refund the reduced amount within 14 days.",
        "return_deductions:no": "we ship the goods back to you with a tracking number.",
    },
}

# The service centre's next step once the customer answered an offer (its email is Polish).
STAFF_NEXT_STEPS: Final = {
    "price_reduction:yes": "zapisz zwrot kwoty obniżki i odeślij produkt.",
    "price_reduction:no": "rozpatrz zgłoszenie ponownie i zaproponuj klientowi inne rozwiązanie.",
    "paid_repair_quote:yes": "napraw produkt i odeślij go klientowi.",
    "paid_repair_quote:no": "odeślij produkt bez naprawy i zapisz numer przesyłki.",
    "return_deductions:yes": "zapisz zwrot pomniejszonej kwoty (14 dni od przyjęcia zwrotu).",
    "return_deductions:no": "odeślij towar klientowi i zapisz numer przesyłki.",
}

REFUND_METHODS: Final = {
    "pl": {
        "bank_transfer": "przelew na rachunek",
        "original_payment": "zwrot tą samą metodą płatności",
    },
    "en": {
        "bank_transfer": "bank transfer to the account",
        "original_payment": "back to the original payment",
    },
}

REFUND_NEXT_STEPS: Final = {
    "pl": "sprawdź rachunek; pieniądze powinny dotrzeć w ciągu kilku dni roboczych.",
    "en": "check your account; the money should arrive within a few working days.",
}
CHARGE_NEXT_STEPS: Final = {
    "pl": "zapłać przelewem na podany rachunek, w tytule podaj numer zgłoszenia; produkt "
    "odeślemy po zaksięgowaniu wpłaty.",
    "en": "pay by bank transfer to the account given, with the claim number as the title; we "
    "ship the product once the payment arrives.",
}
REPLACEMENT_NEXT_STEPS: Final = {
    "pl": "nic nie musisz robić; wyślemy nowy egzemplarz i podamy numer przesyłki.",
    "en": "nothing to do; we ship the new unit with a tracking number.",
}
DELAY_NEXT_STEPS: Final = {
    "pl": "nic nie musisz robić; poinformujemy Cię, gdy naprawa się zakończy.",
    "en": "nothing to do; we will tell you when the repair is finished.",
}


# The unit at DJI's official service, and back from it.
MANUFACTURER_NEXT_STEPS: Final = {
    "pl": {
        "sent": "nic nie musisz robić; napiszemy, gdy urządzenie wróci od producenta.",
        "back": "nic nie musisz robić; o dalszych krokach poinformujemy Cię e-mailem.",
    },
    "en": {
        "sent": "nothing to do; we will write when the unit is back from the manufacturer.",
        "back": "nothing to do; we will email you the next steps.",
    },
}


DEEMED_ACCEPTED_NEXT_STEPS: Final = {
    "pl": "nic nie musisz robić: serwis wybierze naprawę, wymianę, obniżenie ceny albo zwrot "
    "pieniędzy i napisze do Ciebie, co dalej; odrzucenie reklamacji nie jest już możliwe.",
    "en": "nothing to do: the service will choose a repair, a replacement, a price reduction or "
    "a refund and tell you what follows; the complaint can no longer be rejected.",
}
COLLECTION_NEXT_STEPS: Final = {
    "pl": "odbierz towar osobiście w serwisie albo odpowiedz na tę wiadomość, podając {rma}, "
    "aby uzgodnić jego odesłanie.",
    "en": "collect the goods at the service centre, or reply to this message quoting {rma} to "
    "arrange their shipment.",
}
DISPOSAL_NEXT_STEPS: Final = {
    "pl": "jeśli to pomyłka, odpowiedz na tę wiadomość, podając {rma}.",
    "en": "if this is a mistake, reply to this message quoting {rma}.",
}
OFFER_EXPIRED_NEXT_STEPS: Final = {
    "pl": {
        "goods_back": "odeślemy Ci produkt; numer przesyłki podamy w kolejnej wiadomości.",
        "reinspection": "serwis zaproponuje inne rozwiązanie reklamacji i napisze do Ciebie.",
    },
    "en": {
        "goods_back": "we will send the product back to you; the tracking number follows.",
        "reinspection": "the service will propose another remedy and write to you.",
    },
}


def word(table: dict[str, dict[str, str]], language: str, code: str) -> str:
    """The customer's words for `code`, or the code itself if this service does not know it yet."""
    return table[language].get(code, code)
