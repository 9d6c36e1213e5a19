"""Console settings (``CONSOLE_*``) beside the platform's ``FC_*`` ones."""
from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from fc_shared.settings import PLACEHOLDER_SECRETS, PlatformSettings

WEB_DIST = Path(__file__).resolve().parent.parent / "web" / "dist"
UPSTREAMS = ("registry", "funding", "inspection", "notify")


class ConsoleSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CONSOLE_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    web_dir: Path = WEB_DIST
    registry_url: str = "http://127.0.0.1:8001"
    funding_url: str = "http://127.0.0.1:8002"
    inspection_url: str = "http://127.0.0.1:8003"
    notify_url: str = "http://127.0.0.1:8004"
    upstream_timeout_s: float = 60.0
    district_geojson: Path | None = None  # optional district boundary drawn under the board's map
    # Signs the short-lived OIDC login state cookie (state, nonce, PKCE verifier).
    session_secret: str = "dev-console-secret-change-me"
    cookie_name: str = "fc_session"
    cookie_secure: bool | None = None  # default: secure outside development
    dev_token_ttl_s: int = 8 * 3600
    # Production sign-in: OpenID Connect authorization code with PKCE.
    oidc_issuer: str | None = None  # discovery at <issuer>/.well-known/openid-configuration
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None  # confidential client (client_secret_post); omit for a public client
    oidc_redirect_uri: str | None = None  # e.g. https://console.example.gov.cn/auth/callback
    oidc_scopes: str = "openid profile"
    oidc_forward_token: str = "access_token"  # which token the services receive: access_token | id_token
    # Silent renewal with the provider's refresh token (kept in its own HttpOnly cookie): a session cookie that has
    # expired, or will within this margin, is renewed before the request goes on. 0 turns renewal off.
    oidc_refresh_margin_s: int = 60
    oidc_refresh_max_age_s: int = 12 * 3600  # the refresh cookie's lifetime when the provider gives no refresh_expires_in
    refresh_cookie_name: str = "fc_refresh"
    platform: PlatformSettings = Field(default_factory=PlatformSettings)

    @property
    def development(self) -> bool:
        return self.platform.env == "development"

    @property
    def secure_cookies(self) -> bool:
        return (not self.development) if self.cookie_secure is None else self.cookie_secure

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id and self.oidc_redirect_uri)

    def upstream(self, service: str) -> str | None:
        return getattr(self, f"{service}_url") if service in UPSTREAMS else None

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> "ConsoleSettings":
        if not self.development:
            if self.session_secret in PLACEHOLDER_SECRETS or self.session_secret.startswith("dev-"):
                raise ValueError("CONSOLE_SESSION_SECRET is a placeholder; set a real secret outside development")
            if not self.oidc_enabled:
                raise ValueError("outside development the console needs CONSOLE_OIDC_ISSUER, _CLIENT_ID, _REDIRECT_URI")
        if self.oidc_forward_token not in ("access_token", "id_token"):
            raise ValueError("CONSOLE_OIDC_FORWARD_TOKEN must be access_token or id_token")
        return self
