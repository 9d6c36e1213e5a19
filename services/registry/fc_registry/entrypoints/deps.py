"""Dependencies shared by the registry routes."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends

from fc_shared.app import Runtime, RuntimeDep
from fc_shared.auth import READ_ALL, Principal, require

from ..adapters.storage import DocumentStorage, LocalStorage
from ..service_layer.common import today

READERS = (*READ_ALL, "street", "department", "finance", "integration")
Reader = Annotated[Principal, require(*READERS)]
Writer = Annotated[Principal, require("district_office", "street")]
Office = Annotated[Principal, require("district_office")]
ProblemCloser = Annotated[Principal, require("district_office", "street", "department")]


def service_today(runtime: Runtime) -> date:
    return today(runtime.settings.timezone)


def _today(runtime: RuntimeDep) -> date:
    return service_today(runtime)


Today = Annotated[date, Depends(_today)]


def storage_of(runtime: Runtime) -> DocumentStorage:
    storage = getattr(runtime, "document_storage", None)
    if storage is None:
        storage = LocalStorage(runtime.platform.data_dir / "documents")
        runtime.document_storage = storage
    return storage
