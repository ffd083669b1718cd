"""Accounts rules (seed 000): what a registration needs, checked without any I/O."""

from __future__ import annotations

import dataclasses
import functools
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from stdnum.eu import vat
from stdnum.pl import nip
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from shared.errors import BusinessRuleError, Message

_PREFIX = re.compile(r"^\s*(PA|FS)(?:\s*[/\-\s]\s*|(?=\d))", re.IGNORECASE)
_AMOUNT = re.compile(r"^\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d{1,2})?$|^\d+(?:[.,]\d{1,2})?$")


@dataclass(frozen=True)
class DocumentNumber:
    number: str
    stripped_prefix: str | None = None

    @property
    def notice(self) -> Message | None:
        if self.stripped_prefix is None:
            return None
        return Message(
            f"Usunęliśmy przedrostek {self.stripped_prefix}: numer dokumentu podaje się bez niego.",
            f"We removed the {self.stripped_prefix} prefix: enter the number without it.",
        )


def parse_document_number(raw: str) -> DocumentNumber:
    """`PA 2025/000123`, `fs-2025/1`, `2025/000123` -> the number without its PA/FS prefix."""
    text = raw.strip()
    prefix = _PREFIX.match(text)
    stripped = None
    if prefix:
        stripped = prefix.group(1).upper()
        text = text[prefix.end() :].strip()
    if not re.fullmatch(r"[0-9A-Za-z/\-]{1,40}", text) or not re.search(r"\d", text):
        raise BusinessRuleError(
            "document_number_invalid",
            Message(
                "Podaj numer dokumentu zakupu (cyfry i ukośniki, bez przedrostka PA lub FS).",
                "Enter the purchase document number (digits and slashes, no PA/FS prefix).",
            ),
            field="document_number",
        )
    return DocumentNumber(text.upper(), stripped)


def parse_amount(raw: str) -> Decimal:
    """`1234.56`, `1234,56`, `1 234,56` -> Decimal('1234.56'); currency marks are refused."""
    text = raw.strip()
    if not _AMOUNT.match(text):
        raise BusinessRuleError(
            "document_total_invalid",
            Message(
                "Podaj kwotę z dokumentu bez waluty, np. 1234,56.",
                "Enter the document total without currency, e.g. 1234.56.",
            ),
            field="document_total",
        )
    normalised = re.sub(r"[ \u00a0\u202f]", "", text).replace(",", ".")
    try:
        return Decimal(normalised).quantize(Decimal("0.01"))
    except InvalidOperation:  # unreachable after the pattern, kept as a guard for odd input
        raise BusinessRuleError(
            "document_total_invalid",
            Message("Nieprawidłowa kwota.", "Invalid amount."),
            field="document_total",
        ) from None


def normalise_tax_id(vat_country: str, tax_id: str) -> tuple[str, str]:
    """Validate a company's VAT id by checksum; returns (country code, digits/characters)."""
    country = vat_country.strip().upper()
    number = re.sub(r"[\s\-.]", "", tax_id).upper().removeprefix(country)
    valid = nip.is_valid(number) if country == "PL" else vat.is_valid(country + number)
    if not valid:
        raise BusinessRuleError(
            "tax_id_invalid",
            Message(
                "Numer NIP jest nieprawidłowy (błędna suma kontrolna). Sprawdź go na fakturze.",
                "The tax id (NIP) is invalid (checksum). Check it on the invoice.",
            ),
            field="tax_id",
        )
    return country, number


DOCUMENT_NOT_FOUND = BusinessRuleError(
    "document_not_found",
    Message(
        "Nie znaleźliśmy dokumentu zakupu o tym numerze i tej kwocie. "
        "Sprawdź numer (bez PA/FS) i kwotę brutto z dokumentu.",
        "We found no purchase document with this number and total. "
        "Check the number (without PA/FS) and the gross total.",
    ),
    field="document_number",
)

DOCUMENT_LINKED_ELSEWHERE = BusinessRuleError(
    "document_already_linked",
    Message(
        "Ten dokument zakupu jest już powiązany z innym kontem.",
        "This purchase document is already linked to another account.",
    ),
    field="document_number",
    status_code=409,
)

TAX_ID_MISMATCH = BusinessRuleError(
    "tax_id_mismatch",
    Message(
        "NIP nie zgadza się z nabywcą na dokumencie zakupu.",
        "The tax id does not match the buyer on the purchase document.",
    ),
    field="tax_id",
)

