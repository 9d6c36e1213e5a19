"""JWT bearer auth: HS256 locally (FC_JWT_SECRET), RS256 via an OIDC provider's JWKS in production."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .errors import Problem
from .settings import PlatformSettings

ROLES = ("district_office", "street", "department", "finance", "integration", "auditor")
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

    def can_see_street(self, street_code: str) -> bool:
        return self.role != "street" or self.street_code == street_code


class TokenVerifier:
    def __init__(self, settings: PlatformSettings) -> None:
        self.settings = settings
        self._jwks = jwt.PyJWKClient(settings.jwt_jwks_url, cache_keys=True) if settings.jwt_jwks_url else None

    def verify(self, token: str) -> Principal:
        try:
            if self._jwks is not None:
                key = self._jwks.get_signing_key_from_jwt(token).key
                algorithms = ["RS256"]
            else:
                key, algorithms = self.settings.jwt_secret, ["HS256"]
            claims = jwt.decode(
                token, key, algorithms=algorithms, audience=self.settings.jwt_audience,
                issuer=self.settings.jwt_issuer, options={"require": ["sub", "role", "exp", "aud"]}, leeway=30,
            )
        except jwt.PyJWTError as exc:
            raise Problem(401, "Unauthorized", f"invalid token: {exc}", type_="invalid-token") from exc
        role = claims.get("role")
        if role not in ROLES:
            raise Problem(401, "Unauthorized", "token has an unknown role", type_="invalid-token")
        scoped_claim = SCOPED.get(role)
        if scoped_claim and not claims.get(scoped_claim):
            raise Problem(401, "Unauthorized", f"a {role} token needs the {scoped_claim} claim", type_="invalid-token")
        if role == "integration" and claims["scope"] not in ("province", "city"):
            raise Problem(401, "Unauthorized", "integration scope must be province or city", type_="invalid-token")
        return Principal(sub=str(claims["sub"]), role=role, street_code=claims.get("street_code"),
                         department_code=claims.get("department_code"), scope=claims.get("scope"))


_bearer = HTTPBearer(auto_error=False, bearerFormat="JWT",
                     description="A JWT from the sign-in provider (locally: `make token ROLE=...`).")


def current_principal(request: Request,
                      credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Problem(401, "Unauthorized", "a bearer token is required", type_="missing-token")
    verifier: TokenVerifier = request.app.state.runtime.verifier
    return verifier.verify(credentials.credentials)


def require(*roles: str):
    """Dependency: the caller must hold one of ``roles`` (401 without a valid token, 403 otherwise)."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {unknown}")

    def _dep(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
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
