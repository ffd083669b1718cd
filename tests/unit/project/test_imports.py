"""Which way the imports point: the tests import the code and `tools.support` (the helpers the
tests and the tools share); no shipped package (shared, services, tools) imports `tests`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


def imported_modules(source: Path) -> set[str]:
    """Every module `source` imports, absolute, whether at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"), str(source))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_imported_modules_sees_imports_inside_functions(tmp_path: Path) -> None:
    source = tmp_path / "module.py"
    source.write_text(
        "import os\n\ndef helper():\n    from tests.support import claims\n    import tests.x\n",
        encoding="utf-8",
    )
    assert imported_modules(source) == {"os", "tests.support", "tests.x"}


@pytest.mark.parametrize("package", ["shared", "services", "tools"])
def test_no_shipped_package_imports_the_tests(package: str) -> None:
    offenders = {
        str(path.relative_to(REPO)): sorted(
            name for name in imported_modules(path) if name == "tests" or name.startswith("tests.")
        )
        for path in sorted((REPO / package).rglob("*.py"))
    }
    assert {path: names for path, names in offenders.items() if names} == {}
