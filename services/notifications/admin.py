"""Admin command of notifications: `python -m services.notifications.admin resend-failed [ID]`.

Puts one failed email (by email_id), or every failed one, back in the sending queue of the
running service, which sends it with its original Message-ID.
"""

from __future__ import annotations

import argparse
import asyncio
from uuid import UUID

from services.notifications import handlers
from services.notifications.bootstrap import postgres_context
from services.notifications.settings import NotificationsSettings
from shared.db import create_pool
from shared.errors import BusinessRuleError


async def resend_failed(settings: NotificationsSettings, email_id: UUID | None) -> list[UUID]:
    """The ids queued again; none when the one asked for does not exist or has not failed."""
    pool = await create_pool(settings.database_url, max_size=1)
    try:
        return await handlers.resend_failed(
            # Resending opens no sealed facts: the key is not needed here.
            postgres_context(settings, lambda: pool, seal_private_key=b""),
            email_id,
        )
    except BusinessRuleError:
        return []
    finally:
        await pool.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m services.notifications.admin")
    commands = parser.add_subparsers(dest="command", required=True)
    resend = commands.add_parser("resend-failed", help="send failed emails again")
    resend.add_argument("email_id", type=UUID, nargs="?", help="one email; all failed if omitted")
    args = parser.parse_args(argv)
    resent = asyncio.run(resend_failed(NotificationsSettings(), args.email_id))
    if args.email_id is not None and not resent:
        raise SystemExit(f"admin: email {args.email_id} does not exist or has not failed")
    print(f"admin: {len(resent)} failed email(s) queued to be sent again")


if __name__ == "__main__":
    main()
