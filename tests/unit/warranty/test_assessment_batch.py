"""A consumer batch's shared reads and writes (services/warranty/adapters/batch.py), on a
connection that records its statements: what is read ahead, for whom, and when pending rows
are written first. The SQL itself runs on the real PostgreSQL in
tests/integration/test_warranty_round_trips.py."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import uuid4

from services.warranty.adapters.batch import (
    AssessedRows,
    AssessmentBatch,
    FlushingConnection,
    expect_assessment,
)

EAN = "5901234123464"


class RecordingConnection:
    """Answers each overview with the unit it was asked about; keeps every statement."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, tuple[Any, ...]]] = []

    async def fetch(self, query: str, *args: Any) -> list[dict[str, Any]]:
        self.statements.append((query, args))
        if "unnest" in query:
            return [{"unit": unit} for unit in zip(*args, strict=True)]
        return [{"unit": args}]

    async def execute(self, query: str, *args: Any) -> str:
        self.statements.append((query, args))
        return "INSERT 0 1"

    def kinds(self) -> list[str]:
        return [
            "read ahead" if "unnest($1::text[]" in q else "read" if "lineage" in q else "write"
            for q, _ in self.statements
        ]


def rows_for(serial: str) -> AssessedRows:
    claim_id = uuid4()
    unit_claim = {
        "claim_id": claim_id,
        "ean": EAN,
        "serial_number": serial,
        "rma_number": "RMA-1",
        "claim_type": "warranty",
        "problem": "Nie działa",
        "claimed_at": None,
        "repeated_defect": None,
    }
    return AssessedRows(claim_id, "RMA-1", {}, {}, unit_claim)


async def test_the_first_read_brings_the_units_its_consumer_expects() -> None:
    conn, batch = RecordingConnection(), AssessmentBatch()
    for serial in ("S1", "S2", "S3", "S2"):
        expect_assessment(EAN, serial)
    expect_assessment(EAN, None)  # a claim without a unit: nothing to read
    seen = [await batch.overview(conn, (EAN, s)) for s in ("S1", "S2", "S3")]  # type: ignore[arg-type]
    assert [row["unit"] for row in seen] == [(EAN, "S1"), (EAN, "S2"), (EAN, "S3")]
    assert conn.kinds() == ["read ahead"]
    assert conn.statements[0][1] == ([EAN] * 3, ["S1", "S2", "S3"])


async def test_another_consumers_units_are_not_read_ahead() -> None:
    async def other_consumer() -> None:
        expect_assessment(EAN, "THEIRS")

    await asyncio.create_task(other_consumer())
    conn, batch = RecordingConnection(), AssessmentBatch()
    await batch.overview(conn, (EAN, "MINE"))  # type: ignore[arg-type]
    assert conn.kinds() == ["read"]


async def test_a_unit_with_a_claim_pending_is_read_after_it_is_written() -> None:
    """A second claim for the unit in the batch: its first claim is written, then it is read."""
    conn, batch = RecordingConnection(), AssessmentBatch()
    for serial in ("S1", "S1"):
        expect_assessment(EAN, serial)
    await batch.overview(conn, (EAN, "S1"))  # type: ignore[arg-type]
    await batch.save(conn, rows_for("S1"))  # type: ignore[arg-type]
    await batch.overview(conn, (EAN, "S1"))  # type: ignore[arg-type]
    await batch.flush(conn)  # type: ignore[arg-type]
    assert conn.kinds() == ["read", "write", "read"]


async def test_another_statement_writes_what_is_pending_and_the_read_ahead_is_read_again() -> None:
    """A status change between two claims: it sees the first claim's rows, and the second
    claim's unit, read ahead before it, is read again."""
    conn, batch = RecordingConnection(), AssessmentBatch()
    for serial in ("S1", "S2"):
        expect_assessment(EAN, serial)
    await batch.overview(conn, (EAN, "S1"))  # type: ignore[arg-type]
    await batch.save(conn, rows_for("S1"))  # type: ignore[arg-type]
    await FlushingConnection(conn, batch).execute("UPDATE unit_claims SET status = $1", "x")  # type: ignore[arg-type]
    await batch.overview(conn, (EAN, "S2"))  # type: ignore[arg-type]
    assert conn.kinds() == ["read ahead", "write", "write", "read"]
    assert conn.statements[2][0] == "UPDATE unit_claims SET status = $1"


async def test_a_claim_assessed_twice_in_a_batch_is_written_twice() -> None:
    """One statement cannot write a claim's assessment twice: the first is written first."""
    conn, batch = RecordingConnection(), AssessmentBatch()
    rows = rows_for("S1")
    await batch.save(conn, rows)  # type: ignore[arg-type]
    await batch.save(conn, rows)  # type: ignore[arg-type]
    await batch.flush(conn)  # type: ignore[arg-type]
    await batch.flush(conn)  # type: ignore[arg-type]  # nothing left: no statement
    assert conn.kinds() == ["write", "write"]
