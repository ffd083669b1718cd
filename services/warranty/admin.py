"""Admin commands of warranty: `python -m services.warranty.admin import-catalogue FILE.json`
and `import-registrations FILE.csv` (services/warranty/entrypoints/old_form.py).

The file is a list of catalogue entries (ean, sku, name, brand, category, outlet, problems,
serial_required, problem_parts: the problems that concern a wear part), as tools.demo_data
writes it.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from services.warranty import handlers
from services.warranty.bootstrap import postgres_context
from services.warranty.domain.ean import InvalidEan, validate_gtin13
from services.warranty.entrypoints import old_form
from services.warranty.entrypoints.http import CatalogueEntry
from services.warranty.settings import WarrantySettings
from services.warranty.unit_of_work import CatalogueProduct
from shared.db import create_pool, ensure_database, migrate


def read_catalogue(path: Path) -> list[dict[str, Any]]:
    try:
        entries = TypeAdapter(list[CatalogueEntry]).validate_json(path.read_bytes())
        for entry in entries:
            if refusal := entry.unlisted_problem_parts():
                raise SystemExit(f"admin: {path} is not a valid catalogue: {refusal.message.pl}")
        return [{**e.model_dump(), "ean": validate_gtin13(e.ean)} for e in entries]
    except (ValidationError, InvalidEan) as error:
        raise SystemExit(f"admin: {path} is not a valid catalogue: {error}") from None


async def import_products(settings: WarrantySettings, products: list[dict[str, Any]]) -> int:
    await ensure_database(settings.database_url)
    pool = await create_pool(settings.database_url, max_size=2)
    try:
        await migrate(pool, "services.warranty.migrations")
        entries = [CatalogueProduct(**product) for product in products]
        return await handlers.import_catalogue(postgres_context(pool), entries)
    finally:
        await pool.close()


async def import_registrations(settings: WarrantySettings, path: Path) -> old_form.ImportSummary:
    rows = old_form.read_rows(path)
    await ensure_database(settings.database_url)
    pool = await create_pool(settings.database_url, max_size=2)
    try:
        await migrate(pool, "services.warranty.migrations")
        return await old_form.import_rows(postgres_context(pool), rows, progress=True)
    finally:
        await pool.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m services.warranty.admin")
    commands = parser.add_subparsers(dest="command", required=True)
    catalogue = commands.add_parser("import-catalogue", help="import a catalogue JSON file")
    catalogue.add_argument("file", type=Path)
    registrations = commands.add_parser(
        "import-registrations", help="import the old form's scooter registrations (CSV)"
    )
    registrations.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    if args.command == "import-registrations":
        summary = asyncio.run(import_registrations(WarrantySettings(), args.file))
        print("\n".join(summary.lines()))
        raise SystemExit(1 if summary.refused else 0)
    entries = read_catalogue(args.file)
    changed = asyncio.run(import_products(WarrantySettings(), entries))
    print(f"admin: {len(entries)} catalogue entries imported, {changed} of them new or changed")


if __name__ == "__main__":
    main()
