from __future__ import annotations

from shared.http import MAX_UPLOAD_REQUEST_BYTES
from shared.settings import ServiceSettings


class ClaimsSettings(ServiceSettings):
    http_port: int = 8002
    max_request_bytes: int = MAX_UPLOAD_REQUEST_BYTES
