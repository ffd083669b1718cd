from __future__ import annotations

from pathlib import Path

from shared.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    http_port: int = 8004
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_from: str = "Serwis INNPRO <serwis@innpro.example>"
    message_id_domain: str = "rma.innpro.example"
    seal_private_key_file: Path = Path(".run/dev/keys/seal_private.pem")
    # After this many failed SMTP attempts an email is marked failed and shown to operators.
    smtp_max_attempts: int = 6
    smtp_first_retry_seconds: float = 2.0
    # Events older than this when they arrive are recorded but not emailed (history replayed).
    email_max_event_age_days: int = 7
