"""Typed settings: platform-wide ``FC_`` settings plus one prefix per service."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "dev-secret-change-me"}
DEV_SECRET = "dev-secret-change-me"


class PlatformSettings(BaseSettings):
    """Settings shared by every service (``FC_*``)."""

    model_config = SettingsConfigDict(env_prefix="FC_", extra="ignore")

    env: str = "development"  # development | production
    jwt_secret: str = DEV_SECRET
    jwt_audience: str = "fc-platform"
    jwt_issuer: str | None = None
    jwt_jwks_url: str | None = None  # production: external OIDC provider (RS256)
    jwt_jwks_timeout_s: float = 3.0  # one JWKS fetch, connect to last byte
    jwt_jwks_cache_s: float = 600.0  # keys are refetched after this long
    jwt_jwks_min_refresh_s: float = 10.0  # unknown kids refetch, and a failed fetch is retried, at most this often
    data_dir: Path = Path(".data")
    sample_data: bool = True
    kafka_bootstrap: str = "127.0.0.1:9092"
    kafka_partitions: int = 3
    kafka_replication: int = 1
    # A consumer that has not been heard from for this long leaves its group and its partitions go to another.
    # The local broker (Tansu) also answers a group join only after half of it, so every consumer start waits
    # that long: the tests run with 3 s.
    kafka_session_timeout_ms: int = Field(10000, ge=1000, le=300000)
    # How long the broker may hold a consumer's fetch when there is nothing new. Kafka answers as soon as data
    # arrives, so there it only bounds idle traffic (500 ms in deploy/k8s); the local broker (Tansu) holds the
    # fetch the whole time even when an event arrives, so on it this is the wait an event can add at each hop.
    kafka_fetch_max_wait_ms: int = Field(50, ge=1, le=10000)
    cors_origins: list[str] = Field(default_factory=list)
    outbox_retention_days: int = 7
    audit_retention_days: int | None = Field(default=None, ge=1)  # audit entries kept; None: forever
    consumer_max_retries: int = 5
    consumer_retry_backoff_s: float = 0.2
    # Events of one fetched batch handled in one transaction (1: one transaction per event).
    consumer_batch_size: int = Field(100, ge=1, le=1000)
    log_level: str = "INFO"
    # The interpreter's thread switch interval (sys.setswitchinterval). aiosqlite runs each SQLite call on a
    # thread of its own; the loop gets the answer only once that thread has the GIL, which a busy loop hands
    # over after this long: at the default 5 ms, a 20-statement transaction could wait 100 ms (issue 15).
    gil_switch_interval_s: float = Field(0.0005, gt=0, le=0.1)
    # Answers of hot reads (board, project) kept while the database is unchanged (fc_shared.readcache); 0: off.
    read_cache_entries: int = Field(1024, ge=0, le=100000)
    run_workers: bool = True  # relay + consumers + background jobs in this process
    domain_gauge_interval_s: float = 30.0  # refresh of domain figures (projects by state, money paid)
    timezone: str = "Asia/Shanghai"  # the district's time zone: what "today" and "the year has ended" mean
    today: date | None = None  # FC_TODAY=YYYY-MM-DD pins the district's day (development only)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"FC_TIMEZONE {value!r} is not an IANA time zone") from exc
        return value

    @field_validator("today", mode="before")
    @classmethod
    def _iso_date_only(cls, value: object) -> object:
        if value is None or value == "" or isinstance(value, date):
            return value or None
        if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError("FC_TODAY must be a date written YYYY-MM-DD")
        return date.fromisoformat(value)

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> "PlatformSettings":
        if self.env != "development" and not self.jwt_jwks_url and self.jwt_secret in PLACEHOLDER_SECRETS:
            raise ValueError("FC_JWT_SECRET is a placeholder; set a real secret or FC_JWT_JWKS_URL outside development")
        if self.env != "development" and self.today is not None:
            raise ValueError("FC_TODAY pins the district's day for demonstrations and tests; it is refused outside development")
        return self


class ServiceSettings(BaseSettings):
    """Base for one service's settings; subclasses set ``env_prefix`` (e.g. ``REGISTRY_``)."""

    model_config = SettingsConfigDict(extra="ignore")

    name: str = "service"
    host: str = "127.0.0.1"
    port: int = 8000
    database_url: str | None = None
    platform: PlatformSettings = Field(default_factory=PlatformSettings)

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        self.platform.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite+aiosqlite:///{(self.platform.data_dir / f'{self.name}.db').resolve()}"
