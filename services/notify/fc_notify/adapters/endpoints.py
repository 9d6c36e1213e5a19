"""Where webhooks may go: notify's settings turned into the shared SSRF guard (fc_shared.netpolicy)."""
from __future__ import annotations

from fc_shared.netpolicy import AddressPolicy, EndpointGuard, Resolver, StaticResolver, SystemResolver, parse_networks

from ..settings import NotifySettings


def endpoint_guard(settings: NotifySettings, resolver: Resolver | None = None) -> EndpointGuard:
    """The policy from ``NOTIFY_WEBHOOK_ALLOWED_NETWORKS``; names from ``NOTIFY_WEBHOOK_HOSTS``, then DNS."""
    if resolver is None:
        fallback = SystemResolver(settings.webhook_resolve_timeout_s) if settings.webhook_resolver == "system" else None
        resolver = StaticResolver({h.lower(): a for h, a in settings.webhook_hosts.items()}, fallback)
    return EndpointGuard(AddressPolicy(parse_networks(settings.allowed_webhook_networks)), resolver)
