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
    # scope claims that are not strings (a read's cache key holds them; the routes compare them to codes)
    jwt.encode(_claims(role="street", street_code=["S01"]), "unit-test-secret-0123456789abcdef", algorithm="HS256"),
    jwt.encode(_claims(role="department", department_code={"c": 1}), "unit-test-secret-0123456789abcdef",
               algorithm="HS256"),
    jwt.encode(_claims(street_code=7), "unit-test-secret-0123456789abcdef", algorithm="HS256"),
    "garbage",
], ids=["expired", "nbf", "wrong-key", "alg-none", "audience", "no-role", "bad-role", "unscoped", "bad-scope", "list-street", "dict-department",
                  "int-street", "garbage"])
def test_bad_tokens_are_401(token):
    with pytest.raises(Problem) as info:
        verify(token)
    assert info.value.status == 401


def test_placeholder_secret_refused_outside_development():
    with pytest.raises(ValueError, match="placeholder"):
        PlatformSettings(env="production", jwt_secret="changeme")
    assert PlatformSettings(env="production", jwt_secret="a-real-long-secret").env == "production"


def test_a_verified_token_is_remembered_until_the_cache_or_the_token_runs_out(monkeypatch):
    import fc_shared.auth as auth_module

    verifier = TokenVerifier(S)
    decoded = []
    real = verifier._verify

    async def counting(token):
        decoded.append(token)
        return await real(token)

    monkeypatch.setattr(verifier, "_verify", counting)
    token = mint_token(S, role="street", street_code="S01", ttl_s=3600)
    now = time.time()
    assert asyncio.run(verifier.verify(token)).street_code == "S01"
    assert asyncio.run(verifier.verify(token)).street_code == "S01"
    assert len(decoded) == 1  # the second request did not decode it again

    class Later:
        @staticmethod
        def time():
            return now + TokenVerifier.CACHE_S + 1

    monkeypatch.setattr(auth_module, "time", Later)
    asyncio.run(verifier.verify(token))
    assert len(decoded) == 2  # remembered at most CACHE_S

    monkeypatch.setattr(auth_module, "time", time)
    short = mint_token(S, role="district_office", ttl_s=1)  # exp + leeway comes before now + CACHE_S
    asyncio.run(verifier.verify(short))
    expires_at = verifier._verified[short][0]
    assert expires_at <= int(time.time()) + 1 + TokenVerifier.LEEWAY_S < time.time() + TokenVerifier.CACHE_S + 1


def test_a_refused_token_is_never_remembered():
    verifier = TokenVerifier(S)
    bad = jwt.encode(_claims(), "other-secret-0123456789abcdef-xyz", algorithm="HS256")
    for _ in range(2):
        with pytest.raises(Problem):
            asyncio.run(verifier.verify(bad))
    assert bad not in verifier._verified
