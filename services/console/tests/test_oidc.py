"""Production sign-in: authorization code with PKCE against a small OpenID Connect provider on loopback."""
import asyncio
import base64
import hashlib
import secrets
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse

from fc_console.main import create_app
from fc_console.settings import ConsoleSettings
from fc_shared.settings import PlatformSettings

from .conftest import free_port

CLIENT_ID = "fc-console"


def fake_provider(port: int) -> FastAPI:
    """Discovery, authorize (signs the user in at once), token (checks the PKCE verifier), JWKS."""
    issuer = f"http://127.0.0.1:{port}"
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True) | {"kid": "k1", "use": "sig", "alg": "RS256"}
    codes: dict[str, dict] = {}
    app = FastAPI()
    app.state.token_requests = []

    @app.get("/.well-known/openid-configuration")
    async def discovery():
        return {"issuer": issuer, "authorization_endpoint": f"{issuer}/authorize", "token_endpoint": f"{issuer}/token",
                "jwks_uri": f"{issuer}/jwks", "code_challenge_methods_supported": ["S256"]}

    @app.get("/jwks")
    async def jwks():
        return {"keys": [jwk]}

    @app.get("/authorize")
    async def authorize(request: Request):
        q = request.query_params
        assert q["response_type"] == "code" and q["client_id"] == CLIENT_ID and q["code_challenge_method"] == "S256"
        code = f"code-{len(codes)}"
        codes[code] = dict(q)
        return RedirectResponse(f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}", status_code=302)

    app.state.access_ttl = 3600  # a test shortens it to have the console renew
    app.state.refresh_tokens = {}  # live refresh token → user; each is used once (rotation)

    def tokens(nonce: str | None) -> dict:
        now = int(time.time())
        sign = lambda claims: jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})  # noqa: E731
        refresh = f"rt-{secrets.token_urlsafe(8)}"
        app.state.refresh_tokens[refresh] = "u-42"
        out = {"token_type": "Bearer", "expires_in": app.state.access_ttl, "refresh_token": refresh,
               "refresh_expires_in": 7200,
               "access_token": sign({"iss": issuer, "aud": "fc-platform", "sub": "u-42", "iat": now,
                                     "exp": now + app.state.access_ttl, "role": "street", "street_code": "S07",
                                     "jti": secrets.token_hex(4)})}
        if nonce is not None:
            out["id_token"] = sign({"iss": issuer, "aud": CLIENT_ID, "sub": "u-42", "iat": now, "exp": now + 3600,
                                    "nonce": nonce})
        return out

    @app.post("/token")
    async def token(grant_type: str = Form(), client_id: str = Form(), code: str | None = Form(None),
                    redirect_uri: str | None = Form(None), code_verifier: str | None = Form(None),
                    refresh_token: str | None = Form(None)):
        if grant_type == "refresh_token":
            app.state.token_requests.append(refresh_token)
            if client_id != CLIENT_ID or app.state.refresh_tokens.pop(refresh_token or "", None) is None:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            return tokens(None)
        app.state.token_requests.append(code)
        req = codes.pop(code or "", None)
        challenge = base64.urlsafe_b64encode(hashlib.sha256((code_verifier or "").encode()).digest()).decode().rstrip("=")
        if req is None or grant_type != "authorization_code" or client_id != CLIENT_ID \
                or redirect_uri != req["redirect_uri"] or challenge != req["code_challenge"]:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        return tokens(req["nonce"])

    return app


@pytest.fixture(scope="module")
def provider():
    port = free_port()
    app = fake_provider(port)
    with serve_on(app, port) as url:
        yield url, app


def serve_on(app, port):
    import threading
    from contextlib import contextmanager

    import uvicorn

    @contextmanager
    def run():
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline, "fake provider did not start"
            time.sleep(0.02)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            thread.join(5)

    return run()


def production(issuer: str) -> ConsoleSettings:
    return ConsoleSettings(
        oidc_issuer=issuer, oidc_client_id=CLIENT_ID, oidc_redirect_uri="https://console.test/auth/callback",
        session_secret="a-real-session-secret-for-this-test-only",
        platform=PlatformSettings(env="production", jwt_jwks_url=f"{issuer}/jwks", jwt_issuer=issuer))


async def test_code_flow_with_pkce_sets_the_session_cookie(provider):
    issuer, _ = provider
    app = create_app(production(issuer))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="https://console.test") as console:
        assert (await console.get("/auth/config")).json() == {"dev_signin": False, "oidc": True, "roles": list(
            ("district_office", "street", "department", "finance", "integration", "auditor"))}
        r = await console.post("/auth/dev-signin", json={"role": "district_office"},
                               headers={"X-Requested-With": "fc-console"})
        assert r.status_code == 404  # no development sign-in in production
        r = await console.get("/auth/login", params={"next": "/board"})
        assert r.status_code == 302
        to_provider = urlsplit(r.headers["location"])
        params = parse_qs(to_provider.query)
        assert params["code_challenge_method"] == ["S256"] and len(params["code_challenge"][0]) == 43
        async with httpx.AsyncClient() as browser:
            back = await browser.get(r.headers["location"])
        assert back.status_code == 302
        callback = urlsplit(back.headers["location"])
        r = await console.get(f"{callback.path}?{callback.query}")
        assert r.status_code == 302 and r.headers["location"] == "/board", r.text
        cookie = [c for c in r.headers.get_list("set-cookie") if c.startswith("fc_session=")][0]
        assert "HttpOnly" in cookie and "Secure" in cookie
        session = (await console.get("/auth/session")).json()
        assert session["role"] == "street" and session["street_code"] == "S07" and session["sub"] == "u-42"


