"""docker-compose.yml runs the PostgreSQL major version `make run` and `make test` run (Debian's
package on this machine), so a migration tested here is the one compose users get."""

from __future__ import annotations

import asyncpg
import pytest
import yaml

from tools.support.stack import REPO

pytestmark = pytest.mark.integration


async def test_compose_names_the_postgresql_major_version_the_tests_run(database_url: str) -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    image = compose["services"]["postgres"]["image"]
    connection = await asyncpg.connect(database_url)
    try:
        version = int(await connection.fetchval("SHOW server_version_num"))
    finally:
        await connection.close()
    assert image == f"postgres:{version // 10000}"
