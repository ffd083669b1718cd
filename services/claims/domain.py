"""Claims rules (seed 000, seed 002): what a claim needs and how it moves, without any I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, get_args

from shared.errors import BusinessRuleError, Message
from shared.events import BuyerType, ClaimStatus, ClaimType

# Brands whose products cannot be claimed without a serial number (seed 000: "wybrane marki").
SERIAL_REQUIRED_BRANDS = frozenset({"dji", "dualtron", "kaabo", "nami"})


def format_rma_number(sequence: int, year: int) -> str:
    return f"RMA/{sequence}/SR/{year}"


@dataclass(frozen=True)
class ClaimedLine:
    line_no: int
    ean: str
    sku: str
    name: str
    brand: str
    category: str
    outlet: bool
    serial_numbers: tuple[str, ...]
    unit_price: Decimal

    @classmethod
    def from_ledger(cls, line: dict[str, Any]) -> ClaimedLine:
        return cls(
            line_no=int(line["line_no"]),
            ean=line["ean"],
            sku=line["sku"],
            name=line["name"],
            brand=line["brand"],
            category=line["category"],
            outlet=bool(line.get("outlet", False)),
            serial_numbers=tuple(line.get("serial_numbers", ())),
            unit_price=Decimal(str(line["unit_price"])),
        )

    @property
    def is_dji(self) -> bool:
        return self.brand.strip().lower() == "dji"


def check_claim_type(claim_type: ClaimType, buyer_type: BuyerType, line: ClaimedLine) -> None:
    if claim_type == "dji" and not line.is_dji:
        raise BusinessRuleError(
            "claim_type_dji_only",
            Message(
                "Zgłoszenia typu DJI służą wyłącznie do produktów marki DJI.",
                "DJI claims are only for DJI products.",
            ),
            field="claim_type",
        )
    if claim_type in ("non_conformity", "return") and buyer_type == "business":
        raise BusinessRuleError(
            "claim_type_consumers_only",
            Message(
                "Reklamacja z tytułu niezgodności towaru z umową i zwrot przysługują tylko "
                "konsumentom (art. 558 § 1 Kodeksu cywilnego). Wybierz zgłoszenie gwarancyjne.",
                "Non-conformity claims and returns are for consumers only. Choose warranty.",
            ),
            field="claim_type",
        )


def check_serial_number(line: ClaimedLine, serial_number: str | None) -> str | None:
    serial = (serial_number or "").strip().upper() or None
    if serial is None and line.brand.strip().lower() in SERIAL_REQUIRED_BRANDS:
        raise BusinessRuleError(
            "serial_number_required",
            Message(
                f"Dla produktów marki {line.brand} numer seryjny jest wymagany. Znajdziesz go "
                "na opakowaniu lub na produkcie.",
                f"A serial number is required for {line.brand} products.",
            ),
            field="serial_number",
        )
    if (
        serial is not None
        and line.serial_numbers
        and serial not in {known.upper() for known in line.serial_numbers}
    ):
        raise BusinessRuleError(
            "serial_number_unknown",
            Message(
                "Ten numer seryjny nie zgadza się z produktem na dokumencie zakupu.",
                "This serial number does not match the product on the purchase document.",
            ),
            field="serial_number",
        )
    return serial


INITIAL_STATUS: ClaimStatus = "submitted"


# --- lifecycle -------------------------------------------------------------------------------

# Who may move a claim from which status to which (DESIGN.md: claim lifecycle).
TRANSITIONS: dict[tuple[ClaimStatus, ClaimStatus], frozenset[str]] = {
    ("submitted", "received"): frozenset({"scanner", "operator"}),
    ("submitted", "cancelled"): frozenset({"customer", "operator"}),
    ("awaiting_customer", "cancelled"): frozenset({"customer"}),
    ("received", "in_inspection"): frozenset({"operator"}),
    ("in_inspection", "awaiting_customer"): frozenset({"operator"}),
    ("awaiting_customer", "in_inspection"): frozenset({"customer", "operator"}),
    ("in_inspection", "decided"): frozenset({"operator"}),
    # The customer refused a price reduction: the service must offer another remedy.
    ("decided", "in_inspection"): frozenset({"customer"}),
    ("decided", "shipped_back"): frozenset({"operator"}),
    ("decided", "refunded"): frozenset({"operator"}),
    ("shipped_back", "closed"): frozenset({"operator"}),
    ("refunded", "closed"): frozenset({"operator"}),
}

STATUS_NAMES_PL: dict[str, str] = {
    "submitted": "zgłoszone (czeka na przesyłkę)",
    "received": "przesyłka przyjęta",
    "in_inspection": "w diagnozie",
    "awaiting_customer": "czeka na informacje od klienta",
    "decided": "decyzja podjęta",
    "shipped_back": "odesłane do klienta",
    "refunded": "pieniądze zwrócone",
    "closed": "zamknięte",
    "cancelled": "anulowane",
}


def check_transition(current: ClaimStatus, target: ClaimStatus, actor_role: str) -> None:
    allowed = TRANSITIONS.get((current, target))
    if allowed is None or actor_role not in allowed:
        raise BusinessRuleError(
            "illegal_transition",
            Message(
                f"Nie można zmienić statusu z „{STATUS_NAMES_PL[current]}” "
                f"na „{STATUS_NAMES_PL[target]}”.",
                f"A claim cannot move from {current} to {target}.",
            ),
            field="status",
            status_code=409,
        )


# --- decisions (seed 002) ---------------------------------------------------------------------

RETURN_REJECTION_REASONS: dict[str, str] = {
    "return_deadline_passed": "Przekroczenie terminu odstąpienia od umowy (30 dni od odbioru).",
    "custom_made": "Produkt wykonany na zamówienie lub spersonalizowany (art. 38 pkt 3 u.p.k.).",
    "intensively_used": "Produkt intensywnie używany ponad zwykłe testowanie.",
    "incomplete": "Niekompletny produkt (brak akcesoriów, instrukcji, opakowania).",
    "hygiene_unpacked": "Rozpakowany produkt higieniczny.",
    "no_prior_notice": "Towar zwrócony bez wcześniejszego zgłoszenia (bez numeru RMA).",
    "not_from_seller": "Produkt nie pochodzi od sprzedawcy.",
    "promotional_no_return": "Towar promocyjny wyłączony ze zwrotu.",
    "digital_content_delivered": "Treść cyfrowa już dostarczona.",
}
COMPLAINT_REJECTION_REASONS: dict[str, str] = {
    "mechanical_damage": "Uszkodzenie mechaniczne spowodowane przez użytkownika.",
    "normal_wear": "Normalne zużycie.",
    "misuse": "Nieprawidłowe użytkowanie lub niezastosowanie się do instrukcji.",
    "unauthorised_intervention": "Nieuprawnione interwencje (naprawy, modyfikacje, plomby).",
    "no_defect_found": "Niewykazana wada: produkt działa zgodnie ze specyfikacją.",
    "force_majeure": "Wada spowodowana siłą wyższą.",
    "subjective_reasons": "Przyczyny subiektywne niespełniające definicji wady.",
    "agreed_properties": "Właściwości wyraźnie uzgodnione z klientem.",
    "defect_known_at_receipt": "Wada istniała przy odbiorze i nie została zgłoszona.",
    "warranty_expired": "Reklamacja po upływie okresu gwarancji.",
    "incompatibility": "Niekompatybilność z wyposażeniem klienta.",
}

# Deductions from a return's refund (seed 002, art. 36 u.p.k.): allowed percentage ranges.
DEDUCTION_RANGES: dict[str, tuple[int, int, str]] = {
    "packaging": (10, 30, "Uszkodzone lub brakujące opakowanie"),
    "intensive_use": (20, 50, "Ślady intensywnego użytkowania"),
    "seals_removed": (30, 100, "Usunięte plomby lub etykiety gwarancyjne"),
    "electronics_handling": (15, 25, "Opłata manipulacyjna (elektronika)"),
}
MISSING_ACCESSORY_FEE_PERCENT = 15


@dataclass(frozen=True)
class DeductionLine:
    reason: str
    percent: Decimal | None
    amount: Decimal


def compute_deductions(
    price: Decimal,
    percents: dict[str, int],
    missing_accessories_value: Decimal = Decimal(0),
) -> tuple[list[DeductionLine], Decimal]:
    """Deduction lines and the refund left; each percentage must lie in its seed-002 range."""
    lines: list[DeductionLine] = []
    for kind, percent in percents.items():
        if kind not in DEDUCTION_RANGES:
            raise BusinessRuleError(
                "deduction_unknown",
                Message(f"Nieznany rodzaj potrącenia: {kind}.", f"Unknown deduction: {kind}."),
                field="deductions",
            )
        low, high, reason = DEDUCTION_RANGES[kind]
        if not low <= percent <= high:
            raise BusinessRuleError(
                "deduction_out_of_range",
                Message(
                    f"Potrącenie „{reason}” musi wynosić od {low} do {high}% wartości produktu.",
                    f"The deduction '{kind}' must be between {low} and {high}% of the price.",
                ),
                field="deductions",
            )
        amount = (price * percent / 100).quantize(Decimal("0.01"))
        lines.append(DeductionLine(reason, Decimal(percent), amount))
    if missing_accessories_value > 0:
        fee = missing_accessories_value * (100 + MISSING_ACCESSORY_FEE_PERCENT) / 100
        lines.append(
            DeductionLine(
                "Brakujące akcesoria (wartość + 15% opłaty manipulacyjnej)",
                None,
                fee.quantize(Decimal("0.01")),
            )
        )
    deducted = sum((line.amount for line in lines), Decimal(0))
    return lines, max(price - deducted, Decimal(0))


def check_rejection_reason(claim_type: str, reason: str | None, justification: str) -> None:
    reasons = RETURN_REJECTION_REASONS if claim_type == "return" else COMPLAINT_REJECTION_REASONS
    if reason not in reasons:
        raise BusinessRuleError(
            "rejection_reason_unknown",
            Message(
                "Wybierz jedną z przyczyn odrzucenia z polityki zwrotów i reklamacji.",
                "Choose one of the codified rejection reasons.",
            ),
            field="rejection_reason",
        )
    if len(justification.strip()) < 20:
        raise BusinessRuleError(
            "justification_required",
            Message(
                "Odmowa wymaga pisemnego uzasadnienia (co najmniej 20 znaków).",
                "A rejection needs a written justification (at least 20 characters).",
            ),
            field="justification",
        )


RETURN_WINDOW_DAYS = 30

# Seed 002: goods excluded from withdrawal (art. 38 of the consumer rights act), by the ERP's
# category of the product; a complaint stays possible for them.
RETURN_EXCLUDED_CATEGORIES: dict[str, str] = {
    "custom_made": "produkty wykonane na zamówienie lub spersonalizowane",
    "perishable": "towary szybko psujące się",
    "software": "rozpakowane nośniki danych i oprogramowanie",
    "digital_content": "treści cyfrowe dostarczone elektronicznie",
    "hygiene": "produkty higieniczne i bielizna",
}


def check_returnable(category: str) -> None:
    excluded = RETURN_EXCLUDED_CATEGORIES.get(category.strip().lower())
    if excluded is not None:
        raise BusinessRuleError(
            "return_excluded_category",
            Message(
                f"Zwrot (odstąpienie od umowy) nie przysługuje dla tej kategorii: {excluded}. "
                "Możesz złożyć reklamację.",
                "Withdrawal does not apply to this category. You can file a complaint.",
            ),
            field="claim_type",
        )


def check_return_window(received_goods_on: date, today: date) -> None:
    # Days are counted without the first day (Civil Code art. 111 § 2).
    if (today - received_goods_on).days > RETURN_WINDOW_DAYS:
        raise BusinessRuleError(
            "return_window_passed",
            Message(
                "Minęło 30 dni od odbioru towaru: zwrot (odstąpienie od umowy) nie jest już "
                "możliwy. Możesz złożyć reklamację.",
                "More than 30 days have passed since delivery: a return is no longer possible.",
            ),
            field="claim_type",
        )


def check_claim_type_allowed(
    claim_type: ClaimType,
    buyer_type: BuyerType,
    line: ClaimedLine,
    received_goods_on: date,
    today: date,
) -> None:
    """Every rule on the type of a claim for this product; raises the first one broken."""
    check_claim_type(claim_type, buyer_type, line)
    if claim_type == "return":
        check_returnable(line.category)
        check_return_window(received_goods_on, today)


def claim_type_options(
    buyer_type: BuyerType, line: ClaimedLine, received_goods_on: date, today: date
) -> dict[ClaimType, BusinessRuleError | None]:
    """Each claim type with the rule that refuses it for this product, or None where allowed
    (what the claim form offers)."""
    options: dict[ClaimType, BusinessRuleError | None] = {}
    for claim_type in get_args(ClaimType):
        try:
            check_claim_type_allowed(claim_type, buyer_type, line, received_goods_on, today)
        except BusinessRuleError as refused:
            options[claim_type] = refused
        else:
            options[claim_type] = None
    return options


# --- attachments -----------------------------------------------------------------------------

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def attachment_type(content: bytes) -> str:
    """The attachment's real type from its first bytes, whatever its name or declared type."""
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise BusinessRuleError(
            "attachment_too_large",
            Message(
                "Plik jest za duży: dokument sprzedaży może mieć najwyżej 10 MB.",
                "The file is too large: at most 10 MB.",
            ),
            field="attachment",
            status_code=413,
        )
    for signature, content_type in _SIGNATURES:
        if content.startswith(signature):
            return content_type
    raise BusinessRuleError(
        "attachment_type_invalid",
        Message(
            "Dołącz dokument sprzedaży jako PDF, JPEG lub PNG.",
            "Attach the sales document as a PDF, JPEG or PNG file.",
        ),
        field="attachment",
        status_code=415,
    )


def check_problem(problems: list[str], problem_code: str | None) -> str | None:
    """Some products need a problem chosen from their list (seed 000: "dodatkowe pole")."""
    chosen = (problem_code or "").strip() or None
    if problems and chosen not in problems:
        raise BusinessRuleError(
            "problem_required",
            Message(
                "Wybierz problem z listy dla tego produktu.",
                "Choose the problem from this product's list.",
            ),
            field="problem_code",
        )
    return chosen
