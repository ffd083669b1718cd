"""The warranty API: the support period of a product by its EAN."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict

from services.web.clients.base import Caller, HttpApi


class SupportPeriod(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    ean: str
    name: str
    brand: str
    last_sold_on: date
    covered: bool
    support_until: date | None = None
    reason: str


class WarrantyApi(HttpApi):
    service = "warranty"

    async def support_period(self, caller: Caller, ean: str) -> SupportPeriod:
        return await self._call(
            SupportPeriod, "GET", f"/api/support-period/{quote(ean.strip(), safe='')}", caller
        )
