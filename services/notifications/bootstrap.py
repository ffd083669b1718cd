"""Wires the notifications service: the only place that chooses the unit of work."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import asyncpg
from fastapi import FastAPI

from services.notifications import handlers
from services.notifications.adapters.memory import MemoryDatabase
from services.notifications.adapters.postgres import (
    EMAILS_PENDING_AND_FAILED,
    PostgresUnitOfWork,
    statements_on_one_connection,
)
from services.notifications.adapters.smtp import SmtpMailer
from services.notifications.adapters.templates import TemplateRenderer
from services.notifications.delivery import MailDelivery
from services.notifications.entrypoints import consumers, http
from services.notifications.entrypoints.sender import MailSender
from services.notifications.handoff import Handoff
from services.notifications.names import KnownNames
from services.notifications.settings import NotificationsSettings
from shared.errors import install_error_handlers
from shared.labels import prepare_label_font
from shared.runtime import ServiceRuntime, create_app


def postgres_context(
    settings: NotificationsSettings,
    pool: Callable[[], asyncpg.Pool],
    seal_private_key: bytes | None = None,
) -> handlers.NotificationsContext:
    """The service's handlers on PostgreSQL, as it runs (`pool`: the pool once open; the
    consumers' units of work take their batch's connection instead)."""
    if seal_private_key is None:
        seal_private_key = settings.seal_private_key_file.read_bytes()
    return handlers.NotificationsContext(
        settings=settings,
        renderer=TemplateRenderer(),
        seal_private_key=seal_private_key,
        uow=lambda: PostgresUnitOfWork(pool()),
        single_statement_uow=lambda: PostgresUnitOfWork(pool(), statement_by_statement=True),
        statement_runs=lambda: statements_on_one_connection(pool()),
        names=KnownNames(settings.customer_name_cache_seconds),
        handoff=Handoff(),
    )


def memory_context(
    settings: NotificationsSettings,
    database: MemoryDatabase,
    clock: Callable[[], datetime],
    seal_private_key: bytes = b"",
    renderer: TemplateRenderer | None = None,
) -> handlers.NotificationsContext:
    """The same handlers on the in-memory store, for tests of the service layer (`renderer`:
    one compiled set of templates may serve many tests)."""
    return handlers.NotificationsContext(
        settings=settings,
        renderer=renderer or TemplateRenderer(),
        seal_private_key=seal_private_key,
        uow=database.unit_of_work,
        clock=clock,
        names=KnownNames(settings.customer_name_cache_seconds),
    )


def build_app(settings: NotificationsSettings | None = None) -> FastAPI:
    settings = settings or NotificationsSettings()
    runtime = ServiceRuntime("notifications", settings, "services.notifications.migrations")
    runtime.metrics.add_database_gauge(EMAILS_PENDING_AND_FAILED)
    ctx = postgres_context(settings, lambda: runtime.db)
    consumers.register_consumers(runtime, ctx, PostgresUnitOfWork)
    app = create_app(
        runtime,
        title="RMA notifications",
        description="Emails to customers for every status change, sent once.",
    )
    app.state.token_public_key = settings.token_public_key_file.read_bytes()
    app.state.notifications = ctx
    mailer = SmtpMailer(settings)
    sender: list[MailSender] = []

    async def start_sender(rt: ServiceRuntime) -> None:
        tracer = rt.tracer_provider.get_tracer("services.notifications")
        sender.append(MailSender(rt.db, MailDelivery(ctx, mailer, tracer), ctx.handoff))
        await sender[0].start()

    async def stop_sender(_rt: ServiceRuntime) -> None:
        for running in sender:
            await running.stop()
        await mailer.close()

    runtime.on_started.append(prepare_label_font)
    runtime.on_started.append(start_sender)
    runtime.on_stopping.append(stop_sender)
    app.include_router(http.router)
    install_error_handlers(app)
    return app
