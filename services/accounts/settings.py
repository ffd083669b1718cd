from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import ClassVar

from argon2 import PasswordHasher
from pydantic import Field

from shared.settings import ServiceSettings


class AccountsSettings(ServiceSettings):
    # Logins, guesses and emails are limited per client address (see ServiceSettings).
    counts_clients_by_address: ClassVar[bool] = True
    http_port: int = 8001
    # Accounts records the changes itself: its tokens older than one are refused at once.
    credential_check_cache_seconds: float = 0.0
    # Its events are rare and a person acts on them at once (a document linked, then a claim
    # filed on it): published as soon as committed.
    outbox_linger_ms: int = Field(default=0, ge=0, le=5000)
    # Argon2id's cost of a password hash: argon2-cffi's defaults (RFC 9106's low-memory
    # profile, ~0.25 s a hash on one core here). Hashes carry their own parameters, so a change
    # applies to new passwords and every stored one still verifies. The test servers lower it.
    password_hash_time_cost: int = Field(default=3, ge=1, le=20)
    password_hash_memory_kib: int = Field(default=65536, ge=64, le=4 * 1024 * 1024)

    def password_hasher(self) -> PasswordHasher:
        return PasswordHasher(
            time_cost=self.password_hash_time_cost, memory_cost=self.password_hash_memory_kib
        )

    token_private_key_file: Path = Path(".run/dev/keys/token_private.pem")
    # Where the activation link in the email points (the web panel or this service).
    # The web panel, which serves the pages the emailed links open.
    public_base_url: str = "http://127.0.0.1:8000"
    activation_ttl: timedelta = timedelta(hours=48)
    access_token_ttl: timedelta = timedelta(minutes=30)
    password_reset_ttl: timedelta = timedelta(hours=2)
    email_change_ttl: timedelta = timedelta(hours=24)
