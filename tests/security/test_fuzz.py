"""Schemathesis against the OpenAPI of all four services, as real processes, with a valid token per role.

Every default check runs on every response: no server errors, status codes, content
types, headers and bodies as documented, invalid input rejected. Positive and negative
cases are generated per operation; each case is sent once per role.
"""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from schemathesis.specs.openapi.checks import positive_data_acceptance

from fc_devtools.testing import auth

pytestmark = pytest.mark.e2e

ROLE_CLAIMS = {
    "district_office": {},
    "street": {"street_code": "S01"},
    "department": {"department_code": "housing"},
    "finance": {},
    "integration": {"scope": "city"},
    "auditor": {},
}
# A schema-valid request may still break a domain rule (an unknown street, a project in the
# wrong state, a file type off the allow-list): those are answered 4xx with a domain problem
# type, and are not a schema lie.
# Only a rejection as *invalid input* (type "validation"/"malformed-json") fails the check.
SCHEMA_REJECTIONS = ("/validation", "/malformed-json")


# Custom validators (a date within the programme's years, a deadline after a start) raise
# "value_error": rules JSON Schema cannot state. Every constraint the schema can state
# (types, lengths, ranges, enums, required, extra fields) has its own error type and still fails.
CUSTOM_RULE_ERRORS = {"value_error", "assertion_error"}


def positive_data_accepted(ctx, response, case):
    """Default ``positive_data_acceptance``, except for documented domain-rule rejections."""
    if 400 <= response.status_code < 500:
        try:
            body = response.json()
        except ValueError:
            body = {}
        problem_type = body.get("type", "")
        if not problem_type.endswith(SCHEMA_REJECTIONS):
            return None
        errors = body.get("errors") or []
        if errors and all(e.get("type") in CUSTOM_RULE_ERRORS for e in errors):
            return None
    return positive_data_acceptance(ctx, response, case)


EXAMPLES = 6  # per operation and generation mode; each sent with all six roles


_current_role = {"role": "district_office"}


@schemathesis.auth()
class RoleToken:
    """Credentials are the caller's, not generated: schemathesis then never counts a request
    whose Authorization header it mutated, but we re-added, as wrongly accepted."""

    def get(self, case, ctx):
        role = _current_role["role"]
        return auth(role, sub=f"fuzz-{role}", **ROLE_CLAIMS[role])["Authorization"]

    def set(self, case, data, ctx):
        case.headers = {**(case.headers or {}), "Authorization": data}


def fuzz_operation(operation, mode: GenerationMode, base_url: str, statuses: list[int]) -> int:
    sent = 0

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
              database=None)
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        nonlocal sent
        for role in ROLE_CLAIMS:
            _current_role["role"] = role
            response = case.call_and_validate(base_url=base_url, timeout=30,
                                  excluded_checks=[positive_data_acceptance],
                                  additional_checks=[positive_data_accepted])
            statuses.append(response.status_code)
            sent += 1

    run()
    return sent


@pytest.mark.parametrize("service", ["registry", "funding", "inspection", "notify"])
def test_api_fuzz(platform, service):
    base = platform.url(service)
    schema = schemathesis.openapi.from_url(base + "/openapi.json")
    failures, counts = [], {}
    for result in schema.get_all_operations():
        operation = result.ok()
        total = 0
        statuses: list[int] = []
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                total += fuzz_operation(operation, mode, base, statuses)
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE, f"{operation.label}: no valid input can be generated"
                # Nothing to make invalid: the operation takes no parameters and no body.
            except Exception as exc:  # noqa: BLE001 - collect every operation's failure, then fail once
                failures.append(f"{operation.label} [{mode.value}]: {str(exc)[:1500]}")
        counts[operation.label] = total
        # The tokens really are sent: some role gets past authentication on every operation.
        assert any(code != 401 for code in statuses) or operation.path.endswith("/results"), (operation.label, statuses)
    print(f"\n{service}: {len(counts)} operations, {sum(counts.values())} requests", counts)
    assert not failures, "\n\n".join(failures)
