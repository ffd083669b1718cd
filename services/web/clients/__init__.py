"""Typed clients of the platform's four APIs, one per service, built once per process."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from services.web.clients.accounts import AccountsApi
from services.web.clients.base import ApiError, Caller, FieldError, Unauthorized
from services.web.clients.claims import ClaimsApi
from services.web.clients.notifications import NotificationsApi
from services.web.clients.shipments import ShipmentsApi
from services.web.clients.warranty import WarrantyApi

__all__ = ["ApiError", "Apis", "Caller", "FieldError", "Unauthorized"]


@dataclass(frozen=True)
class Apis:
    accounts: AccountsApi
    claims: ClaimsApi
    warranty: WarrantyApi
    notifications: NotificationsApi
    _clients: tuple[httpx.AsyncClient, ...]
    # The claims API's bulk claims and shipments (issue 25 §6).
    shipments: ShipmentsApi

    @classmethod
    def connect(
        cls,
        urls: dict[str, str],
        timeout: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> Apis:
        """`transport` replaces the network (the unit tests' fake APIs)."""
        clients = {
            name: httpx.AsyncClient(
                base_url=url.rstrip("/"),
                timeout=timeout,
                transport=transport,
                headers={"User-Agent": "rma-web"},
            )
            for name, url in urls.items()
        }
        return cls(
            AccountsApi(clients["accounts"]),
            ClaimsApi(clients["claims"]),
            WarrantyApi(clients["warranty"]),
            NotificationsApi(clients["notifications"]),
            tuple(clients.values()),
            ShipmentsApi(clients["claims"]),
        )

    async def close(self) -> None:
        for client in self._clients:
            await client.aclose()
