from pydantic_settings import SettingsConfigDict

from fc_shared.settings import ServiceSettings


class RegistrySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore")

    name: str = "registry"
    port: int = 8001
    document_max_bytes: int = 20 * 1024 * 1024
    watcher_interval_s: float = 24 * 3600
    watcher_enabled: bool = True
