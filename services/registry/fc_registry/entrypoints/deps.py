"""Dependencies shared by the registry routes."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from fc_shared.app import Runtime, TodayDep
from fc_shared.auth import READ_ALL, Principal, require

from ..adapters.storage import DocumentStorage, LocalStorage

READERS = (*READ_ALL, "street", "department", "finance", "integration")
Reader = Annotated[Principal, require(*READERS)]
Writer = Annotated[Principal, require("district_office", "street")]
Office = Annotated[Principal, require("district_office")]
ProblemCloser = Annotated[Principal, require("district_office", "street", "department")]


def service_today(runtime: Runtime) -> date:
    return runtime.clock.today()


Today = TodayDep


def storage_of(runtime: Runtime) -> DocumentStorage:
    storage = getattr(runtime, "document_storage", None)
    if storage is None:
        storage = LocalStorage(runtime.platform.data_dir / "documents")
        runtime.document_storage = storage
    return storage
