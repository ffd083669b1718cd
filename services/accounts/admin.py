"""Admin command of accounts: create operators and scanner devices.

python -m services.accounts.admin create-operator EMAIL "FULL NAME"
    (the password is read from RMA_ADMIN_PASSWORD, or asked for)
python -m services.accounts.admin create-scanner NAME
    (prints the scanner's API key once; only its hash is kept)
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import secrets
import sys
from uuid import uuid4

import asyncpg

from services.accounts import domain
from services.accounts.bootstrap import postgres_units
from services.accounts.handlers import hash_secret
from services.accounts.settings import AccountsSettings
from services.accounts.unit_of_work import Operator, Scanner
from shared.db import create_pool, ensure_database, migrate
from shared.errors import BusinessRuleError


async def _pool(settings: AccountsSettings) -> asyncpg.Pool:
    await ensure_database(settings.database_url)
    pool = await create_pool(settings.database_url, max_size=2)
    await migrate(pool, "services.accounts.migrations")
    return pool


async def create_operator(
    settings: AccountsSettings, email: str, full_name: str, password: str
) -> None:
    if len(password) < 12:
        raise SystemExit("admin: an operator's password needs at least 12 characters")
    try:
        domain.check_new_password(password, email)
    except BusinessRuleError as weak:
        raise SystemExit(f"admin: {weak.message.en}") from None
    operator = Operator(uuid4(), email, full_name, settings.password_hasher().hash(password))
    pool = await _pool(settings)
    try:
        async with postgres_units(pool)() as uow:
            created = await uow.staff.add_operator(operator)
            await uow.commit()
    finally:
        await pool.close()
    if not created:
        raise SystemExit(f"admin: an operator with the email {email} exists already")
    print(f"admin: operator {email} created")


async def create_scanner(settings: AccountsSettings, name: str) -> str:
    api_key = "scn_" + secrets.token_urlsafe(32)
    pool = await _pool(settings)
    try:
        async with postgres_units(pool)() as uow:
            created = await uow.staff.add_scanner(Scanner(uuid4(), name), hash_secret(api_key))
            await uow.commit()
    finally:
        await pool.close()
    if not created:
        raise SystemExit(f"admin: a scanner named {name} exists already")
    return api_key


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m services.accounts.admin")
    commands = parser.add_subparsers(dest="command", required=True)
    operator = commands.add_parser("create-operator", help="create an operator")
    operator.add_argument("email")
    operator.add_argument("full_name")
    scanner = commands.add_parser("create-scanner", help="create a scanner device, print its key")
    scanner.add_argument("name")
    args = parser.parse_args(argv)
    settings = AccountsSettings()
    if args.command == "create-operator":
        password = os.environ.get("RMA_ADMIN_PASSWORD") or getpass.getpass("Password: ")
        asyncio.run(create_operator(settings, args.email, args.full_name, password))
    else:
        api_key = asyncio.run(create_scanner(settings, args.name))
        print(f"admin: scanner {args.name} created; its API key (shown once):", file=sys.stderr)
        print(api_key)


if __name__ == "__main__":
    main()
