"""Dependencies shared by the inspection routes: who may call them."""
from __future__ import annotations

from typing import Annotated

from fc_shared.auth import READ_ALL, ROLES, Principal, require

AnyRole = Annotated[Principal, require(*ROLES)]
Auditing = Annotated[Principal, require(*READ_ALL)]
Office = Annotated[Principal, require("district_office")]
Writer = Annotated[Principal, require("district_office", "street")]
Department = Annotated[Principal, require("department")]
Integration = Annotated[Principal, require("integration")]
IntegrationOrOffice = Annotated[Principal, require("integration", "district_office")]  # results, also on paper
ProjectReader = Annotated[Principal, require(*READ_ALL, "street")]
Viewer = Annotated[Principal, require(*READ_ALL, "street", "department", "integration")]
ReviewConfigReader = Annotated[Principal, require(*READ_ALL, "department", "street")]
