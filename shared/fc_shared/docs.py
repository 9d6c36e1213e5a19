"""The API docs page (``/docs``), served entirely by the service itself.

District intranets have no route to the internet, so FastAPI's default page (assets from a
public CDN, favicon from FastAPI's site) renders blank there. Swagger UI's distribution comes
from the ``swagger-ui-bundle-v2`` wheel pinned in ``constraints.txt``; only the files the page
needs are served, under a versioned path, and a Content-Security-Policy keeps the browser from
loading anything from another origin even if a future asset tried to.
"""
from __future__ import annotations

import html
import json
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from swagger_ui_bundle import swagger_ui_path

from .errors import Problem

SWAGGER_UI_DIR = Path(str(swagger_ui_path))
SWAGGER_UI_VERSION = SWAGGER_UI_DIR.name.removeprefix("swagger-ui-")
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
    "favicon-16x16.png": "image/png",
}
ASSET_PREFIX = f"/docs/assets/{SWAGGER_UI_VERSION}"
# Swagger UI styles elements inline and draws icons as data: SVGs; scripts come only from this origin.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")

DEV_TOKEN_HINT = (
    "In development, mint a token with `make token ROLE=district_office` (scoped roles: "
    "`make token ROLE=street STREET=S01`, `make token ROLE=department DEPARTMENT=housing`, "
    "`make token ROLE=integration SCOPE=city`; also `finance`, `auditor`)."
)


def api_description(description: str, env: str) -> str:
    """The OpenAPI description: the service's own text plus how to authorize on the docs page."""
    auth = ("**Authorize**: every endpoint but `/healthz`, `/readyz` and the public read API needs "
            "`Authorization: Bearer <JWT>`. Press *Authorize* and paste the token.")
    if env == "development":
        auth += " " + DEV_TOKEN_HINT
    return f"{description}\n\n{auth}" if description else auth


def _page(title: str, root: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} — API docs</title>
<link rel="icon" type="image/png" sizes="32x32" href="{root}{ASSET_PREFIX}/favicon-32x32.png">
<link rel="icon" type="image/png" sizes="16x16" href="{root}{ASSET_PREFIX}/favicon-16x16.png">
<link rel="stylesheet" href="{root}{ASSET_PREFIX}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{root}{ASSET_PREFIX}/swagger-ui-bundle.js"></script>
<script src="{root}/docs/init.js"></script>
</body>
</html>
"""


def _init_script(openapi_url: str, persist_authorization: bool) -> str:
    config = {
        "url": openapi_url,
        "dom_id": "#swagger-ui",
        "deepLinking": True,
        "layout": "BaseLayout",
        # The default validator badge is an image from a public host; never show it.
        "validatorUrl": None,
        "persistAuthorization": persist_authorization,
        "displayRequestDuration": True,
        "tryItOutEnabled": False,
    }
    return ("window.ui = SwaggerUIBundle(Object.assign(" + json.dumps(config) + ", {\n"
            "  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset]\n"
            "}));\n")


def install_docs(app: FastAPI, env: str) -> None:
    """Serve ``/docs`` (Swagger UI) from this process; the app must be built with ``docs_url=None``."""
    persist = env == "development"  # a token kept in the browser's storage is a convenience, not for production

    def root_of(request: Request) -> str:
        return request.scope.get("root_path", "").rstrip("/")

    @app.get("/docs", include_in_schema=False)
    async def docs_page(request: Request) -> HTMLResponse:
        return HTMLResponse(_page(html.escape(app.title), root_of(request)), headers={"Content-Security-Policy": CSP})

    @app.get("/docs/init.js", include_in_schema=False)
    async def docs_init(request: Request) -> Response:
        return Response(_init_script(root_of(request) + (app.openapi_url or "/openapi.json"), persist),
                        media_type="text/javascript; charset=utf-8", headers={"Cache-Control": "no-cache"})

    @app.get(ASSET_PREFIX + "/{name}", include_in_schema=False)
    async def docs_asset(name: str) -> FileResponse:
        if name not in ASSETS:
            raise Problem(404, "Not Found", f"no docs asset {name!r}", type_="not-found")
        return FileResponse(SWAGGER_UI_DIR / name, media_type=ASSETS[name],
                            headers={"Cache-Control": "public, max-age=31536000, immutable"})


__all__ = ["ASSET_PREFIX", "SWAGGER_UI_VERSION", "api_description", "install_docs"]
