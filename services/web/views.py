"""What the pages show: Polish names, formats and the helpers that turn API errors into fields."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.web.api import ApiError
from shared.claims_vocabulary import (
    COMPLAINT_REJECTION_REASONS,
    DEDUCTION_RANGES,
    RETURN_REJECTION_REASONS,
    STATUS_NAMES_PL,
)

try:
    WARSAW: ZoneInfo | None = ZoneInfo("Europe/Warsaw")
except ZoneInfoNotFoundError:  # a system without time zone data shows UTC
    WARSAW = None

# The lifecycle in its natural order (DESIGN.md), for the dashboard's groups.
STATUS_ORDER = (
    "submitted",
    "received",
    "in_inspection",
    "awaiting_customer",
    "decided",
    "shipped_back",
    "refunded",
    "closed",
    "cancelled",
)
STATUS_NAMES = dict(STATUS_NAMES_PL)
# Deadlines still run while a claim is in one of these.
DEADLINE_STATUSES = frozenset(
    {"submitted", "received", "in_inspection", "awaiting_customer", "decided"}
)
AT_RISK_DAYS = 3

CLAIM_TYPES = {
    "warranty": "Gwarancja",
    "non_conformity": "Reklamacja – niezgodność towaru z umową (konsumenci)",
    "return": "Zwrot – odstąpienie od umowy",
    "dji": "Zgłoszenie DJI (tylko produkty DJI)",
}
DECISIONS = {
    "repair": "Naprawa",
    "replacement": "Wymiana na nowy",
    "refund": "Zwrot pieniędzy",
    "price_reduction": "Obniżenie ceny",
    "paid_repair": "Odpłatna naprawa (poza gwarancją)",
    "rejection": "Odrzucenie",
}
REJECTION_REASONS = {**COMPLAINT_REJECTION_REASONS, **RETURN_REJECTION_REASONS}
DEDUCTIONS = {kind: (low, high, name) for kind, (low, high, name) in DEDUCTION_RANGES.items()}
DEADLINE_KINDS = {
    "complaint_answer": "Odpowiedź na reklamację (14 dni)",
    "dji_repair": "Naprawa DJI (60 dni roboczych)",
    "scooter_repair": "Naprawa hulajnogi (30 dni)",
    "return_refund": "Zwrot pieniędzy (14 dni)",
}
VAT_COUNTRIES = (
    *("PL", "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR"),
    *("HU", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PT", "RO", "SE", "SI", "SK"),
)
OPERATOR_TARGETS = {
    "in_inspection": "Rozpocznij diagnozę",
    "awaiting_customer": "Poproś klienta o informacje",
    "shipped_back": "Odeślij do klienta",
    "refunded": "Zwrot pieniędzy wykonany",
    "closed": "Zamknij zgłoszenie",
}


def operator_targets(claim: Mapping[str, Any]) -> dict[str, str]:
    """The statuses an operator may move the claim to (besides a decision), as the claims
    service publishes them in its `next_statuses`."""
    allowed = set(claim.get("next_statuses") or ())
    return {target: label for target, label in OPERATOR_TARGETS.items() if target in allowed}


def rejection_reasons(claim_type: str) -> dict[str, str]:
    return RETURN_REJECTION_REASONS if claim_type == "return" else COMPLAINT_REJECTION_REASONS


def product_key(document_type: str, document_number: str, line_no: int | str) -> str:
    """How the claim form names a product of a linked document: `PA|2025/1|1`."""
    return f"{document_type}|{document_number}|{line_no}"


def parse_product_key(key: str) -> dict[str, str] | None:
    """The document fields of a product key; None when the text is not one."""
    parts = key.split("|")
    if len(parts) != 3 or parts[0] not in ("PA", "FS") or not parts[1] or not parts[2].isdigit():
        return None
    return {"document_type": parts[0], "document_number": parts[1], "line_no": parts[2]}


def claim_type_choices(options: Iterable[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """The claim form's types: those the claims service allows for the product (with the reason
    for the others), or all of them while the product is not known."""
    if options is None:
        return [
            {"value": value, "name": name, "allowed": True, "reason": None}
            for value, name in CLAIM_TYPES.items()
        ]
    return [
        {
            "value": option["claim_type"],
            "name": CLAIM_TYPES.get(option["claim_type"], option["claim_type"]),
            "allowed": bool(option.get("allowed")),
            "reason": option.get("reason"),
        }
        for option in options
        if option.get("claim_type") in CLAIM_TYPES
    ]


def parse_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def date_pl(value: Any) -> str:
    parsed = parse_date(value)
    return parsed.strftime("%d.%m.%Y") if parsed else ""


def datetime_pl(value: Any) -> str:
    if isinstance(value, str) and value:
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return str(value)
    if not isinstance(value, datetime):
        return ""
    moment: datetime = value
    if moment.tzinfo is not None and WARSAW is not None:
        moment = moment.astimezone(WARSAW)
    return moment.strftime("%d.%m.%Y %H:%M")


def money_pl(value: Any) -> str:
    if value in (None, ""):
        return ""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return str(value)
    whole, _, cents = f"{amount:,.2f}".partition(".")
    return f"{whole.replace(',', ' ')},{cents} zł"


def parse_amount(text: str) -> Decimal | None:
    """`1234.56`, `1234,56`, `1 234,56`; None when empty; ValueError when not an amount."""
    cleaned = text.replace("\u00a0", "").replace(" ", "").replace(",", ".").strip()
    if cleaned.lower().endswith("zł"):
        cleaned = cleaned[:-2]
    if not cleaned:
        return None
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(text) from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(text)
    return amount.quantize(Decimal("0.01"))


# The APIs' generic validation messages, said more helpfully where the field is known.
CLEARER_MESSAGES: dict[tuple[str, str], str] = {
    ("email", "value_error"): "Podaj poprawny adres e-mail, np. jan.kowalski@example.com.",
    ("new_email", "value_error"): "Podaj poprawny adres e-mail, np. jan.kowalski@example.com.",
    ("product", "missing"): "Wybierz produkt z powiązanego dokumentu zakupu.",
    ("claim_type", "missing"): "Wybierz typ zgłoszenia.",
    ("attachment", "missing"): "Dołącz dokument sprzedaży (PDF, JPG lub PNG): jest wymagany.",
}


class FormErrors:
    """Messages per form field, plus those that belong to no field shown (at the form's top)."""

    def __init__(self, fields: Iterable[str] = ()) -> None:
        self.fields = set(fields)
        self.by_field: dict[str, list[str]] = {}
        self.general: list[str] = []

    def __bool__(self) -> bool:
        return bool(self.by_field or self.general)

    def add(self, field: str | None, message: str) -> None:
        if field and field in self.fields:
            messages = self.by_field.setdefault(field, [])
            if message not in messages:
                messages.append(message)
        elif message not in self.general:
            self.general.append(message)

    def get(self, field: str) -> list[str]:
        return self.by_field.get(field, [])

    @classmethod
    def from_api(
        cls, error: ApiError, fields: Iterable[str], aliases: Mapping[str, str] | None = None
    ) -> FormErrors:
        errors = cls(fields)
        errors.merge(error, aliases)
        return errors

    def merge(self, error: ApiError, aliases: Mapping[str, str] | None = None) -> None:
        aliases = aliases or {}
        for item in error.errors:
            name = item.field or ""
            # `deductions.packaging` belongs to `deductions`; an alias maps API to form names.
            name = aliases.get(name, aliases.get(name.split(".")[0], name.split(".")[0]))
            self.add(name or None, CLEARER_MESSAGES.get((name, item.code), item.message))
        if not error.errors:
            self.general.append(error.detail)


# A deadline is kept once the claim reaches one of these statuses.
_MET_IN: dict[str, frozenset[str]] = {
    "complaint_answer": frozenset({"decided", "shipped_back", "refunded", "closed", "cancelled"}),
    "dji_repair": frozenset({"shipped_back", "refunded", "closed", "cancelled"}),
    "scooter_repair": frozenset({"shipped_back", "refunded", "closed", "cancelled"}),
    "return_refund": frozenset({"refunded", "closed", "cancelled"}),
}
_ENDED = frozenset({"closed", "cancelled"})


def deadline_rows(claim: Mapping[str, Any], today: date) -> list[dict[str, Any]]:
    """The claim's deadlines, soonest first: days left, whether met (by the claim's status) and
    whether at risk (not met, and due within AT_RISK_DAYS or overdue)."""
    rows = []
    status = str(claim.get("status", ""))
    for deadline in claim.get("deadlines") or []:
        if not isinstance(deadline, Mapping):
            continue
        due = parse_date(deadline.get("due_on"))
        met = status in _MET_IN.get(str(deadline.get("kind")), _ENDED)
        left = (due - today).days if due and not met else None
        rows.append(
            {
                "kind": deadline.get("kind", ""),
                "name": DEADLINE_KINDS.get(str(deadline.get("kind")), str(deadline.get("kind"))),
                "description": deadline.get("description", ""),
                "due_on": due,
                "met": met,
                "days_left": left,
                "overdue": left is not None and left < 0,
                "at_risk": left is not None and left <= AT_RISK_DAYS,
            }
        )
    rows.sort(key=lambda row: (row["due_on"] is None, row["due_on"] or today))
    return rows


def days_left_pl(days: int | None) -> str:
    if days is None:
        return "termin jeszcze nie biegnie"
    if days < 0:
        return f"po terminie ({-days} dn.)"
    if days == 0:
        return "dziś"
    if days == 1:
        return "jutro"
    return f"za {days} dni"


def at_risk_cutoff(today: date) -> date:
    return today + timedelta(days=AT_RISK_DAYS)
