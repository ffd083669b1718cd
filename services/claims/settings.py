from __future__ import annotations

from shared.settings import ServiceSettings


class ClaimsSettings(ServiceSettings):
    http_port: int = 8002
