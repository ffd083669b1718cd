"""Errors a person can read: each names the field and says what is wrong, in Polish or English.

Domain code raises `BusinessRuleError`; the HTTP layer turns it (and request validation errors)
into a 4xx answer `{"detail": ..., "errors": [{"field", "code", "message"}]}` in the language the
client asked for with `Accept-Language` (Polish by default).
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


@dataclass(frozen=True)
class Message:
    pl: str
    en: str

    def in_language(self, language: str) -> str:
        return self.en if language == "en" else self.pl


@dataclass
class BusinessRuleError(Exception):
    code: str
    message: Message
    field: str | None = None
    status_code: int = 422
    extra: dict[str, str] = dataclass_field(default_factory=dict)
    # HTTP headers of the answer, such as Retry-After.
    headers: dict[str, str] = dataclass_field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.code}: {self.message.en}"


def preferred_language(request: Request) -> str:
    header = request.headers.get("accept-language", "")
    first = header.split(",")[0].strip().lower()
    return "en" if first.startswith("en") else "pl"


_FIELD_MESSAGES: dict[str, Message] = {
    "missing": Message("To pole jest wymagane.", "This field is required."),
    "string_too_short": Message(
        "Wartość jest za krótka (minimalna długość: {min_length}).",
        "The value is too short (at least {min_length} characters).",
    ),
    "string_too_long": Message(
        "Wartość jest za długa (maksymalna długość: {max_length}).",
        "The value is too long (at most {max_length} characters).",
    ),
    "greater_than_equal": Message("Wartość jest za mała.", "The value is too small."),
    "int_parsing": Message("Podaj liczbę całkowitą.", "Enter a whole number."),
    "value_error": Message("Nieprawidłowa wartość.", "Invalid value."),
    "literal_error": Message("Wybierz jedną z dozwolonych wartości.", "Choose an allowed value."),
    "enum": Message("Wybierz jedną z dozwolonych wartości.", "Choose an allowed value."),
    "uuid_parsing": Message("Nieprawidłowy identyfikator.", "Invalid identifier."),
    "json_invalid": Message("Nieprawidłowy format danych (JSON).", "Malformed JSON body."),
    "nul_character": Message(
        "Pole zawiera niedozwolony znak NUL (kod 0). Usuń go i spróbuj ponownie.",
        "The field contains the forbidden NUL character (code 0).",
    ),
}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(BusinessRuleError)
    async def _business_rule(request: Request, error: BusinessRuleError) -> JSONResponse:
        text = error.message.in_language(preferred_language(request))
        return JSONResponse(
            {
                "detail": text,
                "errors": [{"field": error.field, "code": error.code, "message": text}],
                **error.extra,
            },
            status_code=error.status_code,
            headers=error.headers or None,
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        language = preferred_language(request)
        errors = []
        for item in error.errors():
            location = [str(part) for part in item.get("loc", ()) if part not in ("body", "query")]
            kind = str(item.get("type", "value_error"))
            known = _FIELD_MESSAGES.get(kind)
            if known is None and kind.endswith("_parsing"):
                known = Message("Nieprawidłowy format wartości.", "Invalid value format.")
            if known is None and kind == "value_error" and item.get("msg"):
                # Our own validators raise ValueError with a Polish message.
                text = str(item["msg"]).removeprefix("Value error, ")
            else:
                template = (known or _FIELD_MESSAGES["value_error"]).in_language(language)
                text = template.format(**item.get("ctx", {}))
            errors.append({"field": ".".join(location) or None, "code": kind, "message": text})
        summary = "Popraw zaznaczone pola." if language == "pl" else "Please correct the fields."
        return JSONResponse({"detail": summary, "errors": errors}, status_code=422)
