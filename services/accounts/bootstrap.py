"""Wires the accounts service: the only place that knows the concrete classes."""

from __future__ import annotations

from argon2 import PasswordHasher
from fastapi import FastAPI

from services.accounts import handlers
from services.accounts.entrypoints import consumers, http
from services.accounts.settings import AccountsSettings
from shared import topics
from shared.errors import install_error_handlers
from shared.events import AccountsEvent
from shared.runtime import ServiceRuntime, create_app


def build_app(settings: AccountsSettings | None = None) -> FastAPI:
    settings = settings or AccountsSettings()
    runtime = ServiceRuntime("accounts", settings, "services.accounts.migrations")
    consumers.register_consumers(runtime)
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
        app.state.accounts = handlers.AccountsContext(
            pool=rt.db,
            settings=settings,
            token_private_key=settings.token_private_key_file.read_bytes(),
            seal_public_key=settings.seal_public_key_file.read_bytes(),
            password_hasher=PasswordHasher(),
            count_limit_refusal=rt.metrics.count_limit_refusal,
        )

    runtime.on_started.append(attach_context)
    app.include_router(http.router)
    install_error_handlers(app)
    return app
