"""The migrations packages: each number once per package, and the runner refuses a package
that breaks that (or whose RENAMED does not match its files) before applying anything."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from shared.db import MigrationError, migration_files, renamed_migrations

REPO = Path(__file__).resolve().parents[3]
PACKAGES = ["shared.migrations"] + [
    f"services.{folder.parent.name}.migrations"
    for folder in sorted(REPO.glob("services/*/migrations"))
]


def test_every_service_has_a_migrations_package() -> None:
    assert {"accounts", "claims", "warranty", "notifications"} <= {
        package.split(".")[1] for package in PACKAGES[1:]
    }


@pytest.mark.parametrize("package", PACKAGES)
def test_each_package_uses_each_number_once(package: str) -> None:
    folder = REPO.joinpath(*package.split("."))
    numbers = Counter(path.name.split("_", 1)[0] for path in folder.glob("*.sql"))
    assert [number for number, count in numbers.items() if count > 1] == []


@pytest.mark.parametrize("package", PACKAGES)
def test_the_runner_accepts_every_package(package: str) -> None:
    names = [entry.name for entry in migration_files(package)]
    assert names == sorted(names)
    renamed_migrations(package)


def _package(root: Path, name: str, files: list[str], init: str = "") -> str:
    folder = root / name
    folder.mkdir()
    (folder / "__init__.py").write_text(init, encoding="utf-8")
    for file in files:
        (folder / file).write_text("SELECT 1;", encoding="utf-8")
    return name


def test_the_runner_refuses_a_number_used_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    package = _package(tmp_path, "clashing_migrations", ["0001_a.sql", "0002_b.sql", "0002_c.sql"])
    with pytest.raises(MigrationError, match=r"0002_b\.sql', '0002_c\.sql"):
        migration_files(package)


def test_the_runner_refuses_a_file_without_a_number(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    package = _package(tmp_path, "unnumbered_migrations", ["0001_a.sql", "outbox.sql"])
    with pytest.raises(MigrationError, match=r"outbox\.sql is not named NNNN_words\.sql"):
        migration_files(package)


def test_the_runner_refuses_a_rename_to_a_file_that_is_not_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    init = 'RENAMED = {"0002_b.sql": "0003_b.sql"}\n'
    package = _package(tmp_path, "misrenamed_migrations", ["0001_a.sql", "0002_c.sql"], init)
    with pytest.raises(MigrationError, match=r"do not exist: \['0003_b\.sql'\]"):
        renamed_migrations(package)


def test_the_runner_refuses_a_rename_of_a_file_still_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    init = 'RENAMED = {"0001_a.sql": "0002_a.sql"}\n'
    package = _package(tmp_path, "half_renamed_migrations", ["0001_a.sql", "0002_a.sql"], init)
    with pytest.raises(MigrationError, match=r"still there: \['0001_a\.sql'\]"):
        renamed_migrations(package)
