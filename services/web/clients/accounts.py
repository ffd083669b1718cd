"""The accounts API: registration, activation, logins, the customer's profile and documents."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from services.web.clients.base import ApiError, Caller, HttpApi, Unauthorized
from shared.events import PostalAddress


class Answer(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Notice(Answer):
    message: str
    notices: list[str] = Field(default_factory=list)


class AccessToken(Answer):
    access_token: str


class Product(Answer):
    document_type: Literal["PA", "FS"]
    document_number: str
    line_no: int
    ean: str
    name: str
    brand: str
    serial_numbers: list[str] = Field(default_factory=list)
    issued_on: date | None = None

    @property
    def key(self) -> str:
        """How the claim form names a product of a linked document: `PA|2025/1|1`."""
        return f"{self.document_type}|{self.document_number}|{self.line_no}"


class Document(Answer):
    document_type: str
    document_number: str
    issued_on: date
    total: Decimal
    products: list[Product] = Field(default_factory=list)


class Profile(Answer):
    account_id: UUID | None = None
    account_type: str = "private"
    full_name: str
    email: str = ""
    language: str = "pl"
    vat_country: str | None = None
    tax_id: str | None = None
    phone: str | None = None
    # The claims' default return address.
    postal_address: PostalAddress | None = None
    documents: list[Document] = Field(default_factory=list)


class Contact(BaseModel):
    """What the account page's contact form sends (accounts checks it: NN-NNN in Poland)."""

    recipient: str | None = None
    street: str
    postal_code: str
    city: str
    country: str = "PL"
    phone: str | None = None


class Registration(BaseModel):
    """What the registration form sends; company fields only for a company."""

    account_type: Literal["private", "company"]
    full_name: str
    email: str
    password: str
    document_number: str
    document_total: str
    language: str = "pl"
    vat_country: str | None = None
    tax_id: str | None = None


class AccountsApi(HttpApi):
    service = "accounts"

    async def register(
        self, caller: Caller, registration: Registration, idempotency_key: str | None
    ) -> Notice:
        return await self._call(
            Notice,
            "POST",
            "/api/accounts",
            caller,
            json=registration.model_dump(exclude_none=True),
            idempotency_key=idempotency_key,
        )

    async def activate(self, caller: Caller, token: str) -> Notice:
        return await self._call(
            Notice, "POST", "/api/accounts/activation", caller, json={"token": token}
        )

    async def resend_activation(self, caller: Caller, email: str) -> Notice:
        return await self._call(
            Notice, "POST", "/api/accounts/activation/resend", caller, json={"email": email}
        )

    async def login(self, caller: Caller, email: str, password: str, *, operator: bool) -> str:
        """The access token; a refusal is an `ApiError` of the form, not an expired session."""
        path = "/api/auth/operator-login" if operator else "/api/auth/login"
        try:
            answer = await self._call(
                AccessToken, "POST", path, caller, json={"email": email, "password": password}
            )
        except Unauthorized as refused:
            raise ApiError(refused.status_code, refused.detail, refused.errors) from None
        return answer.access_token

    async def scanner_token(self, caller: Caller, api_key: str) -> str:
        """A scanner device's access token for its API key (the admin command's)."""
        try:
            answer = await self._call(
                AccessToken, "POST", "/api/auth/scanner-token", caller, json={"api_key": api_key}
            )
        except Unauthorized as refused:
            raise ApiError(refused.status_code, refused.detail, refused.errors) from None
        return answer.access_token

    async def logout(self, caller: Caller) -> None:
        """The caller's token (and every other of its account or device) revoked everywhere."""
        await self._send("POST", "/api/auth/logout", caller)

    async def request_password_reset(self, caller: Caller, email: str) -> Notice:
        return await self._call(
            Notice, "POST", "/api/auth/password-reset", caller, json={"email": email}
        )

    async def reset_password(self, caller: Caller, token: str, new_password: str) -> Notice:
        return await self._call(
            Notice,
            "POST",
            "/api/auth/password-reset/confirm",
            caller,
            json={"token": token, "new_password": new_password},
        )

    async def profile(self, caller: Caller) -> Profile:
        return await self._call(Profile, "GET", "/api/me", caller)

    async def products(self, caller: Caller) -> list[Product]:
        return await self._call(list[Product], "GET", "/api/me/products", caller)

    async def link_document(
        self,
        caller: Caller,
        document_number: str,
        document_total: str,
        idempotency_key: str | None,
    ) -> Notice:
        return await self._call(
            Notice,
            "POST",
            "/api/me/documents",
            caller,
            json={"document_number": document_number, "document_total": document_total},
            idempotency_key=idempotency_key,
        )

    async def request_email_change(self, caller: Caller, new_email: str, password: str) -> Notice:
        return await self._call(
            Notice,
            "POST",
            "/api/me/email",
            caller,
            json={"new_email": new_email, "password": password},
        )

    async def confirm_email_change(self, caller: Caller, token: str) -> Notice:
        return await self._call(
            Notice, "POST", "/api/me/email/confirm", caller, json={"token": token}
        )

    async def update_contact(self, caller: Caller, contact: Contact) -> PostalAddress:
        return await self._call(
            PostalAddress, "PUT", "/api/me/contact", caller, json=contact.model_dump()
        )
