"""Loads and saves the Claim aggregate (claims row, decision, timeline, attachments, parcels)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg

from services.claims.adapters import repository
from services.claims.adapters.charges import CHARGE_COLUMNS, charge_of, save_changed_charges
from services.claims.adapters.evidence import EVIDENCE_COLUMNS, evidence_of, save_evidence
from services.claims.domain.charges import Charge
from services.claims.domain.claim import Claim
from services.claims.domain.deadlines import ClaimDeadlineFacts, Pause, PauseCause
from services.claims.domain.decisions import DeductionLine
from services.claims.domain.evidence import IntakeEvidence
from services.claims.domain.intake import Intake
from services.claims.domain.parts import (
    Decision,
    ManufacturerHandoff,
    NewAttachment,
    ParcelRecord,
    Refund,
    Replacement,
    Shipment,
    TimelineEntry,
)
from services.claims.unit_of_work import AttachmentFile, AttachmentInfo, SerialFacts
from shared.db import Conn, RecordColumns
from shared.events import ClaimedProduct, Deadline, PostalAddress

_SELECT = "SELECT * FROM claims"
# Without `deductions`, read beside the record: asyncpg decodes the jsonb codec's text only as a
# column of its own.
_DECISION_COLUMNS = RecordColumns(
    "decision, amount, rejection_reason, justification, customer_response, decided_by, "
    "decided_at, valid_until, exchange_product, substantial_repair, replaced_part, reduction_kind"
)
# A claim's parts beside its row, in one statement of records (an event or command that changes
# a claim waits for each round trip). A statement of its own after the row's: with the row's
# lock taken, it sees what the transaction that held the lock before committed.
_PARTS = f"""SELECT
    (SELECT ROW({_DECISION_COLUMNS.sql}) FROM decisions WHERE claim_id = $1) AS decision,
    (SELECT deductions FROM decisions WHERE claim_id = $1) AS deductions,
    array(SELECT ROW(id, status, actor, note, at) FROM claim_timeline
          WHERE claim_id = $1 ORDER BY id) AS timeline,
    array(SELECT ROW(attachment_id, purpose, filename, content_type) FROM claim_attachments
          WHERE claim_id = $1 ORDER BY created_at, attachment_id) AS files,
    array(SELECT ROW(parcel_id, tracking_number, scanned_by, received_at, attention) FROM parcels
          WHERE claim_id = $1 ORDER BY received_at, parcel_id) AS parcels,
    array(SELECT ROW({CHARGE_COLUMNS.sql}) FROM claim_charges
          WHERE claim_id = $1 ORDER BY added_at, charge_id) AS charges,
    (SELECT ROW({EVIDENCE_COLUMNS.sql}) FROM claim_intake_evidence WHERE claim_id = $1) AS evidence,
    (SELECT photos FROM claim_intake_evidence WHERE claim_id = $1) AS photos"""


class PostgresClaimRepository:
    """Claims in PostgreSQL (see `unit_of_work.ClaimRepository`); `lock` reads a claim FOR UPDATE
    within the transaction."""

    def __init__(self, conn: Conn) -> None:
        self.conn = conn
        # The decision of each claim as loaded (or last saved): a save writes it only when the
        # claim's differs. The aggregate keeps no flags of what changed.
        self._stored_decisions: dict[UUID, Decision | None] = {}
        # The files and parcels of each claim as loaded (or last saved): a save inserts the
        # others, the claim's new ones.
        self._stored_parts: dict[UUID, set[UUID]] = {}
        self._stored_charges: dict[UUID, dict[UUID, Charge]] = {}
        self._stored_evidence: dict[UUID, IntakeEvidence | None] = {}
        # The files' bytes this transaction stored, by hash, and the hashes of bytes objects
        # seen (each kept with its object, so an id is never taken for another's).
        self._stored_contents: set[str] = set()
        self._digests: dict[int, tuple[bytes, str]] = {}

    def _new_parts(self, claim: Claim) -> tuple[Any, ...]:
        """The claim's timeline entries and files not stored yet, as `_PARTS`' arrays (after
        the claim's id), marked as stored. A file's row names its bytes by their hash; the bytes
        go to the database once per transaction and are kept once however many claims attach
        them (ON CONFLICT: another claim stored them before)."""
        entries = [entry for entry in claim.timeline if entry.entry_id is None]
        stored = self._stored_parts.setdefault(claim.claim_id, set())
        files = [a for a in claim.attachments if a.attachment_id not in stored]
        sizes, digests, new_digests, new_contents = [], [], [], []
        for attachment in files:
            assert attachment.content is not None, "a new file comes with its content"
            stored.add(attachment.attachment_id)
            digest = self._digest(attachment.content)
            sizes.append(len(attachment.content))
            digests.append(digest)
            if digest not in self._stored_contents:
                self._stored_contents.add(digest)
                new_digests.append(digest)
                new_contents.append(attachment.content)
        return (
            [entry.status for entry in entries],
            [entry.actor for entry in entries],
            [entry.note for entry in entries],
            [entry.at for entry in entries],
            new_digests,
            new_contents,
            [a.attachment_id for a in files],
            [a.purpose for a in files],
            [a.filename[:200] or "plik" for a in files],
            [a.content_type for a in files],
            sizes,
            digests,
        )

    def _digest(self, content: bytes) -> str:
        """SHA-256 of the content, computed once for the same bytes object (a bulk filing
        attaches one document to each of its claims; hashing 10 MB 500 times costs seconds)."""
        known = self._digests.get(id(content))
        if known is None or known[0] is not content:
            known = (content, hashlib.sha256(content).hexdigest())
            self._digests[id(content)] = known
        return known[1]

    async def get(self, claim_id: UUID, *, lock: bool = False) -> Claim | None:
        suffix = " FOR UPDATE" if lock else ""
        row = await self.conn.fetchrow(f"{_SELECT} WHERE claim_id = $1{suffix}", claim_id)
        return await self._load(row)

    async def by_rma_number(self, rma_number: str) -> Claim | None:
        row = await self.conn.fetchrow(
            f"{_SELECT} WHERE upper(rma_number) = upper($1) FOR UPDATE", rma_number
        )
        return await self._load(row)

    async def by_inbound_tracking(self, tracking_number: str) -> Claim | None:
        """The claim whose customer announced this tracking number and still waits for it."""
        row = await self.conn.fetchrow(
            f"""{_SELECT} WHERE upper(tracking_number) = upper($1) AND status = 'submitted'
                ORDER BY created_at DESC LIMIT 1 FOR UPDATE""",
            tracking_number,
        )
        return await self._load(row)

    async def by_outbound_tracking(self, tracking_number: str) -> Claim | None:
        """The claim whose product went out with this tracking number (a parcel refused by the
        customer comes back with the service's own label)."""
        row = await self.conn.fetchrow(
            f"""{_SELECT} WHERE upper(outbound ->> 'tracking_number') = upper($1)
                AND status = 'shipped_back' ORDER BY updated_at DESC LIMIT 1 FOR UPDATE""",
            tracking_number,
        )
        return await self._load(row)

    async def next_rma_sequence(self, year: int) -> int:
        return await repository.next_rma_sequence(self.conn, year)

    async def open_claim_for_serial(self, serial_number: str) -> str | None:
        return await repository.open_claim_for_serial(self.conn, serial_number)

    async def serial_facts(
        self, serial_number: str, year: int, problem_code: str | None = None
    ) -> SerialFacts:
        row = await repository.serial_facts(self.conn, serial_number, year, problem_code)
        return SerialFacts(row["open_claim"], row["sequence"], row["settled_defect"])

    async def returns_filed(self, account_id: UUID, since: datetime, until: datetime) -> int:
        count: int = await self.conn.fetchval(
            """SELECT count(*) FROM claims WHERE account_id = $1 AND claim_type = 'return'
                 AND status <> 'cancelled' AND created_at > $2 AND created_at <= $3""",
            account_id,
            since,
            until,
        )
        return count

    async def settled_defect(self, serial_number: str, problem_code: str) -> str | None:
        rma: str | None = await self.conn.fetchval(
            repository.SETTLED_DEFECT, serial_number, problem_code
        )
        return rma

    async def first_digest_of(self, day: date) -> bool:
        first = await self.conn.fetchval(
            "INSERT INTO deadline_digests (day) VALUES ($1) ON CONFLICT DO NOTHING RETURNING true",
            day,
        )
        return bool(first)

    async def store_assessment(self, claim_id: UUID, assessment: dict[str, Any]) -> None:
        await repository.store_assessment(self.conn, claim_id, assessment)

    async def assessment(self, claim_id: UUID) -> dict[str, Any] | None:
        return await repository.assessment(self.conn, claim_id)

    async def change_email(self, account_id: UUID, email: str) -> None:
        await self.conn.execute(
            "UPDATE claims SET email = $2 WHERE account_id = $1", account_id, email
        )

    async def attachments(self, claim_id: UUID) -> list[AttachmentInfo]:
        rows = await repository.attachments(self.conn, claim_id)
        return [AttachmentInfo(**dict(row)) for row in rows]

    async def attachment_file(self, claim_id: UUID, attachment_id: UUID) -> AttachmentFile | None:
        row = await repository.attachment_content(self.conn, claim_id, attachment_id)
        if row is None:
            return None
        return AttachmentFile(row["filename"], row["content_type"], bytes(row["content"]))

    async def add(self, claim: Claim) -> None:
        """A new claim: its row (with every column `save` writes, `updated_at` the database's
        time of the write, as `save` sets it), its timeline entries and files in one statement
        (a filing waits for each round trip), then its other parts."""
        await self.conn.execute(
            f"""WITH claim AS (
                   INSERT INTO claims (claim_id, rma_number, account_id, email, language,
                       buyer_type, claim_type, status, document_type, document_number, line_no,
                       product, serial_number, problem_description, problem_code,
                       tracking_number, package_contents, customer_reference, unit_price,
                       return_address, created_at, updated_at, received_at, pauses, outbound,
                       replacement, refund, intake, serial_mismatch, deemed_accepted_on,
                       repair_delay_announced_on, collection_reminders, marked_for_disposal_on,
                       manufacturer_statement, manufacturer_handoffs)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
                           $16, $17, $18, $19, $20, $21, now(), $22, $23, $24, $25, $26, $27,
                           $28, $29, $30, $31, $32, $33, $34)),
               {_parts(35)}""",
            claim.claim_id,
            claim.rma_number,
            claim.account_id,
            claim.email,
            claim.language,
            claim.buyer_type,
            claim.claim_type,
            claim.status,
            claim.document_type,
            claim.document_number,
            claim.line_no,
            claim.product.model_dump(mode="json"),
            claim.serial_number,
            claim.problem_description,
            claim.problem_code,
            claim.tracking_number,
            claim.package_contents,
            claim.customer_reference,
            claim.unit_price,
            _address_json(claim.return_address),
            claim.created_at,
            *self._state(claim),
            *self._new_parts(claim),
        )
        await self._save_other_parts(claim)

    async def save(self, claim: Claim) -> None:
        await self.conn.execute(
            """UPDATE claims SET status = $2, received_at = $3, pauses = $4, outbound = $5,
                   replacement = $6, refund = $7, intake = $8, serial_mismatch = $9,
                   deemed_accepted_on = $10, repair_delay_announced_on = $11,
                   collection_reminders = $12, marked_for_disposal_on = $13,
                   manufacturer_statement = $14, manufacturer_handoffs = $15,
                   updated_at = now()
               WHERE claim_id = $1""",
            claim.claim_id,
            claim.status,
            *self._state(claim),
        )
        await self._save_parts(claim)

    @staticmethod
    def _state(claim: Claim) -> tuple[Any, ...]:
        """What changes in a claim's row over its life, after its status, in the order of the
        columns that `add` and `save` name."""
        return (
            claim.received_at,
            [_pause_json(p) for p in claim.pauses],
            _shipment_json(claim.outbound),
            _replacement_json(claim.replacement),
            _refund_json(claim.refund),
            _intake_json(claim.intake),
            claim.serial_mismatch,
            claim.deemed_accepted_on,
            claim.repair_delay_announced_on,
            claim.collection_reminders,
            claim.marked_for_disposal_on,
            claim.manufacturer_statement,
            [_handoff_json(h) for h in claim.manufacturer_handoffs],
        )

    async def _save_parts(self, claim: Claim) -> None:
        new_parts = self._new_parts(claim)
        if any(new_parts):
            await self.conn.execute(f"WITH {_parts(2)}", claim.claim_id, *new_parts)
        await self._save_other_parts(claim)

    async def _save_other_parts(self, claim: Claim) -> None:
        """The decision, parcels, charges and evidence, each written when it changed."""
        stored = self._stored_decisions.get(claim.claim_id)
        if claim.decision is not None and claim.decision != stored:
            await self._save_decision(claim.claim_id, claim.decision)
        self._stored_decisions[claim.claim_id] = claim.decision
        await self._insert_new_parcels(claim)
        stored_charges = self._stored_charges.setdefault(claim.claim_id, {})
        await save_changed_charges(self.conn, claim.claim_id, claim.charges, stored_charges)
        if claim.evidence is not None and claim.evidence != self._stored_evidence.get(
            claim.claim_id
        ):
            await save_evidence(self.conn, claim.claim_id, claim.evidence)
        self._stored_evidence[claim.claim_id] = claim.evidence

    async def _insert_new_parcels(self, claim: Claim) -> None:
        stored = self._stored_parts.setdefault(claim.claim_id, set())
        for parcel in claim.parcels:
            if parcel.parcel_id in stored:
                continue
            stored.add(parcel.parcel_id)
            # A parcel an operator identified from the unidentified queue is stored already.
            await self.conn.execute(
                """INSERT INTO parcels (parcel_id, claim_id, rma_number, tracking_number,
                       scanned_by, received_at, attention, contents_checked, missing_items,
                       serial_number_read, serial_mismatch)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                   ON CONFLICT (parcel_id) DO NOTHING""",
                parcel.parcel_id,
                claim.claim_id,
                claim.rma_number,
                parcel.tracking_number,
                parcel.scanned_by,
                parcel.received_at,
                parcel.attention,
                parcel.intake is not None and parcel.intake.contents_checked,
                list(parcel.intake.missing_items) if parcel.intake else [],
                parcel.intake.serial_read if parcel.intake else None,
                parcel.intake is not None and parcel.intake.serial_mismatch,
            )

    async def _save_decision(self, claim_id: UUID, decision: Decision) -> None:
        await self.conn.execute(
            """INSERT INTO decisions (claim_id, decision, amount, rejection_reason, justification,
                   deductions, customer_response, decided_by, decided_at, valid_until,
                   exchange_product, substantial_repair, replaced_part, reduction_kind)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
               ON CONFLICT (claim_id) DO UPDATE SET
                   decision = EXCLUDED.decision, amount = EXCLUDED.amount,
                   rejection_reason = EXCLUDED.rejection_reason,
                   justification = EXCLUDED.justification, deductions = EXCLUDED.deductions,
                   customer_response = EXCLUDED.customer_response,
                   decided_by = EXCLUDED.decided_by, decided_at = EXCLUDED.decided_at,
                   valid_until = EXCLUDED.valid_until,
                   exchange_product = EXCLUDED.exchange_product,
                   substantial_repair = EXCLUDED.substantial_repair,
                   replaced_part = EXCLUDED.replaced_part,
                   reduction_kind = EXCLUDED.reduction_kind""",
            claim_id,
            decision.kind,
            decision.amount,
            decision.rejection_reason,
            decision.justification,
            [
                {
                    "reason": d.reason,
                    "percent": str(d.percent) if d.percent is not None else None,
                    "amount": str(d.amount),
                }
                for d in decision.deductions
            ],
            decision.customer_response,
            decision.decided_by,
            decision.decided_at,
            decision.valid_until,
            decision.exchange_product,
            decision.substantial_repair,
            decision.replaced_part,
            decision.reduction_kind,
        )

    async def _load(self, row: asyncpg.Record | None) -> Claim | None:
        if row is None:
            return None
        claim_id: UUID = row["claim_id"]
        parts = await self.conn.fetchrow(_PARTS, claim_id)
        assert parts is not None
        decision = parts["decision"]
        assessment: dict[str, Any] | None = row["assessment"]
        self._stored_decisions[claim_id] = (
            _decision({**_DECISION_COLUMNS.named(decision), "deductions": parts["deductions"]})
            if decision
            else None
        )
        attachments, parcels = self._remember_parts(claim_id, parts["files"], parts["parcels"])
        charges = [charge_of(charge) for charge in parts["charges"]]
        self._stored_charges[claim_id] = {c.charge_id: c for c in charges}
        evidence = evidence_of(parts["evidence"], parts["photos"] or ())
        self._stored_evidence[claim_id] = evidence
        return Claim(
            claim_id=claim_id,
            rma_number=row["rma_number"],
            account_id=row["account_id"],
            email=row["email"],
            language=row["language"],
            buyer_type=row["buyer_type"],
            claim_type=row["claim_type"],
            status=row["status"],
            document_type=row["document_type"],
            document_number=row["document_number"],
            line_no=row["line_no"],
            product=ClaimedProduct.model_validate(row["product"]),
            serial_number=row["serial_number"],
            problem_description=row["problem_description"],
            problem_code=row["problem_code"],
            tracking_number=row["tracking_number"],
            package_contents=row["package_contents"],
            customer_reference=row["customer_reference"],
            unit_price=row["unit_price"],
            return_address=(
                PostalAddress.model_validate(row["return_address"])
                if row["return_address"]
                else None
            ),
            created_at=row["created_at"],
            received_at=row["received_at"],
            covered=assessment.get("covered") if assessment else None,
            deadlines=tuple(Deadline.model_validate(d) for d in row["deadlines"] or ()),
            decision=self._stored_decisions[claim_id],
            pauses=[pause_from_json(p) for p in row["pauses"] or ()],
            outbound=_shipment(row["outbound"]),
            replacement=_replacement(row["replacement"]),
            refund=_refund(row["refund"]),
            intake=_intake(row["intake"]),
            evidence=evidence,
            deemed_accepted_on=row["deemed_accepted_on"],
            repair_delay_announced_on=row["repair_delay_announced_on"],
            collection_reminders=row["collection_reminders"],
            marked_for_disposal_on=row["marked_for_disposal_on"],
            manufacturer_statement=row["manufacturer_statement"],
            manufacturer_handoffs=[_handoff(h) for h in row["manufacturer_handoffs"] or ()],
            timeline=[
                TimelineEntry(status, actor, note, at, entry_id)
                for entry_id, status, actor, note, at in parts["timeline"]
            ],
            attachments=attachments,
            parcels=parcels,
            charges=charges,
        )

    def _remember_parts(
        self, claim_id: UUID, files: list[tuple[Any, ...]], parcels: list[tuple[Any, ...]]
    ) -> tuple[list[NewAttachment], list[ParcelRecord]]:
        """The claim's files (without their bytes) and parcels (their findings are the claim's
        `intake`) from `_PARTS`' records, remembered as stored."""
        attachments = [
            NewAttachment(attachment_id, purpose, filename, content_type, None)
            for attachment_id, purpose, filename, content_type in files
        ]
        received = [ParcelRecord(*parcel) for parcel in parcels]
        self._stored_parts[claim_id] = {a.attachment_id for a in attachments} | {
            p.parcel_id for p in received
        }
        return attachments, received


def _address_json(address: PostalAddress | None) -> dict[str, Any] | None:
    return address.model_dump(mode="json") if address else None


def _pause_json(pause: Pause) -> dict[str, str | None]:
    return {
        "started_at": pause.started_at.isoformat(),
        "ended_at": pause.ended_at.isoformat() if pause.ended_at else None,
        "cause": pause.cause,
    }


def _handoff_json(handoff: ManufacturerHandoff) -> dict[str, str | None]:
    return {
        "case_number": handoff.case_number,
        "sent_on": handoff.sent_on.isoformat(),
        "sent_by": handoff.sent_by,
        "resumes": handoff.resumes,
        "back_on": handoff.back_on.isoformat() if handoff.back_on else None,
        "back_by": handoff.back_by,
        "remark": handoff.remark,
    }


def _handoff(data: dict[str, Any]) -> ManufacturerHandoff:
    back_on = data.get("back_on")
    return ManufacturerHandoff(
        case_number=data["case_number"],
        sent_on=date.fromisoformat(data["sent_on"]),
        sent_by=data["sent_by"],
        resumes=data["resumes"],
        back_on=date.fromisoformat(back_on) if back_on else None,
        back_by=data.get("back_by"),
        remark=data.get("remark"),
    )


def deadline_facts_of(row: asyncpg.Record) -> ClaimDeadlineFacts:
    """A claim row with `decided_at`, `shipped_at` and `refunded_at` beside the claim's columns."""
    return ClaimDeadlineFacts(
        status=row["status"],
        deadlines=tuple(Deadline.model_validate(d) for d in row["deadlines"] or ()),
        pauses=[pause_from_json(p) for p in row["pauses"] or ()],
        decided_at=row["decided_at"],
        shipped_at=row["shipped_at"],
        refunded_at=row["refunded_at"],
    )


def pause_from_json(data: dict[str, str | None]) -> Pause:
    started, ended = data["started_at"], data.get("ended_at")
    assert started is not None
    # Pauses stored before the manufacturer's were all the customer's.
    cause: PauseCause = "manufacturer" if data.get("cause") == "manufacturer" else "customer"
    return Pause(
        datetime.fromisoformat(started), datetime.fromisoformat(ended) if ended else None, cause
    )


def _shipment_json(shipment: Shipment | None) -> dict[str, str] | None:
    if shipment is None:
        return None
    return {
        "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number,
        "shipped_at": shipment.shipped_at.isoformat(),
    }


def _shipment(data: dict[str, str] | None) -> Shipment | None:
    if not data:
        return None
    return Shipment(
        data["carrier"], data["tracking_number"], datetime.fromisoformat(data["shipped_at"])
    )


def _replacement_json(replacement: Replacement | None) -> dict[str, str] | None:
    if replacement is None:
        return None
    return {
        "serial_number": replacement.serial_number,
        "ean": replacement.ean,
        "issued_at": replacement.issued_at.isoformat(),
    }


def _replacement(data: dict[str, str] | None) -> Replacement | None:
    if not data:
        return None
    return Replacement(
        data["serial_number"], data["ean"], datetime.fromisoformat(data["issued_at"])
    )


def _refund_json(refund: Refund | None) -> dict[str, str | None] | None:
    if refund is None:
        return None
    return {
        "amount": str(refund.amount),
        "method": refund.method,
        "account_number_ending": refund.account_number_ending,
        "refunded_at": refund.refunded_at.isoformat(),
        "difference_reason": refund.difference_reason,
    }


def _refund(data: dict[str, str] | None) -> Refund | None:
    if not data:
        return None
    return Refund(
        Decimal(data["amount"]),
        data["method"],
        data.get("account_number_ending"),
        datetime.fromisoformat(data["refunded_at"]),
        data.get("difference_reason"),
    )


def _intake_json(intake: Intake | None) -> dict[str, Any] | None:
    if intake is None:
        return None
    return {
        "parcel_id": str(intake.parcel_id),
        "checked_by": intake.checked_by,
        "checked_at": intake.checked_at.isoformat(),
        "contents_checked": intake.contents_checked,
        "missing_items": list(intake.missing_items),
        "serial_read": intake.serial_read,
        "serial_expected": intake.serial_expected,
        "seal_intact": intake.seal_intact,
    }


def _intake(data: dict[str, Any] | None) -> Intake | None:
    if not data:
        return None
    return Intake(
        parcel_id=UUID(data["parcel_id"]),
        checked_by=data["checked_by"],
        checked_at=datetime.fromisoformat(data["checked_at"]),
        contents_checked=bool(data["contents_checked"]),
        missing_items=tuple(data["missing_items"]),
        serial_read=data.get("serial_read"),
        serial_expected=data.get("serial_expected"),
        seal_intact=data.get("seal_intact"),
    )


def _decision(row: Mapping[str, Any]) -> Decision:
    valid_until: date | None = row["valid_until"]
    return Decision(
        kind=row["decision"],
        justification=row["justification"],
        decided_by=row["decided_by"],
        decided_at=row["decided_at"],
        amount=row["amount"],
        rejection_reason=row["rejection_reason"],
        deductions=tuple(
            DeductionLine(
                d["reason"],
                Decimal(d["percent"]) if d.get("percent") else None,
                Decimal(d["amount"]),
            )
            for d in row["deductions"] or ()
        ),
        valid_until=valid_until,
        exchange_product=row["exchange_product"],
        customer_response=row["customer_response"],
        substantial_repair=row["substantial_repair"],
        replaced_part=row["replaced_part"],
        reduction_kind=row["reduction_kind"],
    )


def _parts(first: int) -> str:
    """The end of a statement that inserts a claim's new timeline entries, files' bytes and
    files (`_new_parts`' arrays, numbered from $`first`; the claim's id is $1): the CTEs of a
    WITH, then the files' INSERT. The rows are few; one round trip writes them all."""
    n = [f"${number}" for number in range(first, first + 12)]
    return f"""timeline AS (
            INSERT INTO claim_timeline (claim_id, status, actor, note, at)
            SELECT $1::uuid, * FROM unnest({n[0]}::text[], {n[1]}::text[], {n[2]}::text[],
                                     {n[3]}::timestamptz[])),
        contents AS (
            INSERT INTO attachment_contents (sha256, content)
            SELECT * FROM unnest({n[4]}::text[], {n[5]}::bytea[])
            ON CONFLICT (sha256) DO NOTHING)
        INSERT INTO claim_attachments (attachment_id, claim_id, purpose, filename, content_type,
                                       size_bytes, sha256)
        SELECT attachment_id, $1::uuid, purpose, filename, content_type, size_bytes, sha256
        FROM unnest({n[6]}::uuid[], {n[7]}::text[], {n[8]}::text[], {n[9]}::text[],
                    {n[10]}::int[], {n[11]}::text[])
             AS files(attachment_id, purpose, filename, content_type, size_bytes, sha256)"""
