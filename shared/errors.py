"""Errors a person can read: each names the field and says what is wrong, in Polish or English.

Domain code raises `BusinessRuleError`; the HTTP layer turns it (and request validation errors)
into a 4xx answer `{"detail": ..., "errors": [{"field", "code", "message"}]}` in the language the
client asked for with `Accept-Language` (Polish by default).
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

import asyncpg
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
    "surrogate_character": Message(
        "Pole zawiera nieprawidłowy znak (niesparowany surogat UTF-16). Usuń go i spróbuj "
        "ponownie.",
        "The field contains an invalid character (a lone UTF-16 surrogate).",
    ),
}
UNSTORABLE_TEXT = Message(
    "Tekst zawiera znak, którego nie można zapisać (np. NUL, kod 0). Usuń go i spróbuj ponownie.",
    "The text contains a character that cannot be stored (such as NUL, code 0).",
)


def install_error_handlers(app: FastAPI) -> None:
    install_openapi_errors(app)

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

    # Text PostgreSQL cannot store that no guard caught (the guards refuse it per field): a
    # client's mistake, never a 500.
    @app.exception_handler(asyncpg.CharacterNotInRepertoireError)
    @app.exception_handler(asyncpg.UntranslatableCharacterError)
    async def _unstorable_text(request: Request, _error: Exception) -> JSONResponse:
        text = UNSTORABLE_TEXT.in_language(preferred_language(request))
        return JSONResponse(
            {
                "detail": text,
                "errors": [{"field": None, "code": "unstorable_character", "message": text}],
            },
            status_code=422,
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


ERROR_SCHEMAS: dict[str, dict[str, Any]] = {
    "FieldError": {
        "type": "object",
        "properties": {
            "field": {
                "anyOf": [{"type": "string"}, {"type": "null"}],
                "description": "The field at fault (dotted for nested ones), or null",
            },
            "code": {"type": "string", "examples": ["string_too_short"]},
            "message": {"type": "string", "examples": ["To pole jest wymagane."]},
        },
        "required": ["field", "code", "message"],
    },
    "ErrorPublic": {
        "type": "object",
        "description": "Every 4xx answer: what went wrong in the client's language, and per "
        "field when fields are at fault",
        "properties": {
            "detail": {"type": "string", "examples": ["Popraw zaznaczone pola."]},
            "errors": {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}},
        },
        "required": ["detail"],
    },
}
_ERROR_CONTENT = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorPublic"}}}
_ANSWERS = {
    "400": "Malformed request body",
    "401": "No token, or one expired, forged or older than the account's last credential change",
    "403": "The token's role may not do this",
    "404": "Not found",
    "413": "The request body is larger than this API accepts",
    "422": "A field is invalid: each one is named in `errors`",
    "503": "The service's database is briefly away: nothing was saved; retry after "
    "`Retry-After` seconds (with the same Idempotency-Key)",
}


def _errors_of(path: str, operation: dict[str, Any]) -> set[str]:
    """The 4xx answers every operation of this shape can give, beyond those it declares, and
    the 503 of the database away (every API operation may meet it)."""
    codes = {code for code in operation.get("responses", {}) if code.startswith("4")}
    if operation.get("parameters") or "requestBody" in operation:
        codes.add("422")
    if "requestBody" in operation:
        # 400: a body that cannot be decoded at all (not UTF-8, a broken form).
        codes |= {"400", "413"}
    if operation.get("security"):
        codes |= {"401", "403"}
    if "{" in path:
        codes.add("404")
    if path.startswith("/api/"):
        codes.add("503")
    return codes


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document as the API answers: every 4xx an operation can give, each with the
    one error body (`ErrorPublic`) instead of FastAPI's own validation error shape."""
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas.update(ERROR_SCHEMAS)
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for code in sorted(_errors_of(path, operation)):
                answer = responses.setdefault(code, {"description": _ANSWERS.get(code, "Refused")})
                if code == "422" and answer.get("description") == "Validation Error":
                    answer["description"] = _ANSWERS["422"]
                answer["content"] = _ERROR_CONTENT
    return schema


def install_openapi_errors(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_errors(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
