"""How every Kafka client of the platform connects: one place for brokers and credentials.

Every aiokafka client (producer, consumer, admin) takes its connection options from
`client_options`, and FastStream's broker its `security` from `broker_security`. Both read the
credentials from `KafkaConnectionSettings` (`RMA_KAFKA_USERNAME`, `RMA_KAFKA_PASSWORD`, ...):
the settings given, or the process environment when none are. The brokers of `make run` and
of the tests authenticate with SASL/SCRAM-SHA-512 and authorise with ACLs, so each service runs
as its own Kafka user.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any, Literal

from faststream.security import (
    BaseSecurity,
    SASLPlaintext,
    SASLScram256,
    SASLScram512,
)
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"]


class KafkaConnectionSettings(BaseSettings):
    """The Kafka user of a process and how it talks to the brokers (`RMA_KAFKA_*`)."""

    model_config = SettingsConfigDict(env_prefix="RMA_", extra="ignore")

    kafka_username: str | None = None
    kafka_password: SecretStr | None = None
    kafka_sasl_mechanism: SaslMechanism = "SCRAM-SHA-512"
    # Unset: SASL_PLAINTEXT with a username, PLAINTEXT without; TLS when a CA file is given.
    kafka_security_protocol: SecurityProtocol | None = None
    # The CA that signed the brokers' certificates (TLS listeners in production).
    kafka_ssl_cafile: Path | None = None

    @property
    def kafka_protocol(self) -> SecurityProtocol:
        if self.kafka_security_protocol is not None:
            return self.kafka_security_protocol
        tls = self.kafka_ssl_cafile is not None
        if self.kafka_username is None:
            return "SSL" if tls else "PLAINTEXT"
        return "SASL_SSL" if tls else "SASL_PLAINTEXT"

    def kafka_ssl_context(self) -> ssl.SSLContext | None:
        if self.kafka_protocol not in ("SSL", "SASL_SSL"):
            return None
        cafile = str(self.kafka_ssl_cafile) if self.kafka_ssl_cafile is not None else None
        return ssl.create_default_context(cafile=cafile)

    def kafka_credentials(self) -> tuple[str, str]:
        if self.kafka_username is None or self.kafka_password is None:
            raise ValueError(
                f"Kafka {self.kafka_protocol} needs RMA_KAFKA_USERNAME and RMA_KAFKA_PASSWORD"
            )
        return self.kafka_username, self.kafka_password.get_secret_value()


def client_options(
    bootstrap_servers: str, connection: KafkaConnectionSettings | None = None
) -> dict[str, Any]:
    """Keyword arguments for AIOKafkaProducer, AIOKafkaConsumer and AIOKafkaAdminClient."""
    connection = connection or KafkaConnectionSettings()
    options: dict[str, Any] = {
        "bootstrap_servers": bootstrap_servers,
        "security_protocol": connection.kafka_protocol,
    }
    if (context := connection.kafka_ssl_context()) is not None:
        options["ssl_context"] = context
    if connection.kafka_protocol.startswith("SASL_"):
        username, password = connection.kafka_credentials()
        options |= {
            "sasl_mechanism": connection.kafka_sasl_mechanism,
            "sasl_plain_username": username,
            "sasl_plain_password": password,
        }
    return options


def broker_security(connection: KafkaConnectionSettings | None = None) -> BaseSecurity | None:
    """The `security=` of a FastStream KafkaBroker, from the same settings as `client_options`."""
    connection = connection or KafkaConnectionSettings()
    protocol, context = connection.kafka_protocol, connection.kafka_ssl_context()
    use_ssl = protocol.endswith("SSL")
    if not protocol.startswith("SASL_"):
        return BaseSecurity(ssl_context=context, use_ssl=True) if use_ssl else None
    username, password = connection.kafka_credentials()
    kind = {"SCRAM-SHA-512": SASLScram512, "SCRAM-SHA-256": SASLScram256}.get(
        connection.kafka_sasl_mechanism, SASLPlaintext
    )
    return kind(username, password, ssl_context=context, use_ssl=use_ssl)
