"""One owner per word (issue 26): each set of claim statuses, each rejection reason's text and the
service centre's street are written in one source file; everything else reads them from there
(shared/claims_vocabulary.py, shared/service_centre.py). Tests and docs may quote them."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from shared.claims_vocabulary import CLAIM_STATUSES, ENDED_STATUSES, REJECTION_REASON_NAMES
from shared.service_centre import ServiceCentre
from tests.unit.project.test_imports import REPO

SOURCE_SUFFIXES = {".py", ".html", ".j2", ".sql", ".po", ".js", ".sh", ".toml", ".yml", ".yaml"}
# Applied migrations are history, never edited; the one status set in them is checked below.
SKIPPED_DIRECTORIES = {
    "tests",
    "docs",
    "migrations",
    ".venv",
    ".git",
    "node_modules",
    "__pycache__",
}

_STATUS = "|".join(sorted(map(re.escape, CLAIM_STATUSES), key=len, reverse=True))
_QUOTED_STATUS = rf"""["']({_STATUS})["']"""
# Two or more quoted statuses and nothing else inside (), [] or {}: a Python set, list or tuple,
# a Jinja list, an SQL `IN (...)`.
STATUS_SET = re.compile(rf"[(\[{{]\s*{_QUOTED_STATUS}(?:\s*,\s*{_QUOTED_STATUS})+\s*,?\s*[)\]}}]")
# Long enough to be the reason's own words: a text split over source lines starts whole.
REASON_PREFIX = 40


def source_files(root: Path = REPO) -> list[Path]:
    return sorted(
        path
        for path in root.rglob("*")
        if path.suffix in SOURCE_SUFFIXES
        and path.is_file()
        and not SKIPPED_DIRECTORIES & set(path.relative_to(root).parts)
    )


def status_sets(text: str) -> set[frozenset[str]]:
    return {
        frozenset(re.findall(_QUOTED_STATUS, found.group(0))) for found in STATUS_SET.finditer(text)
    }


def written_more_than_once(files: list[Path], root: Path = REPO) -> dict[str, list[str]]:
    """Each status set, reason text and street found in more than one file, with those files."""
    reasons = {
        text[:REASON_PREFIX] for names in REJECTION_REASON_NAMES.values() for text in names.values()
    }
    street = ServiceCentre.model_fields["street"].default
    where: dict[str, set[str]] = defaultdict(set)
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        name = str(path.relative_to(root))
        for statuses in status_sets(text):
            where["statuses " + ", ".join(sorted(statuses))].add(name)
        for reason in reasons:
            if reason in text:
                where["reason " + reason].add(name)
        if street in text:
            where["street " + street].add(name)
    return {word: sorted(files) for word, files in where.items() if len(files) > 1}


def test_each_status_set_reason_and_the_street_is_written_once() -> None:
    files = source_files()
    assert len(files) > 100
    assert written_more_than_once(files) == {}


def test_the_catalogues_are_found_where_they_live() -> None:
    """The search finds what it looks for (else the test above could pass on nothing)."""
    vocabulary = (REPO / "shared" / "claims_vocabulary.py").read_text(encoding="utf-8")
    assert frozenset({"closed", "cancelled"}) in status_sets(vocabulary)
    assert "Rudzka 65C" in (REPO / "shared" / "service_centre.py").read_text(encoding="utf-8")


def test_the_open_serial_index_keeps_the_ended_statuses() -> None:
    """The partial index of one open claim per serial is the schema's copy of ENDED_STATUSES
    (SQL cannot read the Python set): it must name the same statuses."""
    migrations = REPO / "services" / "claims" / "migrations"
    found = {
        path.name: status_sets(path.read_text(encoding="utf-8"))
        for path in sorted(migrations.glob("*.sql"))
    }
    assert {name: sets for name, sets in found.items() if sets} == {
        "0004_claim_aggregate_lifecycle.sql": {ENDED_STATUSES}
    }


def test_a_duplicated_status_set_reason_or_street_fails(tmp_path: Path) -> None:
    (tmp_path / "services").mkdir()
    (tmp_path / "services" / "a.py").write_text(
        'ENDED = frozenset({"closed", "cancelled"})\nWHY = "Normalne zużycie."\n'
        'AT = "Rudzka 65C"\n',
        encoding="utf-8",
    )
    (tmp_path / "services" / "b.sql").write_text(
        "SELECT 1 WHERE status NOT IN ('cancelled', 'closed'); -- Rudzka 65C",
        encoding="utf-8",
    )
    (tmp_path / "services" / "c.html").write_text(
        '{% if claim.status in ["cancelled", "closed"] %}{{ _("Normalne zużycie.") }}{% endif %}',
        encoding="utf-8",
    )
    # Quoted in a test or in the docs: allowed.
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text('("closed", "cancelled")', encoding="utf-8")
    files = source_files(tmp_path)
    assert [path.name for path in files] == ["a.py", "b.sql", "c.html"]
    assert written_more_than_once(files, tmp_path) == {
        "statuses cancelled, closed": ["services/a.py", "services/b.sql", "services/c.html"],
        "reason Normalne zużycie.": ["services/a.py", "services/c.html"],
        "street Rudzka 65C": ["services/a.py", "services/b.sql"],
    }
