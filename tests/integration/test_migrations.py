"""The migration runner against the real PostgreSQL: a database migrated before the files were
renumbered (shared's three `0002_`, notifications' two `0003_`) takes the new names without
running anything twice, and a half-migrated one runs only what it lacks."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from shared.db import close_pool, create_pool, migrate, migration_files, renamed_migrations

pytestmark = pytest.mark.integration

PACKAGES = ("shared.migrations", "services.notifications.migrations")


def _old_name(package: str, file: str) -> str:
    """The name the runner recorded for `file` before the rename."""
    old_by_new = {new: old for old, new in renamed_migrations(package).items()}
    return f"{package}:{old_by_new.get(file, file)}"


async def _migrate_as_before_the_rename(pool: asyncpg.Pool, up_to_old_name: str | None) -> None:
    """What the runner before the rename did: each file in order, recorded under its old name
    (the files' order and text did not change), stopping after `up_to_old_name`."""
    async with pool.acquire() as conn:
        await conn.execute(
            "CREATE TABLE schema_migrations ("
            " name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        for package in PACKAGES:
            for entry in migration_files(package):
                old_name = _old_name(package, entry.name)
                await conn.execute(entry.read_text(encoding="utf-8"))
                await conn.execute("INSERT INTO schema_migrations (name) VALUES ($1)", old_name)
                if old_name == up_to_old_name:
                    return


async def _recorded(pool: asyncpg.Pool) -> set[str]:
    return {row["name"] for row in await pool.fetch("SELECT name FROM schema_migrations")}


def _current_names() -> set[str]:
    return {f"{package}:{entry.name}" for package in PACKAGES for entry in migration_files(package)}


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database_url)
    yield pool
    await close_pool(pool)


async def test_a_database_migrated_under_the_old_names_runs_nothing_again(
    pool: asyncpg.Pool,
) -> None:
    await _migrate_as_before_the_rename(pool, up_to_old_name=None)
    assert "shared.migrations:0002_token_not_before.sql" in await _recorded(pool)

    assert await migrate(pool, "services.notifications.migrations") == []
    assert await _recorded(pool) == _current_names()
    # And again: the new names are what it now knows.
    assert await migrate(pool, "services.notifications.migrations") == []


async def test_a_database_half_migrated_under_the_old_names_runs_only_what_it_lacks(
    pool: asyncpg.Pool,
) -> None:
    await _migrate_as_before_the_rename(
        pool, up_to_old_name="services.notifications.migrations:0003_email_trace_context.sql"
    )

    applied = await migrate(pool, "services.notifications.migrations")

    assert applied == [
        "services.notifications.migrations:0005_pending_emails_in_order.sql",
        "services.notifications.migrations:0006_email_claims.sql",
    ]
    assert await _recorded(pool) == _current_names()
    index = await pool.fetchval("SELECT to_regclass('emails_pending_created')")
    assert index is not None


async def test_a_new_database_gets_every_file_under_its_new_name(pool: asyncpg.Pool) -> None:
    applied = await migrate(pool, "services.notifications.migrations")
    assert applied == [
        f"{package}:{entry.name}" for package in PACKAGES for entry in migration_files(package)
    ]
    assert await _recorded(pool) == _current_names()
