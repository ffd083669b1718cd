"""Settings of the web panel, read from `RMA_*` environment variables."""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator
from pydantic_settings import SettingsConfigDict

from shared.kafka import KafkaConnectionSettings


class WebSettings(KafkaConnectionSettings):
    model_config = SettingsConfigDict(env_prefix="RMA_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    accounts_url: str = "http://127.0.0.1:8001"
    claims_url: str = "http://127.0.0.1:8002"
    warranty_url: str = "http://127.0.0.1:8003"
    notifications_url: str = "http://127.0.0.1:8004"
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    # The operators' dashboard is refreshed live from these events (Server-Sent Events).
    live_updates: bool = True
    log_format: Literal["json", "console"] = "json"
    log_level: str = "INFO"
    api_timeout_seconds: float = 15.0
    # The panel is served over plain HTTP (cookies without Secure). Only development and test
    # may say so; unset, it is true there and false in production.
    plain_http: bool | None = None
    # Base URL of an OpenTelemetry collector (OTLP over HTTP); no traces are exported without it.
    otlp_endpoint: str | None = None

    @model_validator(mode="after")
    def _production_uses_https(self) -> WebSettings:
        if self.environment == "production" and self.plain_http:
            raise ValueError(
                "RMA_PLAIN_HTTP cannot be set in production: the login cookies must be Secure"
            )
        return self

    @property
    def secure_cookies(self) -> bool:
        plain = self.plain_http if self.plain_http is not None else self.environment != "production"
        return not plain
