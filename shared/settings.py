"""Settings common to every service, read from `RMA_*` environment variables."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from shared.kafka import KafkaConnectionSettings

Environment = Literal["development", "test", "production"]


class ServiceSettings(KafkaConnectionSettings):
    model_config = SettingsConfigDict(env_prefix="RMA_", extra="ignore")

    environment: Environment = "development"
    # Comma-separated; the Kafka user and its password: RMA_KAFKA_USERNAME, RMA_KAFKA_PASSWORD.
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    database_url: str = "postgresql://rma:rma@127.0.0.1:5433/rma"
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    log_format: Literal["json", "console"] = "json"
    log_level: str = "INFO"
    # Asymmetric keys: accounts signs tokens with the private key, everyone verifies offline.
    token_public_key_file: Path = Path(".run/dev/keys/token_public.pem")
    # Activation and reset links travel sealed for the notifications service only.
    seal_public_key_file: Path = Path(".run/dev/keys/seal_public.pem")
    # Bounded retries before a message goes to the dead-letter topic.
    consumer_max_attempts: int = 3
    # Kafka consumer group; the service's name unless a separate copy must read on its own.
    consumer_group: str | None = None
    # Kafka consumers per subscriber in this process, in one group: each is given whole
    # partitions and handles its messages one by one, so the order per partition (per aggregate)
    # holds while up to this many partitions are handled at once. More than the topic's
    # partitions only leaves consumers idle.
    consumer_partition_workers: int = Field(default=3, ge=1)
    # How long the broker holds a fetch that has not gathered `consumer_fetch_min_bytes`: how long
    # a thin stream's events are gathered before they come as one batch (the latency a hop may
    # add at a few events a second), and how often an idle consumer asks again. Measured at 10
    # claims/s (docs/performance.md): our four services' CPU per claim 0.0187 s at 500 ms,
    # 0.0157-0.0170 s at 1,000; a backlog is read at once either way. 5 s cut an idle service's
    # CPU further but made every consumer group's start and rebalance slower (two integration
    # modules with in-process services: 55 s at 500 ms, 93 s at 5 s).
    consumer_fetch_max_wait_ms: int = Field(default=1000, ge=1)
    # What a consumer's fetch asks the broker to gather before it answers, within the fetch
    # wait (shared/subscriptions.py, FetchGathering): at a few events a second their effects,
    # inbox queries and commits go in batches instead of one event each, for up to one fetch wait
    # of latency per hop; a backlog is read at once. 1 answers as soon as anything is there (the
    # tests' setting, deploy/scripts/test.sh, where every hop would otherwise wait).
    consumer_fetch_min_bytes: int = Field(default=64 * 1024, ge=1)
    # The longest a consumer's handled offsets wait before they are committed to Kafka: at a few
    # events a second each batch is one event, and a commit per event is a round trip to the
    # group coordinator and a write to __consumer_offsets. Effects never wait for it (they commit
    # with the batch); a crash or a rebalance replays at most this long's events, which the
    # inbox answers. 0 commits every batch at once.
    consumer_commit_interval_seconds: float = Field(default=1.0, ge=0)
    # How long the outbox relay, woken by a commit, waits for the commits that follow before it
    # publishes them in one round (a read, a send and a mark) instead of a round each: at 10
    # claims/s, claims' CPU per claim 9.5 -> 8.5-8.9 ms at 200 ms. 0 publishes at once (the
    # tests' setting, deploy/scripts/test.sh).
    outbox_linger_ms: int = Field(default=200, ge=0, le=5000)
    # Enough for every partition worker of every subscriber at once, the two listening
    # connections (outbox relay, mail sender) and the HTTP requests beside them.
    database_pool_size: int = Field(default=20, ge=2)
    # Topics this service creates when they are missing. One broker takes replication 1; a
    # three-node cluster takes 3 with min.insync.replicas 2, so acks=all survives one node down.
    topic_partitions: int = Field(default=3, ge=1)
    topic_replication_factor: int = Field(default=1, ge=1)
    topic_min_insync_replicas: int = Field(default=1, ge=1)
    # Base URL of an OpenTelemetry collector (OTLP over HTTP); no traces are exported without it.
    otlp_endpoint: str | None = None
    # Comma-separated addresses or networks whose X-Forwarded-For names the client (a reverse
    # proxy, the web panel). Unset: the same host outside production, nobody in production.
    trusted_proxies: str | None = None
    # The web panel's address as this service sees it. A service whose limits count clients by
    # address (accounts: logins, guesses, emails) refuses to start in production unless it is
    # set and trusted: otherwise every panel user would count as the panel's one address.
    web_panel_address: str | None = None
    counts_clients_by_address: ClassVar[bool] = False
    # How long a process keeps an account's last credential change it read (shared/auth.py,
    # NotBeforeCache): a token issued before a password or email change is refused here at most
    # this long after the change reached this service's database. 0: read it for every request.
    credential_check_cache_seconds: float = Field(default=5.0, ge=0, le=60)
    # Request bodies above this are refused (413) before they are read.
    max_request_bytes: int = Field(default=1024 * 1024, ge=1024)

    @property
    def forwarded_allow_ips(self) -> str:
        if self.trusted_proxies is not None:
            return self.trusted_proxies
        return "" if self.environment == "production" else "127.0.0.1,::1"

    def trusts(self, address: str) -> bool:
        """Whether X-Forwarded-For from `address` is believed (RMA_TRUSTED_PROXIES)."""
        for entry in (part.strip() for part in self.forwarded_allow_ips.split(",")):
            if entry == "*":
                return True
            try:
                if ipaddress.ip_address(address) in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                continue  # a host name or a socket path: never the panel's address
        return False

    @model_validator(mode="after")
    def _refuse_an_untrusted_web_panel_in_production(self) -> ServiceSettings:
        if self.environment == "production" and self.counts_clients_by_address:
            if not self.web_panel_address:
                raise ValueError(
                    "RMA_WEB_PANEL_ADDRESS must be set in production: the web panel forwards "
                    "its users' addresses, and the limits count clients by address"
                )
            if not self.trusts(self.web_panel_address):
                raise ValueError(
                    f"the web panel's address {self.web_panel_address} is not in "
                    "RMA_TRUSTED_PROXIES: every panel user would count as one client"
                )
        return self

    @model_validator(mode="after")
    def _refuse_development_defaults_in_production(self) -> ServiceSettings:
        if self.environment == "production":
            for name in ("database_url",):
                if getattr(self, name) == type(self).model_fields[name].default:
                    raise ValueError(f"RMA_{name.upper()} must be set in production")
            for path in (self.token_public_key_file, self.seal_public_key_file):
                if ".run/dev" in str(path):
                    raise ValueError(f"key file {path} is a development key; set a real one")
        return self
