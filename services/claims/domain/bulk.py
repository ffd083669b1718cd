"""A reseller's claims in bulk (issue 25 §6): the uploaded CSV read into typed rows.

A file that cannot be read as a whole (too large, not text in UTF-8, not CSV, without the
columns, too many rows) is refused whole and changes nothing. A row that cannot be read (a
document number without its type, a line that is not a number, a serial number given twice in
the file) is refused alone, with its reason; the other rows go on. Whether a readable row may
become a claim is not decided here: each is checked by the rules of a single claim
(`filing.check_filing`, which `Claim.file` runs).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from services.claims.domain.refusals import Refusal
from shared.events import ClaimType, DocumentType

MAX_CSV_BYTES = 512 * 1024
MAX_ROWS = 500
REQUIRED_COLUMNS = ("document", "line", "serial", "problem", "description")
# Optional: the claim type (a business buyer files warranty claims) and the parcel's contents.
OPTIONAL_COLUMNS = ("type", "contents")
# The columns' Polish names, as a Polish spreadsheet may head them.
COLUMN_ALIASES = {
    "dokument": "document",
    "pozycja": "line",
    "linia": "line",
    "numer seryjny": "serial",
    "numer_seryjny": "serial",
    "opis": "description",
    "typ": "type",
    "zawartość": "contents",
    "zawartosc": "contents",
}
CLAIM_TYPES: tuple[ClaimType, ...] = ("warranty", "non_conformity", "return", "dji")
DEFAULT_CLAIM_TYPE: ClaimType = "warranty"
DEFAULT_CONTENTS = "Urządzenie"
MAX_TEXT = {"serial": 60, "problem": 200, "description": 5000, "contents": 1000, "document": 40}
# What a file that is something else starts with (a PDF, an .xlsx or another zip, an image).
_BINARY_SIGNATURES = (b"%PDF-", b"PK\x03\x04", b"\xff\xd8\xff", b"\x89PNG", b"\xd0\xcf\x11\xe0")


@dataclass(frozen=True)
class BulkRow:
    """A readable row: one unit of a document linked to the account, and its problem."""

    row_no: int  # the row's number as a spreadsheet shows it (the header is row 1)
    document_type: DocumentType
    document_number: str
    line_no: int
    serial_number: str | None
    problem_code: str | None
    problem_description: str
    claim_type: ClaimType = DEFAULT_CLAIM_TYPE
    package_contents: str = DEFAULT_CONTENTS


@dataclass(frozen=True)
class UnreadableRow:
    row_no: int
    refusal: Refusal


@dataclass(frozen=True)
class BulkFile:
    """The file's rows in order: the readable ones, and those refused as they were read."""

    rows: tuple[BulkRow, ...]
    unreadable: tuple[UnreadableRow, ...]

    @property
    def count(self) -> int:
        return len(self.rows) + len(self.unreadable)


def _text(content: bytes) -> str:
    if len(content) > MAX_CSV_BYTES:
        raise Refusal(
            "bulk_file_too_large", "file", {"max_kb": MAX_CSV_BYTES // 1024}, status_code=413
        )
    if not content.strip():
        raise Refusal("bulk_file_empty", "file")
    if content.startswith(_BINARY_SIGNATURES) or b"\x00" in content:
        raise Refusal("bulk_file_not_csv", "file", status_code=415)
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Refusal("bulk_file_encoding", "file") from None


def _column(name: str | None) -> str:
    key = " ".join((name or "").split()).casefold()
    return COLUMN_ALIASES.get(key, key)


def _records(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header's columns and the non-empty rows with their numbers; `,`, `;` or a tab apart
    (a Polish spreadsheet saves CSV with `;`)."""
    header_line = text.lstrip().splitlines()[0]
    delimiter = max(",;\t", key=header_line.count)
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter, strict=True))
    except csv.Error:
        raise Refusal("bulk_file_not_csv", "file", status_code=415) from None
    numbered = [(n, row) for n, row in enumerate(rows, start=1) if any(c.strip() for c in row)]
    header_no, header = numbered[0]
    columns = [_column(name) for name in header]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise Refusal(
            "bulk_columns_missing",
            "file",
            {"missing": ", ".join(missing), "expected": ", ".join(REQUIRED_COLUMNS)},
        )
    body = [(n, row) for n, row in numbered if n != header_no]
    if not body:
        raise Refusal("bulk_no_rows", "file")
    if len(body) > MAX_ROWS:
        raise Refusal("bulk_too_many_rows", "file", {"max_rows": MAX_ROWS, "rows": len(body)})
    return columns, body


def _document(value: str) -> tuple[DocumentType, str]:
    """`FS/2026/00012` or `FS 2026/00012`: the type, then the number."""
    text = value.strip().upper()
    for document_type in ("FS", "PA"):
        for separator in ("/", " "):
            prefix = document_type + separator
            if text.startswith(prefix) and text[len(prefix) :].strip():
                return document_type, text[len(prefix) :].strip()
    raise Refusal("bulk_document_unreadable", "document")


def _line(value: str) -> int:
    text = value.strip()
    if not text.isdigit() or int(text) < 1:
        raise Refusal("bulk_line_unreadable", "line")
    return int(text)


def _claim_type(value: str) -> ClaimType:
    text = value.strip().lower() or DEFAULT_CLAIM_TYPE
    for claim_type in CLAIM_TYPES:
        if text == claim_type:
            return claim_type
    raise Refusal("bulk_claim_type_unknown", "type", {"allowed": ", ".join(CLAIM_TYPES)})


def _row(row_no: int, values: dict[str, str]) -> BulkRow:
    for column, limit in MAX_TEXT.items():
        if len(values.get(column, "")) > limit:
            raise Refusal("bulk_value_too_long", column, {"column": column, "max_length": limit})
    document_type, document_number = _document(values.get("document", ""))
    return BulkRow(
        row_no=row_no,
        document_type=document_type,
        document_number=document_number,
        line_no=_line(values.get("line", "")),
        serial_number=values.get("serial", "").strip() or None,
        problem_code=values.get("problem", "").strip() or None,
        problem_description=values.get("description", ""),
        claim_type=_claim_type(values.get("type", "")),
        package_contents=values.get("contents", "").strip() or DEFAULT_CONTENTS,
    )


def _serial_key(serial: str | None) -> str | None:
    return "".join((serial or "").split()).upper() or None


def read_bulk_csv(content: bytes) -> BulkFile:
    """The file's rows, each readable or refused with its reason; a file that cannot be read
    as a whole raises its refusal."""
    columns, body = _records(_text(content))
    rows: list[BulkRow] = []
    unreadable: list[UnreadableRow] = []
    first_row_of_serial: dict[str, int] = {}
    for row_no, cells in body:
        try:
            if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns) :]):
                raise Refusal("bulk_row_extra_values", None, {"columns": len(columns)})
            row = _row(row_no, dict(zip(columns, cells, strict=False)))
            serial = _serial_key(row.serial_number)
            if serial is not None and serial in first_row_of_serial:
                raise Refusal(
                    "bulk_serial_repeated", "serial", {"row": first_row_of_serial[serial]}
                )
        except Refusal as refusal:
            unreadable.append(UnreadableRow(row_no, refusal))
            continue
        if serial is not None:
            first_row_of_serial[serial] = row_no
        rows.append(row)
    return BulkFile(tuple(rows), tuple(unreadable))
