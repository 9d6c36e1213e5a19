"""Path and query parameters every service takes alike, bounded in the OpenAPI schema itself."""
import re
from datetime import date
from typing import Annotated

from fastapi import Path, Query
from pydantic import AfterValidator, BeforeValidator, Field

# A numeric row id: an absurd number is a 422, not a database overflow.
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]
# A programme year (the creation programme runs within this century).
Year = Annotated[int, Path(ge=2000, le=2100, description="calendar year")]
YearQuery = Annotated[int | None, Query(ge=2000, le=2100)]


def _iso_date_only(value):
    # Pydantic would also read a number as a Unix timestamp ("1.3e-135" → 1970-01-01);
    # the schema says format "date", so only YYYY-MM-DD (or a date object) is a date here.
    if isinstance(value, (bool, int, float)):
        raise ValueError("a date is written YYYY-MM-DD")
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError("a date is written YYYY-MM-DD")
    return value


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
IsoDate = Annotated[date, BeforeValidator(_iso_date_only)]


# The creation programme's calendar: the schema states it (pattern) and validation enforces it,
# so a client generated from the OpenAPI document never sends a date the API refuses.
PROGRAMME_YEARS = "(20[0-9]{2}|2100)"
PROGRAMME_MONTH_PATTERN = rf"^{PROGRAMME_YEARS}-(0[1-9]|1[0-2])$"
PROGRAMME_DATE_PATTERN = rf"^{PROGRAMME_YEARS}-[0-9]{{2}}-[0-9]{{2}}$"


def _within_programme(value: date) -> date:
    if not 2000 <= value.year <= 2100:
        raise ValueError("dates lie between 2000-01-01 and 2100-12-31")
    return value


ProgrammeDate = Annotated[IsoDate, AfterValidator(_within_programme),
                          Field(json_schema_extra={"pattern": PROGRAMME_DATE_PATTERN})]
ProgrammeMonth = Annotated[str, Field(pattern=PROGRAMME_MONTH_PATTERN, description="YYYY-MM")]
