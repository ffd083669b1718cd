"""The claims domain's refusals as HTTP answers: the code with its words from the catalogue, in
the client's language, in the one error shape every API answers (shared/errors.py)."""

from __future__ import annotations

import inspect

from fastapi import FastAPI, Request
from fastapi.responses import Response

from services.claims.domain.refusals import Refusal
from shared import claims_wording
from shared.errors import BusinessRuleError, Message


def business_error(refusal: Refusal) -> BusinessRuleError:
    """The refusal with its words: what the shared error answer renders."""
    polish, english = claims_wording.refusal_texts(refusal.wording, refusal.params)
    return BusinessRuleError(
        refusal.code,
        Message(polish, english),
        field=refusal.field,
        status_code=refusal.status_code,
        extra={name: str(refusal.params[name]) for name in refusal.published},
    )


def refusal_text(refusal: Refusal, language: str) -> str:
    return claims_wording.refusal_text(
        refusal.wording, refusal.params, "en" if language == "en" else "pl"
    )


def install_refusal_answers(app: FastAPI) -> None:
    """A refusal answers as a BusinessRuleError would (status, `detail`, `errors`); call after
    `install_error_handlers`, whose answer it reuses."""
    answer = app.exception_handlers[BusinessRuleError]

    async def _refused(request: Request, error: Exception) -> Response:
        assert isinstance(error, Refusal)
        response = answer(request, business_error(error))
        return await response if inspect.isawaitable(response) else response

    app.add_exception_handler(Refusal, _refused)


def polish(refusal: Refusal) -> str:
    """What a customer reads (Polish is every answer's default)."""
    return refusal_text(refusal, "pl")
