from __future__ import annotations

from pydantic import Field

from shared.http import MAX_UPLOAD_REQUEST_BYTES
from shared.settings import ServiceSettings


class ClaimsSettings(ServiceSettings):
    http_port: int = 8002
    max_request_bytes: int = MAX_UPLOAD_REQUEST_BYTES
    # How often the deadline rules run (deemed acceptance, expired offers, the delay notice,
    # the service desk's daily list); 0 turns the scheduler off in this instance.
    deadline_scan_seconds: float = 300.0
    # Claims consumes little (the sales ledger, accounts' changes, one verdict per claim), so
    # each of its three subscribers runs one Kafka consumer, which takes every partition of its
    # topic in order, where three would mostly idle: each idle consumer fetches every 500 ms
    # and heartbeats (claims idle: 14.5 ms of CPU a second with 9 consumers, 9.5 with 3).
    consumer_partition_workers: int = Field(default=1, ge=1)
