"""JWT bearer auth: HS256 locally (FC_JWT_SECRET), RS256 via an OIDC provider's JWKS in production."""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Annotated

import httpx
import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .audit import Actor, set_request_actor
from .errors import Problem
from .settings import PlatformSettings

ROLES = ("district_office", "street", "department", "finance", "integration", "auditor")
log = logging.getLogger(__name__)
SCOPED = {"street": "street_code", "department": "department_code", "integration": "scope"}


@dataclass(frozen=True)
class Principal:
    sub: str
    role: str
    street_code: str | None = None
    department_code: str | None = None
    scope: str | None = None  # integration: province | city

    @property
    def key(self) -> str:
        """Stable identity for idempotency keys and ownership."""
        return f"{self.role}:{self.street_code or self.department_code or self.scope or ''}:{self.sub}"

    @property
    def view(self) -> tuple[str, str | None, str | None, str | None]:
        """What a read may depend on about its caller: the role and its scope, not the person (fc_shared.readcache)."""
        return self.role, self.street_code, self.department_code, self.scope

    def can_see_street(self, street_code: str) -> bool:
        return self.role != "street" or self.street_code == street_code


class JwksKeys:
    """The OIDC provider's signing keys, fetched with a non-blocking client and cached.

    One fetch runs at a time (single-flight): a burst of requests on a cold cache waits for
    the same fetch. An unknown ``kid`` triggers one refetch (key rotation), at most once per
    ``jwt_jwks_min_refresh_s``, so tokens with invented kids cannot make us hammer the provider.
    A provider that cannot be reached within ``jwt_jwks_timeout_s`` is a 503, never a hang; keys
    fetched before stay in use while it is down.
    """

    def __init__(self, settings: PlatformSettings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.url = settings.jwt_jwks_url
        self.timeout_s = settings.jwt_jwks_timeout_s
        self.cache_s = settings.jwt_jwks_cache_s
        self.min_refresh_s = settings.jwt_jwks_min_refresh_s
        self._transport = transport
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._failed_at: float | None = None
        self._forced_at: float | None = None
        self._attempts = 0
        self._lock = asyncio.Lock()

    async def key_for(self, kid: str) -> jwt.PyJWK:
        now = time.monotonic()
        fresh = self._fetched_at is not None and now - self._fetched_at < self.cache_s
        if kid in self._keys and fresh:
            return self._keys[kid]
        failed_recently = self._failed_at is not None and now - self._failed_at < self.min_refresh_s
        if not fresh:
            if not failed_recently:
                await self._refresh(self._attempts)
            elif not self._keys:
                raise self._unavailable()
        elif kid not in self._keys and (self._forced_at is None or now - self._forced_at >= self.min_refresh_s):
            self._forced_at = now  # a kid we do not know: perhaps the provider rotated its keys
            await self._refresh(self._attempts)
        if kid not in self._keys:
            raise Problem(401, "Unauthorized", "invalid token: no signing key with this kid", type_="invalid-token")
        return self._keys[kid]

    def _unavailable(self) -> Problem:
        return Problem(503, "Service Unavailable", "the sign-in provider's keys cannot be fetched",
                       type_="jwks-unavailable", headers={"Retry-After": str(max(1, round(self.min_refresh_s)))})

    async def _refresh(self, attempts_seen: int) -> None:
        async with self._lock:
            if self._attempts != attempts_seen:
                # Another request fetched while this one waited: share its outcome, do not fetch again.
                if not self._keys:
                    raise self._unavailable()
                return
            try:
                async with httpx.AsyncClient(timeout=self.timeout_s, transport=self._transport,
                                             follow_redirects=False) as client:
                    response = await client.get(self.url, headers={"Accept": "application/json"})
                response.raise_for_status()
                keys = {}
                for data in response.json()["keys"]:
                    if data.get("use", "sig") != "sig" or "kid" not in data:
                        continue
                    try:
                        keys[data["kid"]] = jwt.PyJWK(data)
                    except jwt.PyJWTError:
                        log.warning("JWKS key %s skipped: unsupported", data.get("kid"))
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
                self._attempts += 1  # counted once finished: whoever waited for it shares its outcome
                self._failed_at = time.monotonic()
                if self._keys:
                    log.warning("JWKS unreachable (%r); keeping the keys fetched before", exc)
                    return
                log.error("JWKS unreachable: %r", exc)
                raise self._unavailable() from exc
            self._attempts += 1
            self._keys = keys
            self._fetched_at = time.monotonic()

    @property
    def fetches(self) -> int:
        return self._attempts


class TokenVerifier:
    """Verifies bearer tokens; a token verified once is remembered for ``CACHE_S`` seconds.

    A client sends the same token with every request, and decoding it (base64, JSON, the signature,
    the claims) was a good part of a small read's CPU. Only tokens that passed are remembered, under
    the whole token string, at most ``CACHE_S`` and never past the moment the token itself stops
    being accepted (``exp`` plus the leeway), so a remembered answer is one a fresh check would give
    — except that a JWKS key withdrawn by the provider is honoured up to ``CACHE_S`` longer.
    """

    # RS256 only from the provider: ``alg`` in the token header never chooses the algorithm.
    JWKS_ALGORITHMS = ("RS256",)
    LEEWAY_S = 30
    CACHE_S = 30.0
    CACHE_MAX = 4096

    def __init__(self, settings: PlatformSettings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        self.jwks = JwksKeys(settings, transport) if settings.jwt_jwks_url else None
        self._verified: dict[str, tuple[float, Principal]] = {}

    def remembered(self, token: str) -> Principal | None:
        """The principal of ``token`` if it passed a check within its remembered lifetime, else None (not decoded)."""
        hit = self._verified.get(token)
        if hit is None:
            return None
        if time.time() < hit[0]:
            return hit[1]
        self._verified.pop(token, None)
        return None

    async def verify(self, token: str) -> Principal:
        principal = self.remembered(token)
        if principal is not None:
            return principal
        now = time.time()
        principal, exp = await self._verify(token)
        if len(self._verified) >= self.CACHE_MAX:
            self._verified.clear()  # bounded: many distinct tokens just cost a decode each again
        self._verified[token] = (min(now + self.CACHE_S, exp + self.LEEWAY_S), principal)
        return principal

    async def _verify(self, token: str) -> tuple[Principal, float]:
        if self.jwks is None:
            return self._claims(token, self.settings.jwt_secret, ["HS256"])
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Problem(401, "Unauthorized", f"invalid token: {exc}", type_="invalid-token") from exc
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in self.JWKS_ALGORITHMS:
            raise Problem(401, "Unauthorized", f"invalid token: algorithm {alg!r} is not allowed",
                          type_="invalid-token")
        if not isinstance(kid, str) or not kid:
            raise Problem(401, "Unauthorized", "invalid token: no kid in its header", type_="invalid-token")
        key = await self.jwks.key_for(kid)
        if key.algorithm_name != alg:
            raise Problem(401, "Unauthorized", f"invalid token: key {kid} does not sign {alg}", type_="invalid-token")
        return self._claims(token, key.key, [alg])

    def _claims(self, token: str, key, algorithms: list[str]) -> tuple[Principal, float]:
        try:
            claims = jwt.decode(
                token, key, algorithms=algorithms, audience=self.settings.jwt_audience,
                issuer=self.settings.jwt_issuer, options={"require": ["sub", "role", "exp", "aud"]},
                leeway=self.LEEWAY_S,
            )
        except jwt.PyJWTError as exc:
            raise Problem(401, "Unauthorized", f"invalid token: {exc}", type_="invalid-token") from exc
        role = claims.get("role")
        for claim in ("street_code", "department_code", "scope"):
            if claims.get(claim) is not None and not isinstance(claims[claim], str):
                raise Problem(401, "Unauthorized", f"the {claim} claim must be a string", type_="invalid-token")
        if role not in ROLES:
            raise Problem(401, "Unauthorized", "token has an unknown role", type_="invalid-token")
        scoped_claim = SCOPED.get(role)
        if scoped_claim and not claims.get(scoped_claim):
            raise Problem(401, "Unauthorized", f"a {role} token needs the {scoped_claim} claim", type_="invalid-token")
        if role == "integration" and claims["scope"] not in ("province", "city"):
            raise Problem(401, "Unauthorized", "integration scope must be province or city", type_="invalid-token")
        return Principal(sub=str(claims["sub"]), role=role, street_code=claims.get("street_code"),
                         department_code=claims.get("department_code"), scope=claims.get("scope")), float(claims["exp"])


_bearer = HTTPBearer(auto_error=False, bearerFormat="JWT",
                     description="A JWT from the sign-in provider (locally: `make token ROLE=...`).")


async def current_principal(request: Request,
                            credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Problem(401, "Unauthorized", "a bearer token is required", type_="missing-token")
    verifier: TokenVerifier = request.app.state.runtime.verifier
    principal = await verifier.verify(credentials.credentials)
    route = request.scope.get("route")
    set_request_actor(Actor(principal.sub, principal.role,
                            principal.street_code or principal.department_code or principal.scope),
                      f"{request.method} {route.path}" if route is not None else None)
    return principal


def require(*roles: str):
    """Dependency: the caller must hold one of ``roles`` (401 without a valid token, 403 otherwise)."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {unknown}")

    async def _dep(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:  # async: no thread hop
        if principal.role not in roles:
            raise Problem(403, "Forbidden", f"role {principal.role} may not do this", type_="forbidden-role")
        return principal

    return Depends(_dep)


READ_ALL = ("district_office", "auditor")


def mint_token(settings: PlatformSettings, *, role: str, sub: str | None = None, street_code: str | None = None,
               department_code: str | None = None, scope: str | None = None, ttl_s: int = 8 * 3600,
               **extra) -> str:
    """Local HS256 token (development and tests)."""
    now = int(time.time())
    claims = {"sub": sub or f"{role}-user", "role": role, "iat": now, "nbf": now, "exp": now + ttl_s,
              "aud": settings.jwt_audience}
    if settings.jwt_issuer:
        claims["iss"] = settings.jwt_issuer
    for name, value in (("street_code", street_code), ("department_code", department_code), ("scope", scope)):
        if value:
            claims[name] = value
    claims.update(extra)
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")
