import asyncio
import time

import jwt
import pytest

from fc_shared.auth import TokenVerifier, mint_token
from fc_shared.errors import Problem
from fc_shared.settings import PlatformSettings

S = PlatformSettings(jwt_secret="unit-test-secret-0123456789abcdef")


def verify(token):
    return asyncio.run(TokenVerifier(S).verify(token))


def test_valid_street_token():
    p = verify(mint_token(S, role="street", street_code="S01"))
    assert (p.role, p.street_code) == ("street", "S01")
    assert p.can_see_street("S01") and not p.can_see_street("S02")


def _claims(**over):
    now = int(time.time())
    base = {"sub": "u", "role": "district_office", "exp": now + 60, "aud": S.jwt_audience}
    base.update(over)
    return {k: v for k, v in base.items() if v is not None}


@pytest.mark.parametrize("token", [
    jwt.encode(_claims(exp=int(time.time()) - 3600), "unit-test-secret-0123456789abcdef", algorithm="HS256"),  # expired
    jwt.encode(_claims(nbf=int(time.time()) + 3600), "unit-test-secret-0123456789abcdef", algorithm="HS256"),  # not yet valid
    jwt.encode(_claims(), "other-secret-0123456789abcdef-xyz", algorithm="HS256"),  # wrong key
    jwt.encode(_claims(), None, algorithm="none"),  # unsigned
    jwt.encode(_claims(aud="someone-else"), "unit-test-secret-0123456789abcdef", algorithm="HS256"),  # wrong audience
    jwt.encode(_claims(role=None), "unit-test-secret-0123456789abcdef", algorithm="HS256"),  # missing role
    jwt.encode(_claims(role="mayor"), "unit-test-secret-0123456789abcdef", algorithm="HS256"),  # unknown role
    jwt.encode(_claims(role="street"), "unit-test-secret-0123456789abcdef", algorithm="HS256"),  # street without street_code
    jwt.encode(_claims(role="integration", scope="nation"), "unit-test-secret-0123456789abcdef", algorithm="HS256"),
    "garbage",
], ids=["expired", "nbf", "wrong-key", "alg-none", "audience", "no-role", "bad-role", "unscoped", "bad-scope", "garbage"])
def test_bad_tokens_are_401(token):
    with pytest.raises(Problem) as info:
        verify(token)
    assert info.value.status == 401


def test_placeholder_secret_refused_outside_development():
    with pytest.raises(ValueError, match="placeholder"):
        PlatformSettings(env="production", jwt_secret="changeme")
    assert PlatformSettings(env="production", jwt_secret="a-real-long-secret").env == "production"
