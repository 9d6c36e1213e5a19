"""Sign-in: the session cookie, development sign-in, and OpenID Connect (authorization code + PKCE).

The browser never sees the token: it lives in an HttpOnly cookie that only this origin receives,
and the proxy turns it into the ``Authorization: Bearer`` header the services check.
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

import httpx
import jwt
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel, Field

from fc_shared.auth import ROLES, SCOPED, TokenVerifier, mint_token
from fc_shared.errors import Problem, problem_response

from .settings import ConsoleSettings

LOGIN_COOKIE = "fc_oidc_login"
LOGIN_TTL_S = 600
CSRF_HEADER = "x-requested-with"
CSRF_VALUE = "fc-console"

router = APIRouter(prefix="/auth", tags=["sign-in"])


class DevSignIn(BaseModel):
    model_config = {"extra": "forbid"}

    role: Literal["district_office", "street", "department", "finance", "integration", "auditor"]
    street_code: Annotated[str, Field(min_length=1, max_length=20)] | None = None
    department_code: Annotated[str, Field(min_length=1, max_length=60)] | None = None
    scope: Literal["province", "city"] | None = None
    name: Annotated[str, Field(min_length=1, max_length=60)] | None = None


class SessionOut(BaseModel):
    sub: str
    role: str
    street_code: str | None = None
    department_code: str | None = None
    scope: str | None = None
    expires_at: int


class AuthConfig(BaseModel):
    dev_signin: bool
    oidc: bool
    roles: list[str]


def settings_of(request: Request) -> ConsoleSettings:
    return request.app.state.settings


def session_token(request: Request) -> str | None:
    return request.cookies.get(settings_of(request).cookie_name)


def require_csrf_header(request: Request) -> None:
    """Unsafe requests must carry a header a cross-site form cannot set (the cookie is SameSite=Lax too)."""
    if request.headers.get(CSRF_HEADER) != CSRF_VALUE:
        raise Problem(403, "Forbidden", f"missing {CSRF_HEADER}: {CSRF_VALUE} header", type_="csrf")


def _set_session(response: Response, settings: ConsoleSettings, token: str, max_age: int) -> None:
    response.set_cookie(settings.cookie_name, token, max_age=max(0, max_age), httponly=True,
                        secure=settings.secure_cookies, samesite="lax", path="/")


def _safe_next(value: str | None) -> str:
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


@router.get("/config", response_model=AuthConfig)
async def auth_config(request: Request) -> AuthConfig:
    """What the sign-in page offers: development sign-in only when FC_ENV=development."""
    s = settings_of(request)
    return AuthConfig(dev_signin=s.development, oidc=s.oidc_enabled, roles=list(ROLES))


@router.get("/session", response_model=SessionOut, responses={401: {"description": "not signed in, or expired"}})
async def get_session(request: Request):
    """Who is signed in, until when. With a refresh token, a session about to end is renewed here first
    (the front end asks shortly before ``expires_at``), so an active console never drops to the sign-in page."""
    s = settings_of(request)
    renewal = await renew_if_due(request)
    token = renewal.token or session_token(request)
    if not token:
        return renewal.apply(problem_response(request, 401, "Unauthorized", "not signed in", type_="missing-token"), s)
    verifier: TokenVerifier = request.app.state.verifier
    try:
        principal = await verifier.verify(token)
    except Problem as problem:
        if problem.status != 401:
            raise
        return renewal.apply(problem_response(request, 401, problem.title, problem.detail, type_=problem.type_), s)
    claims = jwt.decode(token, options={"verify_signature": False})
    out = SessionOut(sub=principal.sub, role=principal.role, street_code=principal.street_code,
                     department_code=principal.department_code, scope=principal.scope, expires_at=int(claims["exp"]))
    return renewal.apply(JSONResponse(out.model_dump()), settings_of(request))


@router.post("/dev-signin", response_model=SessionOut, dependencies=[Depends(require_csrf_header)])
async def dev_signin(body: DevSignIn, request: Request, response: Response) -> SessionOut:
    """Development only: mint a local token for the chosen role and scope, server-side."""
    s = settings_of(request)
    if not s.development:
        raise Problem(404, "Not Found", "development sign-in exists only when FC_ENV=development")
    claim = SCOPED.get(body.role)
    values = {"street_code": body.street_code, "department_code": body.department_code, "scope": body.scope}
    if claim and not values[claim]:
        raise Problem(422, "Unprocessable Content", f"a {body.role} needs {claim}", type_="validation",
                      errors=[{"loc": ["body", claim], "msg": "required for this role", "type": "missing"}])
    scoped = {claim: values[claim]} if claim else {}
    token = mint_token(s.platform, role=body.role, sub=body.name or f"dev-{body.role}",
                       ttl_s=s.dev_token_ttl_s, **scoped)
    _set_session(response, s, token, s.dev_token_ttl_s)
    principal = await request.app.state.verifier.verify(token)
    return SessionOut(sub=principal.sub, role=principal.role, street_code=principal.street_code,
                      department_code=principal.department_code, scope=principal.scope,
                      expires_at=int(time.time()) + s.dev_token_ttl_s)


@router.post("/signout", status_code=204, dependencies=[Depends(require_csrf_header)])
async def signout(request: Request) -> Response:
    """Ends the console session: both cookies (session and refresh token) are cleared server-side."""
    s = settings_of(request)
    response = Response(status_code=204)
    _clear_session(response, s)
    return response


def _clear_session(response: Response, s: ConsoleSettings) -> None:
    response.delete_cookie(s.cookie_name, path="/", secure=s.secure_cookies, httponly=True, samesite="lax")
    response.delete_cookie(s.refresh_cookie_name, path="/", secure=s.secure_cookies, httponly=True, samesite="lax")


# --- silent renewal with the OpenID Connect refresh token ------------------------------------

@dataclass(frozen=True)
class Renewed:
    token: str
    expires_at: int
    refresh_token: str
    refresh_max_age: int


@dataclass(frozen=True)
class Renewal:
    """What renew_if_due did: nothing, renewed (token), or failed (the refresh token is no longer good)."""

    renewed: Renewed | None = None
    failed: bool = False

    @property
    def token(self) -> str | None:
        return self.renewed.token if self.renewed else None

    def apply(self, response: Response, s: ConsoleSettings) -> Response:
        if self.renewed:
            _set_session(response, s, self.renewed.token, self.renewed.expires_at - int(time.time()))
            response.set_cookie(s.refresh_cookie_name, self.renewed.refresh_token, max_age=self.renewed.refresh_max_age,
                                httponly=True, secure=s.secure_cookies, samesite="lax", path="/")
        elif self.failed:  # the session cookie, if still valid, lasts until it expires on its own
            response.delete_cookie(s.refresh_cookie_name, path="/", secure=s.secure_cookies, httponly=True,
                                   samesite="lax")
        return response


def _expires_within(token: str | None, seconds: int) -> bool:
    if not token:
        return True
    try:
        exp = jwt.decode(token, options={"verify_signature": False}).get("exp")
    except jwt.PyJWTError:
        return True
    return not isinstance(exp, (int, float)) or exp - time.time() <= seconds


class SessionRenewer:
    """Renews sessions with the provider's refresh token, once per refresh token.

    Several requests of one page arrive together with the same (about to expire) cookies: they share one call to
    the provider, and requests still carrying the old refresh token shortly after get the same renewal instead of
    presenting a rotated-away token (which providers with reuse detection answer by revoking the session).
    """

    RECENT_S = 60

    def __init__(self) -> None:
        self._inflight: dict[str, asyncio.Task[Renewed]] = {}
        self._recent: dict[str, tuple[float, Renewed]] = {}

    async def renew(self, refresh_token: str, do: Any) -> Renewed:
        key = hashlib.sha256(refresh_token.encode()).hexdigest()
        now = time.monotonic()
        for k, (at, _) in list(self._recent.items()):
            if now - at > self.RECENT_S:
                del self._recent[k]
        if key in self._recent:
            return self._recent[key][1]
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.ensure_future(do(refresh_token))
            self._inflight[key] = task

            def settle(t: asyncio.Task, key: str = key) -> None:
                self._inflight.pop(key, None)
                if not t.cancelled() and t.exception() is None:
                    self._recent[key] = (time.monotonic(), t.result())
            task.add_done_callback(settle)
        return await asyncio.shield(task)


async def renew_if_due(request: Request) -> Renewal:
    """Before a request goes on: renew a session that has expired or will within the margin, if it can."""
    s = settings_of(request)
    refresh_token = request.cookies.get(s.refresh_cookie_name)
    if not (s.oidc_enabled and refresh_token and s.oidc_refresh_margin_s > 0):
        return Renewal()
    current = session_token(request)
    if not _expires_within(current, s.oidc_refresh_margin_s):
        return Renewal()
    oidc: OidcClient = request.app.state.oidc
    verifier: TokenVerifier = request.app.state.verifier

    async def do(rt: str) -> Renewed:
        tokens = await oidc.refresh(rt)
        forwarded = tokens.get(s.oidc_forward_token)
        if not forwarded:
            raise Problem(401, "Unauthorized", f"the provider renewed without a {s.oidc_forward_token}",
                          type_="session-expired")
        await verifier.verify(forwarded)  # what the services will accept, or 401
        exp = int(jwt.decode(forwarded, options={"verify_signature": False})["exp"])
        max_age = tokens.get("refresh_expires_in")
        return Renewed(token=forwarded, expires_at=exp, refresh_token=tokens.get("refresh_token") or rt,
                       refresh_max_age=int(max_age) if isinstance(max_age, int) and max_age > 0
                       else s.oidc_refresh_max_age_s)

    try:
        return Renewal(renewed=await request.app.state.renewer.renew(refresh_token, do))
    except Problem as problem:
        if problem.status in (502, 503, 504) and current and not _expires_within(current, 0):
            return Renewal()  # the provider is down: the still-valid session goes on as it is
        return Renewal(failed=True)


# --- OpenID Connect: authorization code with PKCE (RFC 7636) ---------------------------------

def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def pkce_pair() -> tuple[str, str]:
    verifier = _b64url(secrets.token_bytes(48))
    return verifier, _b64url(hashlib.sha256(verifier.encode()).digest())


class OidcClient:
    """Discovery, token exchange and ID-token checks against the configured provider."""

    def __init__(self, settings: ConsoleSettings, http: httpx.AsyncClient) -> None:
        self.settings = settings
        self.http = http
        self._discovery: dict[str, Any] | None = None
        self._jwks: jwt.PyJWKSet | None = None

    async def discovery(self) -> dict[str, Any]:
        if self._discovery is None:
            url = self.settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration"
            try:
                r = await self.http.get(url, timeout=10)
                r.raise_for_status()
                self._discovery = r.json()
            except (httpx.HTTPError, ValueError) as exc:
                raise Problem(502, "Bad Gateway", f"the sign-in provider is unreachable: {exc}",
                              type_="oidc-unavailable") from exc
        return self._discovery

    async def _signing_key(self, token: str, refresh: bool = False):
        if self._jwks is None or refresh:
            r = await self.http.get((await self.discovery())["jwks_uri"], timeout=10)
            r.raise_for_status()
            self._jwks = jwt.PyJWKSet.from_dict(r.json())
        kid = jwt.get_unverified_header(token).get("kid")
        for key in self._jwks.keys:
            if kid is None or key.key_id == kid:
                return key.key
        if not refresh:
            return await self._signing_key(token, refresh=True)
        raise jwt.InvalidTokenError("no key in the provider's JWKS matches the token")

    async def verify_id_token(self, id_token: str, nonce: str) -> dict[str, Any]:
        disco = await self.discovery()
        claims = jwt.decode(id_token, await self._signing_key(id_token), algorithms=["RS256"],
                            audience=self.settings.oidc_client_id, issuer=disco.get("issuer", self.settings.oidc_issuer),
                            options={"require": ["exp", "iat", "sub"]}, leeway=30)
        if claims.get("nonce") != nonce:
            raise jwt.InvalidTokenError("nonce does not match the sign-in request")
        return claims

    async def _token(self, form: dict[str, str]) -> httpx.Response:
        """One call to the provider's token endpoint (with the client secret when there is one)."""
        disco = await self.discovery()
        form = {**form, "client_id": self.settings.oidc_client_id}
        if self.settings.oidc_client_secret:
            form["client_secret"] = self.settings.oidc_client_secret
        try:
            return await self.http.post(disco["token_endpoint"], data=form, timeout=15,
                                        headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise Problem(502, "Bad Gateway", f"the sign-in provider is unreachable: {exc}",
                          type_="oidc-unavailable") from exc

    async def refresh(self, refresh_token: str) -> dict[str, Any]:
        """grant_type=refresh_token (RFC 6749 §6); a refusal means the session is over (401)."""
        r = await self._token({"grant_type": "refresh_token", "refresh_token": refresh_token})
        if r.status_code != 200:
            raise Problem(401, "Unauthorized", "the sign-in provider refused to renew the session; sign in again",
                          type_="session-expired")
        return r.json()

    async def exchange(self, code: str, verifier: str) -> dict[str, Any]:
        r = await self._token({"grant_type": "authorization_code", "code": code,
                               "redirect_uri": self.settings.oidc_redirect_uri, "code_verifier": verifier})
        if r.status_code != 200:
            raise Problem(401, "Unauthorized", f"the sign-in provider refused the code: {r.text[:300]}",
                          type_="oidc-refused")
        return r.json()


def oidc_of(request: Request) -> OidcClient:
    s = settings_of(request)
    if not s.oidc_enabled:
        raise Problem(404, "Not Found", "OpenID Connect sign-in is not configured (CONSOLE_OIDC_*)")
    return request.app.state.oidc


@router.get("/login")
async def login(request: Request, next: str | None = None):
    """Start sign-in: to the provider with a PKCE challenge, or (development, no provider) to the sign-in page."""
    s = settings_of(request)
    if not s.oidc_enabled:
        if s.development:
            return RedirectResponse("/signin?" + urlencode({"next": _safe_next(next)}), status_code=302)
        raise Problem(404, "Not Found", "OpenID Connect sign-in is not configured (CONSOLE_OIDC_*)")
    oidc = oidc_of(request)
    disco = await oidc.discovery()
    verifier, challenge = pkce_pair()
    state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    params = {"response_type": "code", "client_id": s.oidc_client_id, "redirect_uri": s.oidc_redirect_uri,
              "scope": s.oidc_scopes, "state": state, "nonce": nonce, "code_challenge": challenge,
              "code_challenge_method": "S256"}
    response = RedirectResponse(disco["authorization_endpoint"] + "?" + urlencode(params), status_code=302)
    login_state = jwt.encode({"state": state, "nonce": nonce, "verifier": verifier, "next": _safe_next(next),
                              "exp": int(time.time()) + LOGIN_TTL_S}, s.session_secret, algorithm="HS256")
    response.set_cookie(LOGIN_COOKIE, login_state, max_age=LOGIN_TTL_S, httponly=True,
                        secure=s.secure_cookies, samesite="lax", path="/auth")
    return response


@router.get("/callback")
async def callback(request: Request, code: str | None = None, state: str | None = None,
                   error: str | None = None, error_description: str | None = None):
    """The provider sends the browser back here; exchange the code (with the PKCE verifier) for tokens."""
    s = settings_of(request)
    oidc = oidc_of(request)
    if error:
        raise Problem(401, "Unauthorized", f"sign-in failed at the provider: {error} {error_description or ''}".strip(),
                      type_="oidc-refused")
    raw = request.cookies.get(LOGIN_COOKIE)
    try:
        login_state = jwt.decode(raw or "", s.session_secret, algorithms=["HS256"])
    except jwt.PyJWTError as exc:
        raise Problem(400, "Bad Request", "the sign-in attempt expired or was not started here; sign in again",
                      type_="oidc-state") from exc
    if not code or not state or not secrets.compare_digest(state, login_state["state"]):
        raise Problem(400, "Bad Request", "the sign-in state does not match; sign in again", type_="oidc-state")
    tokens = await oidc.exchange(code, login_state["verifier"])
    try:
        await oidc.verify_id_token(tokens.get("id_token", ""), login_state["nonce"])
    except (jwt.PyJWTError, httpx.HTTPError) as exc:
        raise Problem(401, "Unauthorized", f"the provider's ID token is not valid: {exc}", type_="invalid-token") from exc
    forwarded = tokens.get(s.oidc_forward_token)
    if not forwarded:
        raise Problem(401, "Unauthorized", f"the provider returned no {s.oidc_forward_token}", type_="invalid-token")
    principal = await request.app.state.verifier.verify(forwarded)  # what the services will accept, or 401 now
    claims = jwt.decode(forwarded, options={"verify_signature": False})
    response = RedirectResponse(login_state["next"], status_code=302)
    _set_session(response, s, forwarded, int(claims["exp"]) - int(time.time()))
    if tokens.get("refresh_token"):  # kept for silent renewal (renew_if_due); never readable by the page
        max_age = tokens.get("refresh_expires_in")
        response.set_cookie(s.refresh_cookie_name, tokens["refresh_token"], httponly=True, secure=s.secure_cookies,
                            samesite="lax", path="/", max_age=int(max_age) if isinstance(max_age, int) and max_age > 0
                            else s.oidc_refresh_max_age_s)
    response.delete_cookie(LOGIN_COOKIE, path="/auth")
    del principal
    return response
