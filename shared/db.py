"""asyncpg pool and a migration runner: SQL files applied at start-up, in order, once."""

from __future__ import annotations

import asyncio
import importlib
import re
from collections import defaultdict
from collections.abc import Sequence
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any, TypeAlias
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import orjson
from asyncpg.pool import PoolConnectionProxy

from shared.logging import get_logger

log = get_logger(__name__)

# What a handler receives: a plain connection or one borrowed from the pool.
Conn: TypeAlias = "asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]"

# Any constant works; it only has to be the same for every instance of a service.
_MIGRATION_LOCK_ID = 727_001


def json_text(value: Any) -> str:
    """JSON as the connections' jsonb and json codecs write it; also for JSON sent as text, as
    in an array of rows (where asyncpg would take a list for one more dimension).

    orjson: every claim, assessment and email row carries JSON, several times faster than json."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


class RecordColumns:
    """Columns read together as one record (`ROW(...)` in a query: a row of a table beside
    another's, in one statement), and such a record's values by the columns' names."""

    def __init__(self, sql: str) -> None:
        self.sql = sql
        self._names = tuple(name.strip() for name in sql.split(","))

    def named(self, values: Sequence[Any]) -> dict[str, Any]:
        return dict(zip(self._names, values, strict=True))


async def _init_connection(conn: Conn) -> None:
    for type_name in ("jsonb", "json"):
        await conn.set_type_codec(
            type_name, encoder=json_text, decoder=orjson.loads, schema="pg_catalog"
        )


async def _no_session_reset(_conn: Conn) -> None:
    """A released connection keeps its session: nothing here leaves session state behind (the
    listeners and the migration lock are undone by their owners), so asyncpg's reset query
    (unlock all, CLOSE ALL, UNLISTEN *, RESET ALL) would be a round trip per release for nothing.
    asyncpg still rolls back a transaction left open and forgets the listeners' callbacks."""


async def create_pool(database_url: str, max_size: int = 10) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        database_url,
        min_size=1,
        max_size=max_size,
        init=_init_connection,
        reset=_no_session_reset,
    )
    assert pool is not None
    return pool


async def close_pool(pool: asyncpg.Pool, timeout: float = 10.0) -> None:
    """Close gracefully, but within `timeout`: a connection never given back (a task cancelled
    mid-query) would keep `close()` waiting forever and the process from stopping."""
    try:
        await asyncio.wait_for(pool.close(), timeout)
    except TimeoutError:
        log.warning("database pool not closed in time; connections terminated", timeout=timeout)
        pool.terminate()


def split_database_url(database_url: str) -> tuple[str, str]:
    """`postgresql://u:p@h:5432/db` -> (`postgresql://u:p@h:5432/postgres`, `db`)."""
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not name:
        raise ValueError(f"database url has no database name: {parts._replace(netloc='***')}")
    return urlunsplit(parts._replace(path="/postgres")), name


async def ensure_database(database_url: str) -> None:
    """Create the service's database when the server has none yet (the role needs CREATEDB)."""
    server_url, name = split_database_url(database_url)
    conn = await asyncpg.connect(server_url)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            try:
                await conn.execute(f'CREATE DATABASE "{name}"')
                log.info("database created", database=name)
            except (asyncpg.DuplicateDatabaseError, asyncpg.UniqueViolationError):
                # Created by a sibling instance in the meantime; a CREATE DATABASE racing another
                # one fails on pg_database's unique index rather than as a duplicate database.
                pass
    finally:
        await conn.close()


class MigrationError(RuntimeError):
    """A migrations package the runner cannot apply safely (a number used twice, a file not
    named `NNNN_words.sql`, a RENAMED entry that does not match the files): refused at start-up,
    before anything is applied."""


# `0003_delivery_retries.sql`: the number orders the files of one package.
_MIGRATION_NAME = re.compile(r"(?P<number>\d{4})_[a-z0-9_]+\.sql")


def migration_files(package: str) -> list[Traversable]:
    """The package's migrations in order; each number once, so the order never rests on the
    rest of the name."""
    entries = sorted(
        (entry for entry in resources.files(package).iterdir() if entry.name.endswith(".sql")),
        key=lambda entry: entry.name,
    )
    by_number: dict[str, list[str]] = defaultdict(list)
    for entry in entries:
        match = _MIGRATION_NAME.fullmatch(entry.name)
        if match is None:
            raise MigrationError(f"{package}: {entry.name} is not named NNNN_words.sql")
        by_number[match["number"]].append(entry.name)
    if clashes := [names for names in by_number.values() if len(names) > 1]:
        raise MigrationError(f"{package}: one number for several migrations: {clashes}")
    return entries


def renamed_migrations(package: str) -> dict[str, str]:
    """Old file name -> current one, from the package's `RENAMED`: a database migrated before a
    rename recorded the old name, and must not run the file again under the new one."""
    renamed: dict[str, str] = dict(getattr(importlib.import_module(package), "RENAMED", {}))
    present = {entry.name for entry in resources.files(package).iterdir()}
    if missing := sorted(new for new in renamed.values() if new not in present):
        raise MigrationError(f"{package}: RENAMED names files that do not exist: {missing}")
    if still_there := sorted(old for old in renamed if old in present):
        raise MigrationError(
            f"{package}: RENAMED gives new names to files still there: {still_there}"
        )
    return renamed


def _migration_files(*packages: str) -> list[tuple[str, Traversable]]:
    return [
        (f"{package}:{entry.name}", entry)
        for package in packages
        for entry in migration_files(package)
    ]


async def _record_renames(conn: Conn, packages: tuple[str, ...]) -> None:
    """Bring the bookkeeping of a database migrated before a rename up to the new names."""
    async with conn.transaction():
        for package in packages:
            for old, new in renamed_migrations(package).items():
                status = await conn.execute(
                    "UPDATE schema_migrations SET name = $2 WHERE name = $1",
                    f"{package}:{old}",
                    f"{package}:{new}",
                )
                if status != "UPDATE 0":
                    log.info("migration record renamed", old=f"{package}:{old}", new=new)


async def migrate(pool: asyncpg.Pool, *packages: str) -> list[str]:
    """Apply the `*.sql` files of each package (shared first, then the service's) not yet applied.

    An advisory lock serialises instances starting together; each file runs in its own
    transaction together with its bookkeeping row, so a failed file leaves no trace. Files
    are recorded by package and name; a package's `RENAMED` (old name -> new) carries a
    database that recorded a file under its old name over to the new one, so nothing runs twice.
    """
    applied_now: list[str] = []
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK_ID)
        try:
            await conn.execute(
                """CREATE TABLE IF NOT EXISTS schema_migrations (
                       name text PRIMARY KEY,
                       applied_at timestamptz NOT NULL DEFAULT now())"""
            )
            every_package = tuple(dict.fromkeys(("shared.migrations", *packages)))
            files = _migration_files(*every_package)
            await _record_renames(conn, every_package)
            done = {row["name"] for row in await conn.fetch("SELECT name FROM schema_migrations")}
            for name, entry in files:
                if name in done:
                    continue
                async with conn.transaction():
                    await conn.execute(entry.read_text(encoding="utf-8"))
                    await conn.execute("INSERT INTO schema_migrations (name) VALUES ($1)", name)
                applied_now.append(name)
                log.info("migration applied", migration=name)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK_ID)
    return applied_now
