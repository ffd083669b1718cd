"""The claims unit of work in memory: what PostgreSQL keeps, as dicts, for tests of the service
layer that run in milliseconds. The contract tests (tests/support/claims_contract.py) hold it to
the PostgreSQL implementation.

A unit of work works on a copy of the committed state (shared/unit_of_work.py): the row locks
of PostgreSQL have nothing to guard here.
"""

from __future__ import annotations

import copy
import statistics
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from services.claims.domain.claim import Claim
from services.claims.domain.deadlines import ClaimDeadlineFacts
from services.claims.domain.finance import Movement
from services.claims.domain.parts import ParcelRecord
from services.claims.domain.shipment import ChecklistItem, Shipment
from services.claims.unit_of_work import (
    AttachmentFile,
    AttachmentInfo,
    ClaimListing,
    CustomerContact,
    DailyCount,
    DecisionTime,
    FilingRecords,
    OwnedDocument,
    SalesDocument,
    SerialFacts,
    StoredParcel,
)
from shared.calendar import polish_date, start_of_polish_day
from shared.claims_vocabulary import ENDED_STATUSES
from shared.events import (
    AccountContactChangedData,
    AccountType,
    Deadline,
    DocumentLinkedData,
    SaleRecordedData,
)
from shared.unit_of_work import MemoryOutboxDatabase, MemoryOutboxUnitOfWork, OutboxState

ENDED = sorted(ENDED_STATUSES)


@dataclass
class _Owner:
    account_id: UUID
    email: str
    language: Any
    account_type: Any = "private"


@dataclass
class _Parcel:
    stored: StoredParcel
    resolved: bool = False


@dataclass
class MemoryState(OutboxState):
    claims: dict[UUID, Claim] = field(default_factory=dict)
    updated_at: dict[UUID, datetime] = field(default_factory=dict)
    assessments: dict[UUID, dict[str, Any]] = field(default_factory=dict)
    attachments: dict[UUID, list[tuple[AttachmentInfo, bytes]]] = field(default_factory=dict)
    parcels: dict[UUID, _Parcel] = field(default_factory=dict)
    sales: dict[tuple[str, str], SalesDocument] = field(default_factory=dict)
    owners: dict[tuple[str, str], _Owner] = field(default_factory=dict)
    contacts: dict[UUID, CustomerContact] = field(default_factory=dict)
    problems: dict[str, list[str]] = field(default_factory=dict)
    registrations: dict[str, date] = field(default_factory=dict)
    digests: set[date] = field(default_factory=set)
    sequences: dict[int, int] = field(default_factory=dict)
    timeline_ids: int = 0
    shipments: dict[UUID, Shipment] = field(default_factory=dict)
    shipment_sequences: dict[int, int] = field(default_factory=dict)

    def snapshot(self) -> MemoryState:
        """A copy a unit of work may change without touching this one. Stored values are never
        changed in place (a change stores a new value), so copying the containers is enough:
        deep-copying every claim and event for each unit of work grew with the state."""
        return MemoryState(
            claims=dict(self.claims),
            updated_at=dict(self.updated_at),
            assessments=dict(self.assessments),
            attachments={key: list(files) for key, files in self.attachments.items()},
            parcels=dict(self.parcels),
            sales=dict(self.sales),
            owners=dict(self.owners),
            contacts=dict(self.contacts),
            problems=dict(self.problems),
            registrations=dict(self.registrations),
            digests=set(self.digests),
            sequences=dict(self.sequences),
            outbox=list(self.outbox),
            made_by_request=dict(self.made_by_request),
            timeline_ids=self.timeline_ids,
            shipments=dict(self.shipments),
            shipment_sequences=dict(self.shipment_sequences),
        )


