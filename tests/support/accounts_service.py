"""The accounts service layer on its in-memory unit of work: a desk that records sales through the
projection handler and runs every command through `handlers`, with a clock the test moves and
a cheap password hasher. Nothing here touches a server."""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID, uuid4

import pytest
from argon2 import PasswordHasher

from services.accounts import handlers
from services.accounts.adapters.memory import MemoryDatabase
from services.accounts.bootstrap import memory_context
from services.accounts.settings import AccountsSettings
from services.accounts.unit_of_work import Account
from shared.auth import Principal, verify_token
from shared.errors import BusinessRuleError
from shared.events import Event, SaleRecorded
from shared.sealing import unseal
from tests.support.accounts_contract import sale
from tests.support.claims_service import Clock

PASSWORD = "Tajne-Haslo-123"
BROWSER = "198.51.100.20"  # the client address of the desk's commands
# The real hasher's checks at a fraction of its cost: the suite stays fast.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
EventT = TypeVar("EventT", bound=Event)


def registration_form(number: str, email: str, **more: Any) -> dict[str, Any]:
    """A private customer's registration as the form sends it, with `more` fields changed."""
    return {
        "account_type": "private",
        "full_name": "Jan Kowalski",
        "email": email,
        "password": PASSWORD,
        "document_number": number,
        "document_total": "4 299,00",
        **more,
    }


def emails() -> Iterator[str]:
    while True:
        yield f"klient.{uuid4().hex[:10]}@example.com"


class AccountsDesk:
    def __init__(self, keys: Path) -> None:
        self.keys = keys
        self.clock = Clock()
        self.database = MemoryDatabase()
        self.refusals: list[str] = []  # the limits' names, as the metrics count them
        settings = AccountsSettings(
            token_public_key_file=keys / "token_public.pem",
            token_private_key_file=keys / "token_private.pem",
            seal_public_key_file=keys / "seal_public.pem",
            public_base_url="http://panel.test",
        )
        self.ctx = memory_context(
            self.database, settings, self.clock, CHEAP_HASHER, self.refusals.append
        )
        self._emails = emails()

    def email(self) -> str:
        return next(self._emails)

    # --- the sales ledger ------------------------------------------------------------------------

    async def sale(self, total: str = "4299.00", document_type: str = "PA", **buyer: Any) -> str:
        """A sale of one drone recorded as the ERP's event arrives; its document number."""
        number = f"2025/{uuid4().hex[:8].upper()}"
        event = SaleRecorded(
            producer="erp",
            key=f"{document_type}/{number}",
            data=sale(number, total, document_type, **buyer),
        )
        async with self.database.unit_of_work() as uow:
            await handlers.record_sale(uow, event)
            await uow.commit()
        return number

    # --- commands as the endpoints call them -------------------------------------------------

    async def register(
        self, number: str, email: str, address: str = BROWSER, **more: Any
    ) -> handlers.Accepted:
        registration = handlers.Registration(**registration_form(number, email, **more))
        return await handlers.register(self.ctx, registration, address, uuid4())

    async def login(self, email: str, password: str = PASSWORD, address: str = BROWSER) -> str:
        return await handlers.login(self.ctx, email, password, address)

    async def customer(self, *, active: bool = True) -> Account:
        """A customer registered with a sale of their own (and activated, unless told)."""
        email = self.email()
        await self.register(await self.sale(), email)
        if active:
            await handlers.activate(self.ctx, self.token(self.last("AccountRegistered")), uuid4())
        return await self.account(email)

    async def link(self, account: Account, number: str, total: str) -> handlers.Accepted:
        return await handlers.link_document(
            self.ctx, account.account_id, number, total, BROWSER, uuid4()
        )

    # --- what the store holds --------------------------------------------------------------------

    async def account(self, email: str) -> Account:
        async with self.database.unit_of_work() as uow:
            account = await uow.accounts.by_email(email)
        assert account is not None, email
        return account

    async def accounts_with(self, email: str) -> int:
        return sum(a.email.lower() == email.lower() for a in self.database.state.accounts.values())

    def published(self, event_type: type[EventT]) -> list[EventT]:
        return [event for event in self.database.published if isinstance(event, event_type)]

    def last(self, event_type: str) -> Event:
        return [event for event in self.database.published if event.type == event_type][-1]

    def link_in(self, event: Event) -> str:
        """The emailed link an event carries, unsealed as the notifications service does."""
        data = event.data.model_dump()
        sealed = next(value for key, value in data.items() if key.endswith("_link_sealed"))
        return unseal((self.keys / "seal_private.pem").read_bytes(), sealed)

    def token(self, event: Event) -> str:
        return self.link_in(event).split("token=", 1)[1]

    def principal(self, token: str) -> Principal:
        return verify_token((self.keys / "token_public.pem").read_bytes(), token)

    def not_before(self, account_id: UUID) -> Any:
        return self.database.state.not_before.get(account_id)


async def refused(
    desk: AccountsDesk, code: str, call: Awaitable[object], *, counted: bool = False
) -> BusinessRuleError:
    """`call` is refused with `code`, and the store is as it was: nothing saved, nothing
    published (a wrong guess or a failed login, `counted`, adds its attempts only)."""
    before = copy.deepcopy(desk.database.state)
    with pytest.raises(BusinessRuleError) as refusal:
        await call
    assert refusal.value.code == code
    after = desk.database.state
    if counted:
        assert len(after.attempts) > len(before.attempts)
        after = replace(after, attempts=before.attempts)
    assert after == before
    return refusal.value
