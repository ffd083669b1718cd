"""Service layer of claims filed in bulk (issue 25 §6): a company's CSV checked row by row by
the rules of a single claim, shown as verdicts before anything is filed (a dry run that commits
nothing), then filed: every accepted row a claim, all of them one shipment with one label, in
one transaction with their events. A refused row is left out with its reason and never stops
the others; a file that cannot be read, or a sales document that is no PDF/JPEG/PNG, is refused
whole and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, cast
from uuid import UUID, uuid4

from services.claims.domain import bulk, form
from services.claims.domain.claim import Claim
from services.claims.domain.filing import (
    ClaimForm,
    FilingFacts,
    Upload,
    check_filing_but_the_file,
)
from services.claims.domain.parts import Act
from services.claims.domain.refusals import Refusal
from services.claims.domain.shipment import (
    SHIPMENT_NOT_FOUND,
    ChecklistItem,
    RefusedRow,
    Shipment,
    check_company,
    in_shipment,
)
from services.claims.handlers import (
    ClaimsContext,
    _filing_facts,
    next_rma_number,
)
from services.claims.unit_of_work import (
    ClaimRepository,
    ClaimsUnitOfWork,
    FilingRecords,
    SalesLedger,
)
from shared.events import ClaimCreated, Event
from shared.idempotency import IdempotentRequest
from shared.logging import get_logger
from shared.shipments import format_shipment_number, shipment_number_of

log = get_logger(__name__)


@dataclass(frozen=True)
class RowVerdict:
    """One row of the file: accepted (in a dry run: would be filed) or refused with its
    reason; a filed row has its claim and RMA number."""

    row_no: int
    refused: RefusedRow | None = None
    claim_id: UUID | None = None
    rma_number: str | None = None


def _claim_form(row: bulk.BulkRow, account_id: UUID, document: Upload) -> ClaimForm:
    """A row as the single claim form would have it; the return address is the account's."""
    return ClaimForm(
        account_id=account_id,
        document_type=row.document_type,
        document_number=row.document_number,
        line_no=row.line_no,
        claim_type=row.claim_type,
        problem_description=row.problem_description,
        package_contents=row.package_contents,
        attachment=document,
        serial_number=row.serial_number,
        problem_code=row.problem_code,
    )


def _act(ctx: ClaimsContext, account_id: UUID, correlation_id: UUID) -> Act:
    return Act("customer", f"customer:{account_id}", ctx.clock(), correlation_id)


def _unreadable(file: bulk.BulkFile) -> list[RowVerdict]:
    return [RowVerdict(r.row_no, RefusedRow.of(r.row_no, r.refusal)) for r in file.unreadable]


def _serials(file: bulk.BulkFile) -> list[str]:
    return [serial for row in file.rows if (serial := form.claimed_serial(row.serial_number))]


def _in_file_order(verdicts: list[RowVerdict]) -> list[RowVerdict]:
    return sorted(verdicts, key=lambda verdict: verdict.row_no)


@dataclass
class _ReadAtOnce:
    """What a bulk filing reads for all its rows' serials in one go, once it holds their locks:
    their open claims and registrations (upper-case serial keys)."""

    open_claims: dict[str, str] = field(default_factory=dict)
    registered: dict[str, date] = field(default_factory=dict)


class _OneReadLedger:
    """The sales ledger as one bulk filing reads it: every row of a reseller's file asks for
    the same invoice, the account's address and the products' problem lists, which do not
    change within the filing's transaction, so they are read once (`filing_records`; 500 rows:
    499 reads fewer), and the rows' registrations come from one read. The rest is the ledger's
    own."""

    def __init__(self, ledger: SalesLedger, at_once: _ReadAtOnce) -> None:
        self._ledger = ledger
        self._at_once = at_once
        self._records: dict[tuple[UUID, str, str], FilingRecords | None] = {}

    async def filing_records(
        self, account_id: UUID, document_type: str, document_number: str, serial: str | None
    ) -> FilingRecords | None:
        key = (account_id, document_type, document_number)
        if key not in self._records:
            self._records[key] = await self._ledger.filing_records(*key, None)
        records = self._records[key]
        if records is None:
            return None
        registered = self._at_once.registered.get(serial.upper()) if serial else None
        return replace(records, registered_on=registered)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ledger, name)


class _OneReadClaims:
    """The claims as one bulk filing reads them: the rows' open claims from one read (the
    serials' locks are held: nothing else files for them meanwhile, and the file names each
    serial once). The rest is the repository's own."""

    def __init__(self, claims: ClaimRepository, at_once: _ReadAtOnce) -> None:
        self._claims = claims
        self._at_once = at_once

    async def open_claim_for_serial(self, serial_number: str) -> str | None:
        return self._at_once.open_claims.get(serial_number.upper())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._claims, name)


class _FilingUnitOfWork:
    """The filing's unit of work, read once per question (`_OneReadLedger`, `_OneReadClaims`)."""

    def __init__(self, uow: ClaimsUnitOfWork, at_once: _ReadAtOnce) -> None:
        self._uow = uow
        self.sales = cast(SalesLedger, _OneReadLedger(uow.sales, at_once))
        self.claims = cast(ClaimRepository, _OneReadClaims(uow.claims, at_once))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._uow, name)


async def _reading_once(uow: ClaimsUnitOfWork, file: bulk.BulkFile) -> ClaimsUnitOfWork:
    """The unit of work a filing's rows are checked in: every row's serial locked first, in one
    order, before any RMA number is taken (a single claim locks its serial, then numbers: no
    cycle), then their open claims and registrations read at once."""
    serials = _serials(file)
    await uow.shipments.lock_serials(serials)
    at_once = _ReadAtOnce(
        await uow.shipments.open_claims_of(serials), await uow.shipments.registered_of(serials)
    )
    return cast(ClaimsUnitOfWork, _FilingUnitOfWork(uow, at_once))


