"""The console: routing to the services, development sign-in, the front end's fallback."""
import jwt
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from fc_console.main import create_app
from fc_console.settings import ConsoleSettings
from fc_shared.settings import PlatformSettings

from .conftest import client_for, free_port, serve

CSRF = {"X-Requested-With": "fc-console"}


def upstream_app() -> FastAPI:
    app = FastAPI()

    @app.api_route("/api/v1/echo/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    async def echo(rest: str, request: Request):
        body = await request.body()
        return JSONResponse({"method": request.method, "path": request.url.path, "query": request.url.query,
                             "authorization": request.headers.get("authorization"),
                             "cookie": request.headers.get("cookie"), "body": body.decode()},
                            headers={"x-upstream": "yes"})

    @app.get("/api/v1/problem")
    async def problem():
        return JSONResponse({"type": "about:blank", "title": "Conflict", "status": 409, "detail": "已发布"},
                            status_code=409, media_type="application/problem+json")

    @app.get("/api/v1/stream")
    async def stream():
        async def chunks():
            for i in range(100):
                yield f"{i:04d}\n".encode()
        return StreamingResponse(chunks(), media_type="text/plain")

    return app


@pytest.fixture(scope="module")
def upstream_url():
    with serve(upstream_app()) as url:
        yield url


def make_settings(upstream: str = "http://127.0.0.1:9", **kw) -> ConsoleSettings:
    return ConsoleSettings(registry_url=upstream, funding_url=upstream, inspection_url=upstream, notify_url=upstream,
                           platform=PlatformSettings(env="development"), **kw)


async def signed_in(client, **body):
    r = await client.post("/auth/dev-signin", json=body, headers=CSRF)
    assert r.status_code == 200, r.text
    return r


async def test_proxy_routes_to_the_service_with_the_session_as_bearer(upstream_url):
    app = create_app(make_settings(upstream_url))
    async with app.router.lifespan_context(app), client_for(app) as client:
        r = await signed_in(client, role="street", street_code="S01")
        cookie = r.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "fc_session=" in cookie
        token = client.cookies["fc_session"]
        r = await client.post("/api/registry/api/v1/echo/a/b?limit=5&cursor=x", json={"名称": "社区"}, headers=CSRF)
        assert r.status_code == 200
        got = r.json()
        assert got["method"] == "POST" and got["path"] == "/api/v1/echo/a/b" and got["query"] == "limit=5&cursor=x"
        assert got["authorization"] == f"Bearer {token}"
        assert got["cookie"] is None  # the browser's cookies stay at the console
        assert got["body"] == '{"名称":"社区"}'
        assert r.headers["x-upstream"] == "yes"
        claims = jwt.decode(token, "dev-secret-change-me", audience="fc-platform", algorithms=["HS256"])
        assert claims["role"] == "street" and claims["street_code"] == "S01"


async def test_problems_and_streams_pass_through_unchanged(upstream_url):
    app = create_app(make_settings(upstream_url))
    async with app.router.lifespan_context(app), client_for(app) as client:
        r = await client.get("/api/inspection/api/v1/problem")
        assert r.status_code == 409
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["detail"] == "已发布"
        r = await client.get("/api/funding/api/v1/stream")
        assert r.text == "".join(f"{i:04d}\n" for i in range(100))


async def test_without_a_session_no_authorization_is_sent(upstream_url):
    app = create_app(make_settings(upstream_url))
    async with app.router.lifespan_context(app), client_for(app) as client:
        r = await client.get("/api/registry/api/v1/echo/x", headers={"Authorization": "Bearer forged"})
        assert r.json()["authorization"] is None


async def test_unsafe_requests_need_the_console_header_and_unknown_services_are_404(upstream_url):
    app = create_app(make_settings(upstream_url))
    async with app.router.lifespan_context(app), client_for(app) as client:
        r = await client.post("/api/registry/api/v1/echo/x", json={})
        assert r.status_code == 403 and r.json()["type"].endswith("/csrf")
        r = await client.post("/auth/dev-signin", json={"role": "finance"})
        assert r.status_code == 403
        r = await client.get("/api/billing/api/v1/x")
        assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"


async def test_an_unreachable_service_is_a_502_problem():
    app = create_app(make_settings(f"http://127.0.0.1:{free_port()}"))
    async with app.router.lifespan_context(app), client_for(app) as client:
        r = await client.get("/api/notify/api/v1/alerts")
        assert r.status_code == 502
        assert r.json()["detail"] == "notify is unreachable"


async def test_dev_signin_checks_the_scope_claim_and_session_reports_the_principal():
    app = create_app(make_settings())
    async with app.router.lifespan_context(app), client_for(app) as client:
        assert (await client.get("/auth/session")).status_code == 401
        r = await client.post("/auth/dev-signin", json={"role": "street"}, headers=CSRF)
        assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "street_code"]
        r = await client.post("/auth/dev-signin", json={"role": "mayor"}, headers=CSRF)
        assert r.status_code == 422
        await signed_in(client, role="department", department_code="housing")
        s = (await client.get("/auth/session")).json()
        assert s["role"] == "department" and s["department_code"] == "housing"
        assert (await client.get("/auth/config")).json()["dev_signin"] is True
        r = await client.post("/auth/signout", headers=CSRF)
        assert r.status_code == 204
        assert (await client.get("/auth/session")).status_code == 401


async def test_a_forged_cookie_is_refused():
    app = create_app(make_settings())
    async with app.router.lifespan_context(app), client_for(app) as client:
        forged = jwt.encode({"sub": "x", "role": "district_office", "exp": 9999999999, "aud": "fc-platform"},
                            "wrong-key", algorithm="HS256")
        client.cookies.set("fc_session", forged)
        assert (await client.get("/auth/session")).status_code == 401


def test_outside_development_the_console_needs_oidc_and_a_real_secret():
    with pytest.raises(ValueError):
        ConsoleSettings(platform=PlatformSettings(env="production", jwt_secret="a-real-secret-0123456789"))


async def test_spa_fallback_serves_index_and_assets(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "app.js").write_text("console.log(1)")
    (tmp_path / "index.html").write_text("<html>工作台</html>")
    app = create_app(make_settings(web_dir=tmp_path))
    async with app.router.lifespan_context(app), client_for(app) as client:
        r = await client.get("/board")
        assert r.status_code == 200 and "工作台" in r.text
        assert "default-src 'self'" in r.headers["content-security-policy"]
        assert (await client.get("/assets/app.js")).text == "console.log(1)"
        assert (await client.get("/../../etc/passwd")).text == "<html>工作台</html>"
        assert (await client.get("/auth/nothing")).status_code == 404


async def test_the_district_boundary_is_optional(tmp_path):
    app = create_app(make_settings())
    async with app.router.lifespan_context(app), client_for(app) as client:
        assert (await client.get("/district.geojson")).status_code == 404
    geo = tmp_path / "d.geojson"
    geo.write_text('{"type": "FeatureCollection", "features": []}')
    app = create_app(make_settings(district_geojson=geo))
    async with app.router.lifespan_context(app), client_for(app) as client:
        r = await client.get("/district.geojson")
        assert r.status_code == 200 and r.json()["type"] == "FeatureCollection"