COMPANY_DOCUMENT_FOR_PRIVATE_ACCOUNT = BusinessRuleError(
    "company_document_private_account",
    Message(
        "Ten dokument zakupu wystawiono na firmę: konto prywatne nie może go powiązać. "
        "Powiąż go z konta firmowego z NIP nabywcy z faktury.",
        "This purchase document was issued to a company: a private account cannot link it. "
        "Link it from a company account with the buyer's tax id (NIP) on the invoice.",
    ),
    field="document_number",
)


def check_document_buyer(
    account_tax_id: str | None, buyer_type: str, buyer_tax_id: str | None
) -> None:
    """The buyer on the document decides the buyer type of its claims (consumer rights go
    with a consumer's receipt), so a company's document belongs only to an account holding
    that company's NIP; a private account (no NIP) cannot take it."""
    if buyer_type == "business" and account_tax_id is None:
        raise COMPANY_DOCUMENT_FOR_PRIVATE_ACCOUNT
    if account_tax_id is not None and buyer_tax_id not in (None, account_tax_id):
        raise TAX_ID_MISMATCH


ACTIVATION_LINK_INVALID = BusinessRuleError(
    "activation_link_invalid",
    Message(
        "Link aktywacyjny jest nieprawidłowy, wygasł lub został już użyty. Wyślij nowy link.",
        "The activation link is invalid, expired or already used. Request a new one.",
    ),
    field="token",
    status_code=400,
)

LOGIN_FAILED = BusinessRuleError(
    "login_failed",
    Message("Nieprawidłowy e-mail lub hasło.", "Wrong email or password."),
    field="password",
    status_code=401,
)

ACCOUNT_NOT_ACTIVE = BusinessRuleError(
    "account_not_active",
    Message(
        "Konto nie jest jeszcze aktywne. Kliknij link aktywacyjny z wiadomości e-mail.",
        "The account is not active yet. Follow the activation link from the email.",
    ),
    field="email",
    status_code=403,
)

PASSWORD_RESET_LINK_INVALID = BusinessRuleError(
    "reset_link_invalid",
    Message(
        "Link do zmiany hasła jest nieprawidłowy, wygasł lub został już użyty. Poproś o nowy.",
        "The password reset link is invalid, expired or already used. Request a new one.",
    ),
    field="token",
    status_code=400,
)

EMAIL_CHANGE_LINK_INVALID = BusinessRuleError(
    "email_change_link_invalid",
    Message(
        "Link potwierdzający zmianę adresu e-mail jest nieprawidłowy, wygasł lub został już użyty.",
        "The email change link is invalid, expired or already used.",
    ),
    field="token",
    status_code=400,
)

EMAIL_TAKEN = BusinessRuleError(
    "email_taken",
    Message(
        "Nie można zmienić adresu e-mail na podany. Wybierz inny adres.",
        "The email address cannot be changed to this one. Choose another address.",
    ),
    field="new_email",
    status_code=409,
)

WRONG_PASSWORD = BusinessRuleError(
    "wrong_password",
    Message("Hasło jest nieprawidłowe.", "The password is wrong."),
    field="password",
    status_code=403,
)


@dataclass(frozen=True)
class LoginThrottle:
    """Growing delays after failed logins instead of a lock: `free_failures` cost nothing, then
    every further failure doubles the wait from `first_delay`, up to `longest_delay`."""

    free_failures: int
    first_delay: timedelta
    longest_delay: timedelta

    def wait(self, failures: int, last_failure: datetime | None, now: datetime) -> timedelta:
        """How long the next attempt must wait after `failures` recent ones (zero: go ahead)."""
        if failures < self.free_failures or last_failure is None:
            return timedelta(0)
        doublings = min(failures - self.free_failures, 16)
        delay: timedelta = min(self.first_delay * (2**doublings), self.longest_delay)
        return max(timedelta(0), last_failure + delay - now)


# Failures count for an hour. One address guessing one account's password is slowed early; an
# address trying many accounts later (offices share an address). The account's owner elsewhere
# is never slowed by someone else's failures.
LOGIN_FAILURE_WINDOW = timedelta(hours=1)
PER_ACCOUNT_AND_ADDRESS = LoginThrottle(5, timedelta(seconds=30), timedelta(minutes=15))
PER_ADDRESS = LoginThrottle(20, timedelta(seconds=30), timedelta(minutes=15))


