"""RFC 9457 problem details for every error path."""
from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"
_HTTP_METHODS = {"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"}
TYPE_BASE = "https://future-community.example/problems/"


class Problem(Exception):
    """Raise to answer with a problem document; ``type_`` is a short slug."""

    def __init__(self, status: int, title: str, detail: str | None = None, *, type_: str | None = None,
                 headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail or title)
        self.headers = headers
        if status == 401 and headers is None:
            self.headers = {"WWW-Authenticate": "Bearer"}
        self.status = status
        self.title = title
        self.detail = detail
        self.type_ = type_
        self.extra = extra


class ProblemModel(BaseModel):
    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[dict[str, Any]] | None = None

    model_config = {"extra": "allow"}


def problem_response(request: Request, status: int, title: str, detail: str | None = None,
                     type_: str | None = None, headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_BASE + type_ if type_ else "about:blank",
        "title": title,
        "status": status,
        "instance": request.url.path,
    }
    if detail:
        body["detail"] = detail
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


_TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
           406: "Not Acceptable", 409: "Conflict", 413: "Content Too Large", 415: "Unsupported Media Type",
           422: "Unprocessable Content", 429: "Too Many Requests", 500: "Internal Server Error",
           503: "Service Unavailable"}


def _clean_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for err in errors:
        out.append({"loc": [str(p) for p in err.get("loc", ())], "msg": str(err.get("msg", "")), "type": str(err.get("type", ""))})
    return out


def _method_table(app) -> list[tuple[re.Pattern, set[str]]]:
    table = getattr(app.state, "allowed_methods_table", None)
    if table is None:
        table = []
        for template, operations in app.openapi().get("paths", {}).items():
            pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
            methods = {m.upper() for m in operations if m.upper() in _HTTP_METHODS}
            if "GET" in methods:
                methods.add("HEAD")  # Starlette answers HEAD wherever it answers GET
            table.append((re.compile(pattern + "$"), methods))
        app.state.allowed_methods_table = table
    return table


def allowed_methods(request: Request) -> str | None:
    """Every method the API documents at this path. FastAPI makes one route per method, and
    Starlette's own 405 names only the first route whose path matched."""
    methods: set[str] = set()
    for pattern, allowed in _method_table(request.app):
        if pattern.match(request.url.path):
            methods |= allowed
    return ", ".join(sorted(methods)) if methods else None


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem):
        return problem_response(request, exc.status, exc.title, exc.detail, exc.type_, headers=exc.headers,
                                **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return problem_response(request, 400, "Malformed JSON", "The request body is not valid JSON.",
                                    "malformed-json", errors=_clean_errors(errors))
        return problem_response(request, 422, "Validation failed", "The request did not pass validation.",
                                "validation", errors=_clean_errors(errors))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else None
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405 and (allow := allowed_methods(request)):
            headers = {**(headers or {}), "Allow": allow}
        return problem_response(request, exc.status_code, _TITLES.get(exc.status_code, "Error"), detail,
                                headers=headers)

    @app.exception_handler(Exception)
    async def _unhandled(request: Request, exc: Exception):
        log.exception("unhandled error")
        return problem_response(request, 500, "Internal Server Error", "An unexpected error occurred.")


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ProblemModel, "content": {PROBLEM: {}}, "description": _TITLES[status]}
    for status in (400, 401, 403, 404, 409, 422, 503)  # 503: sign-in provider unreachable (production JWKS)
}
