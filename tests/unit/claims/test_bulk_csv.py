"""A reseller's CSV read into typed rows (issue 25 §6): a row that cannot be read is refused
alone with its reason; a file that cannot be read as a whole is refused whole."""

from __future__ import annotations

import pytest

from services.claims.domain import bulk
from services.claims.domain.refusals import Refusal

HEADER = "document,line,serial,problem,description\n"


def read(text: str) -> bulk.BulkFile:
    return bulk.read_bulk_csv(text.encode())


def refused_whole(content: bytes) -> Refusal:
    with pytest.raises(Refusal) as refusal:
        bulk.read_bulk_csv(content)
    return refusal.value


def test_rows_become_typed_rows_with_the_spreadsheets_row_numbers() -> None:
    file = read(
        HEADER
        + "FS/2026/00012,1,sn-1 ,,Nie włącza się po upadku\n"
        + "\n"
        + 'pa 2026/7,2,,overheat,"Grzeje się, wyłącza"\n'
    )
    assert file.unreadable == ()
    first, second = file.rows
    assert (first.row_no, first.document_type, first.document_number, first.line_no) == (
        2,
        "FS",
        "2026/00012",
        1,
    )
    assert (first.serial_number, first.problem_code, first.claim_type) == ("sn-1", None, "warranty")
    assert first.package_contents == bulk.DEFAULT_CONTENTS
    assert (second.row_no, second.document_type, second.document_number) == (4, "PA", "2026/7")
    assert (second.serial_number, second.problem_code) == (None, "overheat")
    assert second.problem_description == "Grzeje się, wyłącza"


def test_a_polish_spreadsheets_semicolons_bom_and_column_names_are_read() -> None:
    content = (
        "\ufeffDokument;Pozycja;Numer seryjny;Problem;Opis;Typ;Zawartość\n"
        "FS/1/2026;3;ABC;;Pęknięty ekran w dostawie;dji;Dron, bateria\n"
    ).encode()
    (row,) = bulk.read_bulk_csv(content).rows
    assert (row.line_no, row.serial_number, row.claim_type) == (3, "ABC", "dji")
    assert row.package_contents == "Dron, bateria"


def test_an_unreadable_row_is_refused_alone_with_its_reason() -> None:
    file = read(
        HEADER
        + "2026/00012,1,A,,opis opis opis\n"  # no document type
        + "FS/2026/1,zero,B,,opis opis opis\n"
        + "FS/2026/1,1,C,,opis opis opis,extra\n"
        + "FS/2026/1,1,c ,,opis opis opis\n"  # fine
        + "FS/2026/1,2,C,,opis opis opis\n"  # the serial of row 5 again
        + "FS/2026/1,2,D,,opis,,\n"  # empty extra cells are no extra values
    )
    refusals = {row.row_no: (row.refusal.code, dict(row.refusal.params)) for row in file.unreadable}
    assert refusals == {
        2: ("bulk_document_unreadable", {}),
        3: ("bulk_line_unreadable", {}),
        4: ("bulk_row_extra_values", {"columns": 5}),
        6: ("bulk_serial_repeated", {"row": 5}),
    }
    assert [row.row_no for row in file.rows] == [5, 7]
    assert file.count == 6


def test_an_unknown_claim_type_and_a_too_long_value_refuse_their_row() -> None:
    file = read(
        "document,line,serial,problem,description,type\n"
        + "FS/1,1,,,opis opis opis,gwarancja\n"
        + f"FS/1,1,{'X' * 61},,opis opis opis,\n"
    )
    assert [(r.row_no, r.refusal.code) for r in file.unreadable] == [
        (2, "bulk_claim_type_unknown"),
        (3, "bulk_value_too_long"),
    ]


@pytest.mark.parametrize(
    ("content", "code", "status"),
    [
        (b"", "bulk_file_empty", 422),
        (b" \n\n", "bulk_file_empty", 422),
        (b"%PDF-1.4 a pdf", "bulk_file_not_csv", 415),
        (b"PK\x03\x04 an xlsx", "bulk_file_not_csv", 415),
        (b"document,line\x00", "bulk_file_not_csv", 415),
        (HEADER.encode() + b'FS/1,1,"unclosed\n', "bulk_file_not_csv", 415),
        (
            HEADER.encode() + "FS/1,1,,,Pęknięta obudowa\n".encode("cp1250"),
            "bulk_file_encoding",
            422,
        ),
        (b"document,serial,description\nFS/1,A,opis\n", "bulk_columns_missing", 422),
        (HEADER.encode(), "bulk_no_rows", 422),
        (HEADER.encode() + b"FS/1,1,,,opis opis opis\n" * 501, "bulk_too_many_rows", 422),
        (b"x" * (bulk.MAX_CSV_BYTES + 1), "bulk_file_too_large", 413),
    ],
    ids=[
        "empty",
        "blank",
        "pdf",
        "xlsx",
        "nul",
        "broken-quotes",
        "cp1250",
        "columns",
        "header-only",
        "501-rows",
        "too-large",
    ],
)
def test_a_file_that_cannot_be_read_is_refused_whole(
    content: bytes, code: str, status: int
) -> None:
    refusal = refused_whole(content)
    assert (refusal.code, refusal.status_code) == (code, status)


def test_the_missing_columns_are_named() -> None:
    refusal = refused_whole(b"document;serial;description\nFS/1;A;opis\n")
    assert refusal.params == {
        "missing": "line, problem",
        "expected": ", ".join(bulk.REQUIRED_COLUMNS),
    }


def test_500_rows_are_read() -> None:
    rows = "".join(f"FS/1,1,S{n},,opis opis opis\n" for n in range(500))
    assert len(read(HEADER + rows).rows) == 500
