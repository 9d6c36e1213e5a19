"""Console composition root: sign-in, the proxy to the four services, and the built front end."""
from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from fc_shared.auth import TokenVerifier
from fc_shared.errors import install_problem_handlers, problem_response
from fc_shared.logs import configure_logging

from . import proxy, signin
from .settings import ConsoleSettings

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
NOT_BUILT = """<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>区级工作台</title>
<p>前端尚未构建：请运行 <code>make install</code>（npm ci 与 vite build）。</p></html>"""


def create_app(settings: ConsoleSettings | None = None, *, upstream_transport: httpx.AsyncBaseTransport | None = None,
               oidc_transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    settings = settings or ConsoleSettings()
    configure_logging("console", settings.platform.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        timeout = httpx.Timeout(settings.upstream_timeout_s, connect=5.0)
        async with httpx.AsyncClient(transport=upstream_transport, timeout=timeout) as upstream, \
                httpx.AsyncClient(transport=oidc_transport, timeout=15) as oidc_http:
            app.state.upstream = upstream
            app.state.oidc = signin.OidcClient(settings, oidc_http)
            app.state.renewer = signin.SessionRenewer()
            yield

    app = FastAPI(title="fc-console", description="District console: front end, sign-in, one origin for the APIs.",
                  version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.state.verifier = TokenVerifier(settings.platform)
    install_problem_handlers(app)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        if not request.url.path.startswith("/api/"):
            response.headers.setdefault("Content-Security-Policy", CSP)
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
            response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.get("/healthz", include_in_schema=False)
    async def healthz():
        return {"status": "ok"}

    @app.get("/district.geojson", include_in_schema=False)
    async def district_geojson(request: Request):
        """The optional district boundary (CONSOLE_DISTRICT_GEOJSON); without one the map is drawn on plain axes."""
        path = settings.district_geojson
        if path is None or not path.is_file():
            return problem_response(request, 404, "Not Found", "no district boundary is configured")
        return FileResponse(path, media_type="application/geo+json")

    app.include_router(signin.router)
    app.include_router(proxy.router)

    web: Path = settings.web_dir
    assets = web / "assets"
    if assets.is_dir():
        app.mount("/assets", StaticFiles(directory=assets), name="assets")

    @app.get("/{path:path}", include_in_schema=False)
    async def spa(path: str, request: Request):
        """Every other path is the single-page app (React Router decides what it shows)."""
        if path.startswith(("api/", "auth/")):
            return problem_response(request, 404, "Not Found")
        candidate = (web / path).resolve()
        if path and candidate.is_file() and web.resolve() in candidate.parents:
            return FileResponse(candidate)
        index = web / "index.html"
        if not index.is_file():
            return HTMLResponse(NOT_BUILT, status_code=503)
        return FileResponse(index, headers={"Cache-Control": "no-cache"})

    return app


def __getattr__(name: str):
    # ``uvicorn fc_console.main:app`` builds the app from the environment on first use only.
    if name == "app":
        return create_app()
    raise AttributeError(name)
