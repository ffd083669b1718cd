"""The warranty API: the support period of a product by its EAN, the customer's units and their
scooter registrations, and one unit's passport."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from services.web.clients.base import Caller, HttpApi


class Answer(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class SupportPeriod(Answer):
    ean: str
    name: str
    brand: str
    last_sold_on: date
    covered: bool
    support_until: date | None = None
    reason: str


class RegistrationStanding(Answer):
    # not_needed | open | missed | registered_in_time | registered_late (the warranty service's)
    state: str
    deadline: date | None = None
    registered_on: date | None = None


class OwnedUnit(Answer):
    ean: str
    serial_number: str
    name: str
    brand: str
    document_type: str
    document_number: str
    purchased_on: date
    replaces_serial_number: str | None = None
    replaced_by_serial_number: str | None = None
    registration: RegistrationStanding


class ProductRegistration(Answer):
    ean: str
    serial_number: str
    purchased_on: date
    registered_on: date
    # None where registering changes nothing (a business purchase): the warranty service's.
    registration_deadline: date | None = None
    registered_in_time: bool


class PassportSale(Answer):
    document_type: str
    document_number: str
    issued_on: date
    delivered_on: date | None = None
    buyer_type: str
    activated_on: date | None = None
    of_serial_number: str


class PassportRegistration(Answer):
    registered_on: date
    purchased_on: date


class PassportReplacement(Answer):
    rma_number: str
    ean: str
    serial_number: str | None = None
    issued_on: date
    handed_back_on: date | None = None


class RepeatedDefect(Answer):
    claim_count: int
    same_problem_count: int
    problem: str
    message: str
    suggested_decisions: list[str] = Field(default_factory=list)
    remedy_reason: str | None = None


class PassportClaim(Answer):
    claim_id: UUID
    rma_number: str
    claim_type: str
    problem: str
    claimed_on: date
    status: str
    decision: str | None = None
    decided_on: date | None = None
    repeated_defect: RepeatedDefect | None = None


class PassportRepair(Answer):
    rma_number: str | None = None
    kind: str  # repair | substantial_repair | part_replaced
    replaced_part: str | None = None
    started_on: date
    handed_back_on: date | None = None
    days: int | None = None


class PassportVerdict(Answer):
    rule: str
    warranty_from: date
    counted_from: str
    warranty_until: date | None = None
    covered: bool
    reason: str


class PassportProduct(Answer):
    name: str
    brand: str


class Passport(Answer):
    ean: str
    serial_number: str
    product: PassportProduct | None = None
    sale: PassportSale | None = None
    registration: PassportRegistration | None = None
    replaces: PassportReplacement | None = None
    replaced_by: PassportReplacement | None = None
    claims: list[PassportClaim] = Field(default_factory=list)
    repairs: list[PassportRepair] = Field(default_factory=list)
    repeated_defect: RepeatedDefect | None = None
    verdict: PassportVerdict | None = None


def _segment(text: str) -> str:
    return quote(text.strip(), safe="")


class WarrantyApi(HttpApi):
    service = "warranty"

    async def support_period(self, caller: Caller, ean: str) -> SupportPeriod:
        return await self._call(
            SupportPeriod, "GET", f"/api/support-period/{_segment(ean)}", caller
        )

    async def my_units(self, caller: Caller) -> list[OwnedUnit]:
        return await self._call(list[OwnedUnit], "GET", "/api/me/units", caller)

    async def register(
        self, caller: Caller, ean: str, serial_number: str, idempotency_key: str | None
    ) -> ProductRegistration:
        return await self._call(
            ProductRegistration,
            "POST",
            "/api/registrations",
            caller,
            json={"ean": ean, "serial_number": serial_number},
            idempotency_key=idempotency_key,
        )

    async def passport(self, caller: Caller, ean: str, serial_number: str) -> Passport:
        path = f"/api/passport/{_segment(ean)}/{_segment(serial_number)}"
        return await self._call(Passport, "GET", path, caller)
