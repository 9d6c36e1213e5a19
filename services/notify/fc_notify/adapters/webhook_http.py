"""Outbound HTTP for webhooks: one signed POST, bounded in time and in what it reads back."""
from __future__ import annotations

import asyncio
import time

import httpx

from fc_shared.netpolicy import EndpointGuard, GuardedTransport
from fc_shared.webhooks import headers_for

from ..domain.delivery import AttemptResult

USER_AGENT = "fc-notify/0.1 (+standard-webhooks)"


def webhook_client(max_connections: int, timeout_s: float, guard: EndpointGuard) -> httpx.AsyncClient:
    """One pooled client for every delivery: no redirects, no proxy settings from the environment, and
    each connection made to the address ``guard`` checked for that request (SSRF, DNS rebinding)."""
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=20)
    transport = GuardedTransport(guard, httpx.AsyncHTTPTransport(limits=limits, trust_env=False))
    return httpx.AsyncClient(follow_redirects=False, transport=transport, trust_env=False, timeout=timeout_s)


async def _read_capped(response: httpx.Response, cap: int) -> str:
    buf = bytearray()
    async for chunk in response.aiter_raw():
        buf += chunk
        if len(buf) >= cap:
            break
    return bytes(buf[:cap]).decode("utf-8", errors="replace")


async def send_webhook(client: httpx.AsyncClient, claim, settings) -> AttemptResult:
    """One signed POST: whole exchange bounded by the timeout, body read up to the excerpt cap, no redirects."""
    headers = {**headers_for(list(claim.secrets), claim.event_id, claim.body), "user-agent": USER_AGENT}
    code: int | None = None
    excerpt, error, retry_after = "", None, None
    started = time.perf_counter()
    try:
        async with asyncio.timeout(settings.delivery_timeout_s):
            async with client.stream("POST", claim.url, content=claim.body, headers=headers) as response:
                code = response.status_code
                retry_after = response.headers.get("retry-after")
                excerpt = await _read_capped(response, settings.response_excerpt_bytes)
    except TimeoutError:
        error = f"no complete answer within {settings.delivery_timeout_s:g} s"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    latency_ms = round((time.perf_counter() - started) * 1000)
    return AttemptResult(status_code=code, latency_ms=latency_ms, excerpt=excerpt, error=error,
                         retry_after=retry_after)
