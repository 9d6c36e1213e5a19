"""Dependencies shared by the funding routes: who may call them."""
from __future__ import annotations

from typing import Annotated

from fc_shared.auth import READ_ALL, Principal, require

READERS = (*READ_ALL, "finance", "street")
Reader = Annotated[Principal, require(*READERS)]
FundReader = Annotated[Principal, require(*READ_ALL, "finance")]
Finance = Annotated[Principal, require("finance")]
Reporter = Annotated[Principal, require("street", "district_office")]
