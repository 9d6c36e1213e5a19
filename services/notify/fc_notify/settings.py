from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from fc_shared.netpolicy import LOOPBACK, parse_networks
from fc_shared.settings import ServiceSettings


class NotifySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFY_", extra="ignore")

    name: str = "notify"
    port: int = 8004

    # Webhooks. Seconds to wait before attempt 1, 2, …; Standard Webhooks' schedule. Tests shorten it.
    retry_schedule_s: list[float] = Field(default_factory=lambda: [0, 5, 300, 1800, 7200, 18000, 36000, 36000],
                                          min_length=1)
    retry_jitter_ratio: float = Field(0.1, ge=0, le=0.5)
    max_retry_after_s: float = 86400.0
    delivery_timeout_s: float = 15.0
    response_excerpt_bytes: int = 4096
    disable_after_s: float = 5 * 86400.0  # an endpoint failing continuously this long is disabled
    rotation_overlap_s: float = 86400.0  # both secrets sign for this long after a rotation
    dispatch_interval_s: float = 0.2  # fallback: the dispatcher also wakes when a send ends or deliveries arrive
    max_in_flight: int = Field(64, ge=1)  # across all endpoints
    per_endpoint_concurrency: int = Field(16, ge=1)  # requests in flight to one endpoint
    # SSRF: endpoints must resolve to public addresses, except networks listed here (JSON list of CIDRs).
    # Unset: loopback in development (so `make run` and the tests can use a local receiver), none elsewhere.
    webhook_allowed_networks: list[str] | None = None
    webhook_resolver: Literal["system", "static"] = "system"  # static: only webhook_hosts and IP literals
    webhook_hosts: dict[str, list[str]] = Field(default_factory=dict)  # fixed entries, consulted before DNS
    webhook_resolve_timeout_s: float = 5.0

    # E-mail (off unless smtp_host is set).
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "noreply@future-community.example"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_timeout_s: float = 10.0
    email_retry_schedule_s: list[float] = Field(default_factory=lambda: [0, 30, 120, 600, 3600, 21600], min_length=1)
    email_interval_s: float = 1.0

    @field_validator("webhook_allowed_networks")
    @classmethod
    def _cidrs(cls, value: list[str] | None) -> list[str] | None:
        if value is not None:
            parse_networks(value)  # a typo is a start-up error, not a silently open or closed door
        return value

    @property
    def allowed_webhook_networks(self) -> list[str]:
        if self.webhook_allowed_networks is not None:
            return self.webhook_allowed_networks
        return list(LOOPBACK) if self.platform.env == "development" else []

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_host)
