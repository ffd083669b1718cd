"""Wires the warranty service."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import asyncpg
from fastapi import FastAPI

from services.warranty import handlers
from services.warranty.adapters import batch
from services.warranty.adapters.memory import MemoryDatabase
from services.warranty.adapters.postgres import PostgresUnitOfWork
from services.warranty.entrypoints import consumers, http
from services.warranty.settings import WarrantySettings
from shared import topics
from shared.errors import install_error_handlers
from shared.events import WarrantyEvent
from shared.runtime import ServiceRuntime, create_app


def postgres_context(pool: asyncpg.Pool) -> handlers.WarrantyContext:
    """The service's handlers on PostgreSQL, as it runs."""
    return handlers.WarrantyContext(uow=lambda: PostgresUnitOfWork(pool))


async def _no_wait(_seconds: float) -> None:
    """Nothing in memory deadlocks; a test that makes it retry need not wait either."""


def memory_context(database: MemoryDatabase, today: Callable[[], date]) -> handlers.WarrantyContext:
    """The same handlers on the in-memory store, for tests of the service layer, on the test's
    calendar."""
    return handlers.WarrantyContext(uow=database.unit_of_work, today=today, sleep=_no_wait)


def build_app(settings: WarrantySettings | None = None) -> FastAPI:
    settings = settings or WarrantySettings()
    runtime = ServiceRuntime("warranty", settings, "services.warranty.migrations")
    consumers.register_consumers(runtime, PostgresUnitOfWork, batch.expect_assessment)
    runtime.publishes(
        topics.WARRANTY,
        WarrantyEvent,
        description="WarrantyAssessed (key: claim id), ProductRegistered (key: registration id)",
    )
    app = create_app(
        runtime,
        title="RMA warranty",
        description="Warranty rules, the support-period check by EAN and claim assessments.",
    )

    async def attach_context(rt: ServiceRuntime) -> None:
        app.state.warranty = postgres_context(rt.db)

    app.state.token_public_key = settings.token_public_key_file.read_bytes()
    runtime.on_started.append(attach_context)
    app.include_router(http.router)
    install_error_handlers(app)
    return app
