from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator

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
    # The service centre's inbox: told when a customer answers an offer (a paid-repair quote,
    # deductions, a price reduction), since the next step is the operators'. Empty: not told.
    service_desk_email: str = "serwis@innpro.example"
    # The web panel, whose claim page the claim emails link to (answer a quote, follow a parcel).
    public_base_url: str = "http://127.0.0.1:8000"
    seal_private_key_file: Path = Path(".run/dev/keys/seal_private.pem")
    # A temporary refusal (4xx, a timeout, a lost connection) is retried with exponential
    # backoff capped at smtp_max_retry_seconds, for as long as a mail server keeps a message
    # (smtp_retry_for_seconds, 3 days); only a permanent answer (5xx) fails an email at once.
    smtp_first_retry_seconds: float = Field(default=2.0, gt=0)
    smtp_max_retry_seconds: float = Field(default=600.0, gt=0)
    smtp_retry_for_seconds: float = Field(default=3 * 24 * 3600.0, gt=0)
    # Once the server refused, one waiting email is tried every this many seconds (a probe);
    # when one is accepted, every email waiting for its backoff is sent at once.
    smtp_probe_seconds: float = Field(default=5.0, gt=0)
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)
    # Long-lived SMTP connections kept open, and so emails in flight at once.
    smtp_connections: int = Field(default=4, ge=1)
    # A connection idle for longer is replaced, before the server drops it under us.
    smtp_idle_seconds: float = Field(default=20.0, gt=0)
    # How long this process keeps a customer's name it read or recorded (names.py): a name
    # recorded through another instance reaches this one's emails at most this late. 0: never.
    customer_name_cache_seconds: float = Field(default=300.0, ge=0)
    # Events older than this when they arrive are recorded but not emailed (history replayed).
    email_max_event_age_days: int = 7

    @property
    def smtp_claim_seconds(self) -> float:
        """How long an email being sent stays claimed: longer than any send can take, so that a
        second sender never takes it over mid-send; after it, a sender that died is replaced."""
        return 2 * self.smtp_timeout_seconds + 5

    @model_validator(mode="after")
    def _backoff_in_order(self) -> NotificationsSettings:
        if self.smtp_max_retry_seconds < self.smtp_first_retry_seconds:
            raise ValueError("RMA_SMTP_MAX_RETRY_SECONDS is below RMA_SMTP_FIRST_RETRY_SECONDS")
        return self
