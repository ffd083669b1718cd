"""Admin command of claims: `python -m services.claims.admin seed-demo PLAN.json`.

Files the demo plan's claims (see services/claims/demo.py) once the customer's documents have
reached this service (the plan's documents linked to its account); seeding again skips the
claims already filed.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

from pydantic import ValidationError

from services.claims import handlers
from services.claims.bootstrap import postgres_context
from services.claims.demo import DemoPlan, DemoSeeder
from services.claims.settings import ClaimsSettings
from shared.db import create_pool, ensure_database, migrate
from shared.errors import BusinessRuleError
from shared.logging import configure_logging


def read_plan(path: Path) -> DemoPlan:
    try:
        return DemoPlan.model_validate_json(path.read_bytes())
    except (OSError, ValidationError) as error:
        raise SystemExit(f"admin: {path} is not a demo plan: {error}") from None


async def _wait_for_documents(ctx: handlers.ClaimsContext, plan: DemoPlan, wait: float) -> None:
    """The account's documents reach claims as events; wait until every one of them is here."""
    documents = {(c.document_type, c.document_number, c.line_no) for c in plan.claims}
    deadline = time.monotonic() + wait
    while documents:
        document = next(iter(documents))
        try:
            await handlers.claim_options(ctx, plan.account_id, *document)
            documents.discard(document)
        except BusinessRuleError:
            if time.monotonic() > deadline:
                raise SystemExit(
                    f"admin: document {document[0]} {document[1]} is not linked to account "
                    f"{plan.account_id} in claims after {wait:.0f} s"
                ) from None
            await asyncio.sleep(0.5)


async def seed_demo(settings: ClaimsSettings, plan: DemoPlan, wait: float) -> str:
    await ensure_database(settings.database_url)
    pool = await create_pool(settings.database_url, max_size=2)
    try:
        await migrate(pool, "services.claims.migrations")
        seeder = DemoSeeder(postgres_context(pool).uow)
        await _wait_for_documents(seeder.ctx, plan, wait)
        report = await seeder.seed(plan)
    finally:
        await pool.close()
    return (
        f"admin: {report.filed} demo claims filed, {report.skipped} there already, "
        f"{report.unidentified_parcels} unidentified parcel(s) scanned"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m services.claims.admin")
    commands = parser.add_subparsers(dest="command", required=True)
    seed = commands.add_parser("seed-demo", help="file the demo claims of a plan (once)")
    seed.add_argument("plan", type=Path)
    seed.add_argument("--wait", type=float, default=120, help="seconds to wait for documents")
    args = parser.parse_args(argv)
    # Each claim's events are logged as the service logs them; the summary line says enough.
    configure_logging("claims-admin", level="WARNING", fmt="console")
    print(asyncio.run(seed_demo(ClaimsSettings(), read_plan(args.plan), args.wait)))


if __name__ == "__main__":
    main()
