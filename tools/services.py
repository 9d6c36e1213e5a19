"""The four services as the local runner and the end-to-end tests start them."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ServiceDef:
    name: str
    module: str  # ASGI app, for uvicorn
    default_port: int

    @property
    def env_prefix(self) -> str:
        return self.name.upper() + "_"

    @property
    def directory(self) -> Path:
        return ROOT / "services" / self.name


SERVICES = (
    ServiceDef("registry", "fc_registry.main:app", 8001),
    ServiceDef("funding", "fc_funding.main:app", 8002),
    ServiceDef("inspection", "fc_inspection.main:app", 8003),
    ServiceDef("notify", "fc_notify.main:app", 8004),
)