# A dry run's rows need a file to pass as the form's; its own rule is checked at filing.
_NO_DOCUMENT_YET = Upload("", b"")


async def preview(
    ctx: ClaimsContext, account_id: UUID, content: bytes, correlation_id: UUID
) -> list[RowVerdict]:
    """Every row's verdict, as filing would give it now; nothing is stored or numbered."""
    file = bulk.read_bulk_csv(content)
    act = _act(ctx, account_id, correlation_id)
    verdicts = _unreadable(file)
    async with ctx.uow() as opened:  # left without a commit: rolled back
        check_company(await opened.shipments.account_type(account_id))
        uow = await _reading_once(opened, file)
        for row in file.rows:
            try:
                await _checked_facts(uow, _claim_form(row, account_id, _NO_DOCUMENT_YET), act)
            except Refusal as refusal:
                verdicts.append(RowVerdict(row.row_no, RefusedRow.of(row.row_no, refusal)))
                continue
            verdicts.append(RowVerdict(row.row_no))
    return _in_file_order(verdicts)


async def _checked_facts(uow: ClaimsUnitOfWork, claim_form: ClaimForm, act: Act) -> FilingFacts:
    """A row's filing facts once it passes every rule but the file's (the preview's verdict,
    and filing's before it takes an RMA number)."""
    facts = await _filing_facts(uow, claim_form, act, numbered=False)
    check_filing_but_the_file(claim_form, facts, act)
    return facts


async def _file_row(
    uow: ClaimsUnitOfWork, claim_form: ClaimForm, act: Act, shipment_number: str
) -> tuple[Claim, list[Event]]:
    """One row filed as a single claim is (`Claim.file`); the RMA number is taken only once
    the row passes, so a refused row leaves no gap in the numbers."""
    facts = await _checked_facts(uow, claim_form, act)
    facts = replace(facts, rma_number=await next_rma_number(uow, act))
    claim, events = Claim.file(claim_form, facts, act)
    return claim, [
        in_shipment(e, shipment_number) if isinstance(e, ClaimCreated) else e for e in events
    ]


async def file_shipment(
    ctx: ClaimsContext,
    account_id: UUID,
    content: bytes,
    document: Upload,
    correlation_id: UUID,
    request: IdempotentRequest | None = None,
) -> Shipment:
    """The accepted rows filed as claims of one shipment, with their events and the
    Idempotency-Key's record, in one commit; the refused rows kept with their reasons."""
    file = bulk.read_bulk_csv(content)
    form.attachment_type(document.content)  # the one sales document of every claim
    act = _act(ctx, account_id, correlation_id)
    async with ctx.uow() as opened:
        check_company(await opened.shipments.account_type(account_id))
        uow = await _reading_once(opened, file)
        year = act.day.year
        number = format_shipment_number(await uow.shipments.next_shipment_sequence(year), year)
        refused = [verdict.refused for verdict in _unreadable(file) if verdict.refused]
        filed: list[ClaimCreated] = []
        rows_of_claims: dict[UUID, int] = {}
        for row in file.rows:
            try:
                claim, events = await _file_row(
                    uow, _claim_form(row, account_id, document), act, number
                )
            except Refusal as refusal:
                refused.append(RefusedRow.of(row.row_no, refusal))
                continue
            await uow.claims.add(claim)
            await uow.publish(*events)
            filed.extend(e for e in events if isinstance(e, ClaimCreated))
            rows_of_claims[claim.claim_id] = row.row_no
        shipment, announced = Shipment.file(uuid4(), number, filed, refused, rows_of_claims, act)
        await uow.shipments.add(shipment)
        await uow.publish(*announced)
        await uow.remember_request(request, shipment.shipment_id)
        await uow.commit()
    log.info(
        "shipment filed",
        shipment_id=str(shipment.shipment_id),
        shipment_number=shipment.shipment_number,
        claims=len(shipment.claims),
        refused_rows=len(shipment.refused),
    )
    return shipment


def verdicts_of(shipment: Shipment) -> list[RowVerdict]:
    """A filed shipment's rows as verdicts: the same answer to its request and to a retry."""
    filed = [RowVerdict(c.row_no, None, c.claim_id, c.rma_number) for c in shipment.claims]
    refused = [RowVerdict(r.row_no, r) for r in shipment.refused]
    return _in_file_order(filed + refused)


async def own_shipment(ctx: ClaimsContext, shipment_id: UUID, account_id: UUID) -> Shipment:
    """A customer's own shipment; another's is "not found"."""
    async with ctx.uow() as uow:
        shipment = await uow.shipments.get(shipment_id)
    if shipment is None or shipment.account_id != account_id:
        raise SHIPMENT_NOT_FOUND
    return shipment


@dataclass(frozen=True)
class ShipmentChecklist:
    shipment: Shipment
    items: list[ChecklistItem]


async def checklist(ctx: ClaimsContext, code: str) -> ShipmentChecklist:
    """The scanned shipment label's claims, each received or not (the warehouse's checklist)."""
    number = shipment_number_of(code)
    async with ctx.uow() as uow:
        shipment = await uow.shipments.by_number(number) if number else None
        if shipment is None:
            raise SHIPMENT_NOT_FOUND
        items = await uow.shipments.checklist(shipment.shipment_id)
    return ShipmentChecklist(shipment, items)
