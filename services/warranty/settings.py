from __future__ import annotations

from shared.settings import ServiceSettings


class WarrantySettings(ServiceSettings):
    http_port: int = 8003
