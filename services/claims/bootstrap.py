"""Wires the claims service."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime

import asyncpg
from fastapi import FastAPI

from services.claims import handlers
from services.claims.adapters import repository
from services.claims.adapters.memory import MemoryDatabase
from services.claims.adapters.postgres import PostgresUnitOfWork
from services.claims.entrypoints import (
    bulk,
    consumers,
    evidence,
    finance,
    http,
    manufacturer,
    operators,
    statistics,
)
from services.claims.entrypoints.refusals import install_refusal_answers
from services.claims.entrypoints.scheduler import DeadlineScheduler
from services.claims.settings import ClaimsSettings
from shared import topics
from shared.errors import install_error_handlers
from shared.events import ClaimsEvent
from shared.runtime import ServiceRuntime, create_app


def postgres_context(pool: asyncpg.Pool) -> handlers.ClaimsContext:
    """The service's handlers on PostgreSQL, as it runs."""
    return handlers.ClaimsContext(uow=lambda: PostgresUnitOfWork(pool))


def memory_context(
    database: MemoryDatabase, clock: Callable[[], datetime] | None = None
) -> handlers.ClaimsContext:
    """The same handlers on the in-memory store, for tests of the service layer; the store
    stamps its rows with the same clock."""
    database.clock = clock or database.clock
    return handlers.ClaimsContext(uow=database.unit_of_work, clock=database.clock)


def build_app(settings: ClaimsSettings | None = None) -> FastAPI:
    settings = settings or ClaimsSettings()
    runtime = ServiceRuntime("claims", settings, "services.claims.migrations")
    runtime.metrics.add_database_gauge(repository.CLAIMS_PER_STATUS)
    consumers.register_consumers(runtime, PostgresUnitOfWork)
    runtime.publishes(
        topics.CLAIMS,
        ClaimsEvent,
        description=(
            "ClaimCreated, ParcelReceived, ClaimStatusChanged, ClaimDecided, ClaimOfferAnswered, "
            "ClaimReplacementIssued, ClaimRefunded, ClaimChargeChanged, ClaimRepairDelayed, "
            "ClaimSentToManufacturer, ClaimBackFromManufacturer, "
            "ClaimDeemedAccepted, ClaimOfferExpired, WarrantyVoidMarked, IntakeEvidenceRecorded; "
            "key: claim id. "
            "DeadlinesAtRisk; key: the day"
        ),
    )
    app = create_app(
        runtime,
        title="RMA claims",
        description="Claims and their lifecycle, RMA numbers, parcels and decisions.",
    )
    app.state.token_public_key = settings.token_public_key_file.read_bytes()

    async def attach_context(rt: ServiceRuntime) -> None:
        app.state.claims = postgres_context(rt.db)
        if settings.deadline_scan_seconds > 0:
            scheduler = DeadlineScheduler(app.state.claims, rt.db, settings.deadline_scan_seconds)
            app.state.deadline_scheduler = scheduler
            app.state.deadline_task = asyncio.create_task(scheduler.run(), name="deadlines")

    async def stop_scheduler(_rt: ServiceRuntime) -> None:
        task: asyncio.Task[None] | None = getattr(app.state, "deadline_task", None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    runtime.on_started.append(attach_context)
    runtime.on_stopping.append(stop_scheduler)
    app.include_router(http.router)
    app.include_router(bulk.router)
    # Before the operators' router, whose /api/operator/claims/{claim_id} would take the path.
    app.include_router(statistics.router)
    app.include_router(evidence.router)
    app.include_router(finance.router)
    app.include_router(operators.router)
    app.include_router(manufacturer.router)
    install_error_handlers(app)
    install_refusal_answers(app)
    return app
