"""The claims API's bulk claims (issue 25 §6): a company's CSV previewed and filed as one
shipment, its label, and the warehouse's checklist of a scanned shipment label."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel

from services.web.clients.base import Caller, FileTuple, HttpApi
from services.web.clients.claims import passed_on_disposition


class RowVerdict(BaseModel):
    row_no: int
    accepted: bool
    claim_id: UUID | None = None
    rma_number: str | None = None
    code: str | None = None
    field: str | None = None
    message: str | None = None


class BulkPreview(BaseModel):
    accepted: int
    refused: int
    rows: list[RowVerdict]


class Shipment(BaseModel):
    shipment_id: UUID
    shipment_number: str
    created_at: datetime
    accepted: int
    refused: int
    rows: list[RowVerdict]
    message: str


class ChecklistItem(BaseModel):
    claim_id: UUID
    rma_number: str
    row_no: int
    product_name: str
    serial_number: str | None
    status: str
    received: bool
    received_at: datetime | None


class Checklist(BaseModel):
    shipment_id: UUID
    shipment_number: str
    received: int
    items: list[ChecklistItem]


class ShipmentsApi(HttpApi):
    service = "claims"

    async def preview(self, caller: Caller, csv_file: FileTuple) -> BulkPreview:
        return await self._call(
            BulkPreview, "POST", "/api/bulk-claims/preview", caller, files={"file": csv_file}
        )

    async def file(
        self,
        caller: Caller,
        csv_file: FileTuple,
        document: FileTuple | None,
        idempotency_key: str | None,
    ) -> Shipment:
        files = {"file": csv_file, **({"document": document} if document else {})}
        return await self._call(
            Shipment,
            "POST",
            "/api/bulk-claims",
            caller,
            files=files,
            idempotency_key=idempotency_key,
        )

    async def shipment(self, caller: Caller, shipment_id: UUID) -> Shipment:
        return await self._call(Shipment, "GET", f"/api/shipments/{shipment_id}", caller)

    async def label(self, caller: Caller, shipment_id: UUID) -> tuple[bytes, str]:
        """The shipment's label PDF and its Content-Disposition."""
        response = await self._send("GET", f"/api/shipments/{shipment_id}/label", caller)
        return response.content, passed_on_disposition(response)

    async def checklist(self, caller: Caller, code: str) -> Checklist:
        return await self._call(
            Checklist, "GET", "/api/scanner/shipments", caller, params={"code": code}
        )
