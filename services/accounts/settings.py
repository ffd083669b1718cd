from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import ClassVar

from shared.settings import ServiceSettings


class AccountsSettings(ServiceSettings):
    # Logins, guesses and emails are limited per client address (see ServiceSettings).
    counts_clients_by_address: ClassVar[bool] = True
    http_port: int = 8001
    # Accounts records the changes itself: its tokens older than one are refused at once.
    credential_check_cache_seconds: float = 0.0
    token_private_key_file: Path = Path(".run/dev/keys/token_private.pem")
    # Where the activation link in the email points (the web panel or this service).
    # The web panel, which serves the pages the emailed links open.
    public_base_url: str = "http://127.0.0.1:8000"
    activation_ttl: timedelta = timedelta(hours=48)
    access_token_ttl: timedelta = timedelta(minutes=30)
    password_reset_ttl: timedelta = timedelta(hours=2)
    email_change_ttl: timedelta = timedelta(hours=24)
