"""Wires the notifications service."""

from __future__ import annotations

from fastapi import FastAPI

from services.notifications import handlers
from services.notifications.adapters import repository
from services.notifications.adapters.smtp import SmtpMailer
from services.notifications.adapters.templates import TemplateRenderer
from services.notifications.entrypoints import consumers, http
from services.notifications.settings import NotificationsSettings
from shared.errors import install_error_handlers
from shared.labels import prepare_label_font
from shared.runtime import ServiceRuntime, create_app


def build_app(settings: NotificationsSettings | None = None) -> FastAPI:
    settings = settings or NotificationsSettings()
    runtime = ServiceRuntime("notifications", settings, "services.notifications.migrations")
    ctx = handlers.NotificationsContext(
        settings=settings,
        renderer=TemplateRenderer(),
        seal_private_key=settings.seal_private_key_file.read_bytes(),
    )
    runtime.metrics.add_database_gauge(repository.EMAILS_PENDING_AND_FAILED)
    consumers.register_consumers(runtime, ctx)
    app = create_app(
        runtime,
        title="RMA notifications",
        description="Emails to customers for every status change, sent once.",
    )
    app.state.token_public_key = settings.token_public_key_file.read_bytes()
    mailer = SmtpMailer(settings)
    sender: list[handlers.MailSender] = []

    async def start_sender(rt: ServiceRuntime) -> None:
        tracer = rt.tracer_provider.get_tracer("services.notifications")
        sender.append(handlers.MailSender(rt.db, ctx, mailer, tracer))
        await sender[0].start()

    async def stop_sender(_rt: ServiceRuntime) -> None:
        for running in sender:
            await running.stop()
        await mailer.close()

    async def attach_pool(rt: ServiceRuntime) -> None:
        app.state.notifications_pool = rt.db

    runtime.on_started.append(attach_pool)
    runtime.on_started.append(prepare_label_font)
    runtime.on_started.append(start_sender)
    runtime.on_stopping.append(stop_sender)
    app.include_router(http.router)
    install_error_handlers(app)
    return app
