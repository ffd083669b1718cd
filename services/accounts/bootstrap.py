"""Wires the accounts service: the only place that knows the concrete classes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import asyncpg
from argon2 import PasswordHasher
from fastapi import FastAPI

from services.accounts import handlers
from services.accounts.adapters.memory import MemoryDatabase
from services.accounts.adapters.postgres import PostgresUnitOfWork
from services.accounts.entrypoints import consumers, http
from services.accounts.settings import AccountsSettings
from services.accounts.unit_of_work import UnitOfWorkFactory
from shared import topics
from shared.errors import install_error_handlers
from shared.events import AccountsEvent
from shared.runtime import ServiceRuntime, create_app


def _context(
    uow: UnitOfWorkFactory, settings: AccountsSettings, **more: Any
) -> handlers.AccountsContext:
    return handlers.AccountsContext(
        uow=uow,
        settings=settings,
        token_private_key=settings.token_private_key_file.read_bytes(),
        seal_public_key=settings.seal_public_key_file.read_bytes(),
        **more,
    )


def postgres_units(pool: asyncpg.Pool) -> UnitOfWorkFactory:
    """A fresh unit of work on the pool per call (the service's handlers, the admin commands)."""
    return lambda: PostgresUnitOfWork(pool)


def postgres_context(
    pool: asyncpg.Pool,
    settings: AccountsSettings,
    count_limit_refusal: Callable[[str], None] = lambda _limit: None,
) -> handlers.AccountsContext:
    """The service's handlers on PostgreSQL, as it runs."""
    return _context(
        postgres_units(pool),
        settings,
        password_hasher=settings.password_hasher(),
        count_limit_refusal=count_limit_refusal,
    )


def memory_context(
    database: MemoryDatabase,
    settings: AccountsSettings,
    clock: Callable[[], datetime],
    password_hasher: PasswordHasher,
    count_limit_refusal: Callable[[str], None] = lambda _limit: None,
) -> handlers.AccountsContext:
    """The same handlers on the in-memory store, for tests of the service layer (a cheaper
    password hasher keeps them fast)."""
    return _context(
        database.unit_of_work,
        settings,
        password_hasher=password_hasher,
        clock=clock,
        count_limit_refusal=count_limit_refusal,
    )


def build_app(settings: AccountsSettings | None = None) -> FastAPI:
    settings = settings or AccountsSettings()
    runtime = ServiceRuntime("accounts", settings, "services.accounts.migrations")
    consumers.register_consumers(runtime, PostgresUnitOfWork)
    runtime.publishes(
        topics.ACCOUNTS,
        AccountsEvent,
        description="AccountRegistered, AccountActivated, DocumentLinked; key: account id",
    )
    app = create_app(
        runtime,
        title="RMA accounts",
        description="Customers, activation, login tokens and linked purchase documents.",
    )
    app.state.token_public_key = settings.token_public_key_file.read_bytes()

    async def attach_context(rt: ServiceRuntime) -> None:
        app.state.accounts = postgres_context(rt.db, settings, rt.metrics.count_limit_refusal)

    runtime.on_started.append(attach_context)
    app.include_router(http.router)
    install_error_handlers(app)
    return app
