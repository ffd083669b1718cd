"""The notifications API: the emails the operators' dashboard watches."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, ConfigDict

from services.web.clients.base import Caller, HttpApi


class Email(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    email_id: UUID
    recipient: str
    subject: str
    status: str
    last_error: str | None = None
    rma_number: str | None = None


class NotificationsApi(HttpApi):
    service = "notifications"

    async def emails(self, caller: Caller, status: str, limit: int) -> list[Email]:
        return await self._call(
            list[Email],
            "GET",
            "/api/emails",
            caller,
            params={"status": status, "limit": str(limit)},
        )
