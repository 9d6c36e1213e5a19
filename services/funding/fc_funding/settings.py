from pydantic_settings import SettingsConfigDict

from fc_shared.settings import ServiceSettings


class FundingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FUNDING_", extra="ignore")

    name: str = "funding"
    port: int = 8002
