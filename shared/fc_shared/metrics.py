"""Prometheus metrics: RED per route template, outbox lag, consumer lag, handler errors."""
from __future__ import annotations

import time

from prometheus_client import Counter, Gauge, Histogram
from starlette.requests import Request

HTTP_REQUESTS = Counter("fc_http_requests_total", "HTTP requests", ["service", "method", "route", "status"])
HTTP_LATENCY = Histogram(
    "fc_http_request_duration_seconds", "HTTP request latency", ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
OUTBOX_UNSENT = Gauge("fc_outbox_unsent", "Outbox rows not yet published", ["service"])
OUTBOX_OLDEST_AGE = Gauge("fc_outbox_oldest_unsent_age_seconds", "Age of the oldest unsent outbox row", ["service"])
OUTBOX_PUBLISHED = Counter("fc_outbox_published_total", "Events published by the relay", ["service"])
OUTBOX_REPUBLISHED = Counter("fc_outbox_republished_total", "Rows marked for republication", ["service"])
BROKER_UP = Gauge("fc_broker_up", "1 when the broker answered the last check", ["service"])
CONSUMER_LAG = Gauge("fc_consumer_lag", "High watermark minus committed offset", ["service", "topic", "partition"])
EVENTS_HANDLED = Counter("fc_events_handled_total", "Events handled", ["service", "type", "outcome"])
HANDLER_ERRORS = Counter("fc_event_handler_errors_total", "Handler failures (each attempt)", ["service", "type"])
DEAD_LETTERS = Counter("fc_dead_letters_total", "Events sent to a dead-letter topic", ["service", "type"])
READ_CACHE = Counter("fc_read_cache_total", "Cached reads: answers served again (hit) or built (miss)",
                     ["service", "outcome"])


def route_template(request: Request | dict) -> str:
    # The router records the matched route in the scope; never label with a raw path:
    # unbounded label values would blow up the series count.
    scope = request if isinstance(request, dict) else request.scope
    route = scope.get("route")
    return getattr(route, "path", None) or "unmatched"


class MetricsMiddleware:
    """RED per route template. Plain ASGI: ``BaseHTTPMiddleware`` runs the app in a task of its own
    behind memory streams, a cost on every request; the status comes from ``http.response.start``
    and a request whose app raised counts as 500."""

    def __init__(self, app, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_status(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = route_template(scope)
            HTTP_REQUESTS.labels(self.service, scope["method"], route, str(status)).inc()
            HTTP_LATENCY.labels(self.service, scope["method"], route).observe(time.perf_counter() - start)


def gauge_job(gauge: Gauge, collect):
    """A background job that refreshes a domain gauge from the service's own database.

    ``collect(session)`` returns ``{label_values_tuple: value}``; the gauge is replaced
    as a whole so a label that disappears from the data disappears from the gauge.
    """
    from .periodic import every

    async def refresh_domain_gauge(runtime) -> None:
        async def refresh() -> None:
            async with runtime.sessions() as session:
                values = await collect(session)
            gauge.clear()
            for labels, value in values.items():
                gauge.labels(*labels).set(value)

        await every(runtime.platform.domain_gauge_interval_s, refresh, name=f"refresh {gauge._name}")

    refresh_domain_gauge.__name__ = f"refresh_{gauge._name}"
    return refresh_domain_gauge