def too_many_attempts(
    wait: timedelta, field: str = "email", what: tuple[str, str] = ("logowania", "login")
) -> BusinessRuleError:
    """429 after too many failed tries of `what` (Polish, English: logins by default)."""
    seconds = max(1, math.ceil(wait.total_seconds()))
    after = f"{seconds} s" if seconds < 60 else f"{math.ceil(seconds / 60)} min"
    return BusinessRuleError(
        "too_many_attempts",
        Message(
            f"Zbyt wiele nieudanych prób {what[0]}. Spróbuj ponownie za {after}.",
            f"Too many failed {what[1]} attempts. Try again in {after}.",
        ),
        field=field,
        status_code=429,
        headers={"Retry-After": str(seconds)},
    )


# A known document number with a total that does not match: to the client the same answer as
# an unknown number (DOCUMENT_NOT_FOUND), but a guess of the total, counted as one.
DOCUMENT_TOTAL_WRONG = dataclasses.replace(DOCUMENT_NOT_FOUND)
DOCUMENT_GUESS = ("dopasowania dokumentu zakupu", "purchase document")
SCANNER_KEY_GUESS = ("klucza skanera", "scanner key")


@dataclass(frozen=True)
class Allowance:
    """At most `count` requests in `window` (a sliding window): a limit on what costs others
    something, such as an email to someone's mailbox."""

    name: str  # the limit's name in the metrics
    count: int
    window: timedelta

    def wait(self, used: int, oldest: datetime | None, now: datetime) -> timedelta:
        """How long until the next request fits (zero: it fits now)."""
        if used < self.count or oldest is None:
            return timedelta(0)
        return max(timedelta(seconds=1), oldest + self.window - now)


# Links by email: a mailbox gets at most 3 an hour, whoever asks and whether or not an account
# has the address (the answer is the same either way); one client asks for at most 10 an hour.
EMAILS_PER_RECIPIENT = Allowance("email_per_recipient", 3, timedelta(hours=1))
EMAILS_PER_CLIENT = Allowance("email_per_client", 10, timedelta(hours=1))


def too_many_emails(wait: timedelta, field: str = "email") -> BusinessRuleError:
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    return BusinessRuleError(
        "too_many_emails",
        Message(
            "Wysłaliśmy już kilka wiadomości w tej sprawie. Sprawdź skrzynkę (także folder "
            f"spam) albo spróbuj ponownie za {minutes} min.",
            "We have already sent several emails about this. Check the mailbox (the spam "
            f"folder too) or try again in {minutes} min.",
        ),
        field=field,
        status_code=429,
        headers={"Retry-After": str(max(1, math.ceil(wait.total_seconds())))},
    )


SCANNER_KEY_INVALID = BusinessRuleError(
    "scanner_key_invalid",
    Message("Nieprawidłowy klucz skanera.", "Invalid scanner key."),
    field="api_key",
    status_code=401,
)
# Refusals that tell a guesser of a document's total or a scanner's key that the guess was wrong
# (or, for a linked document, right but of no use): each counts as a failed try. A number not
# (yet) in the ledger is no guess of a total: clients retry until the sale arrives.
WRONG_GUESSES = (DOCUMENT_TOTAL_WRONG, DOCUMENT_LINKED_ELSEWHERE, SCANNER_KEY_INVALID)


# --- new passwords -----------------------------------------------------------------------------

# The most common passwords, most common first: zxcvbn's list, from leaked password sets.
COMMON_PASSWORDS_COUNTED = 10_000


@functools.cache
def _common_passwords() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"][:COMMON_PASSWORDS_COUNTED])


def check_new_password(password: str, email: str | None, field: str = "password") -> None:
    """A new password may not be one of the 10,000 most common, contain the account's own
    email, nor be its part before @: a guesser tries those first. Letter case makes no
    difference."""
    folded = password.casefold()
    if folded in _common_passwords():
        raise BusinessRuleError(
            "password_too_common",
            Message(
                "To hasło jest jednym z najczęściej używanych i łatwo je odgadnąć. Wybierz inne.",
                "This password is one of the most common and easy to guess. Choose another.",
            ),
            field=field,
        )
    if email:
        address = email.strip().casefold()
        local_part = address.split("@")[0]
        if address in folded or folded == local_part:
            raise BusinessRuleError(
                "password_contains_email",
                Message(
                    "Hasło nie może zawierać adresu e-mail konta. Wybierz inne.",
                    "The password may not contain the account's email address. Choose another.",
                ),
                field=field,
            )
