"""Which addresses an outgoing request may reach (SSRF): never inside the platform's own network.

A URL someone else gave us (a webhook endpoint) is resolved, every address it resolves to
is checked, and the connection goes to the address that was checked — so a DNS answer that
changes between the check and the connect (rebinding) cannot redirect it. The TLS server name
and the ``Host`` header stay the URL's host, so certificates are verified as usual.

Refused unless an allow-list network contains the address: loopback, private (RFC 1918,
unique-local), link-local, multicast, unspecified, reserved and other non-global ranges, and
IPv4-mapped / 6to4 IPv6 forms. Cloud metadata addresses are refused even when allow-listed.
"""
from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Instance metadata services: AWS/GCP/Azure/OpenStack (169.254.169.254), AWS over IPv6, Alibaba Cloud.
METADATA = frozenset(ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200"))
LOOPBACK = ("127.0.0.0/8", "::1/128")


class AddressRefused(httpx.TransportError):
    """The destination is not one this platform may connect to (raised before any connection is made)."""


def parse_networks(values: Iterable[str]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(v, strict=False) for v in values)


def _class_of(ip: IPAddress) -> str | None:
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_unspecified:
        return "the unspecified address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_private:
        return "a private address"
    if not ip.is_global or ip.is_reserved:
        return "a reserved (non-global) address"
    return None


@dataclass(frozen=True)
class AddressPolicy:
    """``allowed`` networks are permitted even though they are not public (e.g. loopback in development)."""

    allowed: tuple[IPNetwork, ...] = ()

    def _allowed(self, ip: IPAddress) -> bool:
        return any(ip.version == net.version and ip in net for net in self.allowed)

    def refusal(self, ip: IPAddress) -> str | None:
        """Why ``ip`` may not be reached, or None when it may."""
        if ip in METADATA:
            return "a cloud metadata address"
        if self._allowed(ip):
            return None
        if isinstance(ip, ipaddress.IPv6Address):
            embedded = ip.ipv4_mapped or ip.sixtofour
            if embedded is not None:
                if embedded in METADATA:
                    return "a cloud metadata address (embedded in IPv6)"
                kind = "an IPv4-mapped IPv6 address" if ip.ipv4_mapped else "a 6to4 IPv6 address"
                inner = _class_of(embedded)
                if ip.ipv4_mapped or inner:
                    return f"{kind}" + (f" of {inner}" if inner else "")
        return _class_of(ip)


class Resolver(Protocol):
    async def resolve(self, host: str, port: int) -> list[str]: ...


class SystemResolver:
    """The operating system's resolver, off the event loop (``getaddrinfo`` in a thread), bounded in time."""

    def __init__(self, timeout_s: float = 5.0) -> None:
        self.timeout_s = timeout_s

    async def resolve(self, host: str, port: int) -> list[str]:
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), self.timeout_s)
        except (OSError, TimeoutError):
            return []
        return list(dict.fromkeys(info[4][0] for info in infos))


@dataclass
class StaticResolver:
    """Fixed host entries (like /etc/hosts), then ``fallback`` (None: names not listed do not resolve)."""

    hosts: dict[str, list[str]] = field(default_factory=dict)
    fallback: Resolver | None = None

    async def resolve(self, host: str, port: int) -> list[str]:
        listed = self.hosts.get(host.lower().rstrip("."))
        if listed:
            return list(listed)
        return await self.fallback.resolve(host, port) if self.fallback else []


@dataclass(frozen=True)
class Destination:
    host: str
    port: int
    address: IPAddress


class EndpointGuard:
    """Resolves a URL's host and returns the one address a connection may go to, or raises ``AddressRefused``."""

    def __init__(self, policy: AddressPolicy, resolver: Resolver) -> None:
        self.policy = policy
        self.resolver = resolver

    async def destination(self, url: str | httpx.URL) -> Destination:
        parts = httpx.URL(str(url))
        host = parts.host
        port = parts.port or (443 if parts.scheme == "https" else 80)
        if not host:
            raise AddressRefused("the URL has no host")
        try:
            addresses = [ipaddress.ip_address(host)]
        except ValueError:
            addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in await self.resolver.resolve(host, port)]
        if not addresses:
            raise AddressRefused(f"{host} does not resolve")
        for address in addresses:
            # Every answer must pass: a name that also resolves inside could be made to connect there.
            reason = self.policy.refusal(address)
            if reason:
                shown = host if str(address) == host else f"{host} resolves to {address},"
                raise AddressRefused(f"{shown} {reason}; webhook endpoints must be public addresses")
        return Destination(host=host, port=port, address=addresses[0])

    async def problem(self, url: str) -> str | None:
        """Why ``url`` may not be a webhook endpoint, or None."""
        try:
            await self.destination(url)
        except AddressRefused as exc:
            return str(exc)
        return None


class GuardedTransport(httpx.AsyncBaseTransport):
    """An httpx transport that connects only to addresses the guard passed, pinned per request."""

    def __init__(self, guard: EndpointGuard, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self.guard = guard
        self.inner = inner or httpx.AsyncHTTPTransport(trust_env=False)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            target = await self.guard.destination(request.url)
        except AddressRefused as exc:
            raise AddressRefused(str(exc), request=request) from None
        if str(target.address) != target.host:
            # Connect to the checked address; Host header (already set) and TLS SNI stay the name.
            request.url = request.url.copy_with(host=str(target.address))
            if request.url.scheme == "https":
                request.extensions = {**request.extensions, "sni_hostname": target.host}
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


__all__ = ["AddressPolicy", "AddressRefused", "Destination", "EndpointGuard", "GuardedTransport", "LOOPBACK",
           "METADATA", "Resolver", "StaticResolver", "SystemResolver", "parse_networks"]
