from pydantic_settings import SettingsConfigDict

from fc_shared.settings import ServiceSettings


class InspectionSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INSPECTION_", extra="ignore")

    name: str = "inspection"
    port: int = 8003
