"""Path and query parameters every service takes alike, bounded in the OpenAPI schema itself."""
from typing import Annotated

from fastapi import Path, Query

# A numeric row id: an absurd number is a 422, not a database overflow.
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]
# A programme year (the creation programme runs within this century).
Year = Annotated[int, Path(ge=2000, le=2100, description="calendar year")]
YearQuery = Annotated[int | None, Query(ge=2000, le=2100)]
