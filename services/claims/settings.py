from __future__ import annotations

from shared.http import MAX_UPLOAD_REQUEST_BYTES
from shared.settings import ServiceSettings


class ClaimsSettings(ServiceSettings):
    http_port: int = 8002
    max_request_bytes: int = MAX_UPLOAD_REQUEST_BYTES
    # How often the deadline rules run (deemed acceptance, expired offers, the delay notice,
    # the service desk's daily list); 0 turns the scheduler off in this instance.
    deadline_scan_seconds: float = 300.0
