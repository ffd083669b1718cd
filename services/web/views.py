"""What the pages show: dates and money in the reader's language (Babel), claim form choices
and the claim's deadlines."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_time
from babel.numbers import format_currency, format_decimal

from services.web import vocabulary
from services.web.clients.claims import (
    Claim,
    ClaimTypeOption,
    DeadlineStanding,
    OperatorClaim,
    ProductRef,
)

try:
    WARSAW: ZoneInfo | None = ZoneInfo("Europe/Warsaw")
except ZoneInfoNotFoundError:  # a system without time zone data shows UTC
    WARSAW = None

# Babel's locale of each language of the panel.
LOCALES = {"pl": "pl_PL", "en": "en_GB"}
DATE_PATTERNS = {"pl": "dd.MM.yyyy", "en": "d MMM yyyy"}
# Charts' time axes: the day and month only.
SHORT_DATE_PATTERNS = {"pl": "dd.MM", "en": "d MMM"}
# The locale's own pattern in Polish ("1 234,50 zł"); in English the code apart ("PLN 1,234.50").
MONEY_PATTERNS: dict[str, str | None] = {"pl": None, "en": "¤\u00a0#,##0.00"}
VAT_COUNTRIES = (
    *("PL", "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR"),
    *("HU", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PT", "RO", "SE", "SI", "SK"),
)


def parse_product_key(key: str) -> ProductRef | None:
    """The product a claim form's key names (`PA|2025/1|1`); None when the text is not one."""
    parts = key.split("|")
    if len(parts) != 3 or parts[0] not in ("PA", "FS") or not parts[1] or not parts[2].isdigit():
        return None
    return ProductRef(document_type=parts[0], document_number=parts[1], line_no=int(parts[2]))


@dataclass(frozen=True)
class ClaimTypeChoice:
    value: str
    name: str
    allowed: bool
    reason: str | None


def claim_type_choices(options: Iterable[ClaimTypeOption] | None) -> list[ClaimTypeChoice]:
    """The claim form's types: those the claims service allows for the product (with the reason
    for the others), or all of them while the product is not known."""
    if options is None:
        return [
            ClaimTypeChoice(value, name, True, None)
            for value, name in vocabulary.CLAIM_TYPES.items()
        ]
    return [
        ClaimTypeChoice(
            option.claim_type,
            vocabulary.CLAIM_TYPES[option.claim_type],
            option.allowed,
            option.reason,
        )
        for option in options
        if option.claim_type in vocabulary.CLAIM_TYPES
    ]


def parse_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def parse_datetime(value: Any) -> datetime | None:
    if isinstance(value, str) and value:
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return value if isinstance(value, datetime) else None


def local_date(value: Any, language: str = "pl") -> str:
    parsed = parse_date(value)
    return format_date(parsed, DATE_PATTERNS[language], locale=LOCALES[language]) if parsed else ""


def short_date(value: Any, language: str = "pl") -> str:
    parsed = parse_date(value)
    if parsed is None:
        return ""
    return format_date(parsed, SHORT_DATE_PATTERNS[language], locale=LOCALES[language])


def number(value: Any, language: str = "pl") -> str:
    """A figure with the language's decimal sign, at most two decimals ("7,25" or "7.25")."""
    return format_decimal(value, "#,##0.##", locale=LOCALES[language])


def local_datetime(value: Any, language: str = "pl") -> str:
    moment = parse_datetime(value)
    if moment is None:
        return "" if value in (None, "") else str(value)
    if moment.tzinfo is not None and WARSAW is not None:
        moment = moment.astimezone(WARSAW)
    return f"{local_date(moment, language)} {format_time(moment, 'HH:mm')}"


def money(value: Any, language: str = "pl") -> str:
    if value in (None, ""):
        return ""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return str(value)
    return format_currency(amount, "PLN", format=MONEY_PATTERNS[language], locale=LOCALES[language])


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


# The customer's answer to each offer, by the claims API's path.
OFFER_PATHS = {
    "price_reduction": "price-reduction",
    "paid_repair_quote": "quote",
    "return_deductions": "deductions",
}


@dataclass(frozen=True)
class StandingRow:
    """A deadline of one claim as the claims service judges it, for the claim pages."""

    kind: str
    name: str
    description: str
    due_on: date | None  # the one in force: moved by the days waited for the customer
    first_due_on: date | None  # before it was moved; None when it was not
    paused_working_days: int
    state: str
    state_name: str
    days_left: int | None  # as the claims service counts them
    at_risk: bool  # as the claims service judges it
    overdue: bool  # as the claims service judges it
    # The working days paused on each side: waiting for the customer, at DJI's official service.
    customer_paused_working_days: int = 0
    manufacturer_paused_working_days: int = 0


def standing_rows(standings: Iterable[DeadlineStanding]) -> list[StandingRow]:
    """The claim's deadlines as the claims service judged them (days left, at risk, overdue on
    its clock), soonest first; the panel reads no calendar of its own."""
    rows = []
    for standing in standings:
        due = standing.moved_to or standing.due_on
        moved = standing.moved_to is not None and standing.moved_to != standing.due_on
        rows.append(
            StandingRow(
                kind=standing.kind,
                name=vocabulary.DEADLINE_KINDS.get(standing.kind, standing.kind),
                description=standing.description,
                due_on=due,
                first_due_on=standing.due_on if moved else None,
                paused_working_days=standing.paused_working_days,
                state=standing.state,
                state_name=vocabulary.DEADLINE_STATES.get(standing.state, standing.state_name),
                days_left=standing.days_left,
                at_risk=standing.at_risk,
                overdue=standing.overdue,
                customer_paused_working_days=standing.customer_paused_working_days,
                manufacturer_paused_working_days=standing.manufacturer_paused_working_days,
            )
        )
    rows.sort(key=lambda row: row.due_on or date.max)  # undated last
    return rows


def next_deadline(standings: Iterable[DeadlineStanding]) -> StandingRow | None:
    """The soonest deadline that still counts (overdue ones first), as the dashboard lists it."""
    return next((row for row in standing_rows(standings) if row.days_left is not None), None)


def open_offer(claim: Claim) -> str | None:
    """The offer waiting for the customer's answer (price reduction, quote, deductions), as the
    claims service says; the panel only shows its answer form."""
    offer = claim.offer_awaiting_answer
    return offer if offer in OFFER_PATHS else None


# The forms of the operator's claim page, by the claims service's command they send.
ACTION_FORMS = {
    "decide": "decision",
    "record_replacement": "replacement",
    "ship_back": "ship_back",
    "record_refund": "refund",
    "announce_repair_delay": "repair_delay",
    "attach_manufacturer_statement": "manufacturer_statement",
    "send_to_manufacturer": "manufacturer_handoff",
    "receive_from_manufacturer": "manufacturer_return",
}


def operator_actions(claim: OperatorClaim) -> frozenset[str]:
    """The forms the claim page offers: those of the commands the claims service says the
    claim's state allows now (it decides; anything else would be refused at the form)."""
    return frozenset(ACTION_FORMS[a] for a in claim.operator_actions if a in ACTION_FORMS)