async def test_a_callback_with_another_state_or_without_the_login_cookie_is_refused(provider):
    issuer, fake = provider
    app = create_app(production(issuer))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="https://console.test") as console:
        r = await console.get("/auth/login")
        async with httpx.AsyncClient() as browser:
            back = await browser.get(r.headers["location"])
        code = parse_qs(urlsplit(back.headers["location"]).query)["code"][0]
        seen = len(fake.state.token_requests)
        r = await console.get("/auth/callback", params={"code": code, "state": "forged"})
        assert r.status_code == 400 and r.json()["type"].endswith("/oidc-state")
        console.cookies.clear()
        r = await console.get("/auth/callback", params={"code": code, "state": "x"})
        assert r.status_code == 400
        assert len(fake.state.token_requests) == seen  # the code was never sent to the provider
        assert (await console.get("/auth/session")).status_code == 401


async def _signed_in(console: httpx.AsyncClient) -> None:
    r = await console.get("/auth/login", params={"next": "/funding"})
    async with httpx.AsyncClient() as browser:
        back = await browser.get(r.headers["location"])
    callback = urlsplit(back.headers["location"])
    r = await console.get(f"{callback.path}?{callback.query}")
    assert r.status_code == 302, r.text
    refresh = [c for c in r.headers.get_list("set-cookie") if c.startswith("fc_refresh=")]
    assert refresh and "HttpOnly" in refresh[0] and "Secure" in refresh[0] and "Max-Age=7200" in refresh[0]


async def test_an_expiring_session_is_renewed_silently_with_the_refresh_token(provider):
    issuer, fake = provider
    fake.state.access_ttl = 30  # inside the console's 60 s renewal margin
    app = create_app(production(issuer))
    try:
        async with app.router.lifespan_context(app), httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="https://console.test") as console:
            await _signed_in(console)
            first_token, first_refresh = console.cookies["fc_session"], console.cookies["fc_refresh"]
            fake.state.access_ttl = 3600
            seen = len(fake.state.token_requests)
            # The page asks several things at once with the same cookies: one renewal at the provider serves them all.
            answers = await asyncio.gather(*(console.get("/auth/session") for _ in range(3)))
            assert [a.status_code for a in answers] == [200, 200, 200]
            assert fake.state.token_requests[seen:] == [first_refresh]
            assert console.cookies["fc_session"] != first_token and console.cookies["fc_refresh"] != first_refresh
            assert answers[0].json()["expires_at"] > time.time() + 3000
            # Now fresh: no renewal.
            assert (await console.get("/auth/session")).status_code == 200
            assert len(fake.state.token_requests) == seen + 1
            # The browser dropped the expired session cookie; the refresh cookie still brings the user back in.
            console.cookies.delete("fc_session")
            r = await console.get("/auth/session")
            assert r.status_code == 200 and r.json()["street_code"] == "S07"
    finally:
        fake.state.access_ttl = 3600


async def test_the_proxy_renews_before_forwarding_and_a_refused_renewal_ends_the_session(provider):
    issuer, fake = provider
    seen_auth: list[str | None] = []

    async def upstream(request: httpx.Request) -> httpx.Response:
        seen_auth.append(request.headers.get("authorization"))
        return httpx.Response(200 if request.headers.get("authorization") else 401, stream=httpx.ByteStream(b"{}"))

    app = create_app(production(issuer), upstream_transport=httpx.MockTransport(upstream))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="https://console.test") as console:
        await _signed_in(console)
        console.cookies.delete("fc_session")  # expired and dropped by the browser
        r = await console.get("/api/registry/api/v1/projects")
        assert r.status_code == 200
        renewed = console.cookies["fc_session"]
        assert seen_auth[-1] == f"Bearer {renewed}"
        # The provider no longer honours the refresh token (revoked, or the user signed out there).
        fake.state.refresh_tokens.clear()
        console.cookies.delete("fc_session")
        r = await console.get("/api/registry/api/v1/projects")
        assert r.status_code == 401 and seen_auth[-1] is None
        assert "fc_refresh" not in console.cookies  # cleared: no renewal is tried again on every request
        r = await console.get("/auth/session")
        assert r.status_code == 401
        # Sign-out clears both cookies server-side.
        await _signed_in(console)
        r = await console.post("/auth/signout", headers={"X-Requested-With": "fc-console"})
        assert r.status_code == 204
        assert "fc_session" not in console.cookies and "fc_refresh" not in console.cookies
        assert (await console.get("/auth/session")).status_code == 401