class MemoryDatabase(MemoryOutboxDatabase[MemoryState]):
    """The committed state every unit of work starts from; `clock` stamps what PostgreSQL's
    `now()` would."""

    def __init__(self, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        super().__init__(MemoryState())
        self.clock = clock

    def unit_of_work(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self)


class MemoryUnitOfWork(MemoryOutboxUnitOfWork[MemoryState]):
    database: MemoryDatabase

    def _copy_of(self, state: MemoryState) -> MemoryState:
        return state.snapshot()

    def _open(self, work: MemoryState) -> None:
        self.claims = MemoryClaims(work, self.database.clock)
        self.parcels = MemoryParcels(work)
        self.sales = MemorySalesLedger(work)
        self.listings = MemoryListings(work)
        self.shipments = MemoryShipments(work)


def _same(a: str | None, b: str) -> bool:
    return a is not None and a.upper() == b.upper()


class MemoryClaims:
    def __init__(self, state: MemoryState, clock: Callable[[], datetime]) -> None:
        self.state = state
        self.clock = clock

    def _loaded(self, claim: Claim | None) -> Claim | None:
        if claim is None:
            return None
        loaded = copy.deepcopy(claim)
        assessment = self.state.assessments.get(claim.claim_id)
        loaded.covered = assessment.get("covered") if assessment else None
        return loaded

    def _first(self, found: Iterable[Claim], newest_by: Callable[[Claim], Any]) -> Claim | None:
        return self._loaded(max(found, key=newest_by, default=None))

    async def get(self, claim_id: UUID, *, lock: bool = False) -> Claim | None:
        return self._loaded(self.state.claims.get(claim_id))

    async def by_rma_number(self, rma_number: str) -> Claim | None:
        found = (c for c in self.state.claims.values() if _same(c.rma_number, rma_number))
        return self._loaded(next(found, None))

    async def by_inbound_tracking(self, tracking_number: str) -> Claim | None:
        found = (
            c
            for c in self.state.claims.values()
            if c.status == "submitted" and _same(c.tracking_number, tracking_number)
        )
        return self._first(found, lambda c: c.created_at)

    async def by_outbound_tracking(self, tracking_number: str) -> Claim | None:
        found = (
            c
            for c in self.state.claims.values()
            if c.status == "shipped_back"
            and c.outbound is not None
            and _same(c.outbound.tracking_number, tracking_number)
        )
        return self._first(found, lambda c: self.state.updated_at[c.claim_id])

    async def add(self, claim: Claim) -> None:
        await self.save(claim)

    async def save(self, claim: Claim) -> None:
        """What PostgreSQL would load back: timeline entries numbered, the parts it does not
        hold yet stored apart (files without their bytes in the claim, parcels without their
        findings), the assessment's deadlines kept."""
        stored = copy.deepcopy(claim)
        for index, entry in enumerate(stored.timeline):
            if entry.entry_id is None:
                self.state.timeline_ids += 1
                stored.timeline[index] = replace(entry, entry_id=self.state.timeline_ids)
        now = self.clock()
        files = self.state.attachments.setdefault(claim.claim_id, [])
        for attachment in stored.attachments:
            if any(info.attachment_id == attachment.attachment_id for info, _ in files):
                continue
            assert attachment.content is not None, "a new file comes with its content"
            info = AttachmentInfo(
                attachment.attachment_id,
                attachment.purpose,
                attachment.filename[:200] or "plik",
                attachment.content_type,
                len(attachment.content),
                now,
            )
            files.append((info, attachment.content))
        for parcel in stored.parcels:
            if parcel.parcel_id in self.state.parcels:
                continue  # stored already (identified from the unidentified queue, or before)
            self.state.parcels[parcel.parcel_id] = _Parcel(
                StoredParcel(
                    parcel.parcel_id,
                    claim.claim_id,
                    claim.rma_number,
                    parcel.tracking_number,
                    parcel.scanned_by,
                    parcel.received_at,
                    parcel.attention,
                )
            )
        stored.attachments = [
            replace(a, content=None, filename=a.filename[:200] or "plik")
            for a in stored.attachments
        ]
        stored.parcels = [replace(p, intake=None) for p in stored.parcels]
        stored.covered = None  # read from the assessment, as PostgreSQL does
        self.state.claims[claim.claim_id] = stored
        self.state.updated_at[claim.claim_id] = now

    async def next_rma_sequence(self, year: int) -> int:
        self.state.sequences[year] = self.state.sequences.get(year, 0) + 1
        return self.state.sequences[year]

    async def open_claim_for_serial(self, serial_number: str) -> str | None:
        found = sorted(
            (
                c
                for c in self.state.claims.values()
                if _same(c.serial_number, serial_number) and c.status not in ENDED
            ),
            key=lambda c: c.created_at,
        )
        return found[0].rma_number if found else None

    async def serial_facts(
        self, serial_number: str, year: int, problem_code: str | None = None
    ) -> SerialFacts:
        return SerialFacts(
            await self.open_claim_for_serial(serial_number),
            await self.next_rma_sequence(year),
            await self.settled_defect(serial_number, problem_code) if problem_code else None,
        )

    async def returns_filed(self, account_id: UUID, since: datetime, until: datetime) -> int:
        return sum(
            1
            for c in self.state.claims.values()
            if c.account_id == account_id
            and c.claim_type == "return"
            and c.status != "cancelled"
            and since < c.created_at <= until
        )

    async def settled_defect(self, serial_number: str, problem_code: str) -> str | None:
        settled = sorted(
            (
                c
                for c in self.state.claims.values()
                if _same(c.serial_number, serial_number)
                and c.problem_code == problem_code
                and c.decision is not None
                and c.decision.kind == "price_reduction"
                and c.decision.customer_response == "accepted"
            ),
            key=lambda c: c.created_at,
        )
        return settled[0].rma_number if settled else None

    async def first_digest_of(self, day: date) -> bool:
        first = day not in self.state.digests
        self.state.digests.add(day)
        return first

    async def store_assessment(self, claim_id: UUID, assessment: dict[str, Any]) -> None:
        claim = self.state.claims.get(claim_id)
        if claim is None:
            return  # as an UPDATE of no row
        self.state.assessments[claim_id] = copy.deepcopy(assessment)
        claim = copy.deepcopy(claim)
        claim.deadlines = tuple(
            Deadline.model_validate(d) for d in assessment.get("deadlines") or ()
        )
        self.state.claims[claim_id] = claim
        self.state.updated_at[claim_id] = self.clock()

    async def assessment(self, claim_id: UUID) -> dict[str, Any] | None:
        return copy.deepcopy(self.state.assessments.get(claim_id))

    async def change_email(self, account_id: UUID, email: str) -> None:
        for claim_id, claim in list(self.state.claims.items()):
            if claim.account_id == account_id:
                changed = copy.copy(claim)
                changed.email = email
                self.state.claims[claim_id] = changed

    async def attachments(self, claim_id: UUID) -> list[AttachmentInfo]:
        found = [info for info, _ in self.state.attachments.get(claim_id, [])]
        return sorted(found, key=lambda a: (a.created_at, str(a.attachment_id)))

    async def attachment_file(self, claim_id: UUID, attachment_id: UUID) -> AttachmentFile | None:
        for info, content in self.state.attachments.get(claim_id, []):
            if info.attachment_id == attachment_id:
                return AttachmentFile(info.filename, info.content_type, content)
        return None


class MemoryParcels:
    def __init__(self, state: MemoryState) -> None:
        self.state = state

    async def get(self, parcel_id: UUID) -> StoredParcel | None:
        parcel = self.state.parcels.get(parcel_id)
        return parcel.stored if parcel else None

    async def by_tracking(self, tracking_number: str) -> StoredParcel | None:
        found = (
            p.stored
            for p in self.state.parcels.values()
            if _same(p.stored.tracking_number, tracking_number)
        )
        return next(found, None)

    async def add_unidentified(self, parcel: ParcelRecord, rma_number: str | None) -> None:
        self.state.parcels[parcel.parcel_id] = _Parcel(
            StoredParcel(
                parcel.parcel_id,
                None,
                rma_number,
                parcel.tracking_number,
                parcel.scanned_by,
                parcel.received_at,
            )
        )

    async def unidentified(self, parcel_id: UUID) -> StoredParcel | None:
        parcel = self.state.parcels.get(parcel_id)
        return parcel.stored if parcel and parcel.stored.claim_id is None else None

    async def assign(self, parcel_id: UUID, claim_id: UUID, operator: str) -> None:
        parcel = self.state.parcels[parcel_id]
        self.state.parcels[parcel_id] = replace(
            parcel, stored=replace(parcel.stored, claim_id=claim_id)
        )

    async def needing_operator(self) -> list[StoredParcel]:
        waiting = [
            p.stored
            for p in self.state.parcels.values()
            if p.stored.claim_id is None or (p.stored.attention is not None and not p.resolved)
        ]
        return sorted(waiting, key=lambda p: p.received_at)[:500]

    async def resolve_attention(self, parcel_id: UUID, operator: str) -> bool:
        parcel = self.state.parcels.get(parcel_id)
        if parcel is None or parcel.stored.attention is None or parcel.resolved:
            return False
        self.state.parcels[parcel_id] = replace(parcel, resolved=True)
        return True

    async def attention_open_for(self, claim_id: UUID) -> bool:
        return any(
            p.stored.claim_id == claim_id and p.stored.attention is not None and not p.resolved
            for p in self.state.parcels.values()
        )


class MemorySalesLedger:
    def __init__(self, state: MemoryState) -> None:
        self.state = state

    async def record_sale(self, sale: SaleRecordedData) -> None:
        number = sale.document_number.upper()
        self.state.sales[(sale.document_type, number)] = SalesDocument(
            sale.document_type,
            number,
            sale.issued_on,
            sale.delivered_on,
            sale.buyer.type,
            sale.total,
            sale.buyer.name,
            tuple(sale.lines),
        )

    async def record_owner(self, link: DocumentLinkedData) -> None:
        key = (link.document_type, link.document_number)
        self.state.owners[key] = _Owner(
            link.account_id, str(link.email), link.language, link.account_type
        )

    async def change_owner_email(self, account_id: UUID, email: str) -> None:
        for key, owner in list(self.state.owners.items()):
            if owner.account_id == account_id:
                self.state.owners[key] = replace(owner, email=email)

    async def record_contact(self, contact: AccountContactChangedData) -> None:
        self.state.contacts[contact.account_id] = CustomerContact(
            contact.account_id,
            contact.full_name,
            str(contact.email),
            contact.phone,
            contact.address,
        )

    async def record_problems(self, ean: str, problems: list[str]) -> None:
        self.state.problems[ean] = list(problems)

    async def owned_document(
        self, account_id: UUID, document_type: str, document_number: str
    ) -> OwnedDocument | None:
        key = (document_type, document_number)
        owner, document = self.state.owners.get(key), self.state.sales.get(key)
        if owner is None or document is None or owner.account_id != account_id:
            return None
        return OwnedDocument(document, account_id, owner.email, owner.language)

    async def document(self, document_type: str, document_number: str) -> SalesDocument | None:
        return self.state.sales.get((document_type, document_number))

    async def filing_records(
        self, account_id: UUID, document_type: str, document_number: str, serial: str | None
    ) -> FilingRecords | None:
        owned = await self.owned_document(account_id, document_type, document_number)
        if owned is None:
            return None
        eans = {line.ean for line in owned.document.lines}
        return FilingRecords(
            owned=owned,
            contact=await self.contact(account_id),
            problems_by_ean={
                ean: list(found) for ean, found in self.state.problems.items() if ean in eans
            },
            registered_on=await self.registered_on(serial) if serial else None,
        )

    async def contact(self, account_id: UUID) -> CustomerContact | None:
        return self.state.contacts.get(account_id)

    async def problems(self, ean: str) -> list[str]:
        return list(self.state.problems.get(ean, []))

    async def record_registration(self, serial_number: str, registered_on: date) -> None:
        known = self.state.registrations.get(serial_number.upper(), registered_on)
        self.state.registrations[serial_number.upper()] = min(known, registered_on)

    async def registered_on(self, serial_number: str) -> date | None:
        return self.state.registrations.get(serial_number.upper())

    async def serial_sold(self, serial_number: str) -> bool:
        return any(
            serial_number in line.serial_numbers
            for document in self.state.sales.values()
            for line in document.lines
        )


_start_of, _day = start_of_polish_day, polish_date


class MemoryListings:
    def __init__(self, state: MemoryState) -> None:
        self.state = state

    async def money_movements(self, since: datetime, until: datetime) -> list[Movement]:
        moved: list[Movement] = []
        for claim in self.state.claims.values():
            refund, decision = claim.refund, claim.decision
            if refund is not None and since <= refund.refunded_at < until:
                decided = decision.amount if decision else None
                moved.append(
                    Movement(
                        refund.refunded_at, claim.claim_id, claim.rma_number, "refund",
                        refund.method, refund.amount, decided, refund.difference_reason,
                    )
                )  # fmt: skip
            for charge in claim.charges:
                settled = charge.settled_at
                if charge.state == "paid" and settled is not None and since <= settled < until:
                    moved.append(
                        Movement(
                            settled, claim.claim_id, claim.rma_number, "charge", charge.kind,
                            charge.amount,
                        )
                    )  # fmt: skip
        return moved

    def _listing(self, claim: Claim) -> ClaimListing:
        return ClaimListing(
            claim_id=claim.claim_id,
            rma_number=claim.rma_number,
            status=claim.status,
            claim_type=claim.claim_type,
            product=claim.product,
            serial_number=claim.serial_number,
            customer_reference=claim.customer_reference,
            created_at=claim.created_at,
            deadlines=claim.deadlines,
            serial_mismatch=claim.serial_mismatch,
            deadline_facts=self._facts(claim),
        )

    @staticmethod
    def _facts(claim: Claim) -> ClaimDeadlineFacts:
        return ClaimDeadlineFacts(
            status=claim.status,
            deadlines=claim.deadlines,
            pauses=list(claim.pauses),
            decided_at=claim.decision.decided_at if claim.decision else None,
            shipped_at=claim.outbound.shipped_at if claim.outbound else None,
            refunded_at=claim.refund.refunded_at if claim.refund else None,
        )

    async def search(self, account_id: UUID, query: str) -> list[ClaimListing]:
        pattern = query.strip().upper()
        found = [
            c
            for c in self.state.claims.values()
            if c.account_id == account_id
            and (
                not pattern
                or any(_same(v, pattern) for v in (c.rma_number, c.serial_number))
                or _same(c.customer_reference, pattern)
            )
        ]
        found.sort(key=lambda c: c.created_at, reverse=True)
        return [self._listing(c) for c in found[:200]]

    async def by_status(
        self, statuses: list[str] | None, limit: int, oldest_first: bool
    ) -> list[ClaimListing]:
        found = [c for c in self.state.claims.values() if statuses is None or c.status in statuses]
        found.sort(key=lambda c: c.created_at, reverse=not oldest_first)
        return [self._listing(c) for c in found[:limit]]

    async def count_by_status(self) -> dict[str, int]:
        return dict(Counter(c.status for c in self.state.claims.values()))

    async def daily_counts(self, since: date, until: date) -> list[DailyCount]:
        filed: Counter[tuple[date, str, str]] = Counter()
        closed: Counter[tuple[date, str, str]] = Counter()
        for claim in self.state.claims.values():
            if since <= _day(claim.created_at) <= until:
                filed[(_day(claim.created_at), claim.claim_type, claim.status)] += 1
            for ended in ENDED:
                times = [e.at for e in claim.timeline if e.status == ended]
                if times and since <= _day(min(times)) <= until:
                    closed[(_day(min(times)), claim.claim_type, ended)] += 1
        return [
            DailyCount(day, claim_type, status, filed[key], closed[key])
            for key in sorted(set(filed) | set(closed))
            for day, claim_type, status in [key]
        ]

    async def decision_times(self, since: date, until: date) -> list[DecisionTime]:
        days: dict[str, list[float]] = {}
        for claim in self.state.claims.values():
            received = [e.at for e in claim.timeline if e.status == "received"]
            decided = [e.at for e in claim.timeline if e.status == "decided"]
            if received and decided and since <= _day(min(decided)) <= until:
                took = (min(decided) - min(received)) / timedelta(days=1)
                days.setdefault(claim.claim_type, []).append(took)
        if not days:
            return []
        every = [d for values in days.values() for d in values]
        rows = [DecisionTime(None, len(every), round(statistics.median(every), 2))]
        rows += [
            DecisionTime(claim_type, len(values), round(statistics.median(values), 2))
            for claim_type, values in sorted(days.items())
        ]
        return rows

    async def deadline_facts(self, since: date) -> list[ClaimDeadlineFacts]:
        return [
            self._facts(claim)
            for claim in self.state.claims.values()
            if claim.deadlines
            and claim.status != "cancelled"
            and (
                claim.status != "closed"
                or self.state.updated_at[claim.claim_id] >= _start_of(since)
            )
        ]


class MemoryShipments:
    def __init__(self, state: MemoryState) -> None:
        self.state = state

    async def account_type(self, account_id: UUID) -> AccountType | None:
        found = (o for o in self.state.owners.values() if o.account_id == account_id)
        owner = next(found, None)
        return owner.account_type if owner is not None else None

    async def lock_serials(self, serial_numbers: list[str]) -> None:
        """Nothing to lock: a unit of work works on its own copy."""

    async def open_claims_of(self, serial_numbers: list[str]) -> dict[str, str]:
        wanted = {serial.upper() for serial in serial_numbers}
        found: dict[str, str] = {}
        for claim in sorted(self.state.claims.values(), key=lambda c: c.created_at):
            serial = (claim.serial_number or "").upper()
            if serial in wanted and serial not in found and claim.status not in ENDED:
                found[serial] = claim.rma_number
        return found

    async def registered_of(self, serial_numbers: list[str]) -> dict[str, date]:
        wanted = {serial.upper() for serial in serial_numbers}
        return {s: day for s, day in self.state.registrations.items() if s in wanted}

    async def next_shipment_sequence(self, year: int) -> int:
        value = self.state.shipment_sequences.get(year, 0) + 1
        self.state.shipment_sequences[year] = value
        return value

    async def add(self, shipment: Shipment) -> None:
        in_file_order = tuple(sorted(shipment.claims, key=lambda c: c.row_no))
        self.state.shipments[shipment.shipment_id] = replace(shipment, claims=in_file_order)

    async def get(self, shipment_id: UUID) -> Shipment | None:
        return self.state.shipments.get(shipment_id)

    async def by_number(self, shipment_number: str) -> Shipment | None:
        found = (s for s in self.state.shipments.values() if s.shipment_number == shipment_number)
        return next(found, None)

    async def checklist(self, shipment_id: UUID) -> list[ChecklistItem]:
        shipment = self.state.shipments.get(shipment_id)
        if shipment is None:
            return []
        items = []
        for shipped in sorted(shipment.claims, key=lambda c: c.row_no):
            claim = self.state.claims[shipped.claim_id]
            items.append(
                ChecklistItem(
                    claim_id=claim.claim_id,
                    rma_number=claim.rma_number,
                    row_no=shipped.row_no,
                    product_name=claim.product.name,
                    serial_number=claim.serial_number,
                    status=claim.status,
                    received_at=claim.received_at,
                )
            )
        return items
