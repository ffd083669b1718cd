"""What every accounts unit of work promises, as one test class: tests/unit runs it on the
in-memory store, tests/integration on PostgreSQL, so the fake the service-layer tests rely on
cannot drift from the database.

A subclass gives a `store` fixture: a fresh, empty store with `uow()` and `published_ids()`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol
from uuid import UUID, uuid4

import pytest

from services.accounts.unit_of_work import (
    Account,
    AccountsUnitOfWork,
    Attempts,
    NewAccount,
    NewSecret,
    Operator,
    Purpose,
    Scanner,
    SpentSecret,
)
from shared.events import (
    AccountActivated,
    AccountActivatedData,
    Buyer,
    PostalAddress,
    SaleLine,
    SaleRecordedData,
)

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
EXPIRES = NOW + timedelta(hours=1)


class Store(Protocol):
    def uow(self) -> AccountsUnitOfWork: ...
    async def published_ids(self) -> list[UUID]: ...


def new_account(email: str = "jan@example.com", **more: Any) -> NewAccount:
    return NewAccount(
        **{
            "account_id": uuid4(),
            "account_type": "private",
            "full_name": "Jan Kowalski",
            "email": email,
            "password_hash": "$argon2id$hash",
            "language": "pl",
            **more,
        }
    )


def sale(
    number: str, total: str = "4299.00", document_type: str = "PA", **buyer: Any
) -> SaleRecordedData:
    """A sale of one drone; to a consumer unless `buyer` says otherwise."""
    return SaleRecordedData(
        document_type=document_type,
        document_number=number,
        issued_on=date(2025, 9, 15),
        buyer=Buyer(**(buyer or {"type": "consumer"})),
        total=Decimal(total),
        lines=(
            SaleLine(
                line_no=1,
                ean="5901234123457",
                sku="DJI-MINI4PRO",
                name="DJI Mini 4 Pro",
                brand="DJI",
                category="drone",
                quantity=1,
                unit_price=Decimal(total),
                serial_numbers=("1581F0000001",),
            ),
        ),
    )


def activated(account_id: UUID) -> AccountActivated:
    return AccountActivated(
        producer="accounts",
        key=str(account_id),
        data=AccountActivatedData(
            account_id=account_id,
            account_type="private",
            full_name="Jan Kowalski",
            email="jan@example.com",
            language="pl",
        ),
    )


class AccountsStoreContract:
    async def added(self, store: Store, *accounts: NewAccount) -> None:
        async with store.uow() as uow:
            for account in accounts:
                assert await uow.accounts.add(account)
            await uow.commit()

    async def account(self, store: Store, account_id: UUID) -> Account:
        async with store.uow() as uow:
            found = await uow.accounts.get(account_id)
        assert found is not None
        return found

    async def recorded(self, store: Store, *sales: SaleRecordedData) -> None:
        async with store.uow() as uow:
            for recorded in sales:
                await uow.sales.record_sale(recorded)
            await uow.commit()

    # --- the unit of work ----------------------------------------------------------------------

    async def test_what_is_not_committed_is_not_kept_nor_published(self, store: Store) -> None:
        account = new_account()
        async with store.uow() as uow:
            await uow.accounts.add(account)
            await uow.publish(activated(account.account_id))
        with pytest.raises(RuntimeError):
            async with store.uow() as uow:
                await uow.accounts.add(account)
                await uow.publish(activated(account.account_id))
                raise RuntimeError("refused")
        async with store.uow() as uow:
            assert await uow.accounts.get(account.account_id) is None
        assert await store.published_ids() == []

    async def test_a_commit_keeps_the_changes_and_publishes_the_events_in_order(
        self, store: Store
    ) -> None:
        account = new_account()
        events = [activated(account.account_id), activated(account.account_id)]
        async with store.uow() as uow:
            await uow.accounts.add(account)
            await uow.publish(*events)
            await uow.commit()
        assert await self.account(store, account.account_id) == Account(**vars(account))
        assert await store.published_ids() == [event.event_id for event in events]

    # --- accounts ------------------------------------------------------------------------------

    async def test_an_email_belongs_to_one_account_whatever_its_case(self, store: Store) -> None:
        first = new_account("Jan.Kowalski@Example.com", account_type="company", tax_id="526")
        await self.added(store, first)
        async with store.uow() as uow:
            assert not await uow.accounts.add(new_account("jan.kowalski@example.COM"))
            found = await uow.accounts.by_email("JAN.KOWALSKI@example.com")
            assert await uow.accounts.by_email("other@example.com") is None
        assert found == Account(**vars(first))

    async def test_an_account_is_activated_once(self, store: Store) -> None:
        account = new_account()
        await self.added(store, account)
        async with store.uow() as uow:
            assert await uow.accounts.mark_activated(account.account_id, NOW)
            assert not await uow.accounts.mark_activated(account.account_id, NOW + timedelta(1))
            await uow.commit()
        assert (await self.account(store, account.account_id)).activated_at == NOW

    async def test_password_contact_and_email_change(self, store: Store) -> None:
        account = new_account()
        await self.added(store, account)
        address = PostalAddress(
            recipient="Jan Kowalski",
            street="ul. Rudzka 65C",
            postal_code="44-200",
            city="Rybnik",
            phone="+48600100200",
        )
        async with store.uow() as uow:
            await uow.accounts.set_password(account.account_id, "$argon2id$new")
            await uow.accounts.set_contact(account.account_id, address)
            assert await uow.accounts.set_email(account.account_id, "nowy@example.com")
            await uow.commit()
        changed = await self.account(store, account.account_id)
        assert (changed.password_hash, changed.email) == ("$argon2id$new", "nowy@example.com")
        assert (changed.phone, changed.postal_address) == ("+48600100200", address)

    async def test_an_email_taken_by_another_account_is_refused_and_the_work_goes_on(
        self, store: Store
    ) -> None:
        owner, other = new_account("owner@example.com"), new_account("other@example.com")
        await self.added(store, owner, other)
        async with store.uow() as uow:
            assert not await uow.accounts.set_email(other.account_id, "OWNER@example.com")
            assert await uow.accounts.set_email(other.account_id, "Other@Example.com")
            await uow.commit()
        assert (await self.account(store, other.account_id)).email == "Other@Example.com"
        assert (await self.account(store, owner.account_id)).email == "owner@example.com"

    # --- the sales ledger and linked documents --------------------------------------------------

    async def test_a_document_is_found_by_its_number_and_total_the_first_by_type(
        self, store: Store
    ) -> None:
        invoice = sale("2025/000001", document_type="FS", type="business", tax_id="5260250274")
        await self.recorded(store, invoice, sale("2025/000001"), sale("2025/x2", "59.00"))
        async with store.uow() as uow:
            found = await uow.sales.find("2025/000001", Decimal("4299.00"))
            assert await uow.sales.find("2025/000001", Decimal("4299.01")) is None
            assert await uow.sales.find("2025/X2", Decimal("59")) is not None  # kept in capitals
            assert await uow.sales.number_known("2025/000001")
            assert not await uow.sales.number_known("2025/000002")
        assert found is not None and found.linked_account_id is None
        # The same number as an invoice and as a receipt: the invoice (FS) comes first.
        assert (found.document.document_type, found.document.buyer_type) == ("FS", "business")
        assert found.document.buyer_tax_id == "5260250274"
        assert found.document.lines == invoice.lines

    async def test_a_repeated_sale_replaces_the_earlier_record(self, store: Store) -> None:
        await self.recorded(store, sale("2025/000001"))
        await self.recorded(store, sale("2025/000001", "59.00", type="business", tax_id="526"))
        async with store.uow() as uow:
            assert await uow.sales.find("2025/000001", Decimal("4299.00")) is None
            found = await uow.sales.find("2025/000001", Decimal("59.00"))
        assert found is not None
        assert (found.document.buyer_type, found.document.buyer_tax_id) == ("business", "526")

    async def test_a_document_links_to_one_account_and_lists_in_the_order_linked(
        self, store: Store
    ) -> None:
        owner, other = new_account("owner@example.com"), new_account("other@example.com")
        await self.added(store, owner, other)
        await self.recorded(store, sale("2025/B"), sale("2025/A", "59.00"))
        async with store.uow() as uow:
            assert await uow.sales.link("PA", "2025/B", owner.account_id)
            await uow.commit()
        async with store.uow() as uow:
            assert await uow.sales.link("PA", "2025/A", owner.account_id)
            assert not await uow.sales.link("PA", "2025/B", other.account_id)
            found = await uow.sales.find("2025/B", Decimal("4299.00"))
            await uow.commit()
        assert found is not None and found.linked_account_id == owner.account_id
        async with store.uow() as uow:
            documents = await uow.sales.linked_to(owner.account_id)
            assert await uow.sales.linked_to(other.account_id) == []
        assert [d.document_number for d in documents] == ["2025/B", "2025/A"]
        assert documents[1].total == Decimal("59.00")
        assert documents[1].issued_on == date(2025, 9, 15)

    # --- single-use secrets --------------------------------------------------------------------

    async def secrets_of_an_account(self, store: Store, *kept: tuple[bytes, Purpose]) -> UUID:
        """A new account's secrets, of `kept` hashes and purposes, working for an hour."""
        account = new_account()
        await self.added(store, account)
        async with store.uow() as uow:
            for token_hash, purpose in kept:
                new_email = "nowy@x.pl" if purpose == "email_change" else None
                await uow.secrets.store(
                    NewSecret(token_hash, account.account_id, purpose, EXPIRES, new_email)
                )
            await uow.commit()
        return account.account_id

    async def test_a_secret_is_spent_once_for_its_purpose_until_it_expires(
        self, store: Store
    ) -> None:
        account_id = await self.secrets_of_an_account(
            store, (b"reset", "password_reset"), (b"late", "activation"), (b"email", "email_change")
        )
        async with store.uow() as uow:
            assert await uow.secrets.spend(b"reset", "activation", NOW) is None
            assert await uow.secrets.spend(b"unknown", "password_reset", NOW) is None
            first = await uow.secrets.spend(b"reset", "password_reset", NOW)
            assert await uow.secrets.spend(b"reset", "password_reset", NOW) is None
            assert await uow.secrets.spend(b"late", "activation", EXPIRES) is None
            changed = await uow.secrets.spend(
                b"email", "email_change", EXPIRES - timedelta(seconds=1)
            )
            await uow.commit()
        assert first == SpentSecret(account_id, None)
        assert changed == SpentSecret(account_id, "nowy@x.pl")

    async def test_a_new_secret_supersedes_the_unused_one_of_its_purpose(
        self, store: Store
    ) -> None:
        await self.secrets_of_an_account(
            store, (b"first", "activation"), (b"second", "activation"), (b"reset", "password_reset")
        )
        async with store.uow() as uow:
            assert await uow.secrets.spend(b"first", "activation", NOW) is None
            assert await uow.secrets.spend(b"second", "activation", NOW) is not None
            assert await uow.secrets.spend(b"reset", "password_reset", NOW) is not None

    # --- counted attempts ------------------------------------------------------------------------

    async def test_attempts_are_counted_in_their_window_by_subject(self, store: Store) -> None:
        minute = timedelta(minutes=1)
        async with store.uow() as uow:
            for offset in (0, 10, 20):
                await uow.attempts.lock("a")
                await uow.attempts.record(NOW + offset * minute, NOW - minute, "a", "b")
            await uow.attempts.record(NOW + 5 * minute, NOW - minute, "c")
            await uow.commit()
        async with store.uow() as uow:
            # After `since`, up to and with `until`.
            window = await uow.attempts.counted("a", NOW, NOW + 20 * minute)
            everything = await uow.attempts.counted("b", NOW - minute, NOW + 20 * minute)
            none = await uow.attempts.counted("z", NOW - minute, NOW + 20 * minute)
        assert window == Attempts(2, NOW + 10 * minute, NOW + 20 * minute)
        assert everything == Attempts(3, NOW, NOW + 20 * minute)
        assert none == Attempts(0, None, None)

    async def test_recording_forgets_the_subjects_old_attempts_and_clear_by_prefix(
        self, store: Store
    ) -> None:
        hour = timedelta(hours=1)
        async with store.uow() as uow:
            await uow.attempts.record(NOW, NOW - hour, "account:jan|1", "account:jan|2", "other")
            await uow.attempts.record(NOW + hour, NOW, "account:jan|1")
            await uow.commit()
        async with store.uow() as uow:
            since, until = NOW - 2 * hour, NOW + 2 * hour
            assert (await uow.attempts.counted("account:jan|1", since, until)).count == 1
            assert (await uow.attempts.counted("account:jan|2", since, until)).count == 1
            await uow.attempts.clear("account:jan|")
            assert (await uow.attempts.counted("account:jan|1", since, until)).count == 0
            assert (await uow.attempts.counted("account:jan|2", since, until)).count == 0
            assert (await uow.attempts.counted("other", since, until)).count == 1

    # --- staff and credentials -------------------------------------------------------------------

    async def test_operators_by_email_whatever_its_case_once_each(self, store: Store) -> None:
        operator = Operator(uuid4(), "Ola@Innpro.example", "Ola Operator", "$argon2id$op")
        async with store.uow() as uow:
            assert await uow.staff.add_operator(operator)
            assert not await uow.staff.add_operator(
                Operator(uuid4(), "ola@innpro.example", "Ola", "$argon2id$x")
            )
            await uow.commit()
        async with store.uow() as uow:
            assert await uow.staff.operator_by_email("OLA@innpro.example") == operator
            assert await uow.staff.operator_by_email("jan@example.com") is None

    async def test_scanners_by_their_key_hash_one_per_name(self, store: Store) -> None:
        scanner = Scanner(uuid4(), "skaner-1")
        async with store.uow() as uow:
            assert await uow.staff.add_scanner(scanner, b"key-1")
            assert not await uow.staff.add_scanner(Scanner(uuid4(), "skaner-1"), b"key-2")
            await uow.commit()
        async with store.uow() as uow:
            assert await uow.staff.scanner_by_key(b"key-1") == scanner
            assert await uow.staff.scanner_by_key(b"key-2") is None

    async def test_a_credentials_change_keeps_the_latest_time(self, store: Store) -> None:
        subject = uuid4()
        async with store.uow() as uow:
            assert await uow.credentials.not_before(subject) is None
            await uow.credentials.record(subject, NOW)
            await uow.credentials.record(subject, NOW - timedelta(minutes=5))
            await uow.commit()
        async with store.uow() as uow:
            assert await uow.credentials.not_before(subject) == NOW
            await uow.credentials.record(subject, NOW + timedelta(minutes=5))
            assert await uow.credentials.not_before(subject) == NOW + timedelta(minutes=5)
