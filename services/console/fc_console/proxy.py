"""``/api/<service>/…`` → that service's ``/…``, streamed both ways, with the session as the bearer token."""
from __future__ import annotations

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from fc_shared.errors import Problem

from .signin import CSRF_HEADER, CSRF_VALUE, renew_if_due, session_token, settings_of

router = APIRouter(tags=["proxy"])

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
              "transfer-encoding", "upgrade", "host", "cookie", "authorization", CSRF_HEADER}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@router.api_route("/api/{service}/{path:path}", methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
                  include_in_schema=False)
async def proxy(service: str, path: str, request: Request):
    settings = settings_of(request)
    base = settings.upstream(service)
    if base is None:
        raise Problem(404, "Not Found", f"no service called {service!r}")
    if request.method not in SAFE_METHODS and request.headers.get(CSRF_HEADER) != CSRF_VALUE:
        raise Problem(403, "Forbidden", f"missing {CSRF_HEADER}: {CSRF_VALUE} header", type_="csrf")
    headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
    renewal = await renew_if_due(request)  # an expiring OIDC session is renewed first, with its refresh token
    token = renewal.token or session_token(request)
    if token:
        headers["authorization"] = f"Bearer {token}"
    headers["x-forwarded-host"] = request.headers.get("host", "")
    if request.client:
        headers["x-forwarded-for"] = request.client.host
    client: httpx.AsyncClient = request.app.state.upstream
    body = request.stream() if request.method not in SAFE_METHODS else None
    upstream_request = client.build_request(request.method, f"{base.rstrip('/')}/{path}",
                                            params=request.url.query or None, headers=headers, content=body)
    try:
        upstream = await client.send(upstream_request, stream=True)
    except httpx.TimeoutException as exc:
        raise Problem(504, "Gateway Timeout", f"{service} did not answer in time", type_="upstream-timeout") from exc
    except httpx.TransportError as exc:
        raise Problem(502, "Bad Gateway", f"{service} is unreachable", type_="upstream-unreachable") from exc
    out_headers = [(k, v) for k, v in upstream.headers.multi_items() if k.lower() not in HOP_BY_HOP
                   and k.lower() != "set-cookie"]
    response = StreamingResponse(upstream.aiter_raw(), status_code=upstream.status_code,
                                 background=BackgroundTask(upstream.aclose))
    response.raw_headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in out_headers]
    return renewal.apply(response, settings)
