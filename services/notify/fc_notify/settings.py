from pydantic_settings import SettingsConfigDict

from fc_shared.settings import ServiceSettings


class NotifySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFY_", extra="ignore")

    name: str = "notify"
    port: int = 8004
    # Seconds before each retry; Standard Webhooks' schedule. Tests shorten it.
    retry_schedule_s: list[float] = [0, 5, 300, 1800, 7200, 18000, 36000, 36000]
    delivery_timeout_s: float = 15.0
    dispatch_interval_s: float = 0.2
