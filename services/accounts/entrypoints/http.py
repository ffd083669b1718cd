"""HTTP entry points of accounts: registration, activation, login."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, Form, Header, Request, status
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, EmailStr, Field

from services.accounts import handlers
from shared.errors import preferred_language

router = APIRouter()


def get_context(request: Request) -> handlers.AccountsContext:
    context: handlers.AccountsContext = request.app.state.accounts
    return context


Context = Annotated[handlers.AccountsContext, Depends(get_context)]


def correlation_id(x_correlation_id: Annotated[UUID | None, Header()] = None) -> UUID:
    return x_correlation_id or uuid4()


CorrelationId = Annotated[UUID, Depends(correlation_id)]


class RegistrationCreate(BaseModel):
    account_type: Literal["private", "company"] = Field(examples=["private"])
    full_name: str = Field(min_length=2, max_length=200, examples=["Jan Kowalski"])
    email: EmailStr = Field(examples=["jan.kowalski@example.com"])
    password: str = Field(min_length=8, max_length=200, examples=["Tajne-Haslo-123"])
    document_number: str = Field(
        min_length=1,
        max_length=60,
        description="Purchase document number without the PA/FS prefix",
        examples=["2025/000001"],
    )
    document_total: str = Field(
        min_length=1,
        max_length=30,
        description="Gross total of the document, without currency",
        examples=["4 299,00"],
    )
    vat_country: str | None = Field(default=None, max_length=2, examples=["PL"])
    tax_id: str | None = Field(default=None, max_length=20, examples=["5260250274"])
    language: Literal["pl", "en"] = "pl"


class RegistrationPublic(BaseModel):
    message: str
    notices: list[str]


class ActivationRequest(BaseModel):
    token: str = Field(min_length=10, max_length=200)


class LoginRequest(BaseModel):
    email: EmailStr
    password: str = Field(min_length=1, max_length=200)


class TokenPublic(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"


@router.post(
    "/api/accounts",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=RegistrationPublic,
    tags=["accounts"],
    summary="Register an account, proving a purchase with a document number and its total",
)
async def register_account(
    body: RegistrationCreate, request: Request, ctx: Context, correlation: CorrelationId
) -> RegistrationPublic:
    accepted = await handlers.register(ctx, handlers.Registration(**body.model_dump()), correlation)
    language = preferred_language(request)
    return RegistrationPublic(
        message=(
            "Sprawdź skrzynkę e-mail: wysłaliśmy link aktywacyjny."
            if language == "pl"
            else "Check your mailbox: we sent an activation link."
        ),
        notices=[notice.in_language(language) for notice in accepted.notices],
    )


@router.post(
    "/api/accounts/activation",
    tags=["accounts"],
    summary="Activate an account with the single-use token from the email",
)
async def activate_account(
    body: ActivationRequest, ctx: Context, correlation: CorrelationId
) -> dict[str, str]:
    account_id = await handlers.activate(ctx, body.token, correlation)
    return {"account_id": str(account_id), "message": "Konto zostało aktywowane."}


@router.get("/activate", include_in_schema=False)
async def activation_page(token: str = "") -> HTMLResponse:
    # A page, not a state change on GET: mail scanners open links before people do.
    return HTMLResponse(
        f"""<!doctype html><html lang="pl"><meta charset="utf-8"><title>Aktywacja konta</title>
<form method="post" action="/activate"><input type="hidden" name="token" value="{token}">
<button type="submit">Aktywuj konto</button></form></html>"""
    )


@router.post("/activate", include_in_schema=False)
async def activation_form(
    token: Annotated[str, Form()], ctx: Context, correlation: CorrelationId
) -> HTMLResponse:
    await handlers.activate(ctx, token, correlation)
    return HTMLResponse(
        '<!doctype html><html lang="pl"><meta charset="utf-8"><p>Konto zostało aktywowane.</p>'
    )


@router.post(
    "/api/auth/login", response_model=TokenPublic, tags=["auth"], summary="Log in a customer"
)
async def log_in(body: LoginRequest, ctx: Context) -> TokenPublic:
    return TokenPublic(access_token=await handlers.login(ctx, body.email, body.password))
