"""Dependencies shared by the notify routes: who may call them."""
from __future__ import annotations

from typing import Annotated

from fc_shared.auth import Principal, require

from ..service_layer.subscriptions import MANAGERS, READERS

Manager = Annotated[Principal, require(*MANAGERS)]
Reader = Annotated[Principal, require(*READERS)]
Office = Annotated[Principal, require("district_office")]
OfficeOrAuditor = Annotated[Principal, require("district_office", "auditor")]
InboxReader = Annotated[Principal, require("street", "district_office", "finance", "auditor")]
InboxOwner = Annotated[Principal, require("street", "district_office", "finance")]
