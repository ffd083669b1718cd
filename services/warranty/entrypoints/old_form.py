"""The registrations made on the distributor's old form, before the panel, from its CSV export:

    python -m services.warranty.admin import-registrations FILE.csv

Columns (a header row; comma or semicolon; other columns are ignored): `ean`, `serial_number`,
`registered_on` (YYYY-MM-DD or DD.MM.YYYY). Each row is kept with its own date, announced as
ProductRegistered, and judged alone: a bad row is refused and the others go on. A unit already
registered is skipped, so importing the same file twice changes nothing.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from uuid import uuid4

from tqdm import tqdm

from services.warranty import handlers

COLUMNS = ("ean", "serial_number", "registered_on")


@dataclass
class ImportSummary:
    imported: int = 0
    skipped: int = 0  # registered already
    refused: list[tuple[int, str, str]] = field(default_factory=list)  # line, code, reason

    def lines(self) -> Iterator[str]:
        yield (
            f"import-registrations: {self.imported} imported, {self.skipped} registered "
            f"already (skipped), {len(self.refused)} refused"
        )
        for line, code, reason in self.refused:
            yield f"  line {line}: {code}: {reason}"


def _date(text: str) -> date:
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    raise ValueError(f"data {text!r} nie jest w formacie RRRR-MM-DD ani DD.MM.RRRR")


def read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) of the export; SystemExit when it cannot be read as one."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise SystemExit(f"admin: cannot read {path}: {error}") from None
    dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else ",", delimiters=",;")
    reader = csv.DictReader(text.splitlines(), dialect=dialect)
    header = [name.strip().lower() for name in reader.fieldnames or ()]
    if missing := [column for column in COLUMNS if column not in header]:
        raise SystemExit(f"admin: {path} has no column {', '.join(missing)} (needs {COLUMNS})")
    reader.fieldnames = header
    return [(number, row) for number, row in enumerate(reader, start=2)]


async def import_rows(
    ctx: handlers.WarrantyContext, rows: Iterable[tuple[int, dict[str, str]]], progress: bool
) -> ImportSummary:
    summary = ImportSummary()
    correlation_id = uuid4()  # one import, one correlation
    listed = list(rows)
    for number, row in tqdm(listed, unit="row", disable=not progress):
        try:
            registration = handlers.OldFormRegistration(
                (row.get("ean") or "").strip(),
                row.get("serial_number") or "",
                _date(row.get("registered_on") or ""),
            )
            imported = await handlers.import_registration(ctx, registration, correlation_id)
        except ValueError as error:
            summary.refused.append((number, "registered_on_invalid", str(error)))
            continue
        except handlers.RegistrationRefused as refusal:
            summary.refused.append((number, refusal.code, refusal.reason))
            continue
        if imported:
            summary.imported += 1
        else:
            summary.skipped += 1
    return summary
