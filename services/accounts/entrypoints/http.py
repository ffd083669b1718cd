"""HTTP entry points of accounts: registration, activation, login, documents, credentials."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from pydantic import BaseModel, EmailStr, Field

from services.accounts import handlers
from services.accounts.unit_of_work import SalesDocument
from shared.auth import Principal, require_role
from shared.errors import preferred_language
from shared.events import PostalAddress, SaleLine
from shared.http import CorrelationId, client_address
from shared.idempotency import idempotent_request

router = APIRouter()


def get_context(request: Request) -> handlers.AccountsContext:
    context: handlers.AccountsContext = request.app.state.accounts
    return context


Context = Annotated[handlers.AccountsContext, Depends(get_context)]
ClientAddress = Annotated[str, Depends(client_address)]
Customer = Annotated[Principal, Depends(require_role("customer"))]
AnyRole = Annotated[Principal, Depends(require_role("customer", "operator", "scanner"))]


def _say(request: Request, polish: str, english: str) -> str:
    return english if preferred_language(request) == "en" else polish


class RegistrationCreate(BaseModel):
    account_type: Literal["private", "company"] = Field(examples=["private"])
    full_name: str = Field(min_length=2, max_length=200, examples=["Jan Kowalski"])
    email: EmailStr = Field(examples=["jan.kowalski@example.com"])
    password: str = Field(min_length=8, max_length=200, examples=["Tajne-Haslo-123"])
    document_number: str = Field(
        min_length=1,
        max_length=60,
        description="Purchase document number without the PA/FS prefix (a typed one is removed)",
        examples=["2025/000001"],
    )
    document_total: str = Field(
        min_length=1,
        max_length=30,
        description="Gross total of the document without currency: 1234.56, 1234,56, 1 234,56",
        examples=["4 299,00"],
    )
    vat_country: str | None = Field(
        default=None, max_length=2, description="Companies: VAT country code", examples=["PL"]
    )
    tax_id: str | None = Field(
        default=None, max_length=20, description="Companies: tax id (NIP)", examples=["5260250274"]
    )
    language: Literal["pl", "en"] = Field(default="pl", description="Language of the emails")


class Notice(BaseModel):
    message: str
    notices: list[str] = Field(default_factory=list)


class TokenRequest(BaseModel):
    token: str = Field(min_length=10, max_length=200)


class EmailRequest(BaseModel):
    email: EmailStr = Field(examples=["jan.kowalski@example.com"])


class LoginRequest(BaseModel):
    email: EmailStr = Field(examples=["jan.kowalski@example.com"])
    password: str = Field(min_length=1, max_length=200, examples=["Tajne-Haslo-123"])


class ScannerTokenRequest(BaseModel):
    api_key: str = Field(min_length=10, max_length=200)


class TokenPublic(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"


class DocumentLink(BaseModel):
    document_number: str = Field(min_length=1, max_length=60, examples=["2025/000002"])
    document_total: str = Field(min_length=1, max_length=30, examples=["7097,00"])


class PasswordReset(BaseModel):
    token: str = Field(min_length=10, max_length=200)
    new_password: str = Field(min_length=8, max_length=200)


class PasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=8, max_length=200)


class EmailChange(BaseModel):
    new_email: EmailStr
    password: str = Field(min_length=1, max_length=200)


class ProductPublic(BaseModel):
    document_type: str
    document_number: str
    issued_on: date
    line_no: int
    ean: str
    sku: str
    name: str
    brand: str
    category: str
    quantity: int
    serial_numbers: list[str]


class DocumentPublic(BaseModel):
    document_type: str
    document_number: str
    issued_on: date
    total: Decimal
    products: list[ProductPublic]


class ProfilePublic(BaseModel):
    account_id: UUID
    account_type: str
    full_name: str
    email: str
    language: str
    vat_country: str | None
    tax_id: str | None
    phone: str | None = None
    postal_address: PostalAddress | None = None
    documents: list[DocumentPublic]


def _notice(request: Request, accepted: handlers.Accepted, polish: str, english: str) -> Notice:
    language = preferred_language(request)
    return Notice(
        message=_say(request, polish, english),
        notices=[notice.in_language(language) for notice in accepted.notices],
    )


def made_before() -> bool:
    """This Idempotency-Key's first request made its account or link, and died before its
    answer was recorded: the answer is rebuilt, nothing is made again."""
    keyed = idempotent_request()
    return keyed is not None and keyed.made is not None


@router.post(
    "/api/accounts",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Notice,
    tags=["accounts"],
    summary="Register an account, proving a purchase with a document number and its total",
    responses={
        409: {"description": "The document is already linked to another account"},
        422: {"description": "A field is invalid, or no document matches the number and total"},
        429: {"description": "Too many wrong documents or totals from this address or account"},
    },
)
async def register_account(
    body: RegistrationCreate,
    request: Request,
    ctx: Context,
    address: ClientAddress,
    correlation: CorrelationId,
) -> Notice:
    registration = handlers.Registration(**body.model_dump())
    if made_before():
        accepted = handlers.accepted_again(body.document_number)
    else:
        accepted = await handlers.register(ctx, registration, address, correlation)
    return _notice(
        request,
        accepted,
        "Sprawdź skrzynkę e-mail: wysłaliśmy link aktywacyjny.",
        "Check your mailbox: we sent an activation link.",
    )


@router.post(
    "/api/auth/logout",
    status_code=204,
    tags=["auth"],
    summary="Log out: the caller's token and every other one of its account or device issued "
    "until now stop working in every service",
)
async def logout(principal: AnyRole, ctx: Context, correlation: CorrelationId) -> Response:
    await handlers.logout(ctx, principal.subject, correlation)
    return Response(status_code=204)


@router.post(
    "/api/accounts/activation",
    response_model=Notice,
    tags=["accounts"],
    summary="Activate an account with the single-use token from the email",
    responses={400: {"description": "The link is invalid, expired or used"}},
)
async def activate_account(
    body: TokenRequest, request: Request, ctx: Context, correlation: CorrelationId
) -> Notice:
    await handlers.activate(ctx, body.token, correlation)
    return Notice(message=_say(request, "Konto zostało aktywowane.", "The account is active."))


@router.post(
    "/api/accounts/activation/resend",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Notice,
    tags=["accounts"],
    summary="Send a new activation link (the previous one stops working)",
    responses={429: {"description": "3 emails an hour to one address, 10 an hour from one client"}},
)
async def resend_activation(
    body: EmailRequest,
    request: Request,
    ctx: Context,
    client: ClientAddress,
    correlation: CorrelationId,
) -> Notice:
    await handlers.resend_activation(ctx, body.email, client, correlation)
    return Notice(
        message=_say(
            request,
            "Jeśli konto czeka na aktywację, wysłaliśmy nowy link.",
            "If the account awaits activation, we sent a new link.",
        )
    )


@router.post(
    "/api/auth/login",
    response_model=TokenPublic,
    tags=["auth"],
    summary="Log in a customer; refused before activation, rate-limited",
    responses={
        401: {"description": "Wrong email or password"},
        403: {"description": "The account is not activated yet"},
        429: {
            "description": "Too many failed logins: wait `Retry-After` seconds",
            "headers": {"Retry-After": {"schema": {"type": "integer"}}},
        },
    },
)
async def log_in(body: LoginRequest, ctx: Context, address: ClientAddress) -> TokenPublic:
    return TokenPublic(access_token=await handlers.login(ctx, body.email, body.password, address))


@router.post(
    "/api/auth/operator-login",
    response_model=TokenPublic,
    tags=["auth"],
    summary="Log in an operator of the service centre",
    responses={
        401: {"description": "Wrong email or password"},
        429: {
            "description": "Too many failed logins: wait `Retry-After` seconds",
            "headers": {"Retry-After": {"schema": {"type": "integer"}}},
        },
    },
)
async def operator_log_in(body: LoginRequest, ctx: Context, address: ClientAddress) -> TokenPublic:
    token = await handlers.operator_login(ctx, body.email, body.password, address)
    return TokenPublic(access_token=token)


@router.post(
    "/api/auth/scanner-token",
    response_model=TokenPublic,
    tags=["auth"],
    summary="Exchange a scanner device's API key for a short-lived token",
    responses={
        401: {"description": "Unknown or revoked API key"},
        429: {"description": "Too many wrong keys from this address: wait Retry-After seconds"},
    },
)
async def scanner_token(
    body: ScannerTokenRequest, ctx: Context, address: ClientAddress
) -> TokenPublic:
    return TokenPublic(access_token=await handlers.scanner_token(ctx, body.api_key, address))


@router.post(
    "/api/auth/password-reset",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Notice,
    tags=["auth"],
    summary="Email a password reset link",
    responses={429: {"description": "3 emails an hour to one address, 10 an hour from one client"}},
)
async def request_password_reset(
    body: EmailRequest,
    request: Request,
    ctx: Context,
    client: ClientAddress,
    correlation: CorrelationId,
) -> Notice:
    await handlers.request_password_reset(ctx, body.email, client, correlation)
    return Notice(
        message=_say(
            request,
            "Jeśli konto istnieje, wysłaliśmy link do zmiany hasła.",
            "If the account exists, we sent a password reset link.",
        )
    )


@router.post(
    "/api/auth/password-reset/confirm",
    response_model=Notice,
    tags=["auth"],
    summary="Set a new password with the token from the email",
    responses={400: {"description": "The link is invalid, expired or used"}},
)
async def reset_password(
    body: PasswordReset, request: Request, ctx: Context, correlation: CorrelationId
) -> Notice:
    await handlers.reset_password(ctx, body.token, body.new_password, correlation)
    return Notice(message=_say(request, "Hasło zostało zmienione.", "The password was changed."))


class ContactUpdate(BaseModel):
    recipient: str | None = Field(default=None, max_length=200, description="Default: own name")
    street: str = Field(max_length=200)
    postal_code: str = Field(max_length=20, description="NN-NNN in Poland")
    city: str = Field(max_length=200)
    country: str = Field(default="PL", max_length=2, description="ISO 3166-1 alpha-2")
    phone: str | None = Field(default=None, max_length=30)


@router.put(
    "/api/me/contact",
    response_model=PostalAddress,
    tags=["me"],
    summary="Keep a postal address and phone on the account (the claims' default return address)",
    responses={422: {"description": "A field is wrong (e.g. a Polish postal code not NN-NNN)"}},
)
async def update_contact(
    body: ContactUpdate, customer: Customer, ctx: Context, correlation: CorrelationId
) -> PostalAddress:
    change = handlers.ContactChange(**body.model_dump())
    return await handlers.update_contact(ctx, customer.subject, change, correlation)


@router.get(
    "/api/me",
    response_model=ProfilePublic,
    tags=["me"],
    summary="The logged-in account",
    responses={404: {"description": "The token's account no longer exists"}},
)
async def profile(customer: Customer, ctx: Context) -> ProfilePublic:
    found = await handlers.profile(ctx, customer.subject)
    if found is None:
        # A valid token of an account this service no longer has.
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Nie znaleźliśmy tego konta.")
    account = found.account
    return ProfilePublic(
        account_id=account.account_id,
        account_type=account.account_type,
        full_name=account.full_name,
        email=account.email,
        language=account.language,
        vat_country=account.vat_country,
        tax_id=account.tax_id,
        phone=account.phone,
        postal_address=account.postal_address,
        documents=[_document_public(document) for document in found.documents],
    )


# What a product shows of its line on the document (not its price).
_PRODUCT_FIELDS_OF_A_LINE = set(ProductPublic.model_fields) & set(SaleLine.model_fields)


def _document_public(document: SalesDocument) -> DocumentPublic:
    return DocumentPublic(
        document_type=document.document_type,
        document_number=document.document_number,
        issued_on=document.issued_on,
        total=document.total,
        products=[
            ProductPublic(
                document_type=document.document_type,
                document_number=document.document_number,
                issued_on=document.issued_on,
                **line.model_dump(include=_PRODUCT_FIELDS_OF_A_LINE),
            )
            for line in document.lines
        ],
    )


@router.get(
    "/api/me/products",
    response_model=list[ProductPublic],
    tags=["me"],
    summary="Products the account can claim: every line of its linked documents",
)
async def claimable_products(customer: Customer, ctx: Context) -> list[ProductPublic]:
    documents = await handlers.linked_documents(ctx, customer.subject)
    return [product for d in documents for product in _document_public(d).products]


@router.post(
    "/api/me/documents",
    status_code=status.HTTP_201_CREATED,
    response_model=Notice,
    tags=["me"],
    summary="Link another purchase document (number and total)",
    responses={
        409: {"description": "The document is linked to another account"},
        429: {"description": "Too many wrong documents or totals from this address or account"},
    },
)
async def link_document(
    body: DocumentLink,
    request: Request,
    customer: Customer,
    ctx: Context,
    address: ClientAddress,
    correlation: CorrelationId,
) -> Notice:
    if made_before():
        accepted = handlers.accepted_again(body.document_number)
    else:
        accepted = await handlers.link_document(
            ctx, customer.subject, body.document_number, body.document_total, address, correlation
        )
    return _notice(
        request,
        accepted,
        "Dokument został powiązany z kontem.",
        "The document is linked to the account.",
    )


@router.post(
    "/api/me/email",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Notice,
    tags=["me"],
    summary="Change the email: a confirmation link goes to the new address",
    responses={
        403: {"description": "The password is wrong"},
        429: {"description": "3 emails an hour to one address, 10 an hour from one account"},
    },
)
async def change_email(
    body: EmailChange,
    request: Request,
    customer: Customer,
    ctx: Context,
    correlation: CorrelationId,
) -> Notice:
    await handlers.request_email_change(
        ctx, customer.subject, body.password, body.new_email, correlation
    )
    return Notice(
        message=_say(
            request,
            "Wysłaliśmy link potwierdzający na nowy adres e-mail.",
            "We sent a confirmation link to the new address.",
        )
    )


@router.post(
    "/api/me/password",
    response_model=Notice,
    tags=["me"],
    summary="Change the password; tokens issued before stop working in every service",
    responses={403: {"description": "The current password is wrong"}},
)
async def change_password(
    body: PasswordChange,
    request: Request,
    customer: Customer,
    ctx: Context,
    correlation: CorrelationId,
) -> Notice:
    await handlers.change_password(
        ctx, customer.subject, body.current_password, body.new_password, correlation
    )
    return Notice(message=_say(request, "Hasło zostało zmienione.", "The password was changed."))


@router.post(
    "/api/me/email/confirm",
    response_model=Notice,
    tags=["me"],
    summary="Confirm the new email with the token from the email",
    responses={
        400: {"description": "The link is invalid, expired or used"},
        409: {"description": "Another account took the address meanwhile"},
    },
)
async def confirm_email(
    body: TokenRequest, request: Request, ctx: Context, correlation: CorrelationId
) -> Notice:
    await handlers.confirm_email_change(ctx, body.token, correlation)
    return Notice(
        message=_say(request, "Adres e-mail został zmieniony.", "The email address was changed.")
    )
