"""The docs page is served by the service itself: no CDN, no outside favicon, bearer auth explained."""
from __future__ import annotations

import re

import httpx
import pytest

from fc_shared.app import ServiceSpec, create_app
from fc_shared.db import new_metadata, spine_tables
from fc_shared.docs import ASSET_PREFIX, SWAGGER_UI_VERSION
from fc_shared.settings import PlatformSettings, ServiceSettings


def _app(env: str = "development"):
    metadata = new_metadata()
    platform = PlatformSettings(env=env, jwt_secret="a-real-secret-for-this-test-0123456789")
    settings = ServiceSettings(name="docstest", database_url="sqlite+aiosqlite:///:memory:", platform=platform)
    return create_app(ServiceSpec(name="docstest", settings=settings, spine=spine_tables(metadata), routers=[],
                                  description="A test service."))


async def _get(app, path: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        return await client.get(path)


async def test_the_page_loads_only_its_own_assets():
    page = await _get(_app(), "/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    refs = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sorted(refs) == sorted([f"{ASSET_PREFIX}/favicon-32x32.png", f"{ASSET_PREFIX}/favicon-16x16.png",
                                   f"{ASSET_PREFIX}/swagger-ui.css", f"{ASSET_PREFIX}/swagger-ui-bundle.js",
                                   "/docs/init.js"])
    assert "http" not in page.text
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp and "http" not in csp


async def test_the_page_honours_a_root_path_behind_a_proxy():
    app = _app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, root_path="/registry"),
                                 base_url="http://testserver") as client:
        page = await client.get("/docs")
        init = await client.get("/docs/init.js")
    assert f'href="/registry{ASSET_PREFIX}/swagger-ui.css"' in page.text
    assert '"url": "/registry/openapi.json"' in init.text


@pytest.mark.parametrize("name, media", [("swagger-ui-bundle.js", "text/javascript"), ("swagger-ui.css", "text/css"),
                                         ("favicon-32x32.png", "image/png")])
async def test_assets_come_from_the_pinned_package(name, media):
    response = await _get(_app(), f"{ASSET_PREFIX}/{name}")
    assert response.status_code == 200 and response.headers["content-type"].startswith(media)
    assert "immutable" in response.headers["cache-control"]
    assert len(response.content) > 500


async def test_only_the_needed_files_of_the_distribution_are_served():
    # The distribution's own index.html and initializer point at a public petstore.
    for name in ("index.html", "swagger-initializer.js", "..%2Fswagger-ui.css", "oauth2-redirect.html"):
        response = await _get(_app(), f"{ASSET_PREFIX}/{name}")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"


async def test_redoc_and_the_oauth2_redirect_are_gone():
    for path in ("/redoc", "/docs/oauth2-redirect"):
        assert (await _get(_app(), path)).status_code == 404


async def test_init_script_turns_the_public_validator_badge_off():
    init = await _get(_app(), "/docs/init.js")
    assert init.status_code == 200 and init.headers["content-type"].startswith("text/javascript")
    assert '"validatorUrl": null' in init.text and '"url": "/openapi.json"' in init.text
    assert "http" not in init.text


async def test_bearer_scheme_and_the_dev_token_hint():
    dev = (await _get(_app("development"), "/openapi.json")).json()
    scheme = dev["components"]["securitySchemes"]["HTTPBearer"]
    assert (scheme["type"], scheme["scheme"], scheme["bearerFormat"]) == ("http", "bearer", "JWT")
    assert dev["info"]["description"].startswith("A test service.")
    assert "make token ROLE=district_office" in dev["info"]["description"]
    prod = (await _get(_app("production"), "/openapi.json")).json()
    assert "Authorize" in prod["info"]["description"]
    assert "make token" not in prod["info"]["description"]
    assert '"persistAuthorization": false' in (await _get(_app("production"), "/docs/init.js")).text


def test_the_pinned_distribution_renders_openapi_3_1():
    # FastAPI emits OpenAPI 3.1, which Swagger UI renders from 5.0 on.
    assert int(SWAGGER_UI_VERSION.split(".")[0]) >= 5
