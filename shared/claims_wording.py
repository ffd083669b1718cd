"""The words of the claims service: its refusals in Polish and English, and its timeline notes.

One catalogue, looked up by code, like the vocabulary beside it (shared/claims_vocabulary.py). The
claims domain refuses with a code and its parameters and never holds a sentence; the HTTP layer
renders a refusal here in the client's language (Polish for customers by default), and the
domain's timeline notes (Polish, like every record of a claim) are written from here too.

A template names its parameters (`{due_on:%d.%m.%Y}`); a parameter holding a code that has a
name (a status, a product category) is also given as `<parameter>_name`, in Polish.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Final, Literal

from shared.claims_vocabulary import CHARGE_KIND_NAMES_PL, STATUS_NAMES_PL

Language = Literal["pl", "en"]

# The product categories a return's refusal names (the ERP's category codes).
CATEGORY_NAMES_PL: Final[dict[str, str]] = {
    "custom_made": "produkty wykonane na zamówienie lub spersonalizowane",
    "perishable": "towary szybko psujące się",
    "digital_content": "treści cyfrowe dostarczone elektronicznie",
    "software": "nośniki danych i oprogramowanie w zapieczętowanym opakowaniu",
    "hygiene": "produkty higieniczne i bielizna w zapieczętowanym opakowaniu",
}
# Parameters that hold a code, and where the code's name is.
_NAMED_PARAMETERS: Final[dict[str, Mapping[str, str]]] = {
    "from_status": STATUS_NAMES_PL,
    "to_status": STATUS_NAMES_PL,
    "status": STATUS_NAMES_PL,
    "category": CATEGORY_NAMES_PL,
    "kind": CHARGE_KIND_NAMES_PL,
}

# Refusals by code (a code with two texts has a second entry `<code>.<variant>`): (Polish, English).
REFUSALS: Final[dict[str, tuple[str, str]]] = {
    # --- the claim form -----------------------------------------------------------------------
    "product_not_on_linked_document": (
        "Ten produkt nie znajduje się na dokumencie zakupu powiązanym z Twoim kontem. "
        "Najpierw powiąż dokument zakupu.",
        "This product is not on a purchase document linked to your account. Link it first.",
    ),
    "serial_number_required": (
        "Dla produktów marki {brand} numer seryjny jest wymagany. Znajdziesz go na opakowaniu "
        "lub na produkcie.",
        "A serial number is required for {brand} products.",
    ),
    "serial_number_unknown": (
        "Ten numer seryjny nie zgadza się z produktem na dokumencie zakupu.",
        "This serial number does not match the product on the purchase document.",
    ),
    "attachment_too_large": (
        "Plik jest za duży: załącznik może mieć najwyżej 10 MB.",
        "The file is too large: at most 10 MB.",
    ),
    "attachment_type_invalid": (
        "Dołącz plik PDF, JPEG lub PNG (dokument sprzedaży, zdjęcie).",
        "Attach a PDF, JPEG or PNG file (sales document, photo).",
    ),
    "problem_required": (
        "Wybierz problem z listy dla tego produktu.",
        "Choose the problem from this product's list.",
    ),
    "problem_description_required": (
        "Opisz problem (co najmniej {min_length} znaków): to skraca rozpatrzenie reklamacji. "
        "Przy zwrocie towaru opis nie jest potrzebny.",
        "Describe the problem (at least {min_length} characters). A return needs no description.",
    ),
    "activation_before_sale": (
        "Data aktywacji nie może być wcześniejsza niż data sprzedaży ({sold_on}).",
        "The activation date cannot be before the sale ({sold_on}).",
    ),
    "activation_in_future": (
        "Data aktywacji nie może być z przyszłości.",
        "The activation date is ahead.",
    ),
    "seal_state_required": (
        "Napisz, czy opakowanie (plomba) produktu jest nienaruszone: zwrot nośników danych, "
        "oprogramowania i produktów higienicznych przysługuje tylko w nienaruszonym opakowaniu.",
        "Say whether the seal is intact: sealed goods are returned unopened only.",
    ),
    "return_address_required": (
        "Podaj adres zwrotny (albo zapisz adres na swoim koncie): bez adresu nie odeślemy "
        "produktu.",
        "Give a return address (or keep one on your account): nothing is shipped without it.",
    ),
    "open_claim_for_serial": (
        "Dla tego numeru seryjnego jest już otwarte zgłoszenie {rma_number}. Śledź je albo "
        "dopisz informacje do niego.",
        "This serial number already has an open claim: {rma_number}.",
    ),
    "defect_settled_by_price_reduction": (
        "Ta wada tego egzemplarza została rozliczona obniżeniem ceny w zgłoszeniu {rma_number}: "
        "nie można jej reklamować ponownie.",
        "This unit's defect was settled by a price reduction in {rma_number}.",
    ),
    # --- claims in bulk (a company's CSV, issue 25 §6) ----------------------------------------
    "bulk_file_too_large": (
        "Plik CSV jest za duży: może mieć najwyżej {max_kb} KB. Podziel go na kilka plików.",
        "The CSV file is too large: at most {max_kb} KB. Split it into several files.",
    ),
    "bulk_file_empty": (
        "Plik CSV jest pusty. Wgraj plik z nagłówkiem i wierszami zgłoszeń.",
        "The CSV file is empty.",
    ),
    "bulk_file_not_csv": (
        "To nie jest plik CSV. Zapisz arkusz jako „CSV UTF-8 (rozdzielany przecinkami)” i wgraj "
        "go ponownie.",
        "This is not a CSV file. Save the sheet as CSV UTF-8 and upload it again.",
    ),
    "bulk_file_encoding": (
        "Plik nie jest zapisany w kodowaniu UTF-8 (polskie znaki byłyby przekłamane). Zapisz go "
        "jako „CSV UTF-8” i wgraj ponownie.",
        "The file is not UTF-8. Save it as CSV UTF-8 and upload it again.",
    ),
    "bulk_columns_missing": (
        "W nagłówku pliku brakuje kolumn: {missing}. Wymagane kolumny: {expected}.",
        "The file's header lacks the columns: {missing}. Required: {expected}.",
    ),
    "bulk_no_rows": (
        "Plik ma tylko nagłówek: dodaj wiersze z produktami do reklamacji.",
        "The file has a header only: add the rows.",
    ),
    "bulk_too_many_rows": (
        "Plik ma {rows} wierszy, a jedno zgłoszenie zbiorcze może mieć najwyżej {max_rows}. "
        "Podziel go na kilka plików.",
        "The file has {rows} rows; one bulk filing takes at most {max_rows}.",
    ),
    "bulk_document_unreadable": (
        "Podaj dokument jako typ i numer, np. FS/2026/00012 (FS: faktura, PA: paragon).",
        "Give the document as its type and number, e.g. FS/2026/00012.",
    ),
    "bulk_line_unreadable": (
        "Pozycja na dokumencie musi być liczbą całkowitą od 1.",
        "The document's line must be a whole number from 1.",
    ),
    "bulk_claim_type_unknown": (
        "Nieznany typ zgłoszenia. Dozwolone: {allowed} (puste: warranty).",
        "Unknown claim type. Allowed: {allowed} (empty: warranty).",
    ),
    "bulk_value_too_long": (
        "Wartość w kolumnie {column} jest za długa (najwyżej {max_length} znaków).",
        "The value in column {column} is too long (at most {max_length} characters).",
    ),
    "bulk_row_extra_values": (
        "Wiersz ma więcej wartości niż nagłówek ({columns} kolumn). Sprawdź separatory i "
        "cudzysłowy.",
        "The row has more values than the header ({columns} columns).",
    ),
    "bulk_serial_repeated": (
        "Ten numer seryjny jest już w wierszu {row} pliku: jeden egzemplarz to jedno zgłoszenie.",
        "This serial number is in row {row} of the file already.",
    ),
    "bulk_company_only": (
        "Zgłoszenia zbiorcze są dostępne tylko dla kont firmowych z powiązanymi fakturami.",
        "Bulk claims are for company accounts with linked invoices only.",
    ),
    "bulk_nothing_accepted": (
        "Żaden wiersz pliku nie może zostać zgłoszony ({refused} odrzuconych): nic nie zapisano. "
        "Popraw wiersze według podanych powodów.",
        "No row of the file can be filed ({refused} refused): nothing was saved.",
    ),
    "shipment_not_found": (
        "Nie znaleziono takiej wysyłki zbiorczej.",
        "No such bulk shipment.",
    ),
    # --- which claim type (the eligibility rules) ---------------------------------------------
    "claim_type_dji_only": (
        "Zgłoszenia typu DJI służą wyłącznie do produktów marki DJI.",
        "DJI claims are only for DJI products.",
    ),
    "claim_type_consumers_only": (
        "Reklamacja z tytułu niezgodności towaru z umową przysługuje tylko konsumentom (ustawa "
        "o prawach konsumenta); między przedsiębiorcami sklep wyłącza rękojmię (art. 558 § 1 "
        "Kodeksu cywilnego). Wybierz zgłoszenie gwarancyjne.",
        "Non-conformity claims are for consumers only. Choose warranty.",
    ),
    "claim_type_consumers_only.return": (
        "Zwrot towaru (odstąpienie od umowy w 30 dni) przysługuje według polityki zwrotów "
        "sklepu tylko konsumentom. Jeśli produkt jest wadliwy, wybierz zgłoszenie gwarancyjne.",
        "Under the shop's returns policy, returns are for consumers only. Choose warranty for a "
        "defective product.",
    ),
    "return_excluded_category": (
        "Zwrot (odstąpienie od umowy) nie przysługuje dla tej kategorii: {category_name}. Możesz "
        "złożyć reklamację.",
        "Withdrawal does not apply to this category. You can file a complaint.",
    ),
    "return_seal_opened": (
        "Zwrot nie przysługuje: {category_name} po otwarciu opakowania nie podlegają zwrotowi. "
        "Możesz złożyć reklamację, jeśli produkt jest wadliwy.",
        "Withdrawal does not apply once the seal is opened. You can file a complaint.",
    ),
    "return_activated_unit": (
        "Zwrot nie przysługuje: urządzenie zostało aktywowane {activated_on:%d.%m.%Y}, a to "
        "wykracza poza sprawdzenie charakteru, cech i funkcjonowania rzeczy (art. 34 ust. 4 "
        "ustawy o prawach konsumenta). Możesz złożyć reklamację, jeśli produkt jest wadliwy.",
        "Withdrawal does not apply: the device was activated, which goes beyond checking it. "
        "You can file a complaint.",
    ),
    "return_activated_unit.registered": (
        "Zwrot nie przysługuje: urządzenie zostało zarejestrowane {registered_on:%d.%m.%Y}, a "
        "to wykracza poza sprawdzenie charakteru, cech i funkcjonowania rzeczy (art. 34 ust. 4 "
        "ustawy o prawach konsumenta). Możesz złożyć reklamację, jeśli produkt jest wadliwy.",
        "Withdrawal does not apply: the device was registered, which goes beyond checking it. "
        "You can file a complaint.",
    ),
    "return_window_passed": (
        "Minęło 30 dni od odbioru towaru: zwrot (odstąpienie od umowy) nie jest już możliwy. "
        "Możesz złożyć reklamację.",
        "More than 30 days have passed since delivery: a return is no longer possible.",
    ),
    # --- finding a claim, its files and its parcels --------------------------------------------
    "claim_not_found": ("Nie znaleziono zgłoszenia.", "Claim not found."),
    "attachment_not_found": ("Nie znaleziono załącznika.", "Attachment not found."),
    "status_unknown": (
        "Nieznany status zgłoszenia: {unknown}. Dozwolone: {allowed}.",
        "Unknown claim status: {unknown}. Allowed: {allowed}.",
    ),
    "parcel_unreadable": (
        "Zeskanuj albo wpisz numer RMA lub numer przesyłki z etykiety.",
        "Scan or type the RMA number or the tracking number from the label.",
    ),
    "parcel_unreadable.numbers": (
        "Podaj numer RMA albo numer przesyłki z etykiety.",
        "Give the RMA number or the tracking number from the label.",
    ),
    "parcel_not_unidentified": (
        "Tej przesyłki nie ma w kolejce niezidentyfikowanych.",
        "This parcel is not in the unidentified queue.",
    ),
    "parcel_not_waiting": ("Ta przesyłka nie czeka na operatora.", "This parcel is not waiting."),
    # --- the lifecycle ------------------------------------------------------------------------
    "illegal_transition": (
        "Nie można zmienić statusu z „{from_status_name}” na „{to_status_name}”.",
        "A claim cannot move from {from_status} to {to_status}.",
    ),
    "cancel_product_at_service": (
        "Nie można anulować zgłoszenia: produkt jest już w serwisie. Poczekaj na decyzję albo "
        "napisz do nas, podając numer RMA.",
        "The claim cannot be cancelled: the service centre holds the product.",
    ),
    "note_required": ("Napisz, jakich informacji potrzebujesz.", "Say what you need."),
    "not_awaiting_customer": (
        "To zgłoszenie nie czeka na informacje od Ciebie.",
        "This claim is not waiting for information from you.",
    ),
    # --- the decision -------------------------------------------------------------------------
    "not_decided": ("Zgłoszenie nie ma jeszcze decyzji.", "The claim has not been decided yet."),
    "exchange_product_required": (
        "Podaj produkt, na który wymieniamy towar.",
        "Name the product the goods are exchanged for.",
    ),
    "return_seal_opened.decision": (
        "Magazyn stwierdził otwarte opakowanie (plombę): zwrot nie przysługuje. Odrzuć zwrot z "
        "przyczyną „{reason}” i odeślij produkt klientowi.",
        "The warehouse found the seal opened: reject the return with reason '{reason}' and ship "
        "the product back.",
    ),
    "complaint_deemed_accepted": (
        "Reklamacja została uznana za zasadną z mocy prawa {deemed_on:%d.%m.%Y} (brak "
        "odpowiedzi w 14 dni, art. 7a ustawy o prawach konsumenta): wybierz naprawę, wymianę, "
        "obniżenie ceny albo zwrot pieniędzy.",
        "The complaint was accepted by law (no answer within 14 days): choose a remedy.",
    ),
    "dji_statement_required": (
        "Wymiana urządzenia DJI wymaga pisemnego oświadczenia DJI, że naprawa jest niemożliwa: "
        "dołącz je do zgłoszenia, albo zdecyduj o naprawie.",
        "A DJI unit is replaced only with DJI's written statement that it cannot be repaired: "
        "attach it first, or decide a repair.",
    ),
    "statement_not_expected": (
        "Oświadczenie producenta dołącza się do otwartego zgłoszenia produktu DJI.",
        "A manufacturer's statement joins an open claim for a DJI product.",
    ),
    "custom_made_no_refund": (
        "Produkt wykonany na zamówienie: przysługuje naprawa albo wymiana, nie zwrot kosztów "
        "jego wykonania.",
        "Made-to-order goods are repaired or replaced, never refunded.",
    ),
    "quote_on_covered_claim": (
        "Produkt jest objęty gwarancją: naprawa jest bezpłatna, nie można wysłać oferty płatnej "
        "naprawy.",
        "The product is under warranty: its repair is free, no paid quote.",
    ),
    "rejection_reason_unknown": (
        "Wybierz jedną z przyczyn odrzucenia z polityki zwrotów i reklamacji.",
        "Choose one of the codified rejection reasons.",
    ),
    "justification_required": (
        "Odmowa wymaga pisemnego uzasadnienia (co najmniej {min_length} znaków).",
        "A rejection needs a written justification (at least {min_length} characters).",
    ),
    "deduction_unknown": (
        "Nieznany rodzaj potrącenia: {kind}.",
        "Unknown deduction: {kind}.",
    ),
    "deduction_out_of_range": (
        "Potrącenie „{name}” musi wynosić od {low} do {high}% wartości produktu.",
        "The deduction '{kind}' must be between {low} and {high}% of the price.",
    ),
    "amount_required": ("Podaj kwotę większą od zera.", "Enter an amount greater than zero."),
    "price_reduction_kind_required": (
        "Wybierz rodzaj obniżki: {kinds}.",
        "Choose the reduction's kind: {kinds}.",
    ),
    "price_unknown": (
        "Cena zakupu nie jest znana: obniżki nie można policzyć od ceny.",
        "The price paid is not known: the reduction cannot be checked against it.",
    ),
    "price_reduction_above_price": (
        "Obniżka ({amount} zł) nie może przekroczyć ceny zapłaconej ({price} zł).",
        "The reduction ({amount}) cannot exceed the price paid ({price}).",
    ),
    "price_reduction_out_of_range": (
        "Obniżka „{name}” wynosi od {low} do {high}% ceny: od {lowest} do {highest} zł.",
        "A '{kind}' reduction is {low}-{high}% of the price: {lowest} to {highest}.",
    ),
    "quote_valid_until_required": (
        "Podaj, do kiedy oferta naprawy jest ważna (dziś lub później).",
        "Say until when the repair quote stands (today or later).",
    ),
    # --- the customer's answer to an offer ----------------------------------------------------
    "no_offer_to_answer": (
        "To zgłoszenie nie ma oferty czekającej na Twoją odpowiedź.",
        "This claim has no offer awaiting your answer.",
    ),
    "quote_expired": (
        "Oferta naprawy była ważna do {valid_until}.",
        "The repair quote has expired.",
    ),
    # --- after the decision: repair, replacement, shipment, refund -----------------------------
    "repair_not_decided": (
        "Naprawę rozpoczyna decyzja o naprawie lub wymianie albo przyjęta oferta.",
        "A repair follows a repair or replacement decision, or an accepted quote.",
    ),
    "replacement_not_due": (
        "Numer egzemplarza zastępczego zapisuje się raz, po decyzji o wymianie.",
        "The replacement unit is recorded once, after a replacement decision.",
    ),
    "replacement_serial_required": (
        "Podaj numer seryjny egzemplarza wydanego w zamian.",
        "Enter the serial number of the replacement unit.",
    ),
    "replacement_serial_unchanged": (
        "Egzemplarz zastępczy musi mieć inny numer seryjny niż reklamowany.",
        "The replacement unit must have another serial number than the claimed one.",
    ),
    "replacement_serial_sold": (
        "Egzemplarz {serial_number} został sprzedany klientowi: wydaj w zamian egzemplarz z "
        "magazynu serwisu (nigdy niesprzedany). Sprawdź numer.",
        "Unit {serial_number} was sold to a customer: replace with a unit of the service's "
        "stock (never sold). Check the number.",
    ),
    "ean_invalid": (
        "Kod EAN jest nieprawidłowy (13 cyfr z cyfrą kontrolną).",
        "The EAN is not valid (13 digits with a check digit).",
    ),
    "tracking_required": ("Podaj numer przesyłki zwrotnej.", "Enter the outbound tracking number."),
    "carrier_required": ("Podaj przewoźnika.", "Enter the carrier."),
    "return_address_missing": (
        "Zgłoszenie nie ma adresu zwrotnego: bez adresu nie wysyłamy produktu.",
        "The claim has no return address: nothing is shipped without one.",
    ),
    "offer_unanswered": (
        "Klient jeszcze nie odpowiedział na ofertę.",
        "The customer has not answered the offer yet.",
    ),
    "replacement_serial_missing": (
        "Najpierw zapisz numer seryjny egzemplarza zastępczego.",
        "Record the replacement unit's serial number first.",
    ),
    "nothing_to_ship": (
        "Przy zwrocie pieniędzy towar zostaje w serwisie: zapisz zwrot pieniędzy.",
        "A refund keeps the goods at the service: record the refund.",
    ),
    "nothing_to_refund": (
        "Decyzja nie przewiduje zwrotu pieniędzy (albo klient jeszcze nie przyjął potrąceń).",
        "No refund is due (or the customer has not accepted the deductions).",
    ),
    "already_refunded": ("Zwrot pieniędzy jest już zapisany.", "Already refunded."),
    "refund_differs_from_decision": (
        "Kwota zwrotu ({paid} zł) różni się od decyzji ({decided} zł): podaj przyczynę różnicy "
        "(co najmniej {min_length} znaków).",
        "The refund ({paid}) differs from the decision ({decided}): give the reason.",
    ),
    "iban_invalid": (
        "Numer rachunku (IBAN) jest nieprawidłowy. Podaj go z kodem kraju, np. "
        "PL61 1090 1014 0000 0712 1981 2874.",
        "The IBAN is not valid. Enter it with its country code.",
    ),
    # --- a void warranty ---------------------------------------------------------------------
    "void_reason_unknown": (
        "Nieznana przyczyna wygaśnięcia gwarancji: {reason}.",
        "Unknown reason for a void warranty: {reason}.",
    ),
    "void_needs_serial": (
        "Zgłoszenie nie ma numeru seryjnego: nie można oznaczyć egzemplarza.",
        "The claim has no serial number: there is no unit to mark.",
    ),
    "void_evidence_unknown": (
        "Dowody muszą być załącznikami tego zgłoszenia; nie są: {attachments}.",
        "The evidence must be this claim's attachments; these are not: {attachments}.",
    ),
    # --- DJI's official service (hand-off to the manufacturer) --------------------------------
    "handoff_not_dji": (
        "Do oficjalnego serwisu DJI przekazuje się tylko reklamowane produkty marki DJI (nie "
        "zwroty).",
        "Only claimed DJI products (not returns) are handed to DJI's official service.",
    ),
    "handoff_not_now": (
        "Urządzenie przekazuje się producentowi w trakcie diagnozy albo naprawy, a zgłoszenie "
        "ma status „{status_name}”.",
        "The unit goes to the manufacturer during inspection or repair; the claim is “{status}”.",
    ),
    "handoff_case_number_required": (
        "Podaj numer zgłoszenia nadany przez serwis producenta.",
        "Give the case number the manufacturer's service assigned.",
    ),
    "handoff_case_number_invalid": (
        "Numer zgłoszenia producenta ma 3–40 znaków: litery, cyfry i znaki - / _ . (bez "
        "spacji w środku).",
        "The manufacturer's case number has 3-40 characters: letters, digits and - / _ . "
        "(no spaces inside).",
    ),
    "handoff_date_in_future": (
        "Data nie może być późniejsza niż dzisiejsza ({today:%d.%m.%Y}).",
        "The date cannot be later than today ({today:%Y-%m-%d}).",
    ),
    "handoff_sent_before_receipt": (
        "Urządzenie nie mogło wyjechać do producenta przed przyjęciem przesyłki "
        "({received_on:%d.%m.%Y}).",
        "The unit cannot have left for the manufacturer before the parcel was received "
        "({received_on:%Y-%m-%d}).",
    ),
    "handoff_sent_before_last_return": (
        "Urządzenie wróciło od producenta {back_on:%d.%m.%Y}: kolejna wysyłka nie może mieć "
        "wcześniejszej daty.",
        "The unit came back from the manufacturer on {back_on:%Y-%m-%d}: the next hand-off "
        "cannot be dated earlier.",
    ),
    "handoff_not_at_manufacturer": (
        "Powrót od producenta zapisuje się, gdy urządzenie jest u producenta, a zgłoszenie ma "
        "status „{status_name}”.",
        "A return from the manufacturer is recorded while the unit is there; the claim is "
        "“{status}”.",
    ),
    "handoff_back_first": (
        "Urządzenie jest u producenta: najpierw zapisz jego powrót (data powrotu, oświadczenie "
        "producenta).",
        "The unit is at the manufacturer: record its return first (the day back, the "
        "manufacturer's statement).",
    ),
    "handoff_back_before_sent": (
        "Urządzenie nie mogło wrócić przed wysyłką do producenta ({sent_on:%d.%m.%Y}).",
        "The unit cannot have come back before it was sent ({sent_on:%Y-%m-%d}).",
    ),
    # --- charges to the customer ---------------------------------------------------------------
    "charge_kind_unknown": (
        "Nieznany rodzaj opłaty. Dozwolone: {kinds}.",
        "Unknown kind of charge. Allowed: {kinds}.",
    ),
    "charge_reason_required": (
        "Podaj uzasadnienie (co najmniej {min_length} znaków).",
        "Give the reason (at least {min_length} characters).",
    ),
    "charge_amount_precision": (
        "Kwota może mieć najwyżej dwa miejsca po przecinku (grosze).",
        "The amount has at most two decimal places.",
    ),
    "charge_amount_too_large": (
        "Kwota jest za duża (najwyżej {largest} zł).",
        "The amount is too large (at most {largest}).",
    ),
    "charge_not_now": (
        "Opłatę można doliczyć tylko wtedy, gdy produkt jest w serwisie.",
        "A charge is added only while the product is at the service.",
    ),
    "reshipping_not_refused": (
        "Opłata za ponowną wysyłkę należy się tylko po odmowie odbioru przesyłki przez klienta.",
        "A reshipping charge is due only after the customer refused the delivery.",
    ),
    "reshipping_transport_damage": (
        "Przesyłka została uszkodzona w transporcie i jest protokół szkody: opłata za ponowną "
        "wysyłkę się nie należy.",
        "The parcel was damaged in transport with a damage report: no reshipping charge.",
    ),
    "scooter_transport_not_due": (
        "Koszt transportu w obie strony obciąża klienta tylko przy nieuzasadnionej (odrzuconej) "
        "reklamacji hulajnogi.",
        "Transport both ways is charged only for a rejected scooter claim.",
    ),
    "missing_equipment_not_due": (
        "Opłata za brakujące wyposażenie dotyczy tylko wymiany egzemplarza.",
        "Missing equipment is charged only when the unit is replaced.",
    ),
    "exchange_difference_not_due": (
        "Dopłata różnicy ceny dotyczy tylko wymiany na inny produkt.",
        "A price difference is charged only for an exchange.",
    ),
    "administrative_fee_not_due": (
        "Opłata administracyjna należy się od {from_return}. zwrotu w ciągu 12 miesięcy; "
        "to jest zwrot nr {returns}.",
        "The administrative fee is due from return no. {from_return} within 12 months; this "
        "is no. {returns}.",
    ),
    "charge_unknown": ("Nie ma takiej opłaty w tym zgłoszeniu.", "No such charge on this claim."),
    "charge_not_due": (
        "Ta opłata jest już opłacona albo umorzona.",
        "This charge is already paid or waived.",
    ),
    "charge_due": (
        "Klient ma nieopłacone opłaty ({amount} zł): produkt wysyłamy po ich opłaceniu albo "
        "umorzeniu.",
        "The customer owes {amount}: the product ships once paid or waived.",
    ),
    "month_invalid": (
        "Podaj miesiąc w postaci RRRR-MM, np. 2026-03 (podano: {month}).",
        "Give the month as YYYY-MM, e.g. 2026-03 (given: {month}).",
    ),
    "cleaning_not_dirty": (
        "Opłata za czyszczenie należy się tylko wtedy, gdy przy przyjęciu zapisano, że produkt "
        "był zabrudzony.",
        "A cleaning charge is due only when intake recorded the product as dirty.",
    ),
    # --- evidence at intake --------------------------------------------------------------------
    "evidence_not_now": (
        "Dowody przyjęcia zapisuje się, gdy produkt jest w serwisie, przed decyzją.",
        "Intake evidence is recorded while the product is at the service, before the decision.",
    ),
    "packaging_unknown": (
        "Wybierz opakowanie, w którym przyszedł produkt: {packagings}.",
        "Choose the packaging the product came in: {packagings}.",
    ),
    "intake_photos_too_many": (
        "Dołącz najwyżej {max_photos} zdjęć naraz.",
        "Attach at most {max_photos} photos at once.",
    ),
    "intake_photo_not_image": (
        "Zdjęcia muszą być plikami JPEG lub PNG.",
        "Photos must be JPEG or PNG files.",
    ),
    "damage_report_without_transport_damage": (
        "Protokół szkody dołącza się tylko do przesyłki uszkodzonej w transporcie: zaznacz "
        "uszkodzenie w transporcie albo usuń plik.",
        "A damage report comes only with a parcel damaged in transport: tick the transport "
        "damage or remove the file.",
    ),
    "rejection_needs_recorded_damage": (
        "Odrzucenie z powodu uszkodzenia wymaga uszkodzeń zapisanych przy przyjęciu (ze "
        "zdjęciami): zapisz je najpierw albo wybierz inną przyczynę.",
        "A rejection for damage needs the damage recorded at intake (with photos): record it "
        "first, or choose another reason.",
    ),
    # --- scooter repair delays -----------------------------------------------------------------
    "no_repair_deadline": (
        "To zgłoszenie nie ma biegnącego terminu naprawy hulajnogi.",
        "This claim has no running scooter repair deadline.",
    ),
    "repair_deadline_passed": (
        "Termin naprawy minął {due_on}: klienta informuje się przed nim.",
        "The repair deadline has passed: the customer is told before it.",
    ),
    "delay_reason_required": (
        "Podaj klientowi przyczynę opóźnienia (co najmniej {min_length} znaków).",
        "Give the customer the reason for the delay (at least {min_length} characters).",
    ),
}

# Why a claim type is open to the buyer (the ClaimCreated event carries it), by claim type.
CLAIM_TYPE_ALLOWED: Final[dict[str, str]] = {
    "warranty": "Reklamację gwarancyjną może złożyć każdy nabywca.",
    "non_conformity": "Rękojmia przysługuje konsumentowi.",
    "return": "Zwrot w terminie 30 dni od odbioru towaru.",
    "dji": "Produkt marki DJI.",
}

# The claim's timeline notes the domain writes (Polish, like every record), by code.
TIMELINE_NOTES: Final[dict[str, str]] = {
    "parcel_for_ended_claim": "Przesyłka do zakończonego zgłoszenia: czeka na operatora.",
    "parcel_attention": "Przesyłka do zgłoszenia o statusie „{status}”: sprawdź i zdecyduj, co "
    "z nią zrobić.",
    "parcel_from_manufacturer": "Przesyłka od serwisu DJI (sprawa {case_number}): urządzenie "
    "wróciło, czeka na operatora.",
    "parcel_from_manufacturer_attention": "Urządzenie wróciło od serwisu DJI (sprawa "
    "{case_number}): zapisz jego powrót z orzeczeniem DJI na stronie zgłoszenia, potem oznacz "
    "tę przesyłkę jako obsłużoną.",
    "parcel_came_back": "Przesyłka wróciła do serwisu (odmowa odbioru).",
    "intake_serial_mismatch": "Numer seryjny urządzenia w przesyłce ({serial_read}) różni się od "
    "numeru w zgłoszeniu ({serial_expected}): sprawdź, zanim zaczniesz diagnozę.",
    "intake_seal_opened": "Opakowanie (plomba) produktu otwarte.",
    "intake_items_missing": "Brak w przesyłce: {items}.",
    "intake_contents_complete": "Zawartość przesyłki zgodna z deklaracją klienta.",
    "evidence_recorded": "Dowody przyjęcia: {facts}",
    "evidence_packaging.original": "Opakowanie oryginalne.",
    "evidence_packaging.other": "Opakowanie zastępcze.",
    "evidence_packaging.none": "Bez opakowania.",
    "evidence_seal_intact": "Plomba nienaruszona.",
    "evidence_visible_damage": "Widoczne uszkodzenia.",
    "evidence_dirty": "Produkt zabrudzony.",
    "evidence_serial_illegible": "Numer seryjny nieczytelny.",
    "evidence_transport_damage": "Przesyłka uszkodzona w transporcie (bez protokołu szkody).",
    "evidence_transport_damage_reported": "Przesyłka uszkodzona w transporcie, protokół szkody "
    "dołączony.",
    "evidence_photos": "Zdjęcia: {count}.",
    "reshipping_waived_transport_damage": "Przesyłka uszkodzona w transporcie, jest protokół "
    "szkody: ponowna wysyłka bez opłaty.",
    "answer_attachments": " (załączniki: {filenames})",
    "answer_deadline_moved": " Termin naprawy przesunięty o {working_days} dni robocze "
    "oczekiwania na klienta: do {moved_to}.",
    "statement_attached": "Dołączono pisemne oświadczenie producenta: {filename}.",
    "manufacturer_sent": "Przekazano do oficjalnego serwisu DJI {sent_on:%d.%m.%Y}, numer "
    "zgłoszenia u producenta: {case_number}. Termin naprawy DJI (60 dni roboczych) stoi do "
    "powrotu urządzenia.",
    "manufacturer_back": "Wróciło z oficjalnego serwisu DJI {back_on:%d.%m.%Y} (zgłoszenie "
    "{case_number}, wysłane {sent_on:%d.%m.%Y}).",
    "deadline_pauses": " Termin naprawy DJI przesunięty o {working_days} dni robocze do "
    "{moved_to:%d.%m.%Y}: {customer_days} oczekiwania na klienta, {manufacturer_days} po "
    "stronie producenta.",
    "offer_answered.price_reduction.accepted": "Klient przyjął obniżkę ceny.",
    "offer_answered.price_reduction.refused": "Klient odrzucił obniżkę ceny.",
    "offer_answered.paid_repair_quote.accepted": "Klient przyjął ofertę płatnej naprawy.",
    "offer_answered.paid_repair_quote.refused": "Klient odrzucił ofertę płatnej naprawy: "
    "odsyłamy bez naprawy.",
    "offer_answered.return_deductions.accepted": "Klient przyjął potrącenia: zwrot pomniejszonej "
    "kwoty.",
    "offer_answered.return_deductions.refused": "Klient nie przyjął potrąceń: odsyłamy towar.",
    "offer_expired.paid_repair_quote": "Oferta płatnej naprawy wygasła bez odpowiedzi "
    "({answer_by:%d.%m.%Y}): odsyłamy produkt bez naprawy.",
    "offer_expired.return_deductions": "Potrącenia nie zostały przyjęte do {answer_by:%d.%m.%Y}: "
    "odsyłamy towar zamiast zwrotu pieniędzy.",
    "offer_expired.price_reduction": "Obniżka ceny nie została przyjęta do {answer_by:%d.%m.%Y}: "
    "należy się inne rozwiązanie reklamacji.",
    "replacement_issued": "Wydano egzemplarz zastępczy: {serial_number} (EAN {ean}).",
    "shipped_back": "{carrier}: {tracking_number}",
    "refunded": "Zwrot {amount} zł ({method}).",
    "refund_difference": " Różnica względem decyzji ({decided} zł): {reason}",
    "repair_delayed": "Opóźnienie naprawy: {reason}",
    "warranty_void_marked": "Gwarancja egzemplarza {serial_number} wygasła: {reason}",
    "charge_added": "Opłata ({kind_name}): {amount} zł. {reason}",
    "charge_paid": "Opłata {amount} zł opłacona.",
    "charge_waived": "Opłata {amount} zł umorzona: {reason}",
    "repair_delay_automatic": "Naprawa wymaga więcej czasu, niż pozwala termin 30 dni "
    "(oczekiwanie na części lub dodatkowe testy). Poinformujemy Cię, gdy produkt wyruszy w drogę "
    "powrotną.",
    "deemed_accepted": "Reklamacja uznana za zasadną z mocy prawa: brak odpowiedzi do "
    "{due_on:%d.%m.%Y} (art. 7a ustawy o prawach konsumenta). Odrzucenie nie jest już możliwe.",
    "collection_reminder": "Przypomnienie o odbiorze towaru ({reminder} z {reminders}).",
    "marked_for_disposal": "Towar nieodebrany do {collect_by:%d.%m.%Y}: przeznaczony do "
    "utylizacji.",
}


def _with_names(params: Mapping[str, object]) -> dict[str, object]:
    named = dict(params)
    for parameter, names in _NAMED_PARAMETERS.items():
        if parameter in params:
            code = str(params[parameter])
            named[f"{parameter}_name"] = names.get(code.strip().lower(), code)
    return named


def refusal_texts(key: str, params: Mapping[str, object]) -> tuple[str, str]:
    """A refusal's words in Polish and English, its parameters filled in."""
    polish, english = REFUSALS[key]
    named = _with_names(params)
    return polish.format(**named), english.format(**named)


def refusal_text(key: str, params: Mapping[str, object], language: Language) -> str:
    polish, english = refusal_texts(key, params)
    return english if language == "en" else polish


def note(code: str, **params: object) -> str:
    """A timeline note, its parameters filled in."""
    return TIMELINE_NOTES[code].format(**_with_names(params))


def placeholders(template: str) -> set[str]:
    """The parameters a template names (what a caller must give)."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}
