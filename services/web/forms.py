"""Forms: what was typed, and the messages shown at each field.

`FormErrors.refusals()` is the one place where an API's refusal (a 4xx answer) becomes messages
at the form's fields; what a form cannot show (an expired login, a service away) goes on up to
the app's error pages.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager

from starlette.datastructures import FormData

from services.web.clients import ApiError, Unauthorized
from services.web.i18n import N_, Text

SECRET_FIELDS = frozenset({"password", "password_repeat", "new_password", "new_password_repeat"})

# The APIs' generic validation messages, said more helpfully where the field is known.
CLEARER_MESSAGES: dict[tuple[str, str], str] = {
    ("email", "value_error"): N_("Podaj poprawny adres e-mail, np. jan.kowalski@example.com."),
    ("new_email", "value_error"): N_("Podaj poprawny adres e-mail, np. jan.kowalski@example.com."),
    ("product", "missing"): N_("Wybierz produkt z powiązanego dokumentu zakupu."),
    ("claim_type", "missing"): N_("Wybierz typ zgłoszenia."),
    ("attachment", "missing"): N_("Dołącz dokument sprzedaży (PDF, JPG lub PNG): jest wymagany."),
    ("tracking_number", "missing"): N_("Podaj numer przesyłki zwrotnej."),
    ("carrier", "missing"): N_("Podaj przewoźnika."),
    ("reason", "missing"): N_("Podaj klientowi przyczynę opóźnienia."),
}


def text_values(form: FormData, names: Iterable[str]) -> dict[str, str]:
    """The form's text fields of these names, trimmed (passwords as typed)."""
    values: dict[str, str] = {}
    for name in names:
        value = form.get(name)
        if isinstance(value, str):
            values[name] = value if name in SECRET_FIELDS else value.strip()
    return values


def without_secrets(values: Mapping[str, str]) -> dict[str, str]:
    """What may be sent back to the browser: never a password."""
    return {name: value for name, value in values.items() if name not in SECRET_FIELDS}


class FormErrors:
    """Messages per form field, plus those that belong to no field shown (at the form's top)."""

    def __init__(self, fields: Iterable[str] = (), aliases: Mapping[str, str] | None = None):
        self.fields = set(fields)
        self.aliases = dict(aliases or {})
        self.by_field: dict[str, list[str | Text]] = {}
        self.general: list[str | Text] = []
        # The status of the API's refusal, for the page that shows it.
        self.status_code: int | None = None

    def __bool__(self) -> bool:
        return bool(self.by_field or self.general)

    def add(self, field: str | None, message: str | Text) -> None:
        if field and field in self.fields:
            messages = self.by_field.setdefault(field, [])
            if message not in messages:
                messages.append(message)
        elif message not in self.general:
            self.general.append(message)

    def get(self, field: str) -> list[str | Text]:
        return self.by_field.get(field, [])

    @classmethod
    def from_api(
        cls, error: ApiError, fields: Iterable[str], aliases: Mapping[str, str] | None = None
    ) -> FormErrors:
        errors = cls(fields, aliases)
        errors.merge(error)
        return errors

    def merge(self, error: ApiError) -> None:
        self.status_code = self.status_code or error.status_code
        if error.status_code == 429:
            self.general.append(too_many_attempts(error.retry_after))
            return
        for item in error.errors:
            name = item.field or ""
            # `deductions.packaging` belongs to `deductions`; an alias maps API to form names.
            top = name.split(".")[0]
            name = self.aliases.get(name, self.aliases.get(top, top))
            self.add(name or None, CLEARER_MESSAGES.get((name, item.code), item.message))
        if not error.errors:
            self.add(None, error.detail)

    @contextmanager
    def refusals(self, passed_on: Iterable[int] = ()) -> Iterator[None]:
        """Within this block an API's 4xx answer becomes messages of this form. An expired
        login, a service away, and the statuses in `passed_on` (e.g. a 404) go on up."""
        try:
            yield
        except Unauthorized:
            raise
        except ApiError as error:
            if error.status_code >= 500 or error.status_code in set(passed_on):
                raise
            self.merge(error)


def too_many_attempts(retry_after: int | None) -> Text:
    if not retry_after:
        return Text("Zbyt wiele prób. Spróbuj ponownie za kilka minut.")
    if retry_after < 120:
        return Text("Zbyt wiele prób. Spróbuj ponownie za {seconds} s.", seconds=retry_after)
    minutes = -(-retry_after // 60)
    return Text("Zbyt wiele prób. Spróbuj ponownie za {minutes} min.", minutes=minutes)
