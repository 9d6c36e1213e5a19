"""Programme targets (§3, §5.2): coverage, pipeline, special plan. Pure rules, no I/O."""
from __future__ import annotations

from datetime import date

PIPELINE_MIN_APPLICATIONS = 3
DEFAULT_COVERAGE_DATES = {2023: date(2023, 12, 31)}


def coverage_status(street_codes: list[str], accepted_on_by_street: dict[str, date | None], target: date,
                    as_of: date) -> dict:
    """§3: by the target date every street has at least one accepted (completed) future community."""
    streets = []
    for code in street_codes:
        first = accepted_on_by_street.get(code)
        met = first is not None and first <= target
        streets.append({"street_code": code, "first_accepted_on": first,
                        "status": "met" if met else ("missed" if as_of > target else "pending")})
    missing = [s["street_code"] for s in streets if s["status"] != "met"]
    overall = "met" if not missing else ("missed" if as_of > target else "pending")
    return {"status": overall, "due_on": target, "streets": streets, "streets_missing": missing}


def pipeline_status(year: int, applications: int, as_of: date, minimum: int = PIPELINE_MIN_APPLICATIONS) -> dict:
    """§3: at least three new project applications per year, district-wide (每年新申报项目不少于3个)."""
    if applications >= minimum:
        status = "met"
    else:
        status = "missed" if as_of > date(year, 12, 31) else "pending"
    return {"status": status, "applications": applications, "minimum": minimum, "due_on": date(year, 12, 31)}


def dated_target_status(due_on: date, done_on: date | None, as_of: date) -> str:
    """§5.2: met on or before its date, late after it, missed when still undone past it, else pending."""
    if done_on is not None:
        return "met" if done_on <= due_on else "late"
    return "missed" if as_of > due_on else "pending"
